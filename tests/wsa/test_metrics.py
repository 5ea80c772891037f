"""The Prometheus endpoint: who may read it, and that what an operator watches is in it and moves
when the portal works (requests, queries, tasks, document checks, sign-ins, the hub's queues)."""

import os
import socket
import subprocess
import sys
import textwrap
import uuid
from datetime import timedelta
from urllib.request import urlopen

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from accounts.models import User
from authorities import services as authority_services
from authorities.models import Authority, AuthorityKind, AuthorityRequest, Outbox, OutboxState, RequestState
from documents import services as document_services
from documents.tasks import check_document
from tests.factories import CaseFactory, PersonFactory
from wsa.celery import app as celery_app
from wsa.observability.collectors import celery_queue_lengths, celery_queue_names
from wsa.observability.exposition import parse_listen_address, worker_metrics_server_start

TOKEN = "metrics-test-token-1f3a"  # noqa: S105 - a test value


@pytest.fixture
def token(settings):
    settings.METRICS_TOKEN = TOKEN
    return TOKEN


def scrape(client, token=TOKEN) -> str:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/plain; version=")
    assert "no-store" in response["Cache-Control"]
    return response.content.decode()


def value(text: str, name: str, **labels) -> float:
    """The sample `name` with exactly these labels (0 when absent: a counter that never moved)."""
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return sample.value
    return 0.0


# --- who may read it ----------------------------------------------------------------------------

