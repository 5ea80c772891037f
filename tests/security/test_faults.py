"""Faults with real services: Redis stopped while an applicant submits, a worker killed in the middle
of a document check, the PostgreSQL connection dropped under a request, an authority that answers
slowly. Each needs PostgreSQL and Redis (CI has both) and is skipped with the reason otherwise; a
fault that kills a service kills a throwaway one started here, never the machine's.

The delivery half of "a worker killed mid-task" (an outbox row redelivered after a killed worker is
one request at the office, by the idempotency key and the lease) is proved in
tests/authorities/test_faults.py::test_a_row_redelivered_after_a_killed_worker_is_one_request_at_the_office;
this file does the check half with a real prefork worker whose pool process is SIGKILLed.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from applications import rules
from applications.figures import rule_figures
from applications.lifecycle import CaseState
from applications.models import Case
from authorities import services as hub
from authorities import tasks as hub_tasks
from authorities.models import AuthorityRequest, Outbox, OutboxState, SimulatedSubmission
from authorities.simulator.server import SimulatorHandler
from documents import services as document_services
from documents.models import Document
from documents.testing import hostile
from tests.authorities.conftest import (  # noqa: F401 - fixtures of the authority hub, reused
    _rules_year,
    add_document,
    http_transport,
    make_case,
    offices,
    rsa_key,
    simulator_server,
)
from tests.procedure import walk
from wsa import queueing
from wsa.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]
ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
REDIS_SERVER = shutil.which("redis-server")

needs_postgres = pytest.mark.skipif(not ON_POSTGRES, reason="needs DATABASE_URL on PostgreSQL (CI has it)")
needs_redis = pytest.mark.skipif(not os.environ.get("REDIS_URL") or not REDIS_SERVER,
                                 reason="needs REDIS_URL and redis-server: a real broker, and a throwaway one to kill")
pytestmark = [pytest.mark.slow, pytest.mark.worker]


@pytest.fixture(autouse=True)
def _no_login_lockout_bookkeeping(settings):
    """These tests sign in with force_login (no client address); django-axes is not what they test."""
    settings.AXES_ENABLED = False


# --- helpers ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(check, seconds=30.0, step=0.05) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(step)
    return False


class ThrowawayRedis:
    """A redis-server of our own on a free loopback port (never a fixed one: test processes run side
    by side), without persistence."""

    def __init__(self):
        self.port = free_port()
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        assert self.process is None or self.process.poll() is not None
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--daemonize", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        assert wait_for(lambda: self._answers() or self.process.poll() is not None, 10)
        assert self.process.poll() is None, "the throwaway redis did not start"

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()  # only our own process, by its handle
            self.process.wait(10)


@pytest.fixture
def throwaway_redis():
    redis = ThrowawayRedis()
    redis.start()
    yield redis
    redis.kill()


@contextmanager
def broker(url: str):
    """Celery sends (and an in-process worker reads) through ``url``; eager mode is off meanwhile."""
    previous = (celery_app.conf.broker_url, celery_app.conf.task_always_eager)
    from django.conf import settings

    def use(broker_url, eager):
        celery_app.conf.broker_url = broker_url
        celery_app.conf.task_always_eager = eager
        settings.CELERY_TASK_ALWAYS_EAGER = eager
        celery_app._pool = None
        celery_app.amqp._producer_pool = None

    use(url, False)
    try:
        yield
    finally:
        use(*previous)
        queueing.broker_circuit_reset()


def ready_to_submit(make_case, title="18b"):  # noqa: F811 - the fixture, passed in
    """A complete draft: profile, job, and every mandatory document already checked."""
    case = make_case(title)
    case.person.city = "Bengaluru"
    case.person.save(update_fields=["city"])
    for requirement in rules.required_documents(case.title_code, accelerated=case.accelerated):
        if requirement.mandatory and requirement.stage == "visa":
            document = add_document(case, "other", hostile.contract_pdf())
            document.extracted = {document_services.REQUIREMENT_KEY: requirement.code}
            document.save(update_fields=["extracted"])
    return case


def submit_through_the_view(client, case):
    client.force_login(case.person.user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = client.get(reverse("applicant:apply_step", args=[case.public_id, "check"]))
    from applications.selectors.applicant import application_missing

    assert page.status_code == 200
    assert application_missing(viewer=case.person.user, case=case) == {}
    started = time.monotonic()
    response = client.post(reverse("applicant:apply_step", args=[case.public_id, "check"]), {"declaration": "on"})
    return response, time.monotonic() - started


# --- Redis stopped while an applicant submits -------------------------------------------------------


@needs_postgres
@needs_redis
@pytest.mark.django_db(transaction=True)
def test_redis_stopped_during_submit_then_back_delivers_each_step_once(
        client, offices, make_case, throwaway_redis, private_storage, settings):  # noqa: F811
    settings.WSA_AUTHORITY_TRANSPORT = "simulated"
    case = ready_to_submit(make_case)
    with broker(throwaway_redis.url):
        throwaway_redis.kill()  # Redis dies just before the applicant presses "submit"
        response, seconds = submit_through_the_view(client, case)
        assert response.status_code == 302, "a dead broker must not turn a saved submission into an error"
        assert response.url == reverse("applicant:apply_done", args=[case.public_id])
        assert seconds < 3, f"submit took {seconds:.1f} s with the broker down (kombu's connect retries?)"
        case.refresh_from_db()
        assert case.state == CaseState.SUBMITTED
        # Nothing goes to an office before the WSA confirms completeness; the caseworker then sends
        # the case on, still with Redis down.
        assert not Outbox.objects.filter(request__case=case).exists()
        walk(case, "start_completeness_check", "start_authority_review")
        rows = Outbox.objects.filter(request__case=case)
        steps = rows.count()
        assert steps >= 2 and set(rows.values_list("state", flat=True)) == {OutboxState.PENDING}
        assert SimulatedSubmission.objects.count() == 0
        # The applicant's next page works too, with Redis still down.
        assert client.get(reverse("applicant:case_detail", args=[case.public_id])).status_code == 200

        throwaway_redis.start()  # Redis is back (empty: nothing that was queued survived)
        queueing.broker_circuit_reset()  # (the web process paused its enqueues; beat's process did not)
        with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            hub_tasks.outbox_sweep.delay()  # what beat sends every 30 s
            assert wait_for(lambda: not rows.exclude(state=OutboxState.DELIVERED).exists(), 40)
    # Exactly one request per step at the (simulated) authority, each delivered once.
    received = list(SimulatedSubmission.objects.values_list("idempotency_key", "deliveries"))
    assert len(received) == steps
    assert all(deliveries == 1 for _, deliveries in received)
    keys = set(AuthorityRequest.objects.filter(case=case).values_list("idempotency_key", flat=True))
    assert {key for key, _ in received} == keys


@needs_postgres
@needs_redis
@pytest.mark.django_db(transaction=True)
def test_an_upload_while_redis_is_down_is_stored_and_checked_by_the_sweep_later(
        client, throwaway_redis, private_storage):
    from tests.factories import PersonFactory

    person = PersonFactory()
    client.force_login(person.user)
    with broker(throwaway_redis.url):
        throwaway_redis.kill()
        response = client.post(reverse("applicant:documents"), {
            "document_type": "other", "files": [SimpleUploadedFile("contract.pdf", hostile.contract_pdf())]})
        assert response.status_code == 302
        document = Document.objects.get(owner=person)
        assert document.state == Document.State.UPLOADED
        throwaway_redis.start()
        queueing.broker_circuit_reset()  # (the web process paused its enqueues; the worker's process did not)
        long_ago = document.created_at - document_services.SWEEP_UPLOADED_AFTER
        Document.objects.filter(pk=document.pk).update(created_at=long_ago)
        with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            from documents.tasks import check_sweep

            check_sweep.delay()
            assert wait_for(lambda: Document.objects.get(pk=document.pk).checked_at is not None, 40)
    document.refresh_from_db()
    assert document.state in ("passed", "needs_attention") and document.check_attempts == 1


@pytest.mark.django_db
def test_polling_a_request_whose_remote_id_is_no_uuid_is_nothing_not_a_crash(offices, make_case):  # noqa: F811
    """Found by the load test: the answers poll of the demo's requests (remote id "demo-…") raised
    ValidationError in the simulated transport, every ten minutes, for every such request."""
    case = make_case("18g")
    hub.authority_requests_create(case=case, figures=rule_figures())
    request = AuthorityRequest.objects.filter(case=case).first()
    AuthorityRequest.objects.filter(pk=request.pk).update(remote_id="demo-0123456789ab", state="sent")
    assert hub.authority_request_fetch_answer(request_id=request.pk) == "nothing"


# --- a worker killed in the middle of a check ----------------------------------------------------------


def pool_children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


@needs_postgres
@needs_redis
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_in_the_middle_of_a_check_is_redelivered_and_the_check_ends_once(
        throwaway_redis, tmp_path, settings, monkeypatch):
    """A real prefork worker (a subprocess on the test database). The stored file is a named pipe, so
    the check blocks reading it, deterministically; the pool process is SIGKILLed there. acks_late
    with reject_on_worker_lost puts the task back, a new pool process runs it again, blocks again,
    and this time the test writes the bytes: the check ends, after two attempts, once."""
    from tests.factories import PersonFactory

    var = tmp_path / "var"
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(var / "private")}}}
    person = PersonFactory()
    data = hostile.contract_pdf()
    with broker(throwaway_redis.url):
        with monkeypatch.context() as patch:  # stored, not yet queued
            patch.setattr(document_services, "_queue_check", lambda document_id, **options: None)
            document = document_services.document_upload(
                person=person, uploaded_by=person.user, file=SimpleUploadedFile("contract.pdf", data))
        path = Path(document.file.path)
        path.unlink()
        os.mkfifo(path)
        queue = celery_app.amqp.router.route({}, "documents.tasks.check_document")["queue"].name
        env = {**os.environ, "DJANGO_ENV": "test", "DATABASE_URL": _test_database_url(),
               "CELERY_BROKER_URL": throwaway_redis.url, "REDIS_URL": throwaway_redis.url, "WSA_VAR_DIR": str(var),
               "CELERY_TASK_ALWAYS_EAGER": "false"}
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "wsa", "worker", "--pool=prefork", "--concurrency=1", "-Q", queue,
             "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "info"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=open(tmp_path / "worker.log", "wb"))  # noqa: SIM115
        try:
            from documents.tasks import check_document

            check_document.apply_async((document.pk,))
            checking = lambda: Document.objects.filter(pk=document.pk, state="checking").exists()  # noqa: E731
            assert wait_for(checking, 60), "the worker did not start the check: " + _tail(tmp_path / "worker.log")
            assert wait_for(lambda: pool_children(worker.pid), 10)
            (child,) = pool_children(worker.pid)
            time.sleep(0.3)  # it is blocked in open() of the pipe
            os.kill(child, signal.SIGKILL)  # the pool process dies in the middle of the check
            assert wait_for(lambda: Document.objects.get(pk=document.pk).check_attempts == 2, 60), \
                "the check was not redelivered"
            _write_to_pipe(path, data)
            assert wait_for(lambda: Document.objects.get(pk=document.pk).checked_at is not None, 60)
        finally:
            worker.terminate()
            try:
                worker.wait(15)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait(5)
    document.refresh_from_db()
    assert document.state in ("passed", "needs_attention") and document.check_attempts == 2
    assert document.findings.filter(code="check_failed").count() == 0


def _tail(path: Path) -> str:
    return path.read_text(errors="replace")[-3000:] if path.exists() else ""


def _test_database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _write_to_pipe(path: Path, data: bytes) -> None:
    def write():
        with open(path, "wb") as pipe:
            pipe.write(data)

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    thread.join(30)


# --- PostgreSQL connection dropped --------------------------------------------------------------------


def terminate_backend(pid: int) -> None:
    """From a second connection, as an administrator (or a failover) would."""
    import psycopg

    s = connection.settings_dict
    with psycopg.connect(host=s["HOST"] or "127.0.0.1", port=s["PORT"] or 5432, user=s["USER"],
                         password=s["PASSWORD"] or None, dbname=s["NAME"], autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


def browser_for(client, live_server, user):
    """A ``requests`` session signed in as ``user`` against the live server: unlike the test client,
    the live server's handler closes and checks database connections as production does."""
    import requests

    client.force_login(user)
    session = requests.Session()
    session.cookies.set("sessionid", client.cookies["sessionid"].value)
    session.headers["Accept-Language"] = "en"
    session.base = live_server.url
    return session


