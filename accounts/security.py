"""Login protection shared by allauth, django-axes and the HR API: one notion of the client's
address, the login name django-axes counts failures for, and the throttle of failed API tokens.

See docs/SECURITY.md for the numbers and how to change them.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache


def client_ip(request) -> str | None:
    """The client's address as allauth sees it (X-Forwarded-For only from WSA_TRUSTED_PROXY_COUNT proxies).

    None when there is none (e.g. a session started without a request): axes stores the address in an
    inet column on PostgreSQL, which takes NULL but not a placeholder word."""
    from allauth.core.internal.httpkit import get_client_ip

    return get_client_ip(request) or None


def axes_username(request, credentials) -> str:
    """The login a failure counts against, lower-cased: allauth passes ``email``, the admin ``username``."""
    credentials = credentials or {}
    data = getattr(request, "POST", {}) if request is not None else {}
    value = (credentials.get("email") or credentials.get("username") or credentials.get("login")
             or data.get("login") or data.get("username") or "")
    return str(value).strip().lower()[:255]


# --- HR API: failed token attempts ----------------------------------------------------------------

API_FAILURE_KEY = "wsa:api-auth-failures:{ip}"


def _api_key(request) -> str:
    return API_FAILURE_KEY.format(ip=client_ip(request) or "unknown")


def api_auth_blocked(request) -> bool:
    """True while the client's address has used up its failed token attempts of the current window."""
    return int(cache.get(_api_key(request)) or 0) >= settings.WSA_API_AUTH_FAILURE_LIMIT


def api_auth_failed(request) -> int:
    """Counts one failed token attempt of the client's address; the window starts with the first failure."""
    key = _api_key(request)
    if cache.add(key, 1, timeout=settings.WSA_API_AUTH_FAILURE_WINDOW):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, timeout=settings.WSA_API_AUTH_FAILURE_WINDOW)
        return 1


# --- Login lockout (django-axes) ------------------------------------------------------------------


def lockout_response(request, original_response=None, credentials=None):
    """The page shown while a (login, address) pair is locked: HTTP 429, the wait in minutes, no login echoed."""
    from django.shortcuts import render

    minutes = max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))
    return render(request, "account/lockout.html", {"minutes": minutes}, status=429)
