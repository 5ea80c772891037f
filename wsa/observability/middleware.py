"""Per-request metrics: latency and status by Django view name, and the request's database queries.

The view name (`namespace:name`) keeps the label set bounded; a path would create a series per case.
Requests that match no view are counted as "(unresolved)", static files served before the URL
resolver as "(static)".
"""

import time

from django.conf import settings
from django.db import connections

from . import metrics

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