@pytest.fixture
def backend_pids(monkeypatch):
    """Records the PostgreSQL backend of each status poll, and can kill it in the middle of one."""
    from applications.selectors.applicant import case_version as original

    seen: list[int] = []
    kill_next = []

    def case_version(**kwargs):
        pid = connection.connection.info.backend_pid if connection.connection else None
        if kill_next:
            kill_next.clear()
            terminate_backend(pid)  # the next query of this request meets a dead connection
        result = original(**kwargs)
        seen.append(connection.connection.info.backend_pid)
        return result

    monkeypatch.setattr("applications.views.applicant.status.case_version", case_version)
    return seen, kill_next


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_a_connection_killed_in_the_middle_of_a_request_fails_cleanly_and_the_next_request_works(
        client, live_server, backend_pids):
    from tests.factories import CaseFactory, PersonFactory

    seen, kill_next = backend_pids
    person = PersonFactory()
    case = CaseFactory(person=person)
    browser = browser_for(client, live_server, person.user)
    url = live_server.url + reverse("applicant:case_status", args=[case.public_id])
    assert browser.get(url, timeout=10).status_code == 200
    kill_next.append(True)
    failed = browser.get(url, timeout=10)
    assert failed.status_code == 500
    assert "Traceback" not in failed.text and "OperationalError" not in failed.text
    assert "terminating connection" not in failed.text and "psycopg" not in failed.text
    again = browser.get(url, timeout=10)
    assert again.status_code == 200  # a new connection: nothing to repair by hand


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_a_persistent_connection_killed_between_requests_is_replaced_by_the_health_check(
        client, live_server, backend_pids):
    """With CONN_MAX_AGE the connection outlives the request; the health check (CONN_HEALTH_CHECKS)
    notices the killed backend at the start of the next request and connects again: no 500."""
    from tests.factories import CaseFactory, PersonFactory

    seen, _ = backend_pids
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True
    person = PersonFactory()
    case = CaseFactory(person=person)
    browser = browser_for(client, live_server, person.user)
    url = live_server.url + reverse("applicant:case_status", args=[case.public_id])
    previous = connection.settings_dict["CONN_MAX_AGE"]
    connection.settings_dict["CONN_MAX_AGE"] = 600  # (the same dict serves the live server's thread)
    try:
        assert browser.get(url, timeout=10).status_code == 200
        first = seen[-1]
        assert browser.get(url, timeout=10).status_code == 200
        assert seen[-1] == first, "the connection was not kept between requests"
        terminate_backend(first)  # a failover, a restart, an idle timeout between two requests
        assert browser.get(url, timeout=10).status_code == 200
        assert seen[-1] != first
    finally:
        connection.settings_dict["CONN_MAX_AGE"] = previous


