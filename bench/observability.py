"""What logs and traces cost a request: requests/s of the full Django stack (production settings, DEBUG
off) on two cheap pages, in-process (no network noise), with and without the request-id middleware,
with its JSON access line, and with OpenTelemetry on (spans made and dropped). Tracing off installs
nothing (tests/wsa/test_tracing.py), so "request id" below is also the cost of having OTel off.

    DJANGO_SETTINGS_MODULE=bench.settings uv run python bench/observability.py [requests per round]

Configurations take turns round by round, so load from other work on the machine hits all alike.
"""

from __future__ import annotations

import io
import logging.config
import os
import secrets
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
os.environ.setdefault("DJANGO_ENV", "production")
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(48))
os.environ.setdefault("SITE_URL", "https://wsa.example")
os.environ.setdefault("ALLOWED_HOSTS", "wsa.example")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.handlers.wsgi import WSGIHandler  # noqa: E402

from wsa.observability.logs import logging_config  # noqa: E402
from wsa.observability.tracing import install_tracing  # noqa: E402

MIDDLEWARE = "wsa.observability.middleware.RequestIdMiddleware"
PAGES = ["/favicon.ico", "/"]
ROUNDS = 7


def handler(*, request_id: bool, log_requests: bool) -> WSGIHandler:
    middleware = [m for m in settings.MIDDLEWARE if m != MIDDLEWARE]
    if request_id:  # first, as settings.py puts it, but after OpenTelemetry's (when on)
        middleware.insert(sum(1 for m in middleware if m.startswith("opentelemetry")), MIDDLEWARE)
    settings.MIDDLEWARE = middleware
    settings.WSA_LOG_REQUESTS = log_requests
    return WSGIHandler()


def environ(path: str) -> dict:
    return {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": "", "SERVER_NAME": "wsa.example",
            "SERVER_PORT": "443", "HTTP_HOST": "wsa.example", "HTTP_X_FORWARDED_PROTO": "https",
            "wsgi.url_scheme": "https", "wsgi.input": io.BytesIO(b""), "wsgi.errors": sys.stderr,
            "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1"}


def rate(app: WSGIHandler, path: str, count: int) -> float:
    status = []

    def start_response(code, headers, exc_info=None):
        status.append(code)

    started = time.perf_counter()
    for _ in range(count):
        body = app(environ(path), start_response)
        b"".join(body)
        body.close()
    elapsed = time.perf_counter() - started
    assert status[-1][:3] in {"200", "301", "302"}, status[-1]
    return count / elapsed


def compare(apps: dict[str, WSGIHandler], count: int) -> None:
    for path in PAGES:
        for app in apps.values():
            rate(app, path, 200)  # warm-up: URL resolver, templates, imports
        rates = {name: [] for name in apps}
        for _ in range(ROUNDS):
            for name, app in apps.items():
                rates[name].append(rate(app, path, count))
        base_name = next(iter(apps))
        base = statistics.median(rates[base_name])
        print(f"\n{path}  (median of {ROUNDS} rounds x {count} requests)")
        for name, values in rates.items():
            median = statistics.median(values)
            cost_us = (1 / median - 1 / base) * 1e6
            print(f"  {name:<38} {median:8.0f} req/s  {median / base:6.3f} x {base_name!r}  "
                  f"{cost_us:+7.1f} us/request")


def main() -> None:
    # Static file names without collectstatic's manifest: static() is not what is measured here.
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    logging.config.dictConfig(logging_config(json=True))
    console = next(h for h in logging.getLogger().handlers if h.name == "console")
    console.setStream(open(os.devnull, "w"))  # noqa: SIM115 - the process's lifetime
    apps = {
        "without request-id middleware": handler(request_id=False, log_requests=False),
        "request id (tracing off)": handler(request_id=True, log_requests=False),
        "request id + JSON access line": handler(request_id=True, log_requests=True),
    }
    compare(apps, count)

    # A span processor that drops what it gets: the cost of making spans, not of exporting them.
    from opentelemetry.sdk.trace import SpanProcessor

    install_tracing(SpanProcessor(), service_name="wsa-bench")
    print("\nWith OpenTelemetry on (Django instrumented, spans made and dropped):")
    compare({"without request-id middleware": apps["without request-id middleware"],
             "request id + tracing on": handler(request_id=True, log_requests=False)}, count)


if __name__ == "__main__":
    main()
