"""Decisions: grant at once, rejection only after a second person approves (four-eyes), the PDF in
German (and English for English procedures), the seal, and the public verification page."""

import asyncio
from concurrent.futures import ThreadPoolExecutor
from io import BytesIO

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfReader

from accounts.models import Role
from applications import decisions, services
from applications.models import Decision
from documents.testing.documents import make_contract_pdf
from tests.auth import reauthenticated
from tests.procedure import offices_done, permit_fee_paid

from .conftest import login

pytestmark = pytest.mark.django_db


def pdf_text(decision) -> str:
    decision.pdf.open("rb")
    try:
        data = decision.pdf.read()
    finally:
        decision.pdf.close()
    # Line breaks fall where the layout puts them: compare with single spaces.
    return " ".join(" ".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages).split())


def pdf_bytes(decision) -> bytes:
    with decision.pdf.open("rb") as handle:
        return handle.read()


@pytest.fixture
def visa_case(make_case, add_request):
    def make(**kwargs):
        case = make_case("visa_decision", **kwargs)
        add_request(case, "visa", purpose="visa")
        offices_done(case)  # the applicant attended the appointment at this visa office
        return case

    return make


def test_the_visa_form_proposes_the_visa_s_own_legal_basis(client, visa_case, make_staff):
    """A national visa is issued under § 6 Abs. 3 AufenthG by the rules of its purpose's title (S. 2); the form
    proposed the permit's provision alone ("§ 18g Abs. 1 AufenthG")."""
    case = visa_case(language="de")
    reauthenticated(login(client, make_staff("visa")))
    form = client.get(reverse("backoffice:decision_create", args=[case.public_id, "visa"])).context["form"]
    assert form.initial["legal_basis"] == "§ 6 Abs. 3 AufenthG i. V. m. § 18g Abs. 1 AufenthG"


def test_the_federal_employment_agency_s_restrictions_are_proposed_as_the_decision_s_condition(
        client, visa_case, make_staff, add_request):
    """§ 4a Abs. 3 AufenthG: the BA's restrictions (§ 34 Abs. 1 BeschV) must be carried into the title; the form's
    conditions were empty, so a decision without them could be issued by one click."""
    from authorities.models import AuthorityRequest

    case = visa_case(language="de")
    approval = add_request(case, "ba", purpose="ba_approval")
    AuthorityRequest.objects.filter(pk=approval.pk).update(
        state="answered", outcome="approved", conditions={
            "occupation": "Softwareentwickler", "occupation_isco": "2512", "employer": "Muster Software GmbH",
            "weekly_hours": "38.5", "duration_months": 24, "other": "Nur am Standort Leipzig."})
    reauthenticated(login(client, make_staff("visa")))
    url = reverse("backoffice:decision_create", args=[case.public_id, "visa"])
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.context["form"].initial["conditions"] == (
        "Beschäftigung nur als Softwareentwickler (ISCO-08 2512) bei Muster Software GmbH mit 38,5 Wochenstunden "
        "gestattet. Die Zustimmung der Bundesagentur für Arbeit ist auf 24 Monate befristet. Weitere Beschränkung "
        "der Bundesagentur für Arbeit: Nur am Standort Leipzig. (§ 4a Abs. 3 AufenthG, § 34 Abs. 1 BeschV)")
    assert "restrictions of the Federal Employment Agency&#x27;s approval" in response.content.decode()
    # The validity the visa would get without dates is proposed, not left empty beside the approval's 24 months:
    # the mission named no term, so the cautious three months (title_terms.VISA_DEFAULT_MONTHS).
    from applications.rules.title_terms import term_end

    initial = response.context["form"].initial
    assert initial["valid_until"] == term_end(initial["valid_from"], 3)

    # An approval that limits nothing (deemed given by silence) or a refusal proposes none.
    AuthorityRequest.objects.filter(pk=approval.pk).update(conditions={})
    assert client.get(url).context["form"].initial["conditions"] == ""
    AuthorityRequest.objects.filter(pk=approval.pk).update(outcome="rejected", conditions={"employer": "X"})
    assert client.get(url).context["form"].initial["conditions"] == ""


