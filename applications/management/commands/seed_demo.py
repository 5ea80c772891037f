"""Demo data: a login for every role, organisations, authority offices and cases in every state.

Idempotent: every object is found by a fixed natural key first, so a second run changes nothing.
"""

import base64
import hashlib
import os
from datetime import date, timedelta
from decimal import Decimal

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone, translation

from accounts.models import ConsentScope, Organisation, OrganisationKind, Role, User
from accounts.services import membership_grant
from applications import services
from applications.demo_procedure import (
    demo_after_entry,
    demo_fee_pay,
    demo_procedure_to_visa_decision,
    demo_waiting_for_the_appointment,
    demo_waiting_for_the_ba,
    seed_appointment_slots,
    seed_authority_offices,
    seed_authority_requests,
)
from applications.lifecycle import CaseState
from applications.mandates.models import Mandate, MandateScope
from applications.mandates.services import mandate_grant
from applications.models import Case, Decision, FeeKind, LanguageSkill, Person, Qualification
from applications.rules import APPLICATION_TITLE_CODES
from authorities.models import Authority, AuthorityKind

DEMO_DOMAIN = "demo.wsa.example"
DEMO_PASSWORD_DEFAULT = "Demo-WSA-2026!"  # noqa: S105 - printed on purpose, refused in production

ORGANISATIONS = [
    # (key, kind, name, authority kind, jurisdiction)
    ("wsa", OrganisationKind.WSA, "Work-and-Stay-Agentur", None, {}),
    ("ba", OrganisationKind.BA, "Bundesagentur für Arbeit – ZAV", AuthorityKind.BA, {}),
    ("visa-ind", OrganisationKind.VISA_OFFICE, "Deutsche Botschaft Neu-Delhi", AuthorityKind.VISA_OFFICE,
     {"countries": ["IND", "NPL", "BTN"], "time_zone": "Asia/Kolkata", "family_appointments": True,
      "address": "Deutsche Botschaft, 6/50G Shanti Path, Chanakyapuri, New Delhi 110021, India"}),
    ("visa-col", OrganisationKind.VISA_OFFICE, "Deutsche Botschaft Bogotá", AuthorityKind.VISA_OFFICE,
     {"countries": ["COL", "ECU"], "time_zone": "America/Bogota"}),
    ("visa-vnm", OrganisationKind.VISA_OFFICE, "Deutsche Botschaft Hanoi", AuthorityKind.VISA_OFFICE,
     {"countries": ["VNM"], "time_zone": "Asia/Ho_Chi_Minh",
      "address": "Deutsche Botschaft, 29 Trần Phú, Ba Đình, Hà Nội, Vietnam"}),
    ("abh-be", OrganisationKind.FOREIGNERS_AUTHORITY, "Landesamt für Einwanderung Berlin",
     AuthorityKind.FOREIGNERS_AUTHORITY, {"federal_state": "BE", "municipality": "Berlin"}),
    ("abh-by", OrganisationKind.FOREIGNERS_AUTHORITY, "Zentrale Stelle für die Einwanderung von Fachkräften Bayern",
     AuthorityKind.FOREIGNERS_AUTHORITY, {"federal_state": "BY"}),
    ("zab", OrganisationKind.RECOGNITION_BODY, "Zentralstelle für ausländisches Bildungswesen (ZAB)",
     AuthorityKind.RECOGNITION_BODY, {"occupation_groups": ["2"]}),
    ("ihk-fosa", OrganisationKind.RECOGNITION_BODY, "IHK FOSA", AuthorityKind.RECOGNITION_BODY,
     {"occupation_groups": ["3", "7", "8"]}),
    ("employer", OrganisationKind.EMPLOYER, "Muster Software GmbH", None, {}),
    ("relocation", OrganisationKind.RELOCATION_AGENCY, "Move & Settle Relocation GmbH", None, {}),
]

