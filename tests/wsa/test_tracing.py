"""OpenTelemetry as an operator switches it on and off: with a span exporter, one request is one trace
(Django span, its queries, the tasks it queues, the calls to the offices); without
OTEL_EXPORTER_OTLP_ENDPOINT nothing is loaded; with it, spans reach an OTLP/HTTP collector."""

import json
import os
import re
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from celery.signals import task_prerun
from django.conf import settings as django_settings
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from applications import rules
from documents.models import Document
from tests.applications.portal.helpers import pdf_upload, upload_for
from tests.factories import CaseFactory, PersonFactory, UserFactory, wsa_caseworker
from wsa.celery import app as celery_app
from wsa.observability.context import case_reference_var, request_id_var
from wsa.observability.tracing import install_tracing, uninstall_tracing

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def spans():
    """Tracing on, with every finished span kept in memory; connections are opened anew, through the
    instrumented psycopg."""
    exporter = InMemorySpanExporter()
    install_tracing(SimpleSpanProcessor(exporter), service_name="wsa-test")
    connections.close_all()
    yield exporter
    uninstall_tracing()
    connections.close_all()


def server_span(exporter):
    (span,) = [span for span in exporter.get_finished_spans() if span.kind == SpanKind.SERVER]
    return span


def hex_trace_id(span) -> str:
    return f"{span.context.trace_id:032x}"


@pytest.fixture
def applicant_case(db):
    user = UserFactory(preferred_language="en")
    return CaseFactory(person=PersonFactory(user=user))


@pytest.mark.django_db(transaction=True)
def test_a_case_page_is_one_django_span_whose_trace_id_is_the_request_id(spans, client, applicant_case):
    client.force_login(applicant_case.person.user)
    spans.clear()
    response = client.get(reverse("applicant:case_detail", args=[applicant_case.public_id]))
    assert response.status_code == 200
    span = server_span(spans)
    assert span.name == "GET applicant/cases/<uuid:public_id>/"
    assert span.attributes["http.status_code"] == 200
    assert response["X-Request-ID"] == hex_trace_id(span)


@pytest.mark.django_db(transaction=True)
def test_the_queries_of_a_case_page_are_child_spans_of_its_request(spans, client, applicant_case):
    if connection.vendor != "postgresql":
        pytest.skip("psycopg spans need PostgreSQL (DATABASE_URL=postgres://...)")
    client.force_login(applicant_case.person.user)
    spans.clear()
    client.get(reverse("applicant:case_detail", args=[applicant_case.public_id]))
    request = server_span(spans)
    queries = [span for span in spans.get_finished_spans() if span.attributes.get("db.system") == "postgresql"]
    assert len(queries) >= 3  # session, user, case at least
    assert all(span.context.trace_id == request.context.trace_id for span in queries)
    assert all(span.parent.span_id == request.context.span_id for span in queries)
    assert any("applications_case" in span.attributes.get("db.statement", "") for span in queries)


@pytest.mark.django_db(transaction=True)
def test_sending_a_case_on_is_one_trace_from_the_request_through_its_tasks_to_the_offices(
        spans, client, make_case, http_transport, settings):
    settings.WSA_AUTHORITY_SIMULATOR_DELAY = 0
    case = make_case("18b")
    person = case.person
    for requirement in rules.required_documents("18b"):
        if requirement.mandatory and requirement.stage == "visa":
            upload_for(person, case=case, name=f"{requirement.code}.pdf", requirement=requirement.code)
    Document.objects.filter(case=case).update(state=Document.State.PASSED)
    type(person).objects.filter(pk=person.pk).update(city="Bengaluru")
    client.force_login(person.user)
    response = client.post(reverse("applicant:apply_step", args=[case.public_id, "check"]), {"declaration": "on"})
    assert response.status_code == 302
    # Nothing goes to an office before the WSA confirms completeness: the caseworker's request that
    # sends the case on is the one whose trace reaches the offices.
    staff = Client()
    staff.force_login(wsa_caseworker())
    staff.post(reverse("backoffice:case_transition", args=[case.public_id, "start_completeness_check"]))
    spans.clear()
    response = staff.post(reverse("backoffice:case_transition", args=[case.public_id, "start_authority_review"]))
    assert response.status_code == 302

    request = server_span(spans)
    trace_id = request.context.trace_id
    finished = spans.get_finished_spans()
    relays = [span for span in finished if span.name == "run/authorities.tasks.outbox_relay"]
    office_calls = [span for span in finished
                    if span.instrumentation_scope.name == "opentelemetry.instrumentation.requests"]
    assert relays and all(span.context.trace_id == trace_id for span in relays)
    assert len(office_calls) >= 4 and all(span.context.trace_id == trace_id for span in office_calls)
    # The offices see the trace: each traceparent names our trace and the span of that very call.
    received = [traceparent for traceparent, _ in http_transport.trace_headers_seen if traceparent]
    call_span_ids = {f"{span.context.span_id:016x}" for span in office_calls}
    assert received and all(traceparent.split("-")[1] == hex_trace_id(request) for traceparent in received)
    assert {traceparent.split("-")[2] for traceparent in received} <= call_span_ids


