"""Logins and cases for the load test (bench/run_load.sh, bench/locustfile.py):
`python manage.py seed_load --applicants 100 --caseworkers 10`.

Each applicant `load.applicant.N@load.wsa.example` gets a complete profile, one submitted case
(for the status page to poll) and one complete draft whose documents are checked already (for
the load test to submit). Each caseworker `load.caseworker.N@load.wsa.example` is a WSA
caseworker with a TOTP authenticator whose secret is `load_totp_secret(email)` (the locustfile
computes the same codes). All passwords are `LOAD_PASSWORD` (default `Load-WSA-2026!`).

Idempotent: existing load logins are reset (drafts recreated, extra uploads removed), so every
run starts from the same state. `seed_demo` must have run (offices, organisations). Refused in
production.
"""

from __future__ import annotations

import hashlib
import os
from base64 import b32encode
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import Membership, Organisation, OrganisationKind, Role, User
from applications import rules, services
from applications.models import Case, Employment, LanguageSkill, Person, Qualification
from documents.models import Document

LOAD_DOMAIN = "load.wsa.example"
DEFAULT_PASSWORD = "Load-WSA-2026!"  # noqa: S105 - load-test logins, refused in production


def load_totp_secret(email: str) -> str:
    """The caseworker's TOTP secret (base32), derived from the e-mail only, so that the locustfile
    can compute the codes without a database (keep in sync with bench/locustfile.py)."""
    return b32encode(hashlib.sha256(f"wsa-load-totp:{email}".encode()).digest()[:20]).decode()


def applicant_email(number: int) -> str:
    return f"load.applicant.{number}@{LOAD_DOMAIN}"


def caseworker_email(number: int) -> str:
    return f"load.caseworker.{number}@{LOAD_DOMAIN}"


def minimal_pdf(text: str) -> bytes:
    from documents.testing.documents import text_pdf

    return text_pdf([[text, "Load test document with enough text to count as a text layer."]])


class Command(BaseCommand):
    help = "Creates the logins and cases of the load test (not for production)."

    def add_arguments(self, parser):
        parser.add_argument("--applicants", type=int, default=100)
        parser.add_argument("--caseworkers", type=int, default=10)

    def handle(self, *args, applicants, caseworkers, **options):
        if settings.PRODUCTION:
            raise CommandError("seed_load is for load tests, never for production.")
        password = os.environ.get("LOAD_PASSWORD", DEFAULT_PASSWORD)
        wsa = Organisation.objects.filter(kind=OrganisationKind.WSA).order_by("pk").first()
        if wsa is None:
            raise CommandError("Run `manage.py seed_demo` first (offices and organisations).")
        for number in range(1, caseworkers + 1):
            self._caseworker(caseworker_email(number), password, wsa)
        pdf = minimal_pdf("Arbeitsvertrag")
        for number in range(1, applicants + 1):
            self._applicant(number, password, pdf)
        self.stdout.write(f"{applicants} applicants and {caseworkers} caseworkers @{LOAD_DOMAIN} ready.")

    def _user(self, email: str, password: str, name: str) -> User:
        user, _ = User.objects.get_or_create(email=email, defaults={"full_name": name, "preferred_language": "en"})
        user.set_password(password)
        user.is_active = True
        user.save()
        from allauth.account.models import EmailAddress

        EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
        return user

    @transaction.atomic
    def _caseworker(self, email: str, password: str, wsa: Organisation) -> None:
        from allauth.mfa.models import Authenticator
        from allauth.mfa.totp.internal.auth import TOTP

        user = self._user(email, password, "Load Caseworker")
        Membership.objects.get_or_create(user=user, organisation=wsa, defaults={"role": Role.CASEWORKER})
        Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).delete()
        TOTP.activate(user, load_totp_secret(email))

    @transaction.atomic
    def _applicant(self, number: int, password: str, pdf: bytes) -> None:
        user = self._user(applicant_email(number), password, f"Load Applicant {number}")
        person, _ = Person.objects.update_or_create(user=user, defaults={
            "surname": "LOAD", "given_names": f"APPLICANT {number}", "birth_date": date(1990, 1, 1),
            "nationality": "IND", "passport_number": f"L{number:07d}", "passport_issuing_state": "IND",
            "passport_expiry": date.today() + timedelta(days=5 * 365), "street": "MG Road 1",
            "postal_code": "560001", "city": "Bengaluru", "country_of_residence": "IND", "email": user.email,
        })
        if not person.qualifications.exists():
            Qualification.objects.create(person=person, kind="academic", title="B.Tech Computer Science",
                                         recognition="full", comparable=True, country="IND",
                                         completed_on=date(2016, 7, 1))
            LanguageSkill.objects.create(person=person, language="en", level="C1")
        # Start from the same state every run: no drafts, no extra uploads.
        Document.objects.filter(owner=person, case__isnull=True).delete()
        Case.objects.filter(person=person, state="draft").delete()
        if not Case.objects.filter(person=person).exclude(state="draft").exists():
            self._draft(person, pdf, submit=True)
        self._draft(person, pdf, submit=False)

    def _draft(self, person: Person, pdf: bytes, *, submit: bool) -> Case:
        case = services.case_create(person=person, actor=person.user, title_code="18b")
        Employment.objects.create(
            case=case, job_title="Software Developer", occupation_isco="2512", annual_gross_salary=Decimal("60000"),
            weekly_hours=Decimal("40"), start_date=timezone.localdate() + timedelta(days=120),
            workplace_city="Berlin", workplace_state="BE",
        )
        for requirement in rules.required_documents(case.title_code, accelerated=False):
            if not (requirement.mandatory and requirement.stage == "visa"):
                continue
            document = Document(
                owner=person, case=case, document_type="other", original_name=f"{requirement.code}.pdf",
                sha256=hashlib.sha256(pdf).hexdigest(), size=len(pdf), content_type="application/pdf",
                state=Document.State.PASSED, uploaded_by=person.user, extracted={"requirement": requirement.code},
                checked_at=timezone.now(), page_count=1,
            )
            document.file.save(f"{requirement.code}.pdf", ContentFile(pdf), save=False)
            document.save()
        if submit:
            services.case_submit(case=case, actor=person.user)
        return case
