"""The portal's own address, for links that leave it: e-mails, decision PDFs and their QR codes, the
authority simulator's callbacks. SITE_URL when it is configured (production must set it); otherwise, in
development, the address the portal was last reached at, so that `make run PORT=9000` or a LAN address
gives working links; before any request, the development default."""

from django.conf import settings

DEVELOPMENT_DEFAULT = "http://127.0.0.1:8000"
_seen = {"origin": ""}


def site_url() -> str:
    """The scheme, host and port of the portal, without a trailing slash."""
    return (settings.SITE_URL or _seen["origin"] or DEVELOPMENT_DEFAULT).rstrip("/")


def remember_origin(request) -> None:
    """Development only (no SITE_URL; settings install the middleware that calls this only then): the
    address this request came in on becomes the links' address."""
    _seen["origin"] = request.build_absolute_uri("/").rstrip("/")