# --- an authority that answers slowly -------------------------------------------------------------------


class SlowHandler(SimulatorHandler):
    delay = 2.0

    def _handle(self, method):
        if self.path != "/health":
            time.sleep(self.delay)
        super()._handle(method)


@needs_postgres
@needs_redis
@pytest.mark.django_db(transaction=True)
def test_a_slow_authority_never_blocks_a_web_request(client, make_case, http_transport, settings,  # noqa: F811
                                                    private_storage):
    settings.WSA_AUTHORITY_HTTP_TIMEOUT = 30
    http_transport.RequestHandlerClass = SlowHandler
    case = ready_to_submit(make_case, "18g")  # visa and register check: two offices
    with broker(os.environ["REDIS_URL"]):
        response, seconds = submit_through_the_view(client, case)
        assert response.status_code == 302
        assert seconds < 1.5, f"submit took {seconds:.1f} s: something waited for an office"
        started = time.monotonic()
        walk(Case.objects.get(pk=case.pk), "start_completeness_check", "start_authority_review")
        assert time.monotonic() - started < 1.5, "sending to the authorities waited for an office"
        rows = Outbox.objects.filter(request__case=case)
        assert set(rows.values_list("state", flat=True)) == {OutboxState.PENDING}
        with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
            assert wait_for(lambda: http_transport.requests_seen, 20), "the worker did not call the office"
            # While the worker waits for the office, the applicant's pages answer at once.
            for _ in range(3):
                started = time.monotonic()
                assert client.get(reverse("applicant:case_status", args=[case.public_id])).status_code == 200
                assert time.monotonic() - started < 1.0
            assert wait_for(lambda: not rows.exclude(state=OutboxState.DELIVERED).exists(), 60)
    assert Case.objects.get(pk=case.pk).state != CaseState.DRAFT
    assert len(http_transport.submissions()) == rows.count()
    assert all(record["deliveries"] == 1 for record in http_transport.submissions())


@pytest.fixture
def private_storage(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None}}}
    return tmp_path / "private"
