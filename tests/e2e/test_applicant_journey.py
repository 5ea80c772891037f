"""The applicant's whole journey in Chromium: sign up, confirm the e-mail, fill the wizard, upload a
PDF and a JPEG, submit, watch the status page change by itself when an authority answers, and download
the granted visa decision — in German, English and Arabic, at 1280 and 360 px, each page checked by the
walk guard."""

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.utils.translation import gettext, override

from applications import rules
from applications.models import Case
from authorities.models import AuthorityRequest
from authorities.services import authority_request_record_answer
from documents.testing import documents, passports
from tests.e2e.walk_guard import WalkGuard
from tests.procedure import walk

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-and-unusual-passphrase-7"


@pytest.fixture
def private_storage(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}}}


def save_and_continue(page, step):
    page.locator("main button[name=continue]").click()
    page.wait_for_url(f"**/{step}/")


@pytest.mark.parametrize("language", ["de", "en", "ar"])
def test_sign_up_apply_upload_submit_and_follow_the_status(live_server, page, private_storage, tmp_path, language):
    guard = WalkGuard(page, language=language)
    for width in (1280, 360):
        page.context.clear_cookies()
        page.set_viewport_size({"width": width, "height": 900})
        page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
        apply_and_follow(live_server, page, guard, tmp_path, f"amara.{language}.{width}@example.org",
                         f"{width}")