def test_visa_grant_is_issued_at_once_with_a_german_pdf(client, visa_case, make_staff):
    case = visa_case(language="de")
    type(case.person).objects.filter(pk=case.person_id).update(country_of_residence="IND", city="Bengaluru")
    caseworker = make_staff("visa", name="Anna Schulz")
    reauthenticated(login(client, caseworker))
    response = client.post(reverse("backoffice:decision_create", args=[case.public_id, "visa"]), {
        "outcome": "granted", "legal_basis": "§ 18g Abs. 1 AufenthG", "reasons": "",
        "conditions": "Beschäftigung nur als Softwareentwickler bei der Muster Software GmbH.",
        "valid_from": "2027-03-01", "valid_until": "2027-08-31",
    })
    assert response.status_code == 302
    case.refresh_from_db()
    decision = case.decisions.get()
    assert case.state == "visa_granted"
    assert decision.status == Decision.Status.ISSUED and decision.decided_by == caseworker
    assert len(decision.sha256) == 64 and len(decision.verification_code) >= 16
    from applications.decisions import sha256_hex

    data = pdf_bytes(decision)
    assert sha256_hex(data) == decision.sha256
    assert b"/ByteRange" in data and b"/adbe.pkcs7.detached" not in data  # PAdES (ETSI.CAdES.detached)
    assert b"ETSI.CAdES.detached" in data
    text = pdf_text(decision)
    for expected in ["Bescheid", "Deutsche Botschaft Neu-Delhi", case.reference, "§ 18g Abs. 1 AufenthG",
                     "nationales Visum", "Nebenbestimmungen", "Rechtsbehelfsbelehrung", "Verwaltungsgericht Berlin",
                     "Muster – nicht juristisch geprüft", "PRIYA SHARMA", "01.03.2027", decision.verification_code]:
        assert expected in text, expected
    assert "Notice of legal remedies" not in text
    # The address names the country in words, in German (the profile holds "IND").
    assert "Bengaluru" in text and "Indien" in text and "\nIND\n" not in text


def test_the_office_s_own_step_reads_granted_by_its_decision_not_approved(client, visa_case, make_staff):
    """The visa office's visa step, answered by its decision, read "Approved" ("Zugestimmt") like a BA consent."""
    case = visa_case(language="de")
    caseworker = make_staff("visa")
    services.decision_create(case=case, actor=caseworker, kind="visa", outcome="granted",
                             legal_basis="§ 6 Abs. 3 AufenthG i. V. m. § 18g Abs. 1 AufenthG")
    login(client, caseworker)
    html = client.get(reverse("backoffice:case_detail", args=[case.public_id]), HTTP_ACCEPT_LANGUAGE="en")
    text = html.content.decode()
    assert "Granted by the decision" in text and "National visa: granted by the decision of" in text
    assert "National visa: approved by" not in text


def test_english_procedure_gets_a_bilingual_pdf(visa_case, make_staff):
    case = visa_case(language="en")
    decision = services.decision_create(case=case, actor=make_staff("visa"), kind="visa", outcome="granted",
                                        legal_basis="§ 18g Abs. 1 AufenthG")
    text = pdf_text(decision)
    assert "Rechtsbehelfsbelehrung" in text and "Bescheid" in text
    for expected in ["Notice of legal remedies", "Administrative Court of Berlin", "within one month",
                     "The German version above is authoritative", "Legal basis"]:
        assert expected in text, expected


