"""Fixtures of the authority hub: offices, cases that need them, the HTTP simulator on loopback."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from jwcrypto import jwk

from accounts.models import OrganisationKind
from applications import procedure
from applications import services as case_services
from applications.models import Employment, Qualification
from authorities import appointments, services
from authorities.models import Authority, AuthorityKind, Outbox, OutboxState
from authorities.simulator.server import serve_in_thread
from tests.factories import CaseFactory, OrganisationFactory, PersonFactory
from tests.procedure import employer_fee_pay, fee_pay


@pytest.fixture
def offices(db):
    def office(key, kind, name, org_kind=None, **jurisdiction):
        organisation = OrganisationFactory(kind=org_kind, name=name) if org_kind else None
        return key, Authority.objects.create(kind=kind, name=name, organisation=organisation, **jurisdiction)

    return dict([
        office("ba", AuthorityKind.BA, "BA – ZAV", OrganisationKind.BA),
        office("visa_ind", AuthorityKind.VISA_OFFICE, "Botschaft Neu-Delhi", OrganisationKind.VISA_OFFICE,
               countries=["IND", "NPL"]),
        office("visa_vnm", AuthorityKind.VISA_OFFICE, "Botschaft Hanoi", OrganisationKind.VISA_OFFICE,
               countries=["VNM"]),
        office("abh_be", AuthorityKind.FOREIGNERS_AUTHORITY, "LEA Berlin", OrganisationKind.FOREIGNERS_AUTHORITY,
               federal_state="BE", municipality="Berlin"),
        office("abh_by", AuthorityKind.FOREIGNERS_AUTHORITY, "ZSEF Bayern", OrganisationKind.FOREIGNERS_AUTHORITY,
               federal_state="BY"),
        office("abh_muc", AuthorityKind.FOREIGNERS_AUTHORITY, "KVR München", None,
               federal_state="BY", municipality="München"),
        office("zab", AuthorityKind.RECOGNITION_BODY, "ZAB", OrganisationKind.RECOGNITION_BODY,
               occupation_groups=["2"]),
        office("ihk", AuthorityKind.RECOGNITION_BODY, "IHK FOSA", None, occupation_groups=["3", "7", "8"]),
        office("nurses", AuthorityKind.RECOGNITION_BODY, "LAGeSo Pflege", None, occupation_groups=["322"]),
        office("register", AuthorityKind.REGISTER, "BVA – AZR", None),
    ])


@pytest.fixture
def make_case(db):
    """A draft case with a person, a qualification and (unless employment=None) a job."""

    def make(title="18b", *, accelerated=False, nationality="IND", residence="", recognition="full",
             qualification_kind=None, comparable=True, salary="60000", hours="40", isco="2512", state="BE",
             city="Berlin", employment=True, employer=True, passport_expiry=date(2032, 1, 1),
             passport_number=None, completed_on=date(2018, 7, 1), duration_months=None):
        person = PersonFactory(nationality=nationality, country_of_residence=residence or nationality,
                               passport_expiry=passport_expiry, birth_date=date(1994, 3, 14),
                               **({"passport_number": passport_number} if passport_number else {}))
        kind = qualification_kind or ("academic" if title in {"18b", "18g"} else "vocational")
        Qualification.objects.create(person=person, kind=kind, title="B.Tech" if kind == "academic" else "Diploma",
                                     country=nationality, recognition=recognition, comparable=comparable,
                                     completed_on=completed_on)
        organisation = OrganisationFactory(name="Muster GmbH", ba_company_number="12345678") if employer else None
        case = CaseFactory(person=person, title_code=title, accelerated=accelerated, employer=organisation)
        if employment:
            Employment.objects.create(
                case=case, job_title="Software Developer", occupation_isco=isco,
                annual_gross_salary=Decimal(salary), weekly_hours=Decimal(hours),
                start_date=timezone.localdate() + timedelta(days=120), workplace_city=city, workplace_state=state,
                duration_months=duration_months,
            )
        return case

    return make


def submit(case, actor=None):
    case_services.case_submit(case=case, actor=actor)
    return case


def confirm_complete(case, actor=None, *, employer_pays=True):
    """Submits the case and has the WSA confirm its completeness: only now do the requests go out (in
    the § 81a procedure the pre-approval once the employer paid its fee, unless not `employer_pays`)."""
    if case.state == "draft":
        submit(case, actor=actor)
    procedure.case_send_to_authorities(case=case, actor=actor)
    if employer_pays:
        employer_fee_pay(case)
    return case


def attend_appointment(case, actor=None, *, pay=True):
    """The applicant pays the visa fee (unless not `pay`), books a slot at the case's visa office and
    comes to it; the office records it."""
    from authorities.models import AppointmentBooking, AppointmentSlot, AuthorityRequest

    visa = AuthorityRequest.objects.get(case=case, purpose="visa")
    if visa.state == "pending":
        deliver_all()  # the visa office must have the request before anyone can book with it
    if pay:
        fee_pay(case)
    office = visa.authority
    starts = timezone.now() + timedelta(days=2)
    slot = AppointmentSlot.objects.create(authority=office, starts_at=starts, ends_at=starts + timedelta(minutes=30))
    booking = appointments.appointment_book(case=case, slot_id=slot.public_id, actor=case.person.user)
    # The day of the appointment has come.
    AppointmentSlot.objects.filter(pk=slot.pk).update(starts_at=timezone.now() - timedelta(minutes=5),
                                                      ends_at=timezone.now() + timedelta(minutes=25))
    appointments.appointment_attendance_record(booking=booking, actor=actor)
    case.refresh_from_db()
    return AppointmentBooking.objects.get(pk=booking.pk)


def deliver_all() -> list[str]:
    """Runs the relay for every pending row, as if each were due now."""
    Outbox.objects.filter(state=OutboxState.PENDING).update(next_attempt_at=timezone.now())
    return [services.outbox_relay_deliver(outbox_id=pk)
            for pk in Outbox.objects.filter(state=OutboxState.PENDING).values_list("pk", flat=True)]


def make_due(outbox: Outbox) -> None:
    """Time passes: the row's backoff (or a dead worker's lease) has run out."""
    Outbox.objects.filter(pk=outbox.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


@pytest.fixture(scope="session")
def rsa_key():
    return jwk.JWK.generate(kty="RSA", size=2048)


@pytest.fixture
def simulator_server(rsa_key):
    """The HTTP simulator on a free loopback port; its signed callbacks are collected, not sent."""
    received = []
    server, thread = serve_in_thread(private_key=rsa_key, callback_secret="", timeout_seconds=1.0,
                                     callback_sink=lambda headers, body: received.append((headers, body)))
    server.callbacks = received
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def http_transport(settings, offices, simulator_server):
    """Every office behind the loopback simulator, reached through the http transport."""
    from authorities.callbacks import callback_secret

    simulator_server.callback_secret = callback_secret()
    settings.WSA_AUTHORITY_TRANSPORT = "http"
    settings.WSA_AUTHORITY_HTTP_TIMEOUT = 0.5
    for number, authority in enumerate(offices.values()):
        authority.endpoint_url = simulator_server.url
        authority.destination_id = f"00000000-0000-4000-8000-{number:012d}"
        authority.public_key_jwk = simulator_server.public_jwk()
        authority.save()
    return simulator_server


@pytest.fixture
def private_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                    "OPTIONS": {"location": str(tmp_path), "base_url": None}},
    }
    return tmp_path


def add_document(case, document_type: str, content: bytes, content_type="application/pdf"):
    import hashlib

    from documents.models import Document

    document = Document(owner=case.person, case=case, document_type=document_type, original_name=f"{document_type}.pdf",
                        sha256=hashlib.sha256(content).hexdigest(), size=len(content), content_type=content_type,
                        state=Document.State.PASSED)
    document.file.save(f"{document_type}.pdf", ContentFile(content), save=False)
    document.save()
    return document


@pytest.fixture(autouse=True)
def _rules_year(monkeypatch):
    """Salary thresholds are data per year; pin the routing to a year the rules engine knows."""
    from authorities import routing

    monkeypatch.setattr(routing, "today", lambda: date(2026, 6, 1))