@pytest.mark.django_db
def test_without_a_token_configured_the_endpoint_does_not_exist(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("header", [
    None, "", "Bearer", "Bearer ", f"Bearer {TOKEN}x", f"Bearer {TOKEN[:-1]}", f"Basic {TOKEN}", TOKEN,
    "Bearer ünïcödé", f"Bearer {TOKEN} {TOKEN}",
])
def test_a_missing_or_wrong_token_is_refused(client, token, header):
    extra = {} if header is None else {"HTTP_AUTHORIZATION": header}
    response = client.get("/metrics", **extra)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert b"wsa_" not in response.content


@pytest.mark.django_db
def test_the_right_token_reads_the_metrics_with_get_and_head_only(client, token):
    assert "wsa_http_request_duration_seconds" in scrape(client)
    assert client.head("/metrics", HTTP_AUTHORIZATION=f"bearer {TOKEN}").status_code == 200
    assert client.post("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 405


# --- requests ------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_requests_are_counted_by_view_name_never_by_path(client, token):
    before = scrape(client)
    assert client.get("/title-finder/").status_code == 200
    secret_path = f"/no-such-page-{uuid.uuid4().hex}/"
    assert client.get(secret_path).status_code == 404
    after = scrape(client)
    view = {"view": "finder:start", "method": "GET"}
    assert value(after, "wsa_http_request_duration_seconds_count", **view) == \
        value(before, "wsa_http_request_duration_seconds_count", **view) + 1
    assert value(after, "wsa_http_responses_total", status="200", **view) == \
        value(before, "wsa_http_responses_total", status="200", **view) + 1
    unresolved = {"view": "(unresolved)", "method": "GET", "status": "404"}
    assert value(after, "wsa_http_responses_total", **unresolved) == value(before, "wsa_http_responses_total",
                                                                           **unresolved) + 1
    assert secret_path.strip("/") not in after
    # The page's database queries are recorded (the finder's start page reads its catalogue).
    assert value(after, "wsa_http_request_db_queries_count", view="finder:start") == \
        value(before, "wsa_http_request_db_queries_count", view="finder:start") + 1


@pytest.mark.django_db
def test_the_query_count_is_the_number_of_queries_of_the_request(client, token, django_assert_num_queries):
    before = scrape(client)
    with django_assert_num_queries(0):  # /healthz touches no database
        client.get("/healthz")
    after = scrape(client)
    assert value(after, "wsa_http_request_db_queries_sum", view="healthz") == \
        value(before, "wsa_http_request_db_queries_sum", view="healthz")
    assert value(after, "wsa_http_request_db_queries_bucket", view="healthz", le="0.0") == \
        value(before, "wsa_http_request_db_queries_bucket", view="healthz", le="0.0") + 1


# --- the hub's queues (computed at scrape time) --------------------------------------------------

def authority_request(case, authority, purpose, *, state=RequestState.SENT, due_at=None):
    return AuthorityRequest.objects.create(case=case, authority=authority, purpose=purpose, state=state,
                                           due_at=due_at, idempotency_key=f"test:{uuid.uuid4()}")


@pytest.mark.django_db
def test_queue_depths_show_the_outbox_and_the_legal_deadlines_by_office_kind(client, token):
    ba = Authority.objects.create(kind=AuthorityKind.BA, name="BA")
    visa = Authority.objects.create(kind=AuthorityKind.VISA_OFFICE, name="Visa office")
    case = CaseFactory()
    now = timezone.now()
    overdue_ba = authority_request(case, ba, "ba_approval", due_at=now - timedelta(hours=1))
    authority_request(case, visa, "visa", state=RequestState.ACKNOWLEDGED, due_at=now - timedelta(days=3))
    authority_request(case, visa, "recognition", due_at=now + timedelta(hours=5))  # due within 24 h
    authority_request(case, visa, "register_check", due_at=now + timedelta(days=3))  # not yet
    authority_request(case, ba, "pre_approval_81a", state=RequestState.ANSWERED,
                      due_at=now - timedelta(days=1))  # answered: no longer owed
    waiting = Outbox.objects.create(request=overdue_ba, next_attempt_at=now - timedelta(minutes=10))
    Outbox.objects.create(request=overdue_ba, next_attempt_at=now + timedelta(hours=1))  # backing off
    Outbox.objects.create(request=overdue_ba, state=OutboxState.DEAD)
    Outbox.objects.create(request=overdue_ba, state=OutboxState.DELIVERED)

    text = scrape(client)
    assert value(text, "wsa_outbox_pending") == 2
    assert value(text, "wsa_outbox_due") == 1
    assert value(text, "wsa_outbox_dead_letters") == 1
    assert 590 <= value(text, "wsa_outbox_oldest_due_seconds") <= 3600
    assert value(text, "wsa_authority_requests_overdue", office_kind="ba") == 1
    assert value(text, "wsa_authority_requests_overdue", office_kind="visa_office") == 1
    assert value(text, "wsa_authority_requests_overdue", office_kind="recognition_body") == 0  # present, 0
    assert 'wsa_authority_requests_overdue{office_kind="recognition_body"} 0.0' in text
    assert value(text, "wsa_authority_requests_due_soon", office_kind="visa_office") == 1
    assert value(text, "wsa_authority_requests_due_soon", office_kind="ba") == 0
    assert value(text, "wsa_metrics_source_up", source="database") == 1

    authority_services.outbox_retry_dead(outbox_ids=[o.pk for o in Outbox.objects.filter(state="dead")])
    waiting.delete()
    text = scrape(client)
    assert value(text, "wsa_outbox_dead_letters") == 0
    assert value(text, "wsa_outbox_pending") == 2


@pytest.mark.django_db
def test_the_ba_deemed_approval_is_counted_when_the_sweep_applies_it(client, token):
    ba = Authority.objects.create(kind=AuthorityKind.BA, name="BA")
    request = authority_request(CaseFactory(), ba, "ba_approval", due_at=timezone.now() - timedelta(minutes=1))
    AuthorityRequest.objects.filter(pk=request.pk).update(deemed_approval_on_silence=True)
    before = value(scrape(client), "wsa_ba_deemed_approvals_total")
    assert authority_services.deadlines_sweep_run()["deemed_approval"] == 1
    assert value(scrape(client), "wsa_ba_deemed_approvals_total") == before + 1


# --- tasks, document checks, sign-ins ------------------------------------------------------------

@celery_app.task(name="tests.wsa.metrics.failing")
def failing_task():
    raise ValueError("the task fails")


@celery_app.task(name="tests.wsa.metrics.retrying", bind=True, max_retries=2)
def retrying_task(self, attempts: list):
    attempts.append(1)
    if len(attempts) < 3:
        raise self.retry(countdown=0)
    return "done"


@pytest.mark.django_db
def test_task_runtimes_retries_and_failures_are_counted_per_task(client, token):
    before = scrape(client)
    # As in a worker: errors are recorded, not raised into the caller (an eager task that propagates
    # them skips the failure signal and re-raises Retry instead of running the retry).
    celery_app.conf.task_eager_propagates = False
    try:
        assert retrying_task.delay([]).get() == "done"
        assert failing_task.delay().state == "FAILURE"
    finally:
        celery_app.conf.task_eager_propagates = True
    after = scrape(client)

    def moved(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("wsa_celery_task_retries_total", task="tests.wsa.metrics.retrying") == 2
    assert moved("wsa_celery_task_duration_seconds_count", task="tests.wsa.metrics.retrying", state="SUCCESS") == 1
    assert moved("wsa_celery_task_failures_total", task="tests.wsa.metrics.failing") == 1
    assert moved("wsa_celery_task_duration_seconds_count", task="tests.wsa.metrics.failing", state="FAILURE") == 1
    assert moved("wsa_celery_task_failures_total", task="tests.wsa.metrics.retrying") == 0


@pytest.mark.django_db
def test_document_checks_are_timed_by_outcome(client, token, settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}}}
    settings.WSA_CHECK_ISOLATION = False
    pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    document = document_services.document_upload(person=PersonFactory(), uploaded_by=None,
                                                 file=ContentFile(pdf, name="scan.pdf"))
    before = scrape(client)
    state = check_document(document.pk)  # the real checks pipeline
    after = scrape(client)
    assert state in {"passed", "needs_attention", "rejected"}
    assert value(after, "wsa_document_check_duration_seconds_count", outcome=state) == \
        value(before, "wsa_document_check_duration_seconds_count", outcome=state) + 1
    assert value(after, "wsa_document_check_duration_seconds_sum", outcome=state) > \
        value(before, "wsa_document_check_duration_seconds_sum", outcome=state)


@pytest.mark.django_db
def test_failed_sign_ins_and_lockouts_are_counted(client, token, settings):
    user = User.objects.create_user(email="metrics.login@example.org", password="Right-password-42")
    before = scrape(client)
    codes = [client.post(reverse("account_login"), {"login": user.email, "password": "wrong"},
                         REMOTE_ADDR="192.0.2.77").status_code for _ in range(settings.AXES_FAILURE_LIMIT + 1)]
    after = scrape(client)
    assert codes[-1] == 429
    assert value(after, "wsa_login_failures_total") - value(before, "wsa_login_failures_total") == len(codes)
    # The attempt that trips the lock and the one refused while locked.
    assert value(after, "wsa_login_lockouts_total") - value(before, "wsa_login_lockouts_total") == 2
    assert user.email not in after and "192.0.2.77" not in after


# --- processes: gunicorn and Celery prefork, the worker's own port -------------------------------

def test_multiprocess_mode_sums_what_every_process_recorded(tmp_path):
    """Two processes record into PROMETHEUS_MULTIPROC_DIR; a third, as gunicorn's scrape would, reads
    the sum of both."""
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "wsa.settings"}
    record = "from wsa.observability import metrics; metrics.login_failures.inc(3); " \
             "metrics.http_request_duration.labels('home', 'GET').observe(0.2)"
    for _ in range(2):
        subprocess.run([sys.executable, "-c", record], env=env, check=True, timeout=60)
    read = textwrap.dedent("""
        import django, json; django.setup()
        from prometheus_client import generate_latest
        from wsa.observability.exposition import process_registry
        print(generate_latest(process_registry()).decode())
    """)
    text = subprocess.run([sys.executable, "-c", read], env=env, check=True, timeout=60, capture_output=True,
                          text=True).stdout
    assert value(text, "wsa_login_failures_total") == 6
    assert value(text, "wsa_http_request_duration_seconds_count", view="home", method="GET") == 2


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize(("listen", "expected"), [
    ("9540", ("0.0.0.0", 9540)), (":9540", ("0.0.0.0", 9540)), ("127.0.0.1:9540", ("127.0.0.1", 9540)),  # noqa: S104
])
def test_the_worker_listen_address_is_read_like_gunicorns(listen, expected):
    assert parse_listen_address(listen) == expected


