"""OpenTelemetry for the web processes and the workers, installed only when an OTLP endpoint is set.

`configure_tracing()` is called once per process by wsgi.py / asgi.py (web, also `runserver`) and by
the worker signals in wsa/celery.py. With OTEL_EXPORTER_OTLP_ENDPOINT (or
OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) set it installs a tracer provider exporting OTLP/HTTP in batches
and instruments Django, Celery, psycopg and requests; the exporter reads the other standard OTEL_*
variables itself (headers, timeout, compression). Without it nothing is imported or patched, and
`traceparent()` derives the W3C header for outgoing calls from the request id.
"""

from __future__ import annotations

import os
import secrets

from .context import new_request_id, request_id_var, trace_id_for

_ENDPOINT_VARIABLES = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
_provider = None  # the installed TracerProvider; None: tracing is off in this process
_current_span = None  # opentelemetry.trace.get_current_span, once tracing is on


def tracing_requested(environ=os.environ) -> bool:
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    return any(environ.get(name, "").strip() for name in _ENDPOINT_VARIABLES)


def configure_tracing(*, service_name: str = "wsa-web") -> bool:
    """Installs tracing when an endpoint is configured; True when tracing is (now) on."""
    if _provider is not None:
        return True
    if not tracing_requested():
        return False
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    install_tracing(BatchSpanProcessor(OTLPSpanExporter()), service_name=service_name, make_global=True)
    return True


def install_tracing(span_processor, *, service_name: str, make_global: bool = False):
    """A tracer provider sending to `span_processor`, and the four instrumentations on it."""
    global _provider, _current_span
    from opentelemetry import trace
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider

    # OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES, when set, win over the default name.
    provider = TracerProvider(resource=Resource({SERVICE_NAME: service_name}).merge(Resource.create()))
    provider.add_span_processor(span_processor)
    if make_global:
        trace.set_tracer_provider(provider)
    for instrumentor in _instrumentors():
        instrumentor.instrument(tracer_provider=provider)
    _provider, _current_span = provider, trace.get_current_span
    return provider


def _instrumentors() -> list:
    """Django (requests in), Celery (publish and run, the context in the task headers), psycopg (every
    query) and requests (calls to the offices). Imported here: with tracing off none is loaded."""
    from opentelemetry.instrumentation.celery import CeleryInstrumentor
    from opentelemetry.instrumentation.django import DjangoInstrumentor
    from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor
    from opentelemetry.instrumentation.requests import RequestsInstrumentor

    return [DjangoInstrumentor(), CeleryInstrumentor(), PsycopgInstrumentor(), RequestsInstrumentor()]


def uninstall_tracing() -> None:
    """Removes the instrumentations again (tests; a process keeps tracing once it has it)."""
    global _provider, _current_span
    if _provider is None:
        return
    for instrumentor in _instrumentors():
        instrumentor.uninstrument()
    _provider.shutdown()
    _provider = _current_span = None


def tracing_active() -> bool:
    return _provider is not None


def _span_context():
    if _current_span is None:
        return None
    context = _current_span().get_span_context()
    return context if context.is_valid else None


def current_trace_id() -> str:
    """The trace id of the current span when tracing is on, else ""."""
    context = _span_context()
    return f"{context.trace_id:032x}" if context else ""


def traceparent() -> str:
    """The W3C `traceparent` for an outgoing call: the current span's when tracing is on; otherwise a
    header whose trace id stands for the request id (a new span id each call; sampled, so that the
    receiving side keeps its part of the trace)."""
    context = _span_context()
    if context:
        return f"00-{context.trace_id:032x}-{context.span_id:016x}-{context.trace_flags:02x}"
    trace_id = trace_id_for(request_id_var.get() or new_request_id())
    span_id = secrets.token_hex(8)
    while span_id == "0" * 16:  # all zeros is invalid (W3C Trace Context, 3.2.2.4)
        span_id = secrets.token_hex(8)
    return f"00-{trace_id}-{span_id}-01"


def outgoing_headers() -> dict[str, str]:
    """Headers that let the receiving side (an office) tie its work to ours."""
    headers = {"traceparent": traceparent()}
    request_id = request_id_var.get()
    if request_id:
        headers["X-Request-ID"] = request_id
    return headers
