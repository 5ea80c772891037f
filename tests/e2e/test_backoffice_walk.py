"""The back office walked per office, from the landing page to its decision, in German, English and
Arabic, at 1280 and 360 px, every page checked by the walk guard (console errors, unexpected 4xx/5xx,
raw codes, untranslated English, axe, a page wider than the screen). One database per test and
language: the two widths walk two cases of the same seeded offices. With WSA_E2E_SHOTS=<folder> a
screenshot of every page and step goes there for a person to look at."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone
from django.utils.translation import gettext, override

from accounts.models import Membership, OrganisationKind, Role
from applications.demo_procedure import demo_fee_pay
from applications.models import FEDERAL_STATES, FeeDue, FeeKind
from applications.rules.formatting import written_date
from authorities.models import AppointmentBooking, AppointmentSlot, Authority, AuthorityRequest
from documents.checks.findings import CATALOGUE, STAFF_MESSAGES
from documents.models import Document, Finding
from documents.services import REQUIREMENT_KEY
from tests.auth import give_totp, reauthenticated
from tests.e2e.walk_guard import WalkGuard
from tests.factories import CaseFactory, EmploymentFactory, OrganisationFactory, PersonFactory, UserFactory
from tests.procedure import walk

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LANGUAGES = ["de", "en", "ar"]
WIDTHS = [1280, 360]
PATH = {
    "submitted": ["submit"],
    "authority_review": ["submit", "start_completeness_check", "start_authority_review"],
    "visa_decision": ["submit", "start_completeness_check", "start_authority_review", "refer_to_visa_decision"],
    "entered": ["submit", "start_completeness_check", "start_authority_review", "refer_to_visa_decision",
                "grant_visa", "report_entry"],
}


@pytest.fixture
def world(db):
    offices, staff = {}, {}
    for key, kind, name in [("wsa", OrganisationKind.WSA, "Work-and-Stay-Agentur"),
                            ("ba", OrganisationKind.BA, "Bundesagentur für Arbeit – ZAV"),
                            ("visa", OrganisationKind.VISA_OFFICE, "Deutsche Botschaft Neu-Delhi"),
                            ("abh", OrganisationKind.FOREIGNERS_AUTHORITY, "Landesamt für Einwanderung Berlin"),
                            ("zab", OrganisationKind.RECOGNITION_BODY, "ZAB")]:
        organisation = OrganisationFactory(kind=kind, name=name, city="Berlin")
        if kind != OrganisationKind.WSA:
            Authority.objects.create(kind=kind, name=name, organisation=organisation)
        offices[key] = organisation
        for role in (Role.CASEWORKER, Role.SUPERVISOR):
            user = give_totp(UserFactory(full_name=f"{name[:12]} {role}".title(), email=f"{key}.{role}@e2e.example"))
            Membership.objects.create(user=user, organisation=organisation, role=role)
            staff[(key, role)] = user
    offices["employer"] = OrganisationFactory(kind=OrganisationKind.EMPLOYER, name="Muster Software GmbH")
    return {"offices": offices, "staff": staff}


def make_case(world, state, surname):
    person = PersonFactory(surname=surname, given_names="PRIYA", nationality="IND")
    case = CaseFactory(person=person, title_code="18g", employer=world["offices"]["employer"])
    EmploymentFactory(case=case, annual_gross_salary=Decimal("58000.00"), workplace_city="Berlin",
                      workplace_state="BE", duration_months=36)
    walk(case, *PATH[state])
    AuthorityRequest.objects.filter(case=case).delete()  # each walk places the steps it needs
    return case


def add_expired_passport(case):
    """A passport whose check found it expired: the caseworker reads the finding in their words."""
    document = Document(owner=case.person, case=case, document_type="passport", original_name="passport.pdf",
                        sha256="0" * 64, size=13, content_type="application/pdf", state=Document.State.NEEDS_ATTENTION,
                        extracted={REQUIREMENT_KEY: "passport"})
    document.file.save("passport.pdf", ContentFile(b"%PDF-1.4 test"), save=False)
    document.save()
    Finding.objects.create(document=document, code="passport_expired", severity="error", field="expiry_date",
                           found="2025-03-04", expected=str(timezone.localdate()))


def add_request(world, case, key, purpose, state="sent", **fields):
    return AuthorityRequest.objects.create(
        case=case, authority=world["offices"][key].authority, purpose=purpose, state=state,
        idempotency_key=uuid.uuid4().hex, due_at=timezone.now() + timedelta(days=7), sent_at=timezone.now(),
        **fields)


class Walk:
    """One person's walk: signs in, and checks every page it reaches."""

    def __init__(self, page, live_server, name):
        self.page, self.base, self.name = page, live_server.url, name
        self.guard = WalkGuard(page)

    def sign_in(self, user, language, width):
        self.language, self.width = language, width
        self.guard.language = language
        client = Client()
        client.force_login(user)  # with the second factor (tests/conftest.py)
        reauthenticated(client)  # decisions ask for the password again
        self.page.context.clear_cookies()
        self.page.context.add_cookies([
            {"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
             "url": self.base},
            {"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": self.base},
        ])
        self.page.set_viewport_size({"width": width, "height": 900})
        self.page.goto(self.base + "/backoffice/")
        self.check("landing")

    def check(self, step):
        text = self.page.inner_text("body")
        assert 'expected ""' not in text, step
        self.guard.check(f"{self.name} {step}")

    def open_case(self, case):
        self.page.get_by_role("link", name=case.reference).first.click()
        self.check("case")
        # The workplace's federal state by its name, not its code ("Berlin BE").
        assert f"Berlin ({FEDERAL_STATES['BE']})" in self.text()

    def submit(self, selector, step):
        with self.page.expect_navigation():
            self.page.locator(selector).first.click()
        self.check(step)

    def text(self):
        return self.page.inner_text("body")


