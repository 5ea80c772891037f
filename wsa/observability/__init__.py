"""Logs and traces: the request id and case reference every log record carries (context), the
JSON log format and the redaction of personal data (logs), the request-id middleware, their journey
into Celery tasks (tasks) and OpenTelemetry, installed only when an OTLP endpoint is configured
(tracing). README.md, "Logs and traces", is the operator's guide."""
