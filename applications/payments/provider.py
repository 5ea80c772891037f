"""The payment provider adapter, shaped like ePayBL (the federal e-payment platform): the portal
registers a payment with the provider and sends the applicant to the provider's page; the provider
sends the applicant back (`return_url`) and tells the portal the outcome server-to-server with a
signed notification to /payments/notify/ (`notification_sign`, checked by services).

WSA_PAYMENT_PROVIDER chooses the adapter: "simulated" (an in-process bank, `payments/simulator/<ref>/`,
offered only with DEBUG or WSA_PAYMENT_SIMULATOR) or "failing-simulated" (a provider that is down,
for tests and demos of that fault). A real ePayBL connection would be one more adapter here.
"""

from __future__ import annotations

import hashlib
import hmac
import json

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

SIGNATURE_HEADER = "X-Payment-Signature"


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
                       return_url: str) -> str:
        """Registers the payment; returns the address of the provider's page for the applicant."""
        if not simulator_enabled():
            raise ProviderUnavailable("the simulated bank is switched off")
        return reverse("payment_simulator", kwargs={"reference": reference})

    @staticmethod
    def notification_body(*, reference: str, status: str, amount_cents: int, currency: str) -> bytes:
        """What the bank posts to /payments/notify/ (status "paid" or "failed")."""
        return json.dumps({"reference": reference, "status": status, "amount_cents": amount_cents,
                           "currency": currency, "at": timezone.now().isoformat()}, sort_keys=True).encode()


class FailingProvider(SimulatedProvider):
    name = "failing-simulated"

    def payment_create(self, **kwargs) -> str:
        raise ProviderUnavailable("the provider does not answer")


ADAPTERS = {adapter.name: adapter for adapter in (SimulatedProvider, FailingProvider)}


def provider_get():
    try:
        return ADAPTERS[settings.WSA_PAYMENT_PROVIDER]()
    except KeyError as exc:
        raise ProviderUnavailable(f"unknown provider {settings.WSA_PAYMENT_PROVIDER!r}") from exc
