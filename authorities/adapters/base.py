"""The adapter protocol: `build_request(request) -> dict` and `parse_answer(body) -> Answer`.

`build_request` returns `{"data": {...}, "attachments": [Attachment, ...]}`: the submission JSON
(only what that office needs: data minimisation per office) and the case documents it gets.
`parse_answer` turns the office's answer document into an `Answer` or raises `AnswerError`.

Answer documents (the same from the simulator and, by contract, from real offices):

    {"status": "acknowledged", "bookAppointment": true}      # receipt (the visa office: please book)
    {"status": "answered", "outcome": "approved" | "rejected" | "information_needed",
     "conditions": {...}, "reference": "office file number"}

Offices assign no appointments: the applicant books one from the slots the visa office publishes
in the portal (authorities.appointments.appointment_book). An `appointment` in an answer is ignored.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ObjectDoesNotExist

from documents.models import Document

SCHEMA_URI = "https://wsa.example/schemas/authority-request/{purpose}/1.0.json"
ANSWER_STATUSES = ("received", "acknowledged", "answered")
OUTCOMES = ("approved", "rejected", "information_needed")


class AdapterError(Exception):
    """The request cannot be built (missing data, a broken adapter)."""


class AnswerError(ValueError):
    """The office's answer is not a valid answer document."""


@dataclass(frozen=True)
class Attachment:
    """A case document that goes with the submission; read from private storage only when sent."""

    attachment_id: str
    document_id: str
    filename: str
    mime_type: str
    purpose: str = "attachment"

    def read(self) -> bytes:
        document = Document.objects.get(public_id=self.document_id)
        with document.file.open("rb") as handle:
            return handle.read()


@dataclass(frozen=True)
class Answer:
    status: str
    outcome: str = ""
    conditions: dict = field(default_factory=dict)
    reference: str = ""
    body: dict = field(default_factory=dict)

    @property
    def final(self) -> bool:
        return self.status == "answered"


def plain(value: Any) -> Any:
    """JSON-safe value: dates as ISO strings, Decimals as strings."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


class BasePlugin:
    verbose_name: str = ""
    # Purposes this kind of office handles.
    purposes: tuple[str, ...] = ()
    # Document types (documents.models.DocumentType) this office gets as attachments.
    document_types: tuple[str, ...] = ()
    # Keys of `conditions` this office may set; anything else in an answer is dropped.
    condition_keys: tuple[str, ...] = ()
    # Sends test data: offered and used only where demo adapters are on (registry.demo_adapters_on).
    demo: bool = False

    def __init__(self, identifier: str):
        self.identifier = identifier

    # --- the protocol ------------------------------------------------------------------------

    def build_request(self, request) -> dict:
        return {"data": self.build_data(request), "attachments": self.attachments(request)}

    def parse_answer(self, body: Any) -> Answer:
        if not isinstance(body, dict):
            raise AnswerError("The answer is not a JSON object.")
        status = body.get("status")
        if status not in ANSWER_STATUSES:
            raise AnswerError(f"Unknown answer status {status!r}.")
        outcome = body.get("outcome") or ""
        if status == "answered" and outcome not in OUTCOMES:
            raise AnswerError(f"Unknown outcome {outcome!r}.")
        conditions = body.get("conditions") or {}
        if not isinstance(conditions, dict):
            raise AnswerError("`conditions` must be an object.")
        reference = body.get("reference") or ""
        if not isinstance(reference, str):
            raise AnswerError("`reference` must be a string.")
        return Answer(
            status=status,
            outcome=outcome if status == "answered" else "",
            conditions={key: value for key, value in conditions.items() if key in self.condition_keys},
            reference=reference[:100],
            body=body,
        )

    # --- building blocks for the contrib plugins ---------------------------------------------

    def build_data(self, request) -> dict:
        case = request.case
        return {
            "$schema": SCHEMA_URI.format(purpose=request.purpose),
            "purpose": request.purpose,
            "requestId": str(request.public_id),
            "caseId": str(case.public_id),
            "reference": case.reference,
            "title": case.title_code,
            "accelerated": case.accelerated,
            "procedureLanguage": case.procedure_language,
        }

    def attachments(self, request) -> list[Attachment]:
        if not self.document_types:
            return []
        documents = (
            Document.objects.filter(case=request.case, document_type__in=self.document_types)
            .exclude(state=Document.State.REJECTED)
            .order_by("created_at", "pk")
        )
        return [
            Attachment(
                # Stable per request and document, so a resend announces the same attachments.
                attachment_id=str(uuid.uuid5(request.public_id, str(document.public_id))),
                document_id=str(document.public_id),
                filename=f"{document.document_type}-{document.public_id.hex[:8]}",
                mime_type=document.content_type or "application/octet-stream",
            )
            for document in documents
        ]

    @staticmethod
    def identity(person) -> dict:
        return {
            "surname": person.surname,
            "givenNames": person.given_names,
            "birthDate": plain(person.birth_date),
            "birthPlace": person.birth_place,
            "sex": person.sex,
            "nationality": person.nationality,
        }

    @staticmethod
    def passport(person) -> dict:
        return {
            "number": person.passport_number,
            "issuingState": person.passport_issuing_state,
            "validUntil": plain(person.passport_expiry),
        }

    @staticmethod
    def address(person) -> dict:
        return {
            "street": person.street,
            "postalCode": person.postal_code,
            "city": person.city,
            "countryOfResidence": person.country_of_residence,
            "email": person.email,
        }

    @staticmethod
    def employment(case) -> dict | None:
        try:
            job = case.employment
        except ObjectDoesNotExist:
            return None
        return {
            "jobTitle": job.job_title,
            "occupationIsco": job.occupation_isco,
            "occupationKldb": job.occupation_kldb,
            "duties": job.duties,
            "annualGrossSalary": plain(job.annual_gross_salary),
            "weeklyHours": plain(job.weekly_hours),
            "startDate": plain(job.start_date),
            "durationMonths": job.duration_months,
            "collectiveAgreement": job.collective_agreement,
            "workplace": {
                "street": job.workplace_street,
                "postalCode": job.workplace_postal_code,
                "city": job.workplace_city,
                "federalState": job.workplace_state,
            },
        }

    @staticmethod
    def employer(case) -> dict | None:
        organisation = case.employer
        if organisation is None:
            # A holder's change of purpose names the employer of the job offer only by name.
            named = getattr(getattr(case, "extension", None), "employer_name", "")
            return {"name": named} if named else None
        return {
            "name": organisation.name,
            "legalForm": organisation.legal_form,
            "baCompanyNumber": organisation.ba_company_number,
            "commercialRegisterNumber": organisation.commercial_register_number,
            "street": organisation.street,
            "postalCode": organisation.postal_code,
            "city": organisation.city,
            "country": organisation.country,
        }

    @staticmethod
    def qualifications(person) -> list[dict]:
        return [
            {
                "kind": q.kind,
                "title": q.title,
                "institution": q.institution,
                "country": q.country,
                "completedOn": plain(q.completed_on),
                "recognition": q.recognition,
                "comparable": q.comparable,
            }
            # .all(): the relay reads them once per case (prefetched)
            for q in sorted(person.qualifications.all(), key=lambda q: q.pk)
        ]
