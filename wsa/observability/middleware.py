"""The two request middlewares of operations.

- `RequestMetricsMiddleware`: latency and status by Django view name, and the request's database
  queries. The view name (`namespace:name`) keeps the label set bounded; a path would create a series
  per case. Requests that match no view are counted as "(unresolved)", static files served before the
  URL resolver as "(static)".
- `RequestIdMiddleware`: the request id of every request: the caller's X-Request-ID when it is a plain
  token, else the current trace id (tracing on) or a new one; echoed in the response's X-Request-ID.
  With WSA_LOG_REQUESTS on, one line per request: method, route (the URL pattern, never the path,
  which can hold a share code), status and duration.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.db import connections

from . import metrics
from .context import case_reference_var, new_request_id, request_id_var, sane_request_id
from .tracing import current_trace_id

logger = logging.getLogger("wsa.request")


METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNRESOLVED = "(unresolved)"
STATIC = "(static)"


class QueryCounter:
    """A database execute wrapper that counts the queries it sees."""

    __slots__ = ("count",)

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def view_label(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return match.view_name  # "namespace:name", or the view's dotted path when the URL has no name
    static_url = settings.STATIC_URL or ""
    if static_url and request.path.startswith(static_url):
        return STATIC
    return UNRESOLVED


class RequestMetricsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        counter = QueryCounter()
        started = time.perf_counter()
        with connections["default"].execute_wrapper(counter):
            response = self.get_response(request)
        elapsed = time.perf_counter() - started
        view = view_label(request)
        method = request.method if request.method in METHODS else "other"
        metrics.http_request_duration.labels(view, method).observe(elapsed)
        metrics.http_responses.labels(view, method, str(response.status_code)).inc()
        metrics.http_request_db_queries.labels(view).observe(counter.count)
        return response



class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.log_requests = settings.WSA_LOG_REQUESTS

    def __call__(self, request):
        request_id = (sane_request_id(request.META.get("HTTP_X_REQUEST_ID"))
                      or current_trace_id() or new_request_id())
        request_token = request_id_var.set(request_id)
        case_token = case_reference_var.set("")
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            if self.log_requests:
                match = request.resolver_match
                logger.info("%s %s %s %.1f ms", request.method, f"/{match.route}" if match else "-",
                            response.status_code, (time.perf_counter() - started) * 1000,
                            extra={"view": match.view_name if match else "", "status": response.status_code})
            return response
        finally:
            case_reference_var.reset(case_token)
            request_id_var.reset(request_token)