def transition_button(case, name):
    return f'form[action="/backoffice/cases/{case.public_id}/transition/{name}/"] button'


@pytest.mark.parametrize("language", LANGUAGES)
def test_wsa_caseworker_checks_completeness_and_sends_to_the_authorities(live_server, page, world, language):
    walker = Walk(page, live_server, "wsa")
    for width in WIDTHS:
        case = make_case(world, "submitted", f"WSA{width}{language.upper()}")
        add_expired_passport(case)
        walker.sign_in(world["staff"][("wsa", Role.CASEWORKER)], language, width)
        walker.open_case(case)
        with override(language):
            found = written_date("2025-03-04")
            staff_words = gettext(STAFF_MESSAGES["passport_expired"]) % {"found": found}
            applicant_words = gettext(CATALOGUE["passport_expired"].msgid) % {"found": found}
            applicant_state = gettext("Needs your attention")
        assert staff_words in walker.text() and applicant_words not in walker.text()
        assert applicant_state not in walker.text()
        walker.submit(transition_button(case, "start_completeness_check"), "completeness")
        walker.submit(transition_button(case, "start_authority_review"), "sent")
        case.refresh_from_db()
        assert case.state == "authority_review"
        with override(language):
            assert str(case.get_state_display()) in walker.text()


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("office,purpose", [("ba", "ba_approval"), ("zab", "recognition")])
def test_an_office_answers_its_step_from_its_task_list(live_server, page, world, language, office, purpose):
    walker = Walk(page, live_server, office)
    for width in WIDTHS:
        case = make_case(world, "authority_review", f"{office.upper()}{width}{language.upper()}")
        step = add_request(world, case, office, purpose)
        walker.sign_in(world["staff"][(office, Role.CASEWORKER)], language, width)
        assert case.reference in page.locator("[data-testid=office-tasks]").inner_text()
        walker.open_case(case)
        page.locator(f'a[href="/backoffice/cases/{case.public_id}/steps/{step.public_id}/answer/"]').first.click()
        walker.check("answer-form")
        page.locator('input[name="outcome"][value="approved"]').check()
        walker.submit('main form[method="post"] button[type="submit"]', "answered")
        step.refresh_from_db()
        assert (step.state, step.outcome) == ("answered", "approved")
        with override(language):
            assert gettext("Approved") in walker.text()


