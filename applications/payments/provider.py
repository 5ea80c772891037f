"""The payment provider adapter, shaped like ePayBL (the federal e-payment platform): the portal
registers a payment with the provider and sends the applicant to the provider's page; the provider
sends the applicant back (`return_url`) and tells the portal the outcome server-to-server with a
signed notification to /payments/notify/ (`notification_sign`, checked by services).

WSA_PAYMENT_PROVIDER chooses the adapter: "simulated" (an in-process bank, `payments/simulator/<ref>/`,
offered only with DEBUG or WSA_PAYMENT_SIMULATOR), "failing-simulated" (a provider that is down,
for tests and demos of that fault) or "http" (provider_http.py: a provider reached over HTTP/JSON,
modelled on ePayBL, below, with its loopback simulator in http_simulator.py).

Every adapter offers `payment_create` (returns a Registration: the payer's address at the provider and
the provider's id of the payment) and `refund` (the money of a paid attempt goes back); both raise
ProviderUnavailable when the provider does not take the order.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass

import requests
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from wsa.site import site_url

SIGNATURE_HEADER = "X-Payment-Signature"


@dataclass(frozen=True)
class Registration:
    address: str
    provider_payment_id: str = ""


class ProviderUnavailable(Exception):
    """The provider did not take the payment (down, refused, not configured): nothing was registered."""


def notify_secret() -> bytes:
    """WSA_PAYMENT_NOTIFY_SECRET, or outside production one derived from SECRET_KEY (the simulated bank
    signs with it), so that development and tests work without configuration. Empty in production
    without the setting: every notification is refused."""
    if settings.WSA_PAYMENT_NOTIFY_SECRET:
        return settings.WSA_PAYMENT_NOTIFY_SECRET.encode()
    if settings.PRODUCTION:
        return b""
    return hmac.new(settings.SECRET_KEY.encode(), b"wsa-payment-notifications", hashlib.sha256).hexdigest().encode()


def notification_sign(body: bytes) -> str:
    """HMAC-SHA256 of the raw body with the shared secret, hex."""
    return hmac.new(notify_secret(), body, hashlib.sha256).hexdigest()


def notification_signature_valid(body: bytes, signature: str) -> bool:
    if not notify_secret() or not signature:
        return False
    return hmac.compare_digest(notification_sign(body).encode(), signature.strip().lower().encode())


def simulator_enabled() -> bool:
    return bool(settings.DEBUG or settings.WSA_PAYMENT_SIMULATOR)


class SimulatedProvider:
    name = "simulated"

    def payment_create(self, *, reference: str, amount_cents: int, currency: str, purpose: str,
                       return_url: str) -> Registration:
        """Registers the payment; returns the address of the provider's page for the payer."""
        if not simulator_enabled():
            raise ProviderUnavailable("the simulated bank is switched off")
        return Registration(reverse("payment_simulator", kwargs={"reference": reference}))

    def refund(self, *, reference: str, provider_payment_id: str, amount_cents: int, currency: str) -> None:
        """The simulated bank pays back at once."""
        if not simulator_enabled():
            raise ProviderUnavailable("the simulated bank is switched off")

    @staticmethod
    def notification_body(*, reference: str, status: str, amount_cents: int, currency: str) -> bytes:
        """What the bank posts to /payments/notify/ (status "paid" or "failed")."""
        return json.dumps({"reference": reference, "status": status, "amount_cents": amount_cents,
                           "currency": currency, "at": timezone.now().isoformat()}, sort_keys=True).encode()


class FailingProvider(SimulatedProvider):
    name = "failing-simulated"

    def payment_create(self, **kwargs) -> Registration:
        raise ProviderUnavailable("the provider does not answer")

    def refund(self, **kwargs) -> None:
        raise ProviderUnavailable("the provider does not answer")


class HttpProvider:
    """A payment platform over HTTP/JSON, modelled on ePayBL: the portal (the "Fachverfahren") registers
    the payment (`POST {base}/v1/payments`, header Idempotency-Key = our reference: the same
    registration twice is the same payment at the provider), sends the payer to the `redirect_url` it
    answers, and learns the outcome from the signed notification to /payments/notify/. A refund is
    `POST {base}/v1/payments/{id}/refunds` (Idempotency-Key `refund-<reference>`: a retried refund pays
    back once). Timeouts, connection errors, 5xx and unreadable answers are ProviderUnavailable.
    Settings: WSA_PAYMENT_HTTP_URL, WSA_PAYMENT_HTTP_TOKEN (Bearer), WSA_PAYMENT_HTTP_TIMEOUT."""

    name = "http"

    def __init__(self, session: requests.Session | None = None):
        self.session = session or requests.Session()

    def _post(self, path: str, payload: dict, *, key: str) -> dict:
        base = settings.WSA_PAYMENT_HTTP_URL.rstrip("/")
        if not base:
            raise ProviderUnavailable("WSA_PAYMENT_HTTP_URL is not set")
        headers = {"Idempotency-Key": key, "Accept": "application/json"}
        if settings.WSA_PAYMENT_HTTP_TOKEN:
            headers["Authorization"] = f"Bearer {settings.WSA_PAYMENT_HTTP_TOKEN}"
        try:
            response = self.session.post(f"{base}{path}", json=payload, headers=headers,
                                         timeout=settings.WSA_PAYMENT_HTTP_TIMEOUT)
        except requests.RequestException as exc:
            raise ProviderUnavailable(f"{path}: {exc.__class__.__name__}") from exc
        if response.status_code not in (200, 201):
            raise ProviderUnavailable(f"{path}: HTTP {response.status_code}")
        try:
            data = response.json()
        except ValueError as exc:
            raise ProviderUnavailable(f"{path}: unreadable answer") from exc
        if not isinstance(data, dict):
            raise ProviderUnavailable(f"{path}: unreadable answer")
        return data

    def payment_create(self, *, reference: str, amount_cents: int, currency: str, purpose: str,
                       return_url: str) -> Registration:
        data = self._post("/v1/payments", {
            "reference": reference, "amount_cents": amount_cents, "currency": currency, "purpose": purpose,
            "return_url": return_url,
            "notify_url": site_url() + reverse("payment_notify"),
        }, key=reference)
        address, provider_id = data.get("redirect_url"), data.get("id")
        if not isinstance(address, str) or not address.startswith(("https://", "http://")) or not provider_id:
            raise ProviderUnavailable("/v1/payments: no payment page in the answer")
        return Registration(address, str(provider_id)[:64])

    def refund(self, *, reference: str, provider_payment_id: str, amount_cents: int, currency: str) -> None:
        data = self._post(f"/v1/payments/{provider_payment_id}/refunds",
                          {"amount_cents": amount_cents, "currency": currency}, key=f"refund-{reference}")
        if data.get("status") != "refunded":
            raise ProviderUnavailable("refund not confirmed")


ADAPTERS = {adapter.name: adapter for adapter in (SimulatedProvider, FailingProvider, HttpProvider)}


def provider_get(name: str | None = None):
    """The adapter of WSA_PAYMENT_PROVIDER, or the one named (a refund goes to the provider that took
    the money)."""
    name = name or settings.WSA_PAYMENT_PROVIDER
    try:
        return ADAPTERS[name]()
    except KeyError as exc:
        raise ProviderUnavailable(f"unknown provider {name!r}") from exc
