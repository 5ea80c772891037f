"""The request id of every request: the caller's X-Request-ID when it is a plain token, else the
current trace id (tracing on) or a new one; echoed in the response's X-Request-ID. With
WSA_LOG_REQUESTS on, one line per request: method, route (the URL pattern, never the path, which can
hold a share code), status and duration."""

from __future__ import annotations

import logging
import time

from django.conf import settings

from .context import case_reference_var, new_request_id, request_id_var, sane_request_id
from .tracing import current_trace_id

logger = logging.getLogger("wsa.request")


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
