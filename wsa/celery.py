import os

from celery import Celery
from celery.signals import task_postrun, task_prerun, worker_init, worker_process_init

from wsa.observability import tasks as _carry_request_context  # noqa: F401 - connects its signals
from wsa.observability.tracing import configure_tracing

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wsa.settings")

app = Celery("wsa")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def close_old_database_connections(**kwargs) -> None:
    """Around every task, what Django does around every request: close a connection that broke or
    outlived CONN_MAX_AGE, keep the others. (Celery itself would close it after every task, unless
    CELERY_DB_REUSE_MAX is set, and a new PostgreSQL backend costs more CPU than most of our tasks:
    bench/README.md, "Lifecycle".)"""
    if getattr(kwargs.get("task") and kwargs["task"].request, "is_eager", False):
        return  # inside the caller's request or transaction
    from django.db import close_old_connections

    close_old_connections()


@worker_process_init.connect
def trace_worker_process(**kwargs) -> None:
    """Tracing starts in each pool process (prefork children, solo), after the fork: an exporter's
    thread does not survive one."""
    configure_tracing(service_name="wsa-worker")


@worker_init.connect
def trace_thread_pool_worker(sender=None, **kwargs) -> None:
    """The threads pool has no pool process: its tasks run in the worker itself."""
    pool = getattr(sender, "pool_cls", "")
    if "thread" in (pool if isinstance(pool, str) else getattr(pool, "__module__", "")):
        configure_tracing(service_name="wsa-worker")