STAFF = [
    # (local part, full name, organisation key, role)
    ("caseworker.wsa", "Clara Fischer", "wsa", Role.CASEWORKER),
    ("supervisor.wsa", "Jonas Becker", "wsa", Role.SUPERVISOR),
    ("caseworker.ba", "Mehmet Yilmaz", "ba", Role.CASEWORKER),
    ("caseworker.visa", "Anna Schulz", "visa-ind", Role.CASEWORKER),
    ("caseworker.abh", "Lena Wagner", "abh-be", Role.CASEWORKER),
    ("caseworker.recognition", "Tobias Richter", "zab", Role.CASEWORKER),
    # Every office kind has a second pair of eyes for its four-eyes decisions (the admin is none).
    ("supervisor.ba", "Ute Kraus", "ba", Role.SUPERVISOR),
    ("supervisor.visa", "Farid Rahimi", "visa-ind", Role.SUPERVISOR),
    ("supervisor.abh", "Sabine Hoffmann", "abh-be", Role.SUPERVISOR),
    ("supervisor.recognition", "Peter Neumann", "zab", Role.SUPERVISOR),
]

# One path through the lifecycle per target state; demo cases are walked along it.
PATH_TO = {
    CaseState.DRAFT: [],
    CaseState.SUBMITTED: ["submit"],
    CaseState.COMPLETENESS_CHECK: ["submit", "start_completeness_check"],
    CaseState.DOCUMENTS_REQUESTED: ["submit", "start_completeness_check", "request_documents"],
    CaseState.AUTHORITY_REVIEW: ["submit", "start_completeness_check", "start_authority_review"],
    CaseState.VISA_DECISION: ["submit", "start_completeness_check", "start_authority_review",
                              "refer_to_visa_decision"],
    CaseState.VISA_GRANTED: ["submit", "start_completeness_check", "start_authority_review",
                             "refer_to_visa_decision", "grant_visa"],
    CaseState.REJECTED: ["submit", "start_completeness_check", "start_authority_review",
                         "refer_to_visa_decision", "reject"],
    CaseState.ENTERED: ["submit", "start_completeness_check", "start_authority_review",
                        "refer_to_visa_decision", "grant_visa", "report_entry"],
    CaseState.PERMIT_ISSUED: ["submit", "start_completeness_check", "start_authority_review",
                              "refer_to_visa_decision", "grant_visa", "report_entry", "issue_permit"],
    CaseState.CLOSED: ["submit", "start_completeness_check", "start_authority_review",
                       "refer_to_visa_decision", "grant_visa", "report_entry", "issue_permit", "close"],
    CaseState.WITHDRAWN: ["submit", "withdraw"],
}

