"""/readyz (readiness, public, no personal data) and /metrics (Prometheus, bearer token only)."""

import hmac

from django.conf import settings
from django.http import Http404, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from .exposition import scrape_registry
from .health import readiness


@require_safe
@never_cache
def readyz(request):
    ready, checks = readiness()
    body = {"status": "ready" if ready else "unready", "checks": checks,
            "failing": [name for name, result in checks.items() if result == "failed"]}
    return JsonResponse(body, status=200 if ready else 503)


def bearer_token_matches(request, expected: str) -> bool:
    scheme, _, supplied = request.headers.get("Authorization", "").partition(" ")
    # compare_digest takes as long for a wrong first byte as for a wrong last one.
    return scheme.lower() == "bearer" and hmac.compare_digest(supplied.strip().encode(), expected.encode())


@require_safe
@never_cache
def metrics(request):
    """Without METRICS_TOKEN the endpoint does not exist (404); with it, only that bearer token reads it."""
    token = settings.METRICS_TOKEN
    if not token:
        raise Http404
    if not bearer_token_matches(request, token):
        response = HttpResponse("bearer token required\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(generate_latest(scrape_registry()), content_type=CONTENT_TYPE_LATEST)