def _visa_case_waiting_for_the_appointment(world, surname):
    case = make_case(world, "authority_review", surname)
    add_request(world, case, "ba", "ba_approval", state="answered", outcome="approved", answered_at=timezone.now())
    visa = add_request(world, case, "visa", "visa", state="acknowledged")
    FeeDue.objects.filter(case=case).update(paid_at=timezone.now())
    starts = timezone.now() - timedelta(hours=1)
    slot = AppointmentSlot.objects.create(authority=world["offices"]["visa"].authority, starts_at=starts,
                                          ends_at=starts + timedelta(minutes=30), booked=1)
    AppointmentBooking.objects.create(slot=slot, case=case, request_id=visa.pk)
    return case


@pytest.mark.parametrize("language", LANGUAGES)
def test_visa_office_records_the_attendance_and_grants_the_visa(live_server, page, world, language):
    walker = Walk(page, live_server, "visa")
    for width in WIDTHS:
        case = _visa_case_waiting_for_the_appointment(world, f"VISA{width}{language.upper()}")
        walker.sign_in(world["staff"][("visa", Role.CASEWORKER)], language, width)
        walker.submit('[data-testid=office-tasks] form[action*="attend"] button', "attended")
        case.refresh_from_db()
        assert case.state == "visa_decision"
        walker.open_case(case)
        page.locator(f'a[href="/backoffice/cases/{case.public_id}/decide/visa/"]').first.click()
        walker.check("decision-form")
        page.locator('input[name="outcome"][value="granted"]').check()
        walker.submit('main form[method="post"] button[type="submit"]', "granted")
        case.refresh_from_db()
        assert case.state == "visa_granted"
        # Decided: neither the decision nor the visa step is offered any more.
        assert f'/backoffice/cases/{case.public_id}/decide/visa/' not in page.content()
        assert page.locator('main a[href*="/steps/"]').count() == 0


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_visa_rejection_is_issued_after_the_supervisors_approval(live_server, page, world, language):
    walker, supervisor = Walk(page, live_server, "visa-reject"), Walk(page, live_server, "supervisor")
    for width in WIDTHS:
        case = make_case(world, "visa_decision", f"REJ{width}{language.upper()}")
        add_request(world, case, "visa", "visa", state="acknowledged")
        walker.sign_in(world["staff"][("visa", Role.CASEWORKER)], language, width)
        walker.open_case(case)
        page.locator(f'a[href="/backoffice/cases/{case.public_id}/decide/visa/"]').first.click()
        walker.check("decision-form")
        page.locator('input[name="outcome"][value="rejected"]').check()
        page.locator('textarea[name="reasons"]').fill("Der Lebensunterhalt ist nicht gesichert.")
        walker.submit('main form[method="post"] button[type="submit"]', "rejection-drafted")
        assert case.decisions.get().status == "awaiting_approval"

        # Four eyes: the supervisor of the same office approves, and the rejection is issued.
        supervisor.sign_in(world["staff"][("visa", Role.SUPERVISOR)], language, width)
        supervisor.open_case(case)
        # The supervisor reads the letter first: the draft PDF the workspace links to.
        draft = page.locator('a[href$="/draft-pdf/"]')
        assert draft.count() == 1
        letter = page.request.get(supervisor.base + draft.first.get_attribute("href"))
        assert letter.status == 200 and letter.headers["content-type"] == "application/pdf"
        supervisor.submit('form[action$="/approve/"] button', "approved")
        case.refresh_from_db()
        assert case.state == "rejected" and case.decisions.get().status == "issued"


@pytest.mark.parametrize("language", LANGUAGES)
def test_foreigners_authority_issues_the_residence_permit(live_server, page, world, language):
    walker = Walk(page, live_server, "abh")
    for width in WIDTHS:
        case = make_case(world, "entered", f"ABH{width}{language.upper()}")
        add_request(world, case, "abh", "residence_permit")
        # The holder paid the residence permit's fee online (§ 45 AufenthV): the permit waits for it.
        demo_fee_pay(case=case, kind=FeeKind.RESIDENCE_PERMIT)
        walker.sign_in(world["staff"][("abh", Role.CASEWORKER)], language, width)
        walker.open_case(case)
        page.locator(f'a[href="/backoffice/cases/{case.public_id}/decide/permit/"]').first.click()
        walker.check("decision-form")
        page.locator('input[name="outcome"][value="granted"]').check()
        walker.submit('main form[method="post"] button[type="submit"]', "granted")
        case.refresh_from_db()
        assert case.state == "permit_issued"