# (key, surname, given names, nationality, birth date, title, target state, with employer)
PEOPLE = [
    ("applicant", "SHARMA", "PRIYA", "IND", date(1994, 3, 14), "18g", CaseState.AUTHORITY_REVIEW, True),
    ("p02", "NGUYEN", "VAN AN", "VNM", date(1990, 7, 2), "18a", CaseState.DRAFT, False),
    ("p03", "GARCIA LOPEZ", "SOFIA", "COL", date(1988, 11, 23), "18b", CaseState.SUBMITTED, True),
    ("p04", "OKAFOR", "CHINEDU", "NGA", date(1992, 5, 9), "18g", CaseState.COMPLETENESS_CHECK, True),
    ("p05", "SILVA", "JOAO PEDRO", "BRA", date(1985, 1, 30), "19c", CaseState.DOCUMENTS_REQUESTED, False),
    ("p06", "YILDIZ", "AYSE", "TUR", date(1996, 9, 17), "20a", CaseState.AUTHORITY_REVIEW, False),
    ("p07", "KOVALENKO", "OLENA", "UKR", date(1991, 4, 4), "18b", CaseState.VISA_DECISION, True),
    ("p08", "EL AMRANI", "YOUSSEF", "MAR", date(1989, 12, 12), "18a", CaseState.VISA_GRANTED, False),
    ("p09", "SANTOS", "MARIA CLARA", "PHL", date(1993, 6, 21), "18a", CaseState.REJECTED, False),
    ("p10", "PATEL", "ARJUN", "IND", date(1987, 2, 28), "18g", CaseState.ENTERED, True),
    ("p11", "TRAN", "THI HOA", "VNM", date(1995, 8, 8), "16d3", CaseState.PERMIT_ISSUED, False),
    ("p12", "RODRIGUEZ", "CARLOS", "COL", date(1983, 10, 5), "19c", CaseState.CLOSED, True),
    ("p13", "KAYA", "EMRE", "TUR", date(1997, 3, 3), "20a", CaseState.WITHDRAWN, False),
    ("p14", "IYER", "LAKSHMI", "IND", date(1990, 1, 19), "18b", CaseState.SUBMITTED, True),
    ("p15", "PEREIRA", "ANA", "BRA", date(1994, 12, 1), "18g", CaseState.COMPLETENESS_CHECK, False),
    ("p16", "BONDARENKO", "DMYTRO", "UKR", date(1986, 7, 27), "18a", CaseState.AUTHORITY_REVIEW, True),
    ("p17", "BENALI", "FATIMA", "MAR", date(1998, 5, 15), "16d1", CaseState.DOCUMENTS_REQUESTED, False),
    ("p18", "REYES", "JOSE", "PHL", date(1984, 9, 9), "18a", CaseState.VISA_DECISION, False),
    ("p19", "LE", "MINH DUC", "VNM", date(1992, 11, 11), "18g", CaseState.VISA_GRANTED, True),
    ("p20", "MENDOZA", "CAMILA", "COL", date(1999, 2, 14), "20a", CaseState.DRAFT, False),
]


# Every title with a job (all the portal takes applications for but the Chancenkarte, 20a, which has no
# employer and no BA) gets a case at each of these stages of the law's order (DOMAIN.md §8.1).
STAGE_TITLES = tuple(code for code in APPLICATION_TITLE_CODES if code != "20a")
STAGES = ("ba", "appointment", "granted", "rejected", "entered")
STAGE_NATIONALITIES = ("IND", "VNM", "COL", "PHL", "MAR", "BRA", "TUR", "UKR", "NGA")
# The demo applicant's own cases among them: a granted visa (a decision to download), a refusal after
# the four-eyes check, and one waiting for the appointment.
APPLICANT_STAGES = {("18b", "granted"), ("19c", "rejected"), ("18a", "appointment")}
BLUE_CARD_REDUCED_SALARY = Decimal("48000.00")  # between the reduced and the standard threshold of 2026
STAGE_SURNAMES = ("MISHRA", "PHAM", "CASTRO", "DELA CRUZ", "BENNANI", "SOUZA", "DEMIR", "SHEVCHENKO", "ADEYEMI")

HOME_CITIES = {"IND": "Bengaluru", "VNM": "Hà Nội", "COL": "Bogotá", "NGA": "Lagos", "BRA": "São Paulo",
               "TUR": "İzmir", "UKR": "Kyiv", "MAR": "Casablanca", "PHL": "Manila"}


def demo_totp_secret(email: str) -> str:
    """A stable demo secret per login with a second factor (staff, employer owner), so repeated seeding keeps
    working authenticator entries."""
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:demo-totp:{email}".encode()).digest()[:20]
    return base64.b32encode(digest).decode()


