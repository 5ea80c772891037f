"""Operations: metrics, health, logs and traces.

- `metrics` only defines the Prometheus metrics and imports nothing of the apps, so any app may
  record into it (like `wsa.site`); the scrape-time collector and the readiness checks, which read the
  apps, live in the other modules of this package, which stand above the apps.
- Logs and traces: the request id and case reference every log record carries (`context`), the JSON
  log format and the redaction of personal data (`logs`), their journey into Celery tasks (`tasks`)
  and OpenTelemetry, installed only when an OTLP endpoint is configured (`tracing`).

README.md, "Metrics and health" and "Logs and traces", is the operator's guide.
"""