def test_a_rejection_needs_a_second_person(client, visa_case, make_staff):
    case = visa_case()
    caseworker = make_staff("visa", name="Anna Schulz")
    other_caseworker = make_staff("visa", name="Max Weber")
    ba_supervisor = make_staff("ba", Role.SUPERVISOR, name="Ute Kraus")
    supervisor = make_staff("visa", Role.SUPERVISOR, name="Jonas Becker")

    reauthenticated(login(client, caseworker))  # decisions ask for the password again (tests/security)
    response = client.post(reverse("backoffice:decision_create", args=[case.public_id, "visa"]), {
        "outcome": "rejected", "legal_basis": "§ 18g Abs. 1 AufenthG", "reasons": "",
    })
    assert response.status_code == 400  # a rejection must give reasons
    client.post(reverse("backoffice:decision_create", args=[case.public_id, "visa"]), {
        "outcome": "rejected", "legal_basis": "§ 18g Abs. 1 AufenthG",
        "reasons": "Das Gehalt unterschreitet die Mindestgehaltsgrenze.",
    })
    decision = case.decisions.get()
    case.refresh_from_db()
    assert decision.status == Decision.Status.AWAITING_APPROVAL and not decision.pdf
    assert case.state == "visa_decision"

    # The decider cannot approve their own rejection, nor can another caseworker or another office.
    approve = reverse("backoffice:decision_approve", args=[case.public_id, decision.public_id])
    assert client.post(approve).status_code == 403
    with pytest.raises(PermissionDenied):
        services.decision_approve(decision=decision, actor=caseworker)
    login(client, other_caseworker)
    assert client.post(approve).status_code == 403
    login(client, ba_supervisor)
    assert client.post(approve).status_code == 404  # the BA does not even see this case
    admin = make_staff("wsa")
    admin.is_staff = admin.is_superuser = True
    admin.save()
    reauthenticated(login(client, admin))
    assert client.post(approve).status_code == 403  # an admin administers, never decides
    with pytest.raises(PermissionDenied):
        services.decision_approve(decision=decision, actor=admin)
    with pytest.raises(PermissionDenied):
        services.decision_send_back(decision=decision, actor=admin)
    assert list(client.get("/backoffice/").context["awaiting_approval"]) == []
    decision.refresh_from_db()
    assert decision.status == Decision.Status.AWAITING_APPROVAL

    reauthenticated(login(client, supervisor))
    assert decision.public_id.hex[:8] in "".join(str(d.public_id.hex) for d in
                                                  client.get("/backoffice/").context["awaiting_approval"])
    assert client.post(approve).status_code == 302
    decision.refresh_from_db()
    case.refresh_from_db()
    assert decision.status == Decision.Status.ISSUED
    assert (decision.decided_by, decision.approved_by) == (caseworker, supervisor)
    assert case.state == "rejected"
    text = pdf_text(decision)
    assert "wird abgelehnt" in text and "Remonstration" in text and "Mindestgehaltsgrenze" in text


def test_a_supervisor_cannot_approve_their_own_rejection(visa_case, make_staff):
    case = visa_case()
    supervisor = make_staff("visa", Role.SUPERVISOR)
    decision = services.decision_create(case=case, actor=supervisor, kind="visa", outcome="rejected",
                                        legal_basis="§ 18g AufenthG", reasons="Reasons.")
    with pytest.raises(PermissionDenied):
        services.decision_approve(decision=decision, actor=supervisor)
    second = make_staff("visa", Role.SUPERVISOR, name="Other Supervisor")
    services.decision_send_back(decision=decision, actor=second, note="Bitte Begründung ergänzen.")
    decision.refresh_from_db()
    assert decision.status == Decision.Status.DRAFT
    assert case.messages.get().internal


