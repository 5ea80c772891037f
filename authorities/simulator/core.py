"""The simulated office side: receives submissions, dedupes them on the sender's idempotency key,
checks decryption and hashes (HTTP), decides with rules.py and serves the answer.

Two stores hold what the offices received: `MemoryStore` for the HTTP simulator process
(`run_authority_simulator`) and `DatabaseStore` (the SimulatedSubmission table) for the in-process
`simulated` transport, so that every Celery worker process sees the same offices.
"""

from __future__ import annotations

import copy
import json
import threading
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F

from .. import crypto
from ..models import SimulatedSubmission
from . import rules


class SimulatorError(Exception):
    """An RFC 7807 problem: `status`, `problem` (the type's last segment) and a detail text."""

    def __init__(self, status: int, problem: str, detail: str = ""):
        super().__init__(detail or problem)
        self.status, self.problem, self.detail = status, problem, detail or problem

    def as_problem(self) -> dict:
        return {"type": f"https://wsa.example/problems/{self.problem}", "title": self.problem,
                "status": self.status, "detail": self.detail}


def _now() -> datetime:
    return datetime.now(UTC)


class MemoryStore:
    def __init__(self):
        self._lock = threading.RLock()
        self._by_id: dict[str, dict] = {}
        self._by_key: dict[str, str] = {}

    @contextmanager
    def transaction(self):
        with self._lock:
            yield

    def get_or_create(self, idempotency_key: str, factory) -> tuple[dict, bool]:
        submission_id = self._by_key.get(idempotency_key)
        if submission_id is not None:
            record = self._by_id[submission_id]
            record["deliveries"] += 1
            return record, False
        record = factory()
        self._by_id[record["submission_id"]] = record
        self._by_key[idempotency_key] = record["submission_id"]
        return record, True

    def get(self, submission_id: str) -> dict | None:
        return self._by_id.get(str(submission_id))

    def save(self, record: dict) -> None:
        self._by_id[record["submission_id"]] = record

    def all(self) -> list[dict]:
        with self._lock:
            return [copy.deepcopy(record) for record in self._by_id.values()]


class DatabaseStore:
    @contextmanager
    def transaction(self):
        with transaction.atomic():
            yield

    def get_or_create(self, idempotency_key: str, factory) -> tuple[dict, bool]:
        existing = SimulatedSubmission.objects.select_for_update().filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            SimulatedSubmission.objects.filter(pk=existing.pk).update(deliveries=F("deliveries") + 1)
            return {**existing.record, "deliveries": existing.deliveries + 1}, False
        record = factory()
        SimulatedSubmission.objects.create(
            submission_id=record["submission_id"], idempotency_key=idempotency_key,
            destination=record["destination"], record=record,
        )
        return record, True

    def get(self, submission_id: str) -> dict | None:
        try:
            row = SimulatedSubmission.objects.filter(submission_id=submission_id).first()
        except (ValueError, TypeError, ValidationError):  # not a UUID (e.g. the demo's "demo-…" ids)
            return None
        return None if row is None else {**row.record, "deliveries": row.deliveries}

    def save(self, record: dict) -> None:
        SimulatedSubmission.objects.filter(submission_id=record["submission_id"]).update(record=record)

    def all(self) -> list[dict]:
        return [{**row.record, "deliveries": row.deliveries} for row in SimulatedSubmission.objects.order_by("pk")]


