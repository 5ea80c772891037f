"""docker-compose.yml (no Docker engine here): parsed, and held to the settings it runs with — every
environment variable it sets is one the portal reads, the workers consume exactly the settings'
queues, beat runs once, and the default profile does not depend on an optional one."""

import re
import shlex
from pathlib import Path

import pytest
import yaml
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
APP_SERVICES = {name: service for name, service in SERVICES.items() if service.get("image") == "wsa-portal"}
# Read by boto3 (django-storages) and by prometheus_client, not by wsa/settings.py.
READ_BY_LIBRARIES = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "PROMETHEUS_MULTIPROC_DIR"}


def settings_source() -> str:
    return (ROOT / "wsa" / "settings.py").read_text()


def command(service: dict) -> list[str]:
    """The program the service runs; a shell wrapper that prepares the metrics directory and then
    ``exec``s the program counts as that program."""
    value = service.get("command", [])
    words = shlex.split(value) if isinstance(value, str) else list(value)
    if words[:2] == ["sh", "-c"]:
        script = words[2]
        words = shlex.split(script.split("exec ", 1)[1]) if "exec " in script else shlex.split(script)
    return words


def in_default_profile(service: dict) -> bool:
    return not service.get("profiles")


def worker_queues(service: dict) -> set[str] | None:
    words = command(service)
    if words[:4] != ["celery", "-A", "wsa", "worker"]:
        return None
    assert "-Q" in words, "a worker names its queues (without -Q it would take all of them)"
    return set(words[words.index("-Q") + 1].split(","))


def test_the_portal_services_are_the_expected_ones():
    assert set(APP_SERVICES) == {"web", "web-2", "worker-documents", "worker-hub", "worker-default", "beat"}
    assert {name for name, service in SERVICES.items() if not in_default_profile(service)} == {"web-2", "pgbouncer"}
    assert all(service["profiles"] == ["scale"] for service in SERVICES.values() if not in_default_profile(service))


@pytest.mark.parametrize("name", sorted(APP_SERVICES))
def test_every_variable_set_for_the_portal_is_one_it_reads(name):
    source = settings_source()
    for variable in APP_SERVICES[name]["environment"]:
        if variable in READ_BY_LIBRARIES:
            continue
        assert re.search(rf"""["']{re.escape(variable)}["']""", source), f"{name}: {variable} is read nowhere"


def test_the_workers_of_the_default_profile_consume_exactly_the_settings_queues():
    queues = {name: worker_queues(service) for name, service in APP_SERVICES.items()}
    workers = {name: found for name, found in queues.items() if found is not None}
    assert set(workers) == {"worker-documents", "worker-hub", "worker-default"}
    consumed = set().union(*workers.values())
    assert consumed == set(settings.CELERY_TASK_QUEUES), "a queue nobody consumes, or one the settings do not declare"
    assert workers["worker-documents"] == {"documents"}
    pools = {name: command(APP_SERVICES[name])[command(APP_SERVICES[name]).index("--pool") + 1] for name in workers}
    assert pools["worker-documents"] == "prefork", "the checks' time limits need prefork"
    assert pools["worker-hub"] == "threads"


def test_beat_runs_in_exactly_one_service():
    beats = [name for name, service in SERVICES.items() if command(service)[:4] == ["celery", "-A", "wsa", "beat"]]
    assert beats == ["beat"]
    assert "deploy" not in SERVICES["beat"] or SERVICES["beat"]["deploy"].get("replicas", 1) == 1


def test_only_the_first_web_process_migrates():
    migrating = [name for name, service in APP_SERVICES.items() if "migrate" in " ".join(command(service))]
    assert migrating == ["web"]
    for name in ("web", "web-2"):
        assert "wsa.wsgi:application" in " ".join(command(APP_SERVICES[name]))


def test_dependencies_exist_and_the_default_profile_needs_no_optional_service():
    for name, service in SERVICES.items():
        for dependency in service.get("depends_on", {}):
            assert dependency in SERVICES, f"{name} depends on unknown {dependency}"
            if in_default_profile(service):
                assert in_default_profile(SERVICES[dependency]), f"{name} needs {dependency} of a profile"


def test_pgbouncer_pools_transactions_and_the_portal_is_told_so():
    pgbouncer = SERVICES["pgbouncer"]["environment"]
    assert pgbouncer["POOL_MODE"] == "transaction"
    assert pgbouncer["DB_HOST"] == "db"
    for service in APP_SERVICES.values():
        environment = service["environment"]
        assert environment["DATABASE_TRANSACTION_POOLING"] == "${WSA_DB_TRANSACTION_POOLING:-false}"
        assert "${WSA_DB_HOST:-db}:${WSA_DB_PORT:-5432}" in environment["DATABASE_URL"]


def test_no_secret_is_written_into_the_file():
    for name, service in APP_SERVICES.items():
        environment = service["environment"]
        for variable in ("SECRET_KEY", "AWS_SECRET_ACCESS_KEY"):
            assert environment[variable].startswith("${") and ":?" in environment[variable], (name, variable)