def apply_and_follow(live_server, page, guard, tmp_path, email, where):
    # Sign up and confirm the e-mail address.
    page.goto(live_server.url + "/accounts/signup/")
    guard.check(f"{where} sign-up")
    page.fill("input[name=email]", email)
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/confirm-email/")
    guard.check(f"{where} confirmation sent")
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+", mail.outbox[-1].body).group(0)
    page.goto(live_server.url + link.split("://", 1)[1].split("/", 1)[1].join(["/", ""]))
    guard.check(f"{where} confirm the address")
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/applicant/")  # confirmed in the browser that signed up: signed in at once
    guard.check(f"{where} applicant home")

    # The wizard, one question group per page.
    page.goto(live_server.url + "/applicant/apply/?title=18g")
    guard.check(f"{where} apply start")
    page.locator("main a[href$='/apply/new/']").click()
    page.wait_for_url("**/apply/new/")
    guard.check(f"{where} title and language")
    page.check("input[name=procedure_language][value=en]")
    save_and_continue(page, "personal")
    guard.check(f"{where} personal")
    page.fill("input[name=p-surname]", "OKAFOR")
    page.fill("input[name=p-given_names]", "AMARA")
    page.fill("input[name=p-birth_date]", "1993-05-09")
    page.select_option("select[name=p-sex]", "F")
    page.fill("input[name=p-nationality]", "NGA")
    page.fill("input[name=p-passport_number]", "A12345678")
    page.fill("input[name=p-passport_issuing_state]", "NGA")
    page.fill("input[name=p-passport_expiry]", (date.today() + timedelta(days=2000)).isoformat())
    page.fill("input[name=c-city]", "Lagos")
    page.fill("input[name=c-country_of_residence]", "NGA")
    save_and_continue(page, "qualification")
    guard.check(f"{where} qualification")
    page.check("input[name=kind][value=academic]")
    page.fill("input[name=title]", "B.Sc. Computer Science")
    page.check("input[name=recognition][value=full]")
    page.check("input[name=comparable]")
    save_and_continue(page, "languages")
    guard.check(f"{where} languages")
    page.select_option("select[name=german_level]", "A2")
    page.select_option("select[name=english_level]", "C1")
    save_and_continue(page, "employment")
    guard.check(f"{where} employment")
    page.fill("input[name=job_title]", "Software Developer")
    page.fill("input[name=occupation_isco]", "2512")
    page.fill("input[name=annual_gross_salary]", "58000")
    page.fill("input[name=weekly_hours]", "40")
    page.fill("input[name=start_date]", (date.today() + timedelta(days=90)).isoformat())
    page.fill("input[name=workplace_city]", "Berlin")
    page.select_option("select[name=workplace_state]", "BE")
    save_and_continue(page, "documents")
    guard.check(f"{where} documents")

    # Uploads: the passport as a JPEG photo of the data page, everything else as PDFs.
    passport = tmp_path / "passport.jpg"
    passport.write_bytes(passports.make_passport(seed=5, fmt="jpeg").data)
    contract = tmp_path / "contract.pdf"
    contract.write_bytes(documents.make_contract_pdf())
    needed = [r.code for r in rules.required_documents("18g") if r.mandatory and r.stage == "visa"]
    for code in needed:
        page.set_input_files(f"#req-{code}-files", str(passport if code in ("passport", "photo") else contract))
        page.locator(f"#req-{code} form[data-upload] button[type=submit]").click()
        page.locator(f"#req-{code} .wsa-doc-list").wait_for()
    assert all(page.locator(f"#req-{code} .wsa-doc-list > li").count() == 1 for code in needed)
    guard.check(f"{where} documents uploaded")
    save_and_continue(page, "check")
    guard.check(f"{where} check")
    assert "Software Developer" in page.content()
    # No street or postcode given: the address starts with the city, not with a stray comma.
    assert re.search(r",\s*Lagos", page.inner_text("main")) is None
    page.check("input[name=declaration]")
    page.locator("main button[name=submit]").click()
    page.wait_for_url("**/done/")
    guard.check(f"{where} done")
    case = Case.objects.get(person__user__email=email)
    assert case.state == "submitted"
    assert case.reference in page.content()

    # Nothing goes to an office before the WSA confirms completeness; then the status page polls and
    # an authority's answer shows up without a reload.
    assert not AuthorityRequest.objects.filter(case=case).exists()
    walk(case, "start_completeness_check", "start_authority_review")
    page.goto(live_server.url + f"/applicant/cases/{case.public_id}/")
    guard.check(f"{where} status")
    request = AuthorityRequest.objects.filter(case=case).exclude(purpose="visa").first()
    assert request is not None
    authority_request_record_answer(request=request, outcome="approved")
    with override(guard.language):
        approved = re.escape(gettext("%(step)s: approved by %(office)s."))
    for placeholder in ("%(step)s", "%(office)s"):
        approved = approved.replace(re.escape(placeholder), ".+")
    page.get_by_text(re.compile(approved)).first.wait_for(timeout=15_000)
    guard.check(f"{where} status after the answer")

    # To the decision: the offices agree, the visa office grants the visa, and the applicant finds the
    # decision and downloads its PDF.
    walk(case, "refer_to_visa_decision")
    decision = visa_granted_by_the_office(case)
    page.goto(live_server.url + f"/applicant/cases/{case.public_id}/decisions/")
    guard.check(f"{where} decisions")
    link = page.locator(f'a[href="/applicant/decisions/{decision.public_id}/pdf/"]').first
    with page.expect_download() as download:
        link.click()
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")
    assert download.value.suggested_filename.endswith(".pdf")


def visa_granted_by_the_office(case):
    """A caseworker of the visa office that holds the case's visa request decides: granted."""
    from accounts.models import Membership, Organisation, OrganisationKind, Role
    from applications.services.backoffice import decision_create
    from tests.factories import UserFactory

    office = AuthorityRequest.objects.select_related("authority").get(case=case, purpose="visa").authority
    if office.organisation_id is None:
        office.organisation = Organisation.objects.create(kind=OrganisationKind.VISA_OFFICE, name=office.name)
        office.save(update_fields=["organisation"])
    caseworker = UserFactory()
    Membership.objects.create(user=caseworker, organisation=office.organisation, role=Role.CASEWORKER)
    today = date.today()
    return decision_create(case=case, actor=caseworker, kind="visa", outcome="granted",
                           legal_basis="§ 18g AufenthG", valid_from=today, valid_until=today + timedelta(days=365))