class Command(BaseCommand):
    help = "Creates demo logins for every role, organisations, authority offices and about 20 cases."

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true", help="Do not print the demo logins.")

    def handle(self, *args, quiet=False, **options):
        if settings.PRODUCTION:
            raise CommandError("seed_demo creates accounts with a published password; it never runs in production.")
        password = os.environ.get("DEMO_PASSWORD") or DEMO_PASSWORD_DEFAULT
        # Demo people have made-up addresses: run the notification pipeline, but deliver nowhere.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"), transaction.atomic():
            organisations = self._organisations()
            logins = self._logins(organisations, password)
            self._cases(organisations, logins)
            seed_authority_requests()
            seed_appointment_slots()
        if not quiet:
            self._print(logins, password)

    def _organisations(self) -> dict[str, Organisation]:
        organisations = {}
        for key, kind, name, authority_kind, jurisdiction in ORGANISATIONS:
            organisation, _ = Organisation.objects.get_or_create(
                kind=kind, name=name,
                defaults={"city": "Berlin", "contact_email": f"{key}@{DEMO_DOMAIN}"},
            )
            if kind == OrganisationKind.EMPLOYER and not organisation.ba_company_number:
                organisation.legal_form = "GmbH"
                organisation.commercial_register_number = "HRB 123456 B"
                organisation.ba_company_number = "12345678"
                organisation.street = "Friedrichstraße 100"
                organisation.postal_code = "10117"
                organisation.save()
            if organisation.verified_at is None:
                organisation.verified_at = timezone.now()
                organisation.verification_note = "Demo data: no register entry was checked."
                organisation.save(update_fields=["verified_at", "verification_note"])
            if authority_kind:
                office, _created = Authority.objects.get_or_create(
                    organisation=organisation, defaults={"kind": authority_kind, "name": name, **jurisdiction}
                )
                # Databases seeded before offices had a time zone get it on the next run.
                where = {field: jurisdiction[field] for field in ("time_zone", "address", "family_appointments")
                         if field in jurisdiction}
                if where and not office.time_zone:
                    Authority.objects.filter(pk=office.pk).update(**where)
            organisations[key] = organisation
        seed_authority_offices()
        return organisations

    def _user(self, local_part: str, full_name: str, password: str, **extra) -> User:
        email = f"{local_part}@{DEMO_DOMAIN}"
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email=email, password=password, full_name=full_name, **extra)
        EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
        return user

    def _logins(self, organisations, password) -> list[tuple[str, str, str]]:
        # The printed list is for the person starting the demo, who reads the README's English.
        with translation.override("en"):
            return self._logins_made(organisations, password)

    def _logins_made(self, organisations, password) -> list[tuple[str, str, str]]:
        logins = []
        admin = self._user("admin", "Admin WSA", password, is_staff=True, is_superuser=True)
        membership_grant(user=admin, role=Role.ADMIN, organisation=organisations["wsa"])
        logins.append((admin.email, str(Role.ADMIN.label), self._totp(admin)))
        for local_part, full_name, organisation_key, role in STAFF:
            user = self._user(local_part, full_name, password)
            membership_grant(user=user, role=role, organisation=organisations[organisation_key])
            logins.append((user.email, f"{role.label} · {organisations[organisation_key].name}", self._totp(user)))
        for local_part, full_name, role in [
            ("employer.owner", "Sabine Krüger", Role.EMPLOYER_OWNER),
            ("employer.member", "Paul Neumann", Role.EMPLOYER_MEMBER),
        ]:
            user = self._user(local_part, full_name, password, preferred_language="de")
            membership_grant(user=user, role=role, organisation=organisations["employer"])
            # Owners manage API tokens and webhooks: /employer/ asks them for a second factor as well.
            totp = self._totp(user) if role == Role.EMPLOYER_OWNER else ""
            logins.append((user.email, f"{role.label} · {organisations['employer'].name}", totp))
        # A relocation agency: /representative/ asks every representative for a second factor.
        for local_part, full_name, role in [
            ("relocation.agent", "Jana Vogel", Role.REPRESENTATIVE_OWNER),
            ("relocation.assistant", "Luca Brandt", Role.REPRESENTATIVE_MEMBER),
        ]:
            user = self._user(local_part, full_name, password, preferred_language="de")
            membership_grant(user=user, role=role, organisation=organisations["relocation"])
            logins.append((user.email, f"{role.label} · {organisations['relocation'].name}", self._totp(user)))
        applicant = self._user("applicant", "Priya Sharma", password, preferred_language="en")
        membership_grant(user=applicant, role=Role.APPLICANT)
        logins.append((applicant.email, str(Role.APPLICANT.label), ""))
        return logins

    def _totp(self, user: User) -> str:
        secret = demo_totp_secret(user.email)
        if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            TOTP.activate(user, secret)
        return secret

    def _cases(self, organisations, logins) -> None:
        applicant_user = User.objects.get(email=f"applicant@{DEMO_DOMAIN}")
        caseworker = User.objects.get(email=f"caseworker.wsa@{DEMO_DOMAIN}")
        for index, (key, surname, given, nationality, born, title, target, with_employer) in enumerate(PEOPLE):
            email = f"{key}@{DEMO_DOMAIN}"
            if Person.objects.filter(email=email).exists():
                continue
            person = self._person(key, surname, given, nationality, born, title, index,
                                  user=applicant_user if key == "applicant" else None)
            case = self._case(person, title, organisations, with_employer=with_employer, index=index)
            if with_employer and person.user is not None:
                # The demo applicant lets the employer see everything; the other candidates have not
                # answered yet, so the employer sees status and next steps only (as the law requires).
                services.case_consent_set(case=case, actor=person.user, scope=ConsentScope.FULL)
            for transition in PATH_TO[target]:
                if transition == "refer_to_visa_decision":
                    # The offices answer and the applicant attends the appointment, in the law's order;
                    # the last of these refers the case to the visa decision.
                    demo_procedure_to_visa_decision(
                        case=case, refuse=target == CaseState.REJECTED,
                        visa_outcome="" if target == CaseState.VISA_DECISION else (
                            "rejected" if target == CaseState.REJECTED else "approved"))
                    continue
                if transition == "submit":
                    services.case_submit(case=case, actor=person.user)
                    continue
                if transition == "issue_permit":
                    demo_fee_pay(case=case, kind=FeeKind.RESIDENCE_PERMIT)
                actor = person.user if transition in {"withdraw", "report_entry"} else caseworker
                services.case_transition(case=case, transition=transition, actor=actor)
        self._stage_cases(organisations, applicant_user, caseworker)
        self._mandate(organisations, applicant_user)

    def _person(self, key, surname, given, nationality, born, title, index, user=None) -> Person:
        person = Person.objects.create(
            user=user, email=f"{key}@{DEMO_DOMAIN}", surname=surname,
            given_names=given, nationality=nationality, birth_date=born, sex="F" if index % 2 == 0 else "M",
            passport_number=f"Z{index:02d}{born:%y%m%d}", passport_issuing_state=nationality,
            passport_expiry=date(2031, 6, 30), country_of_residence=nationality,
            city=HOME_CITIES[nationality],
        )
        Qualification.objects.create(
            person=person, kind="academic" if title in {"18b", "18g"} else "vocational",
            title="Bachelor of Technology" if title in {"18b", "18g"} else "Diploma in Nursing",
            country=nationality, recognition="full" if title in {"18a", "18b", "18g"} else "none",
            comparable=title in {"18b", "18g"},
        )
        LanguageSkill.objects.create(person=person, language="en", level="B2")
        LanguageSkill.objects.create(person=person, language="de", level="A2" if index % 3 else "B1")
        return person

    def _case(self, person, title, organisations, *, with_employer: bool, index: int, salary=None) -> Case:
        case = services.case_create(
            person=person, actor=person.user, title_code=title,
            employer=organisations["employer"] if with_employer else None,
            procedure_language="en" if index % 2 == 0 else "de", accelerated=with_employer and index % 4 == 0,
        )
        services.employment_set(
            case=case, job_title="Software Developer" if title in {"18b", "18g"} else "Nursing Specialist",
            occupation_isco="2512" if title in {"18b", "18g"} else "3221",
            annual_gross_salary=salary or (Decimal("58000.00") if title == "18g" else Decimal("42000.00")),
            weekly_hours=Decimal("40.0"), start_date=date.today() + timedelta(days=120),
            workplace_city="Berlin", workplace_state="BE",
        )
        return case

    def _stage_cases(self, organisations, applicant_user, caseworker) -> None:
        """A case per employment title at each stage (STAGES); the visa is decided by the visa office's
        caseworker, a rejection approved by its supervisor (four-eyes). Skipped when already there."""
        if Person.objects.filter(email__startswith="stage-", email__endswith=f"@{DEMO_DOMAIN}").exists():
            return
        visa_caseworker = User.objects.get(email=f"caseworker.visa@{DEMO_DOMAIN}")
        visa_supervisor = User.objects.get(email=f"supervisor.visa@{DEMO_DOMAIN}")
        applicant = Person.objects.get(user=applicant_user)
        number = 0
        for title in STAGE_TITLES:
            for stage in STAGES:
                number += 1
                nationality = STAGE_NATIONALITIES[number % len(STAGE_NATIONALITIES)]
                if (title, stage) in APPLICANT_STAGES:
                    person = applicant
                else:
                    person = self._person(f"stage-{title}-{stage}", STAGE_SURNAMES[number % len(STAGE_SURNAMES)],
                                          "DEMO", nationality, date(1985 + number % 14, 1 + number % 12, 10),
                                          title, number)
                # A Blue Card below the standard salary threshold (shortage occupation, new entrant) needs
                # the BA (§ 18g Abs. 1 S. 2 AufenthG): the 18g case waiting for the BA earns that much.
                salary = BLUE_CARD_REDUCED_SALARY if (title, stage) == ("18g", "ba") else None
                case = self._case(person, title, organisations, with_employer=number % 2 == 0, index=number,
                                  salary=salary)
                services.case_submit(case=case, actor=person.user)
                services.case_transition(case=case, transition="start_completeness_check", actor=caseworker)
                services.case_transition(case=case, transition="start_authority_review", actor=caseworker)
                if stage == "ba":
                    demo_waiting_for_the_ba(case=case)
                    continue
                if stage == "appointment":
                    demo_waiting_for_the_appointment(case=case)
                    continue
                demo_procedure_to_visa_decision(case=case, refuse=False,
                                                visa_outcome="rejected" if stage == "rejected" else "approved")
                basis = f"§ {title[:2]}{title[2:3]} AufenthG"
                if stage == "rejected":
                    decision = services.decision_create(
                        case=case, actor=visa_caseworker, kind=Decision.Kind.VISA, outcome=Decision.Outcome.REJECTED,
                        legal_basis=basis, reasons="The passport is not valid long enough for the intended stay "
                                                   "(demo).")
                    services.decision_approve(decision=decision, actor=visa_supervisor)
                    continue
                services.decision_create(case=case, actor=visa_caseworker, kind=Decision.Kind.VISA,
                                         outcome=Decision.Outcome.GRANTED, legal_basis=basis,
                                         valid_from=date.today(), valid_until=date.today() + timedelta(days=365))
                if stage == "entered":
                    case.refresh_from_db()
                    services.case_transition(case=case, transition="report_entry", actor=person.user)
                    demo_after_entry(case=case)

    def _mandate(self, organisations, applicant_user) -> None:
        """Priya lets the relocation agency act in all her cases and receive her decisions."""
        person = Person.objects.get(user=applicant_user)
        agency = organisations["relocation"]
        if not Mandate.objects.filter(principal_person=person, representative=agency).exists():
            mandate_grant(actor=applicant_user, person=person, representative=agency, scope=MandateScope.ACT,
                          receives_decisions=True, confirmed=True)

    def _print(self, logins, password) -> None:
        self.stdout.write(self.style.SUCCESS("Demo data is ready. Logins (password for all: %s):" % password))
        for email, role, totp_secret in logins:
            line = f"  {email:<45} {role}"
            if totp_secret:
                line += f"\n  {'':<45} two-factor: `uv run python manage.py demo_totp {email}` prints the current code"
            self.stdout.write(line)
