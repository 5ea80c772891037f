"""The `simulated` transport: hands the envelope to the in-process simulators (authorities/simulator)
and reads their answers from the simulator's own table. No network; the embedded default."""

from __future__ import annotations

from django.conf import settings

from ..crypto import sha512_hex
from ..selectors import visa_office_context
from ..simulator import DatabaseStore, Simulator
from .base import Envelope, Receipt, Transport, TransportError


def simulator() -> Simulator:
    return Simulator(DatabaseStore(), delay=settings.WSA_AUTHORITY_SIMULATOR_DELAY)


class SimulatedTransport(Transport):
    name = "simulated"

    def send(self, *, request, envelope: Envelope) -> Receipt:
        manifest = []
        for attachment in envelope.attachments:
            try:
                content = attachment.read()
            except Exception as error:  # a missing file is worth a retry, not a crash
                raise TransportError(f"Attachment {attachment.document_id} cannot be read: {error}") from error
            manifest.append({"attachmentId": attachment.attachment_id, "document": attachment.document_id,
                             "sha512": sha512_hex(content), "mimeType": attachment.mime_type,
                             "filename": attachment.filename})
        record = simulator().receive(
            idempotency_key=request.idempotency_key,
            destination=request.authority.destination_id or str(request.authority_id),
            data=envelope.data,
            attachments=manifest,
        )
        return Receipt(remote_id=record["submission_id"], remote_case_id=record["case_id"],
                       manifest={"attachments": manifest})

    def fetch_answer(self, *, request) -> dict | None:
        return simulator().answer(request.remote_id, **visa_office_context(request=request))

    def answer_fetch_delays(self) -> tuple[float | None, ...]:
        """At once, and once more just after the simulated offices' delay has passed."""
        delay = settings.WSA_AUTHORITY_SIMULATOR_DELAY
        return (None, delay + 0.5) if delay else (None,)