def test_a_draft_goes_back_only_with_a_reason(client, visa_case, make_staff):
    """The decider must learn what to change: the reason was optional, a draft came back without a word."""
    case = visa_case()
    decision = services.decision_create(case=case, actor=make_staff("visa"), kind="visa", outcome="rejected",
                                        legal_basis="§ 18g AufenthG", reasons="Reasons.")
    login(client, make_staff("visa", Role.SUPERVISOR, name="Other Supervisor"))
    url = reverse("backoffice:decision_send_back", args=[case.public_id, decision.public_id])
    refused = client.post(url, {"send_back-note": "  "}, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 400 and "This field is required." in refused.content.decode()
    decision.refresh_from_db()
    assert decision.status == Decision.Status.AWAITING_APPROVAL
    assert client.post(url, {"send_back-note": "Bitte Begründung ergänzen."}).status_code == 302
    decision.refresh_from_db()
    assert decision.status == Decision.Status.DRAFT


def test_only_the_deciding_office_in_the_right_state_may_decide(client, visa_case, make_staff, make_case, add_request):
    case = visa_case()
    login(client, make_staff("wsa"))
    assert client.get(reverse("backoffice:decision_create", args=[case.public_id, "visa"])).status_code == 403
    login(client, make_staff("visa"))
    assert client.get(reverse("backoffice:decision_create", args=[case.public_id, "permit"])).status_code == 403
    early = make_case("authority_review")
    add_request(early, "visa", purpose="visa")
    assert client.get(reverse("backoffice:decision_create", args=[early.public_id, "visa"])).status_code == 403


def test_foreigners_authority_issues_the_residence_permit(client, make_case, make_staff, add_request):
    case = make_case("entered", language="en")
    add_request(case, "abh", purpose="residence_permit")
    reauthenticated(login(client, make_staff("abh", name="Lena Wagner")))
    form = {"outcome": "granted", "legal_basis": "§ 18g Abs. 1 AufenthG", "valid_until": "2031-02-28"}
    url = reverse("backoffice:decision_create", args=[case.public_id, "permit"])
    # Not before its fee is paid or recorded (§ 45 Nr. 1 AufenthV).
    response = client.post(url, form, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and "the fee for it" in response.content.decode()
    permit_fee_paid(case)
    response = client.post(url, form)
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == "permit_issued"
    text = pdf_text(case.decisions.get())
    # The EU Blue Card is a title of its own (§ 4 Abs. 1 S. 2 Nr. 2a AufenthG), never "Aufenthaltserlaubnis".
    assert "Ihnen wird eine Blaue Karte EU erteilt." in text and "Aufenthaltserlaubnis" not in text
    assert "You are granted an EU Blue Card." in text and "residence permit" not in text
    assert "Widerspruch" in text and "objection (Widerspruch)" in text


def test_a_permit_for_another_title_is_still_an_aufenthaltserlaubnis(client, make_case, make_staff, add_request):
    case = make_case("entered", title="18b")
    add_request(case, "abh", purpose="residence_permit")
    permit_fee_paid(case)
    services.decision_create(case=case, actor=make_staff("abh"), kind="residence_permit", outcome="granted",
                             legal_basis="§ 18b Abs. 1 AufenthG")
    text = pdf_text(case.decisions.get())
    assert "Ihnen wird eine Aufenthaltserlaubnis zum Zweck der Beschäftigung erteilt." in text
    assert "Blaue Karte" not in text


def test_staff_download_of_the_decision_is_an_attachment_and_logged(client, visa_case, make_staff):
    case = visa_case()
    caseworker = make_staff("visa")
    decision = services.decision_create(case=case, actor=caseworker, kind="visa", outcome="granted",
                                        legal_basis="§ 18g AufenthG")
    login(client, caseworker)
    response = client.get(reverse("backoffice:decision_pdf", args=[case.public_id, decision.public_id]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert case.accesses.filter(object_kind="decision", action="download", actor=caseworker).exists()


def test_verify_a_genuine_and_a_tampered_decision(client, visa_case, make_staff):
    case = visa_case()
    decision = services.decision_create(case=case, actor=make_staff("visa", name="Anna Schulz"), kind="visa",
                                        outcome="granted", legal_basis="§ 18g AufenthG")
    url = reverse("decision_verify", args=[decision.verification_code])
    assert url == f"/verify/{decision.verification_code}/"
    page = client.get(url)
    assert page.status_code == 200
    content = page.content.decode()
    assert "A. S." in content and "Anna" not in content and "Schulz" not in content
    assert "SHARMA" not in content and case.person.passport_number not in content

    original = pdf_bytes(decision)
    genuine = client.post(url, {"file": SimpleUploadedFile("b.pdf", original, content_type="application/pdf")})
    assert "matches the original" in genuine.content.decode() or "stimmt" in genuine.content.decode()
    assert genuine.context["result"] == "match"

    middle = len(original) // 2
    tampered = original[:middle] + bytes([original[middle] ^ 0x01]) + original[middle + 1:]
    response = client.post(url, {"file": SimpleUploadedFile("b.pdf", tampered, content_type="application/pdf")})
    assert response.context["result"] == "mismatch"
    assert "does not match" in response.content.decode() or "nicht" in response.content.decode()

    assert client.get("/verify/not-a-real-code/").status_code == 404


def test_the_qr_code_and_verification_link_are_on_the_pdf(visa_case, make_staff, settings):
    settings.SITE_URL = "https://wsa.example"
    case = visa_case()
    decision = services.decision_create(case=case, actor=make_staff("visa"), kind="visa", outcome="granted",
                                        legal_basis="§ 18g AufenthG")
    text = pdf_text(decision).replace(" ", "")
    assert f"https://wsa.example/verify/{decision.verification_code}/" in text
    reader = PdfReader(BytesIO(pdf_bytes(decision)))
    assert any("/XObject" in (page.get("/Resources") or {}) for page in reader.pages)  # the QR image


def test_a_decision_is_sealed_also_where_the_thread_runs_an_event_loop():
    """An async server (or a browser test in the same process) runs an event loop in the request's
    thread; sealing must not depend on there being none."""

    async def seal_inside_a_running_loop():
        return decisions.sign_pdf(make_contract_pdf())

    # A thread of its own runs the loop: this test's thread may already run one (the browser tests').
    with ThreadPoolExecutor(max_workers=1) as pool:
        sealed, signed = pool.submit(asyncio.run, seal_inside_a_running_loop()).result()
    assert signed and b"/ByteRange" in sealed
    assert decisions.sign_pdf(make_contract_pdf())[1]


def test_the_visa_decision_answers_the_visa_offices_own_step(visa_case, make_staff):
    """The visa office decides in the back office: its step no longer waits for an answer, runs into
    its deadline or shows as open; the answer says it came from the decision."""
    from authorities.models import AuthorityRequest, Outcome, Purpose, RequestState

    case = visa_case()
    decision = services.decision_create(case=case, actor=make_staff("visa"), kind="visa", outcome="granted",
                                        legal_basis="§ 18b Abs. 1 AufenthG")
    step = AuthorityRequest.objects.get(case=case, purpose=Purpose.VISA)
    assert (step.state, step.outcome) == (RequestState.ANSWERED, Outcome.APPROVED)
    assert step.answered_at is not None
    assert step.response_body == {"answered_in": "decision", "decision": str(decision.public_id)}
    assert not AuthorityRequest.objects.filter(case=case, state__in=RequestState.open_states()).exists()
    # Its deadline no longer runs: the sweep a month later finds nothing overdue in this case.
    from datetime import timedelta

    from django.utils import timezone

    from authorities import services as authority_services

    authority_services.deadlines_sweep_run(now=timezone.now() + timedelta(days=30))
    step.refresh_from_db()
    assert step.overdue_since is None
    assert not case.events.filter(payload__status="overdue").exists()


def test_an_issued_rejection_answers_the_step_only_once_approved(visa_case, make_staff):
    from authorities.models import AuthorityRequest, Outcome, Purpose, RequestState

    case = visa_case()
    decision = services.decision_create(case=case, actor=make_staff("visa"), kind="visa", outcome="rejected",
                                        legal_basis="§ 18b Abs. 1 AufenthG", reasons="Kein Arbeitsvertrag.")
    step = AuthorityRequest.objects.get(case=case, purpose=Purpose.VISA)
    assert step.state == RequestState.ACKNOWLEDGED  # a rejection waits for the second pair of eyes
    services.decision_approve(decision=decision, actor=make_staff("visa", Role.SUPERVISOR))
    step.refresh_from_db()
    assert (step.state, step.outcome) == (RequestState.ANSWERED, Outcome.REJECTED)


def test_an_answer_the_office_already_sent_is_kept(visa_case, make_staff):
    """The visa office answered through its own system first; the decision does not overwrite it."""
    from authorities import services as authority_services
    from authorities.models import AuthorityRequest, Outcome, Purpose

    case = visa_case()
    step = AuthorityRequest.objects.get(case=case, purpose=Purpose.VISA)
    authority_services.authority_request_record_answer(request=step, outcome=Outcome.APPROVED,
                                                       body={"reference": "VIS-1"})
    services.decision_create(case=case, actor=make_staff("visa"), kind="visa", outcome="granted")
    step.refresh_from_db()
    assert step.response_body == {"reference": "VIS-1"}


def test_the_permit_decision_answers_the_foreigners_authoritys_step(make_case, make_staff, add_request):
    from authorities.models import Outcome, RequestState

    case = make_case("entered")
    step = add_request(case, "abh", purpose="residence_permit")
    permit_fee_paid(case)
    services.decision_create(case=case, actor=make_staff("abh"), kind="residence_permit", outcome="granted",
                             legal_basis="§ 18b Abs. 1 AufenthG")
    step.refresh_from_db()
    assert (step.state, step.outcome) == (RequestState.ANSWERED, Outcome.APPROVED)


def test_the_applicant_hears_of_the_decision_once(visa_case, make_staff):
    """The decision's own event tells the applicant; the step's answer stays out of their timeline."""
    case = visa_case()
    public_before = case.events.filter(internal=False).count()
    services.decision_create(case=case, actor=make_staff("visa"), kind="visa", outcome="granted",
                             legal_basis="§ 18b Abs. 1 AufenthG")
    new_public = list(case.events.filter(internal=False).order_by("pk")[public_before:])
    assert [e.kind for e in new_public].count("decision") == 1
    assert not [e for e in new_public if e.kind == "authority" and e.payload.get("status") == "answered"]


def test_a_failed_delivery_of_the_step_is_not_sent_after_the_decision(visa_case, make_staff):
    from authorities.models import AuthorityRequest, Outbox, OutboxState, Purpose, RequestState

    case = visa_case()
    step = AuthorityRequest.objects.get(case=case, purpose=Purpose.VISA)
    AuthorityRequest.objects.filter(pk=step.pk).update(state=RequestState.FAILED, error_code="delivery_failed")
    Outbox.objects.create(request=step, state=OutboxState.DEAD)
    services.decision_create(case=case, actor=make_staff("visa"), kind="visa", outcome="granted")
    step.refresh_from_db()
    assert step.state == RequestState.ANSWERED
    assert not Outbox.objects.filter(request=step).exclude(state=OutboxState.DELIVERED).exists()


def test_another_offices_step_is_not_answered_in_its_name(make_case, make_staff, add_request, offices):
    """Only the decider's own office's step is answered by the decision."""
    from accounts.models import OrganisationKind
    from authorities.models import Authority, AuthorityRequest, RequestState
    from tests.factories import OrganisationFactory

    other = OrganisationFactory(kind=OrganisationKind.FOREIGNERS_AUTHORITY, name="Ausländerbehörde München")
    other_authority = Authority.objects.create(kind=OrganisationKind.FOREIGNERS_AUTHORITY, name=other.name,
                                               organisation=other)
    case = make_case("entered")
    add_request(case, "abh", purpose="pre_approval_81a")  # gives the decider's office sight of the case
    step = add_request(case, "abh", purpose="residence_permit")
    AuthorityRequest.objects.filter(pk=step.pk).update(authority=other_authority)
    permit_fee_paid(case)
    services.decision_create(case=case, actor=make_staff("abh"), kind="residence_permit", outcome="granted",
                             legal_basis="§ 18b Abs. 1 AufenthG")
    step.refresh_from_db()
    assert step.state == RequestState.SENT and step.outcome == ""


def _after_entry(tracker):
    return next(stage for stage in tracker["stages"] if stage.key == "after_entry")


def test_a_refused_permit_shows_no_deadline_of_its_answered_step(make_case, make_staff, add_request):
    from applications.selectors.tracker import applicant_case_stages

    case = make_case("entered")
    add_request(case, "abh", purpose="residence_permit")
    permit_fee_paid(case)
    decision = services.decision_create(case=case, actor=make_staff("abh"), kind="residence_permit",
                                        outcome="rejected", reasons="Kein gesicherter Lebensunterhalt.")
    stage = _after_entry(applicant_case_stages(viewer=case.person.user, case=case))
    assert stage.deadline is not None  # the step still waits while the refusal awaits its second person
    services.decision_approve(decision=decision, actor=make_staff("abh", Role.SUPERVISOR, name="Jonas Becker"))
    case.refresh_from_db()
    stage = _after_entry(applicant_case_stages(viewer=case.person.user, case=case))
    assert case.state == "entered" and stage.deadline is None


def test_the_decision_form_chooses_no_outcome_in_advance_and_says_what_a_refusal_cites(client, visa_case,
                                                                                       make_staff):
    case = visa_case()
    reauthenticated(login(client, make_staff("visa")))
    url = reverse("backoffice:decision_create", args=[case.public_id, "visa"])
    form = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "checked" not in form.split('name="outcome"', 1)[1].split("</fieldset>", 1)[0]
    assert 'value="§ 6 Abs. 3 AufenthG i. V. m. § 18g Abs. 1 AufenthG"' in form  # the visa by the title applied for
    assert "For a refusal, add the provision whose condition is not met" in form
    assert "required for a refusal" in form  # the reasons field is not simply "optional"
    response = client.post(url, {"legal_basis": "§ 18g Abs. 1 AufenthG", "reasons": ""}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and not case.decisions.exists()


def test_a_rejection_waiting_for_approval_is_drafted_not_decided(client, visa_case, make_staff):
    case = visa_case()
    caseworker = make_staff("visa", name="Anna Schulz")
    services.decision_create(case=case, actor=caseworker, kind="visa", outcome="rejected",
                             legal_basis="§ 5 Abs. 1 Nr. 1 AufenthG", reasons="Lebensunterhalt nicht gesichert.")
    login(client, make_staff("visa", Role.SUPERVISOR, name="Jonas Becker"))
    html = client.get(reverse("backoffice:case_detail", args=[case.public_id]), HTTP_ACCEPT_LANGUAGE="en")
    html = html.content.decode()
    assert "drafted by Anna Schulz" in html and "decided by Anna Schulz" not in html


def test_the_supervisor_reads_the_letter_of_a_rejection_before_approving_it(client, visa_case, make_staff):
    """Four eyes on the letter, not only on its reasons: the draft PDF is the letter as it would be issued, marked
    as a draft, without verification code; it is logged; once issued, the decision's own PDF is the letter."""
    case = visa_case()
    caseworker = make_staff("visa", name="Anna Schulz")
    supervisor = make_staff("visa", Role.SUPERVISOR, name="Jonas Becker")
    decision = services.decision_create(case=case, actor=caseworker, kind="visa", outcome="rejected",
                                        legal_basis="§ 18g Abs. 1 AufenthG",
                                        reasons="Das Gehalt unterschreitet die Mindestgehaltsgrenze.")
    assert decision.status == Decision.Status.AWAITING_APPROVAL
    draft_url = reverse("backoffice:decision_draft_pdf", args=[case.public_id, decision.public_id])
    login(client, supervisor)
    page = client.get(reverse("backoffice:case_detail", args=[case.public_id]), HTTP_ACCEPT_LANGUAGE="en")
    assert draft_url in page.content.decode()
    response = client.get(draft_url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment") and response["Cache-Control"] == "private, no-store"
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(BytesIO(response.content)).pages).split())
    assert "ENTWURF" in text and "nicht erlassen" in text
    assert "wird abgelehnt" in text and "Mindestgehaltsgrenze" in text and "Remonstration" in text
    assert "Prüfcode:" not in text and "Datum: bei Erlass" in text  # no code, no date: it is not a decision yet
    assert case.accesses.filter(object_kind="decision", action="preview", actor=supervisor).exists()
    decision.refresh_from_db()
    assert decision.status == Decision.Status.AWAITING_APPROVAL and not decision.pdf  # reading it changes nothing

    reauthenticated(login(client, supervisor))
    client.post(reverse("backoffice:decision_approve", args=[case.public_id, decision.public_id]))
    decision.refresh_from_db()
    assert decision.status == Decision.Status.ISSUED
    page = client.get(reverse("backoffice:case_detail", args=[case.public_id])).content.decode()
    assert draft_url not in page
    refused = client.get(draft_url, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 409 and "download its PDF from the case" in refused.content.decode()
