"""/healthz (alive) and /readyz (database, migrations, Redis, broker, storage). The failure paths are
real: closed ports, a missing storage volume, a migration recorded as not applied, a database that
does not answer."""

import json
import os
import socket
import subprocess
import sys
import textwrap

import pytest
from botocore.config import Config
from django.db.migrations.recorder import MigrationRecorder


def closed_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def ready(client):
    response = client.get("/readyz")
    return response.status_code, json.loads(response.content)


@pytest.mark.django_db
def test_healthz_answers_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200 and json.loads(response.content) == {"status": "ok"}
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405


@pytest.mark.django_db
def test_readyz_names_every_check_and_is_never_cached(client, settings):
    settings.REDIS_URL = ""  # the embedded defaults: no Redis, tasks run in the web process
    settings.CELERY_BROKER_URL = "memory://localhost/"
    status, body = ready(client)
    assert status == 200
    assert body == {"status": "ready", "failing": [], "checks": {
        "database": "ok", "migrations": "ok", "redis": "skipped", "broker": "skipped", "storage": "ok"}}
    response = client.head("/readyz")
    assert response.status_code == 200 and response.content == b""
    assert "no-store" in response["Cache-Control"]
    assert client.post("/readyz").status_code == 405


@pytest.mark.django_db
def test_an_unreachable_redis_makes_the_process_unready(client, settings):
    port = closed_port()
    settings.REDIS_URL = f"redis://127.0.0.1:{port}/0"
    status, body = ready(client)
    assert status == 503
    assert body["status"] == "unready" and body["failing"] == ["redis"]
    assert str(port) not in json.dumps(body)  # the reason is logged, not shown


@pytest.mark.django_db
@pytest.mark.parametrize("scheme", ["redis", "amqp"])
def test_an_unreachable_broker_makes_the_process_unready(client, settings, scheme):
    settings.REDIS_URL = ""
    settings.CELERY_BROKER_URL = f"{scheme}://guest:guest@127.0.0.1:{closed_port()}//"
    status, body = ready(client)
    assert status == 503 and body["failing"] == ["broker"]


def test_a_reachable_broker_and_redis_are_ready(settings):
    """The machine's real Redis (CI sets REDIS_URL) as cache and broker."""
    from wsa.observability.health import check_broker, check_redis

    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("needs REDIS_URL (CI sets it)")
    settings.REDIS_URL = url
    settings.CELERY_BROKER_URL = url
    assert check_redis() is None and check_broker() is None


@pytest.mark.django_db
def test_storage_that_cannot_be_written_makes_the_process_unready(client, settings, tmp_path):
    settings.REDIS_URL = ""
    blocker = tmp_path / "volume"
    blocker.write_bytes(b"")  # a file where the storage's directory should be
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(blocker / "private")}}}
    status, body = ready(client)
    assert status == 503 and body["failing"] == ["storage"]
    blocker.unlink()
    assert ready(client)[0] == 200  # a fresh volume: the directory is created as the first upload would


@pytest.mark.django_db
def test_an_unreachable_object_store_makes_the_process_unready(client, settings):
    settings.REDIS_URL = ""
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {"bucket_name": "wsa-private", "endpoint_url": f"http://127.0.0.1:{closed_port()}",
                    "access_key": "probe", "secret_key": "probe", "region_name": "eu-central-1",
                    "client_config": Config(connect_timeout=1, retries={"max_attempts": 1})}}}
    status, body = ready(client)
    assert status == 503 and body["failing"] == ["storage"]


@pytest.mark.django_db
def test_an_unapplied_migration_makes_the_process_unready(client, settings):
    settings.REDIS_URL = ""
    last = MigrationRecorder.Migration.objects.filter(app="authorities").order_by("-name").first()
    last.delete()  # the database as it is before `migrate` ran the release's last migration
    status, body = ready(client)
    assert status == 503 and body["failing"] == ["migrations"]


def test_an_unreachable_database_makes_the_process_unready(tmp_path):
    """In a process of its own whose DATABASE_URL points at a closed port (PostgreSQL), or at a
    SQLite file in a directory that does not exist."""
    check = textwrap.dedent("""
        import django, json; django.setup()
        from wsa.observability.health import readiness
        print(json.dumps(readiness()))
    """)
    for url in (f"postgres://wsa@127.0.0.1:{closed_port()}/wsa", f"sqlite:///{tmp_path}/missing/db.sqlite3"):
        env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": "", "CELERY_BROKER_URL": "",
               "DJANGO_SETTINGS_MODULE": "wsa.settings", "DJANGO_ENV": "test", "WSA_VAR_DIR": str(tmp_path)}
        out = subprocess.run([sys.executable, "-c", check], env=env, capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        is_ready, checks = json.loads(out.stdout.strip().splitlines()[-1])
        assert is_ready is False
        assert checks["database"] == "failed" and checks["migrations"] == "skipped", (url, checks)