@pytest.fixture
def redis_worker(settings):
    if not os.environ.get("REDIS_URL"):
        pytest.skip("needs REDIS_URL: a real broker for a real worker")
    from celery.contrib.testing.worker import start_worker

    celery_app.conf.task_always_eager = False
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.WSA_CHECK_ISOLATION = False  # no fork from the worker's thread inside the test process
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_task_run_by_a_real_worker_carries_the_request_id_case_and_trace(spans, redis_worker, client,
                                                                          applicant_case, tmp_path, settings):
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}}}
    seen = []

    def context_in_worker(task=None, **kwargs):
        if task.name == "documents.tasks.check_document":
            seen.append((task.request.is_eager, request_id_var.get(), case_reference_var.get()))

    task_prerun.connect(context_in_worker, weak=False)
    try:
        client.force_login(applicant_case.person.user)
        spans.clear()
        response = client.post(reverse("applicant:apply_step", args=[applicant_case.public_id, "documents"]),
                               {"action": "upload", "requirement": "cv", "files": [pdf_upload("cv.pdf")]})
        assert response.status_code == 302
        deadline = time.monotonic() + 30
        while not [s for s in spans.get_finished_spans() if s.name == "run/documents.tasks.check_document"]:
            assert time.monotonic() < deadline, "the worker did not run the check"
            time.sleep(0.1)
    finally:
        task_prerun.disconnect(context_in_worker)
    request = server_span(spans)
    (run,) = [s for s in spans.get_finished_spans() if s.name == "run/documents.tasks.check_document"]
    assert run.context.trace_id == request.context.trace_id
    assert seen == [(False, response["X-Request-ID"], applicant_case.reference)]


PROBE = """
import json, sys
import wsa.wsgi  # the web entry point, as gunicorn and runserver load it
from wsa.celery import app
from celery.signals import worker_process_init
worker_process_init.send(sender="probe")  # what a prefork child does at start
from django.conf import settings
from wsa.observability import tracing
loaded = sorted(name for name in sys.modules if name.startswith(("opentelemetry.instrumentation", "opentelemetry.sdk")))
print(json.dumps({"active": tracing.tracing_active(), "loaded": loaded,
                  "middleware": [m for m in settings.MIDDLEWARE if "opentelemetry" in m],
                  "traceparent": tracing.traceparent()}))
if tracing.tracing_active():
    from django.test import Client
    Client().get("/favicon.ico")
    tracing._provider.force_flush()
"""


def run_probe(**environ) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith("OTEL_")}
    env.update(DJANGO_ENV="test", DJANGO_SETTINGS_MODULE="wsa.settings", **environ)
    completed = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True,
                               timeout=120, check=True)
    return json.loads(completed.stdout.strip().splitlines()[-1])


def test_without_an_otlp_endpoint_no_tracing_is_installed_or_even_imported():
    state = run_probe()
    assert state == {"active": False, "loaded": [], "middleware": [], "traceparent": state["traceparent"]}
    assert re.fullmatch(r"00-[0-9a-f]{32}-[0-9a-f]{16}-01", state["traceparent"])
    assert not django_settings.MIDDLEWARE[0].startswith("opentelemetry")


def test_with_an_otlp_endpoint_web_spans_reach_the_collector():
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

    received = []

    class Collector(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.path, self.headers["Content-Type"], body))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Collector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        state = run_probe(OTEL_EXPORTER_OTLP_ENDPOINT=f"http://127.0.0.1:{server.server_port}",
                          OTEL_SERVICE_NAME="wsa-web-probe")
    finally:
        server.shutdown()
        server.server_close()
    assert state["active"] and state["middleware"]
    assert {"opentelemetry.instrumentation.django", "opentelemetry.instrumentation.celery",
            "opentelemetry.instrumentation.psycopg", "opentelemetry.instrumentation.requests"} <= set(state["loaded"])
    assert received and all(path == "/v1/traces" and kind == "application/x-protobuf" for path, kind, _ in received)
    exported = [ExportTraceServiceRequest.FromString(body) for _, _, body in received]
    names = [span.name for request in exported for resource in request.resource_spans
             for scope in resource.scope_spans for span in scope.spans]
    services = {attribute.value.string_value for request in exported for resource in request.resource_spans
                for attribute in resource.resource.attributes if attribute.key == "service.name"}
    assert "GET favicon.ico" in names and services == {"wsa-web-probe"}
