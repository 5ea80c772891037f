"""Transports to the offices: `simulated` (in-process simulators, the embedded default) and `http`
(FIT-Connect-like, JWE-encrypted). Chosen by the setting WSA_AUTHORITY_TRANSPORT."""

from django.conf import settings

from .base import Envelope, Receipt, Transport, TransportError


def get_transport(name: str | None = None) -> Transport:
    name = name or settings.WSA_AUTHORITY_TRANSPORT
    if name == "simulated":
        from .simulated import SimulatedTransport

        return SimulatedTransport()
    if name == "http":
        from .http import HttpTransport

        return HttpTransport()
    raise TransportError(f"Unknown authority transport {name!r}.", permanent=True)


__all__ = ["Envelope", "Receipt", "Transport", "TransportError", "get_transport"]