class Simulator:
    def __init__(self, store, *, delay: float = 0.0, private_key=None, clock=_now):
        self.store = store
        self.delay = float(delay)
        self.private_key = private_key
        self.clock = clock

    def _new_record(self, idempotency_key: str, destination: str, announced: list[str]) -> dict:
        return {
            "submission_id": str(uuid.uuid4()),
            "case_id": str(uuid.uuid4()),
            "idempotency_key": idempotency_key,
            "destination": destination,
            "state": "announced",
            "announced": list(announced),
            "uploads": {},
            "attachments": [],
            "data": {},
            "verified": False,
            "deliveries": 1,
        }

    def _accept(self, record: dict, data: dict, attachments: list[dict]) -> None:
        received = self.clock()
        record.update(
            state="submitted", data=data, attachments=attachments, uploads={}, verified=True,
            received_at=received.isoformat(), ready_at=(received + timedelta(seconds=self.delay)).isoformat(),
            decision=rules.decide(data, received),
        )

    # --- FIT-Connect-like API (HTTP simulator) ----------------------------------------------

    def announce(self, *, idempotency_key: str, destination: str, announced: list[str]) -> tuple[dict, bool]:
        if not idempotency_key:
            raise SimulatorError(400, "idempotency-key-missing", "The Idempotency-Key header is required.")
        with self.store.transaction():
            record, created = self.store.get_or_create(
                idempotency_key, lambda: self._new_record(idempotency_key, destination, announced)
            )
            if not created:
                self.store.save(record)
            return copy.deepcopy(record), created

    def upload(self, submission_id: str, attachment_id: str, token: str) -> None:
        with self.store.transaction():
            record = self._get(submission_id)
            if attachment_id not in record["announced"]:
                raise SimulatorError(422, "attachment-not-announced", f"Attachment {attachment_id} was not announced.")
            if record["state"] == "submitted":
                return  # a resend after the submission: already have it
            record["uploads"][attachment_id] = token
            self.store.save(record)

    def submit(self, submission_id: str, *, encrypted_metadata: str, encrypted_data: str) -> dict:
        with self.store.transaction():
            record = self._get(submission_id)
            if record["state"] == "submitted":
                return copy.deepcopy(record)
            missing = [a for a in record["announced"] if a not in record["uploads"]]
            if missing:
                raise SimulatorError(422, "missing-attachments", f"Announced attachments not uploaded: {missing}")
            try:
                metadata = json.loads(crypto.decrypt(encrypted_metadata, self.private_key))
                data_bytes = crypto.decrypt(encrypted_data, self.private_key)
            except (crypto.CryptoError, ValueError) as error:
                raise SimulatorError(400, "decryption-failed", str(error)) from error
            structure = metadata.get("contentStructure") or {}
            if (structure.get("data") or {}).get("hash", {}).get("content") != crypto.sha512_hex(data_bytes):
                raise SimulatorError(422, "hash-mismatch", "The SHA-512 hash of the data does not match.")
            described = {item.get("attachmentId"): item for item in structure.get("attachments") or []}
            if set(described) != set(record["announced"]):
                raise SimulatorError(422, "attachments-mismatch", "The metadata does not describe the announced set.")
            attachments = []
            for attachment_id, token in record["uploads"].items():
                try:
                    content = crypto.decrypt(token, self.private_key)
                except crypto.CryptoError as error:
                    raise SimulatorError(400, "decryption-failed", str(error)) from error
                item = described[attachment_id]
                if item.get("hash", {}).get("content") != crypto.sha512_hex(content):
                    raise SimulatorError(422, "hash-mismatch", f"Attachment {attachment_id}: SHA-512 does not match.")
                attachments.append({"attachmentId": attachment_id, "sha512": crypto.sha512_hex(content),
                                    "size": len(content), "mimeType": item.get("mimeType", ""),
                                    "filename": item.get("filename", "")})
            try:
                data = json.loads(data_bytes)
            except ValueError as error:
                raise SimulatorError(422, "data-invalid", "The data is not JSON.") from error
            record["metadata"] = metadata
            self._accept(record, data, attachments)
            self.store.save(record)
            return copy.deepcopy(record)

    def _get(self, submission_id: str) -> dict:
        record = self.store.get(submission_id)
        if record is None:
            raise SimulatorError(404, "submission-not-found", f"Submission {submission_id} does not exist.")
        return record

    # --- in-process (simulated transport) ---------------------------------------------------

    def receive(self, *, idempotency_key: str, destination: str, data: dict, attachments: list[dict]) -> dict:
        def accepted() -> dict:  # stored once, already accepted
            record = self._new_record(idempotency_key, destination, [])
            self._accept(record, data, attachments)
            return record

        with self.store.transaction():
            record, _created = self.store.get_or_create(idempotency_key, accepted)
            return record

    # --- answers ----------------------------------------------------------------------------

    def answer(self, submission_id: str, *, appointment: str = "", attended: str = "",
               approvals: str = "") -> dict | None:
        """The office's answer. For the visa, what the hub told it when asking (the office's own
        calendar and files): `appointment`, the slot the applicant booked; `attended`, when the
        applicant came in person; `approvals`, the state of the other offices' approvals
        (`granted`, `refused`, `pending`). The visa office decides only after the attended
        appointment and the granted approvals; a refused approval leaves only the rejection.
        Until then it only confirms receipt and asks for the booking."""
        record = self.store.get(submission_id)
        if record is None or record.get("state") != "submitted":
            return None
        decision = record["decision"]
        answer = {"submissionId": record["submission_id"], "receivedAt": record["received_at"]}
        if decision.get("book_appointment"):
            answer["bookAppointment"] = True
            if approvals == "refused":
                decision = rules.approval_refused()
            elif not attended or approvals != "granted":
                return {**answer, "status": "acknowledged"}
            elif appointment:
                decision = rules.decide({**record["data"], "appointment": appointment},
                                        datetime.fromisoformat(record["received_at"]))
        if self.clock() < datetime.fromisoformat(record["ready_at"]):
            return {**answer, "status": "acknowledged"}
        return {
            **answer,
            "status": "answered",
            "outcome": decision["outcome"],
            "conditions": decision["conditions"],
            "reason": decision["reason"],
            "reference": f"SIM-{record['submission_id'][:8].upper()}",
            "decidedAt": record["ready_at"],
        }
