"""The transport protocol: how an envelope reaches an office and how its answer comes back.

    send(request=..., envelope=...) -> Receipt        # idempotent on request.idempotency_key
    fetch_answer(request=...) -> dict | None           # the office's current answer document, if any
    answer_fetch_delays() -> tuple                    # when to ask for the answer after a delivery

Errors are `TransportError`; `permanent=True` means retrying cannot help (e.g. HTTP 400), so the
outbox row becomes a dead letter at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..adapters.base import Attachment


class TransportError(Exception):
    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class Envelope:
    data: dict
    attachments: list[Attachment] = field(default_factory=list)


@dataclass(frozen=True)
class Receipt:
    remote_id: str
    remote_case_id: str = ""
    # What was sent, for the record on the AuthorityRequest (hashes, ids; no ciphertext).
    manifest: dict = field(default_factory=dict)


class Transport:
    name = ""

    def send(self, *, request, envelope: Envelope) -> Receipt:
        raise NotImplementedError

    def fetch_answer(self, *, request) -> dict | None:
        raise NotImplementedError

    def answer_fetch_delays(self) -> tuple[float | None, ...]:
        """Seconds after a committed delivery at which to ask for the answer (None: at once): once
        right away, it may already be there."""
        return (None,)