@pytest.mark.parametrize("listen", ["", "metrics", "host:port"])
def test_a_bad_worker_listen_address_is_refused(listen):
    with pytest.raises(ValueError):
        parse_listen_address(listen)


def test_the_worker_serves_its_task_metrics_on_its_own_port():
    port = free_port()
    server, thread = worker_metrics_server_start(f"127.0.0.1:{port}")
    try:
        failing_task.name  # noqa: B018 - the task is registered, its metrics exist
        text = urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()  # noqa: S310
    finally:
        server.shutdown()
        server.server_close()
    assert "wsa_celery_task_duration_seconds" in text
    assert "wsa_outbox_pending" not in text  # the queue depths are the web's, read from the database


# --- the broker's queues --------------------------------------------------------------------------

def redis_broker_url() -> str:
    url = os.environ.get("REDIS_URL", "")
    if not url:
        pytest.skip("needs REDIS_URL (CI sets it)")
    return url


def test_the_celery_queue_length_is_read_from_the_real_broker():
    from celery import Celery

    app = Celery("metrics-test", broker=redis_broker_url())
    queue = f"wsa-metrics-test-{uuid.uuid4().hex[:8]}"
    app.conf.task_default_queue = queue
    app.conf.task_routes = {"wsa.other": {"queue": f"{queue}-other"}}
    app.conf.broker_connection_retry_on_startup = False
    assert celery_queue_names(app) == sorted([queue, f"{queue}-other"])
    try:
        assert celery_queue_lengths(app) == {queue: 0, f"{queue}-other": 0}
        for _ in range(3):
            app.send_task("wsa.nothing", queue=queue)
        assert celery_queue_lengths(app) == {queue: 3, f"{queue}-other": 0}
    finally:
        with app.connection_for_write() as conn:
            conn.default_channel.queue_purge(queue)


