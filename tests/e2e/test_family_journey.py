"""The family in Chromium, in German and in English: the main applicant (application already
submitted) adds a spouse and a child, starts their applications, uploads the marriage and birth
certificates once for them, sends them after the main application and follows one tracker. At 1280
and 360 px: no raw codes, nothing wider than the screen, no console errors. Screenshots go to
/tmp/family21_shots (FAMILY21_SHOTS overrides it)."""

import os
import re
import tempfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from applications import household as household_services
from applications import procedure, services
from applications.lifecycle import CaseState
from applications.models import Case, Relationship
from authorities.models import AppointmentBooking, AppointmentSlot, Authority, AuthorityKind
from documents.models import Document
from documents.testing.documents import text_pdf
from tests.factories import PersonFactory, wsa_caseworker

from .test_representative_journey import sign_in, verified
from .walk_guard import WalkGuard

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("FAMILY21_SHOTS") or Path(tempfile.gettempdir()) / "family21_shots")
# Codes a person must never read; in German also the English words of the state and relationship codes.
RAW = re.compile(r"\b(authority_review|visa_decision|completeness_check|documents_requested|marriage_certificate|"
                 r"birth_certificate|living_space|title_code)\b")
RAW_DE = re.compile(r"\b(draft|submitted|spouse|child)\b")


def _pdf(tmp_path, name, title):
    path = tmp_path / name
    path.write_bytes(text_pdf([[title, "SHARMA", "Mumbai, 2015"]]))
    return str(path)


def _look(page, language, name, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.reload()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{name} at {width}px is {overflow}px too wide"
    text = page.locator("main").inner_text()
    assert not RAW.search(text), RAW.search(text)
    if language == "de":
        assert not RAW_DE.search(text), RAW_DE.search(text)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-{language}-{width}.png"), full_page=True)


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_family_applies_together_and_follows_one_tracker(live_server, page, language, tmp_path, settings):
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}}}
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    head_user = verified(f"asha.{language}@family.example")
    head = PersonFactory(user=head_user, surname="SHARMA", given_names="ASHA", nationality="IND")
    main = services.case_create(person=head, actor=head_user, title_code="18b")
    services.case_submit(case=main, actor=head_user)
    sign_in(page, live_server, head_user, language)
    expiry = (date.today() + timedelta(days=2000)).isoformat()
    for relationship, name, born in (("spouse", "RAVI", "1991-04-02"),
                                     ("child", "MIRA", (date.today() - timedelta(days=7 * 365)).isoformat())):
        page.goto(live_server.url + "/applicant/household/")
        page.check(f"input[name=relationship][value={relationship}]")
        page.fill("input[name=surname]", "SHARMA")
        page.fill("input[name=given_names]", name)
        page.fill("input[name=birth_date]", born)
        page.fill("input[name=nationality]", "IND")
        page.fill("input[name=passport_number]", f"Z{name}123")
        page.fill("input[name=passport_expiry]", expiry)
        page.locator("form[action$='/household/members/add/'] button[type=submit]").click()
        page.wait_for_load_state()
    for _member in range(2):
        page.locator("form[action$='/apply/'] button[type=submit]").first.click()
        page.wait_for_load_state()
    drafts = list(Case.objects.filter(joins=main).order_by("created_at"))
    assert len(drafts) == 2
    for document_type, draft, filename in (("marriage_certificate", drafts[0], "heirat.pdf"),
                                           ("birth_certificate", drafts[1], "geburt-mira.pdf")):
        page.select_option("select[name=document_type]", document_type)
        page.check(f"input[name=cases][value='{draft.public_id}']")
        page.set_input_files("input[name=file]", _pdf(tmp_path, filename, document_type.replace("_", " ").title()))
        page.locator("form[action$='/household/documents/'] button[type=submit]").click()
        page.wait_for_load_state()
    assert Document.objects.filter(case__in=drafts).count() == 2, list(
        Document.objects.values_list("document_type", "state"))
    _look(page, language, "household-before-submit", 1280)
    page.locator(f"form[action$='/household/cases/{main.public_id}/submit-family/'] button").click()
    page.wait_for_load_state()
    assert set(Case.objects.filter(joins=main).values_list("state", flat=True)) == {CaseState.SUBMITTED}
    for width in (1280, 360):
        page.goto(live_server.url + "/applicant/household/")
        _look(page, language, "household-tracker", width)
        page.goto(live_server.url + "/applicant/")
        _look(page, language, "home", width)
        page.goto(live_server.url + f"/applicant/household/cases/{drafts[1].public_id}/")
        _look(page, language, "child-case", width)
    assert errors == []


