"""Login protection shared by allauth, django-axes and the HR API: one notion of the client's
address, the login name django-axes counts failures for, the throttle of failed API tokens and every
API token's budget of requests.

See docs/security.md for the numbers and how to change them.
"""

from __future__ import annotations

import math
import re
import time
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured


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
# Failures count twice: for the client's address and for the address together with the token's prefix
# (the part before the secret that names a token). A failure is answered 429 once either count is used
# up; a valid token is refused only while its own prefix is under attack from that address, so the
# valid tokens of other systems behind the same address (a shared NAT) keep working.

API_FAILURE_KEY = "wsa:api-auth-failures:{ip}"
API_PREFIX_FAILURE_KEY = "wsa:api-auth-failures:{ip}:{prefix}"


def _api_keys(request, prefix: str) -> tuple[str, str]:
    ip = client_ip(request) or "unknown"
    return API_FAILURE_KEY.format(ip=ip), API_PREFIX_FAILURE_KEY.format(ip=ip, prefix=prefix[:16])


def api_auth_blocked(request, *, prefix: str, token_valid: bool) -> bool:
    """True while the client's address has used up its failed attempts of the current window: for the
    token's prefix, and (for a token that does not authenticate) for the address as a whole."""
    address_key, prefix_key = _api_keys(request, prefix)
    limit = settings.WSA_API_AUTH_FAILURE_LIMIT
    if int(cache.get(prefix_key) or 0) >= limit:
        return True
    return not token_valid and int(cache.get(address_key) or 0) >= limit


def api_auth_failed(request, *, prefix: str) -> None:
    """Counts one failed token attempt of the client's address, and of the address with that prefix;
    each window starts with its first failure."""
    for key in _api_keys(request, prefix):
        if cache.add(key, 1, timeout=settings.WSA_API_AUTH_FAILURE_WINDOW):
            continue
        try:
            cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.set(key, 1, timeout=settings.WSA_API_AUTH_FAILURE_WINDOW)


# --- HR API: every token's budget of requests -----------------------------------------------------
# A fixed window per token: the first request of a window creates its counter, every request adds one
# with the cache's atomic increment (INCR on Redis), so workers and threads never lose a count. A token
# over its budget waits until its window ends; a window's counter expires with it.

API_BUDGET_KEY = "wsa:api-token-rate:{token}:{window}"
_RATE_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@lru_cache(maxsize=8)
def parse_rate(rate: str) -> tuple[int, int]:
    """``"300/m"`` → (300 requests, 60 seconds); periods s, m, h, d, optionally with a count (``"50/5m"``)."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*", rate or "")
    if not match or int(match[1]) < 1 or match[2] == "0":
        raise ImproperlyConfigured(f"WSA_API_TOKEN_RATE must look like 300/m (requests/period), not {rate!r}.")
    return int(match[1]), int(match[2] or 1) * _RATE_PERIODS[match[3]]


def clock() -> float:
    """Seconds since the epoch; the one clock of the token budget (tests move it forward)."""
    return time.time()


def api_token_rate_consume(token_id: int) -> int | None:
    """Counts one request of the token; None while it is within WSA_API_TOKEN_RATE, else the whole
    seconds until its window ends (the value of Retry-After)."""
    limit, period = parse_rate(settings.WSA_API_TOKEN_RATE)
    now = clock()
    window = int(now // period)
    key = API_BUDGET_KEY.format(token=token_id, window=window)
    if cache.add(key, 1, timeout=period + 1):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.set(key, 1, timeout=period + 1)
            count = 1
    if count <= limit:
        return None
    return max(1, math.ceil((window + 1) * period - now))


# --- Login lockout (django-axes) ------------------------------------------------------------------


def lockout_response(request, original_response=None, credentials=None):
    """The page shown while a (login, address) pair is locked: HTTP 429, the wait in minutes, no login echoed."""
    from django.shortcuts import render

    minutes = max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))
    return render(request, "account/lockout.html", {"minutes": minutes}, status=429)