def test_an_unreachable_broker_makes_the_queue_lengths_fail():
    from celery import Celery

    app = Celery("metrics-test", broker=f"redis://127.0.0.1:{free_port()}/0")
    with pytest.raises(Exception):  # noqa: B017,PT011 - kombu's connection error, whatever its class
        celery_queue_lengths(app)


@pytest.mark.django_db
def test_the_scrape_reports_an_unreachable_broker_instead_of_failing(client, token, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    original = celery_app.conf.broker_url
    celery_app.conf.broker_url = f"redis://127.0.0.1:{free_port()}/0"
    try:
        text = scrape(client)
    finally:
        celery_app.conf.broker_url = original
    assert value(text, "wsa_metrics_source_up", source="broker") == 0
    assert value(text, "wsa_metrics_source_up", source="database") == 1


@pytest.mark.worker
def test_a_prefork_worker_serves_the_metrics_of_its_children(tmp_path):
    """A real `celery worker` (prefork, two children) on Redis: a task run by a child shows up on the
    main process's metrics port, summed through PROMETHEUS_MULTIPROC_DIR."""
    import time

    from celery import Celery

    broker = redis_broker_url()
    port, queue = free_port(), f"wsa-metrics-worker-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "WSA_WORKER_METRICS_LISTEN": f"127.0.0.1:{port}",
           "CELERY_BROKER_URL": broker, "CELERY_TASK_ALWAYS_EAGER": "false", "DJANGO_ENV": "test"}
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "wsa", "worker", "--pool", "prefork", "--concurrency", "2",
         "-Q", queue, "--without-heartbeat", "--without-gossip", "--without-mingle", "-l", "warning"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        client = Celery("metrics-test", broker=broker)
        client.send_task("celery.accumulate", args=[1, 2], queue=queue)  # a built-in task that needs no database
        deadline, text = time.monotonic() + 60, ""
        while time.monotonic() < deadline:
            try:
                text = urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2).read().decode()  # noqa: S310
            except OSError:
                text = ""
            if value(text, "wsa_celery_task_duration_seconds_count", task="celery.accumulate", state="SUCCESS"):
                break
            assert worker.poll() is None, worker.stderr.read().decode()
            time.sleep(0.5)
        assert value(text, "wsa_celery_task_duration_seconds_count", task="celery.accumulate", state="SUCCESS") == 1
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
