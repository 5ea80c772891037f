"""Response headers that hold on every page: a nonce-based Content-Security-Policy without
'unsafe-inline', and the permissions and isolation headers Django does not set itself."""

import secrets

from django.conf import settings
from django.http import JsonResponse

from .errors import bad_request
from .site import remember_origin

PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()" for feature in (
        "accelerometer", "autoplay", "camera", "display-capture", "geolocation", "gyroscope", "magnetometer",
        "microphone", "midi", "payment", "usb", "interest-cohort",
    )
)


def content_security_policy(nonce: str) -> str:
    directives = {
        "default-src": "'self'",
        "script-src": f"'self' 'nonce-{nonce}'",
        "style-src": f"'self' 'nonce-{nonce}'",
        "img-src": "'self' data:",
        "font-src": "'self'",
        "connect-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'none'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    if settings.PRODUCTION:
        directives["upgrade-insecure-requests"] = ""
    return "; ".join(f"{name} {value}".strip() for name, value in directives.items())


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.csp_nonce = secrets.token_urlsafe(18)
        response = self.get_response(request)
        # A view may set a stricter policy of its own (e.g. the sandboxed document preview).
        response.headers.setdefault("Content-Security-Policy", content_security_policy(request.csp_nonce))
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        return response


class SiteAddressMiddleware:
    """Development without SITE_URL: links in e-mails and decisions follow the address the portal is
    reached at (wsa/site.py)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        remember_origin(request)
        return self.get_response(request)


class RejectNulBytesMiddleware:
    """A NUL byte in the address, the query, a form field or a JSON body is never valid input, and
    PostgreSQL refuses it in any text: it ends here as a 400 page instead of a server error deep in a query."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _carries_nul(request):
            if request.path.startswith(("/api/", "/authorities/callback/")):
                return JsonResponse({"detail": "NUL bytes are not allowed in any input."}, status=400)
            return bad_request(request)
        return self.get_response(request)


def _carries_nul(request) -> bool:
    if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", "").lower():
        return True
    if any("\x00" in key or "\x00" in value for key, values in request.GET.lists() for value in values):
        return True
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return False
    if request.content_type == "application/x-www-form-urlencoded":
        return any("\x00" in key or "\x00" in value for key, values in request.POST.lists() for value in values)
    if request.content_type == "application/json":  # the HR API; written as an escape or as the byte itself
        return b"\\u0000" in request.body or b"\x00" in request.body
    return False