def _family_at_the_visa_office(language, *, family_appointments: bool):
    """A main applicant with spouse and child, all three waiting for their appointment at one visa office."""
    office = Authority.objects.create(kind=AuthorityKind.VISA_OFFICE, name="Botschaft Neu-Delhi", countries=["IND"],
                                      time_zone="Asia/Kolkata", family_appointments=family_appointments)
    head_user = verified(f"asha.book.{language}.{int(family_appointments)}@family.example")
    head = PersonFactory(user=head_user, surname="SHARMA", given_names="ASHA", nationality="IND")
    main = services.case_create(person=head, actor=head_user, title_code="18b")
    cases = [main]
    for relationship, name, years in ((Relationship.SPOUSE, "RAVI", 34), (Relationship.CHILD, "MIRA", 7)):
        member = household_services.household_member_add(
            actor=head_user, relationship=relationship, surname="SHARMA", given_names=name, nationality="IND",
            birth_date=date.today().replace(year=date.today().year - years, day=1), passport_number=f"Z{name}1",
            passport_expiry=date.today() + timedelta(days=2000))
        cases.append(household_services.family_case_start(actor=head_user, member=member, main_case=main))
    for document_type, case in (("marriage_certificate", cases[1]), ("birth_certificate", cases[2])):
        household_services.family_document_share(
            actor=head_user, document_type=document_type, cases=[case],
            file=SimpleUploadedFile(f"{case.reference}.pdf", text_pdf([["Certificate", "SHARMA"]]),
                                    content_type="application/pdf"))
    services.case_submit(case=main, actor=head_user)  # the family's drafts go with it
    staff = wsa_caseworker()
    for case in cases:
        case.refresh_from_db()
        procedure.case_send_to_authorities(case=case, actor=staff)
    starts = timezone.now() + timedelta(days=4)
    AppointmentSlot.objects.create(authority=office, starts_at=starts, ends_at=starts + timedelta(minutes=30),
                                   capacity=3)
    return office, head_user, cases


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_main_applicant_books_one_appointment_for_the_family(live_server, page, language, settings):
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    office, head_user, cases = _family_at_the_visa_office(language, family_appointments=True)
    main = cases[0]
    sign_in(page, live_server, head_user, language)
    page.goto(live_server.url + f"/applicant/cases/{main.public_id}/appointment/")
    assert page.locator("input[name=family]").count() == 2
    for width in (1280, 360):
        _look(page, language, "family-appointment", width)
    page.locator("input[name=slot]").first.check()
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state()
    assert AppointmentBooking.objects.filter(slot__authority=office).count() == 3
    assert errors == []


@pytest.mark.parametrize("language", ["de", "ar"])
def test_where_each_person_has_their_own_appointment_the_parent_books_the_child_s(live_server, page, language):
    """The visa office sees each person apart (the default): the main booking page says so and links each
    member; the child's page in the household books its appointment (before, nobody could)."""
    guard = WalkGuard(page, language=language)  # untranslated text, axe, citations, console, overflow
    office, head_user, cases = _family_at_the_visa_office(language, family_appointments=False)
    main, child = cases[0], cases[2]
    sign_in(page, live_server, head_user, language)
    page.goto(live_server.url + f"/applicant/cases/{main.public_id}/appointment/")
    assert page.locator("input[name=family]").count() == 0
    assert page.locator(f"a[href$='/household/cases/{child.public_id}/appointment/']").count() == 1
    _both_widths(page, guard, language, "own-appointments-main")
    page.goto(live_server.url + f"/applicant/household/cases/{child.public_id}/")
    _both_widths(page, guard, language, "child-case-book")
    page.locator(f"a[href$='/household/cases/{child.public_id}/appointment/']").click()
    page.wait_for_load_state()
    _both_widths(page, guard, language, "child-appointment")
    page.locator("input[name=slot]").first.check()
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state()
    assert AppointmentBooking.objects.filter(case=child, slot__authority=office).count() == 1
    assert not AppointmentBooking.objects.filter(case=main).exists()
    _both_widths(page, guard, language, "child-case-booked")


def _both_widths(page, guard, language, name):
    for width in (1280, 360):
        _look(page, language, name, width)
        guard.check(name)
