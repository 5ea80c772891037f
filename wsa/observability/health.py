"""Readiness checks: can this process serve requests right now? Each check returns nothing or
raises; `readiness()` runs them all and names the failing ones. Failure details go to the log,
never into the answer (it is reachable without signing in).
"""

import logging
import os
import time

import redis
from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from kombu import Connection

logger = logging.getLogger(__name__)

# A key no one writes: asking whether it exists proves the storage answers (S3: a HEAD request).
STORAGE_PROBE_KEY = "readiness-probe/absent"
OK, FAILED, SKIPPED = "ok", "failed", "skipped"


def _timeout() -> float:
    return settings.WSA_READINESS_TIMEOUT_SECONDS


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def check_migrations() -> None:
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        raise RuntimeError(f"{len(plan)} migration(s) not applied, first {plan[0][0].app_label}.{plan[0][0].name}")


def check_redis() -> str | None:
    if not settings.REDIS_URL:
        return SKIPPED
    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=_timeout(), socket_connect_timeout=_timeout())
    try:
        client.ping()
    finally:
        client.close()
    return None


def check_broker() -> str | None:
    if settings.CELERY_BROKER_URL.startswith("memory://"):
        return SKIPPED  # embedded defaults: tasks run in the web process
    with Connection(settings.CELERY_BROKER_URL, connect_timeout=_timeout(),
                    transport_options={"socket_timeout": _timeout(), "socket_connect_timeout": _timeout()}) as broker:
        broker.ensure_connection(max_retries=1, timeout=_timeout())
    return None


def check_storage() -> None:
    storage = default_storage
    if isinstance(storage, FileSystemStorage):
        # exists() in a missing directory is just False: make sure the first upload could be written
        # (the storage creates its directory on the first save, as this does).
        location = storage.location
        os.makedirs(location, exist_ok=True)
        if not os.access(location, os.W_OK | os.X_OK):
            raise RuntimeError("storage directory not writable")
    storage.exists(STORAGE_PROBE_KEY)


CHECKS = {
    "database": check_database,
    "migrations": check_migrations,
    "redis": check_redis,
    "broker": check_broker,
    "storage": check_storage,
}


def readiness() -> tuple[bool, dict[str, str]]:
    """(ready, {check: ok | failed | skipped}). The migrations are only checked when the database answers."""
    results: dict[str, str] = {}
    for name, check in CHECKS.items():
        if name == "migrations" and results.get("database") == FAILED:
            results[name] = SKIPPED
            continue
        started = time.perf_counter()
        try:
            results[name] = check() or OK
        except Exception as exc:  # any failure makes the process unready; the reason goes to the log
            logger.warning("readiness: %s failed after %.2fs: %s: %s", name, time.perf_counter() - started,
                           type(exc).__name__, exc)
            results[name] = FAILED
    return all(result != FAILED for result in results.values()), results
