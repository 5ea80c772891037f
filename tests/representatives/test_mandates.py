"""Representatives acting for applicants and employers within a mandate (applications/mandates)."""

import csv
import hashlib
import io
import re
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import formats, timezone, translation

from accounts.models import Membership, OrganisationKind, Role
from applications import services
from applications.mandates import services as mandate_services
from applications.mandates.models import Mandate, MandateScope
from applications.models import Decision, Message
from documents.models import Document
from tests.auth import give_totp
from tests.factories import EmploymentFactory, MembershipFactory, OrganisationFactory, PersonFactory, UserFactory
from tests.procedure import walk

from .conftest import login, verified_user

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}}}


@pytest.fixture(autouse=True)
def no_document_checks(monkeypatch):
    monkeypatch.setattr("documents.services._queue_check", lambda document_id, **options: None)


@pytest.fixture
def applicant(db):
    return verified_user("priya@example.org", full_name="Priya Sharma")


@pytest.fixture
def person(applicant):
    return PersonFactory(user=applicant, surname="SHARMA", given_names="Priya")


@pytest.fixture
def case(person, applicant):
    return services.case_create(person=person, actor=applicant, title_code="18b")


@pytest.fixture
def other_case(person, applicant):
    return services.case_create(person=person, actor=applicant, title_code="18a")


def grant(applicant, person, agency, **kwargs):
    kwargs.setdefault("scope", MandateScope.ACT)
    kwargs.setdefault("confirmed", True)
    return mandate_services.mandate_grant(actor=applicant, person=person, representative=agency, **kwargs)


def detail(case):
    return f"/representative/cases/{case.public_id}/"


# --- seeing and acting ---------------------------------------------------------------------------


def test_mandate_lets_the_representative_see_and_act_and_the_timeline_says_on_whose_behalf(
        applicant, person, agency, agent, case):
    grant(applicant, person, agency, cases=[case])
    client = login(agent)
    assert client.get("/representative/").status_code == 200
    page = client.get(detail(case))
    assert page.status_code == 200 and case.reference in page.content.decode()

    response = client.post(detail(case) + "messages/", {"body": "The employment contract follows tomorrow."})
    assert response.status_code == 302
    message = Message.objects.get(case=case)
    assert message.author == agent
    event = case.events.filter(kind="message").latest("pk")
    assert event.payload["on_behalf"] == {"actor": "Alex Agent", "representative": "Move & Settle GmbH",
                                          "principal": "Priya SHARMA"}
    with translation.override("en"):
        assert event.text == ("New message in the case. By Alex Agent (Move & Settle GmbH) on behalf of "
                              "Priya SHARMA.")
        # The applicant sees it on their own case page (the status fragment's timeline).
        own = login(applicant).get(f"/applicant/cases/{case.public_id}/").content.decode()
    assert "on behalf of Priya SHARMA" in own


def test_representative_uploads_a_document_to_the_draft(applicant, person, agency, agent, case):
    grant(applicant, person, agency, cases=[case])
    response = login(agent).post(detail(case) + "documents/", {
        "file": SimpleUploadedFile("contract.pdf", PDF, content_type="application/pdf"),
        "document_type": "employment_contract"})
    assert response.status_code == 302
    document = Document.objects.get(case=case)
    assert document.owner == person and document.uploaded_by == agent
    entry = case.events.filter(kind="mandate", payload__action="document_uploaded").get()
    assert entry.payload["on_behalf"]["representative"] == "Move & Settle GmbH"


def test_representative_answers_a_request_for_documents(applicant, person, agency, agent, case):
    grant(applicant, person, agency, cases=[case])
    walk(case, "submit", "start_completeness_check", "request_documents")
    response = login(agent).post(detail(case) + "provide-documents/", {
        "file": SimpleUploadedFile("degree.pdf", PDF, content_type="application/pdf"),
        "document_type": "degree_certificate", "note": "Certified copy"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == "completeness_check"
    provided = case.events.filter(kind="transition", payload__transition="documents_provided").get()
    assert provided.payload["on_behalf"]["actor"] == "Alex Agent"


def test_read_only_mandate_cannot_act_and_nothing_changes(applicant, person, agency, agent, case):
    grant(applicant, person, agency, cases=[case], scope=MandateScope.READ)
    client = login(agent)
    assert client.get(detail(case)).status_code == 200
    events = case.events.count()
    assert client.post(detail(case) + "messages/", {"body": "Hello"}).status_code == 403
    assert client.post(detail(case) + "documents/", {
        "file": SimpleUploadedFile("x.pdf", PDF, content_type="application/pdf"),
        "document_type": "other"}).status_code == 403
    assert client.post(detail(case) + "submit/").status_code == 403
    assert not Message.objects.filter(case=case).exists()
    assert not Document.objects.filter(case=case).exists()
    assert case.events.count() == events
    with pytest.raises(PermissionDenied):
        mandate_services.representative_message_post(case=case, actor=agent, body="direct")


def test_expired_mandate_gives_no_access(applicant, person, agency, agent, case):
    mandate = grant(applicant, person, agency, cases=[case])
    Mandate.objects.filter(pk=mandate.pk).update(valid_until=timezone.localdate() - timedelta(days=1))
    client = login(agent)
    assert client.get(detail(case)).status_code == 404
    assert client.post(detail(case) + "messages/", {"body": "late"}).status_code == 404
    assert not Message.objects.filter(case=case).exists()
    assert case.reference not in client.get("/representative/").content.decode()


def test_mandate_in_the_future_gives_no_access_yet(applicant, person, agency, agent, case):
    mandate = grant(applicant, person, agency, cases=[case])
    Mandate.objects.filter(pk=mandate.pk).update(valid_from=timezone.localdate() + timedelta(days=2))
    assert login(agent).get(detail(case)).status_code == 404


def test_revocation_mid_case_ends_access_at_once(applicant, person, agency, agent, case):
    mandate = grant(applicant, person, agency)
    client = login(agent)
    assert client.get(detail(case)).status_code == 200
    response = login(applicant).post(f"/applicant/representatives/{mandate.public_id}/revoke/")
    assert response.status_code == 302
    mandate.refresh_from_db()
    assert mandate.revoked_at is not None and mandate.revoked_by == applicant
    assert client.get(detail(case)).status_code == 404
    assert client.post(detail(case) + "messages/", {"body": "after"}).status_code == 404
    assert not Message.objects.filter(case=case).exists()
    with translation.override("en"):
        assert case.events.filter(kind="mandate", payload__action="revoked").get().text == (
            "The mandate of Move & Settle GmbH was revoked.")


def test_case_outside_the_chosen_cases_is_404(applicant, person, agency, agent, case, other_case):
    grant(applicant, person, agency, cases=[case])
    client = login(agent)
    assert client.get(detail(case)).status_code == 200
    assert client.get(detail(other_case)).status_code == 404
    assert client.post(detail(other_case) + "messages/", {"body": "x"}).status_code == 404


def test_another_representative_sees_nothing(applicant, person, agency, case):
    grant(applicant, person, agency)
    rival_org = OrganisationFactory(kind=OrganisationKind.LAW_FIRM, name="Rival Law")
    rival = give_totp(verified_user("rival@law.example"))
    Membership.objects.create(user=rival, organisation=rival_org, role=Role.REPRESENTATIVE_OWNER)
    client = login(rival)
    assert client.get(detail(case)).status_code == 404
    assert case.reference not in client.get("/representative/").content.decode()


def _issued_decision(case, staff, outcome="granted"):
    decision = Decision(case=case, kind=Decision.Kind.VISA, outcome=outcome, status=Decision.Status.DRAFT,
                        decided_by=staff, legal_basis="§ 18b AufenthG")
    decision.save()
    decision.pdf.save(f"{uuid.uuid4().hex}.pdf", ContentFile(PDF), save=False)
    decision.sha256 = hashlib.sha256(PDF).hexdigest()
    decision.verification_code = uuid.uuid4().hex[:22]
    decision.issued_at = timezone.now()
    decision.status = Decision.Status.ISSUED
    decision.save()
    services.event_append(case=case, kind="decision", payload={"decision": str(decision.public_id)})
    return decision


@pytest.mark.parametrize("receives", [True, False])
def test_decisions_reach_the_representative_only_with_receive_decisions(applicant, person, agency, agent, case,
                                                                        receives):
    grant(applicant, person, agency, receives_decisions=receives)
    decision = _issued_decision(case, UserFactory())
    client = login(agent)
    page = client.get(detail(case)).content.decode()
    download = client.get(detail(case) + f"decisions/{decision.public_id}/pdf/")
    if receives:
        assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
        assert "A decision was issued." in page
    else:
        assert download.status_code == 404
        assert "A decision was issued." not in page


def test_a_refusal_says_where_its_time_limit_to_challenge_it_is_written(applicant, person, agency, agent, case):
    """The agency saw "Abgelehnt" and a PDF link, nothing of the remedy: the letter's Rechtsbehelfsbelehrung
    says whether, how and by when; the time limit runs from delivery (§§ 70, 74 VwGO), so it is said here."""
    grant(applicant, person, agency, receives_decisions=True)
    _issued_decision(case, UserFactory(), outcome="rejected")
    page = login(agent).get(detail(case), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "notice of legal remedies (Rechtsbehelfsbelehrung)" in page and "runs from its delivery" in page


def test_a_grant_carries_no_word_about_challenging_it(applicant, person, agency, agent, case):
    grant(applicant, person, agency, receives_decisions=True)
    _issued_decision(case, UserFactory())
    assert "Rechtsbehelfsbelehrung" not in login(agent).get(detail(case), HTTP_ACCEPT_LANGUAGE="en").content.decode()


# --- the list and its export ------------------------------------------------------------------------


def test_list_is_sorted_by_legal_deadline_and_filtered(applicant, person, agency, agent, case, other_case):
    grant(applicant, person, agency)
    from applications.models import Case

    Case.objects.filter(pk=case.pk).update(due_at=timezone.now() + timedelta(days=20))
    Case.objects.filter(pk=other_case.pk).update(due_at=timezone.now() + timedelta(days=3))
    client = login(agent)
    body = client.get("/representative/").content.decode()
    assert body.index(other_case.reference) < body.index(case.reference)
    assert "Priya SHARMA" in body
    within_week = client.get("/representative/?deadline=7").content.decode()
    assert other_case.reference in within_week and case.reference not in within_week
    assert client.get("/representative/?state=submitted").content.decode().count("WSA-") == 0


def test_csv_export_lists_only_own_clients(applicant, person, agency, agent, case):
    grant(applicant, person, agency, cases=[case])
    stranger = PersonFactory(user=verified_user("stranger@example.org"), surname="STRANGER")
    foreign = services.case_create(person=stranger, actor=stranger.user)
    rival_org = OrganisationFactory(kind=OrganisationKind.WELCOME_CENTRE, name="Welcome Centre")
    mandate_services.mandate_grant(actor=stranger.user, person=stranger, representative=rival_org,
                                   scope=MandateScope.ACT, confirmed=True)
    response = login(agent).get("/representative/export.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][0] == "reference"
    assert [row[0] for row in rows[1:]] == [case.reference]
    assert rows[1][1] == "Priya SHARMA"
    assert foreign.reference not in str(rows)


# --- granting -----------------------------------------------------------------------------------------


def test_applicant_finds_a_verified_representative_and_grants_a_mandate(applicant, person, agency, case):
    OrganisationFactory(kind=OrganisationKind.RELOCATION_AGENCY, name="Move Unverified", verified_at=None)
    client = login(applicant)
    found = client.get("/applicant/representatives/?q=move").content.decode()
    assert "Move &amp; Settle GmbH" in found and "Move Unverified" not in found
    missing_confirmation = client.post("/applicant/representatives/", {
        "representative": str(agency.public_id), "scope": "act"})
    assert missing_confirmation.status_code == 400 and not Mandate.objects.exists()
    response = client.post("/applicant/representatives/", {
        "representative": str(agency.public_id), "scope": "act", "receives_decisions": "on",
        "cases": [str(case.public_id)], "valid_until": (timezone.localdate() + timedelta(days=90)).isoformat(),
        "confirm": "on"})
    assert response.status_code == 302
    mandate = Mandate.objects.get()
    assert (mandate.principal_person, mandate.scope, mandate.receives_decisions, mandate.all_cases) == (
        person, "act", True, False)
    assert list(mandate.cases.all()) == [case] and mandate.confirmed_at is not None
    page = client.get("/applicant/representatives/").content.decode()
    assert "Move &amp; Settle GmbH" in page and "Revoke now" in page


def test_power_of_attorney_can_be_uploaded_instead(applicant, person, agency):
    response = login(applicant).post("/applicant/representatives/", {
        "representative": str(agency.public_id), "scope": "read",
        "power_of_attorney": SimpleUploadedFile("vollmacht.pdf", PDF, content_type="application/pdf")})
    assert response.status_code == 302
    mandate = Mandate.objects.get()
    assert mandate.confirmed_at is None
    assert mandate.power_of_attorney.document_type == "power_of_attorney"


def test_unverified_representative_cannot_be_granted(applicant, person, case):
    unverified = OrganisationFactory(kind=OrganisationKind.LAW_FIRM, name="New Law", verified_at=None)
    with pytest.raises(mandate_services.MandateError):
        grant(applicant, person, unverified)
    response = login(applicant).post("/applicant/representatives/", {
        "representative": str(unverified.public_id), "scope": "act", "confirm": "on"})
    assert response.status_code == 400 and not Mandate.objects.exists()


def test_nobody_grants_for_someone_else(applicant, person, agency):
    with pytest.raises(PermissionDenied):
        mandate_services.mandate_grant(actor=UserFactory(), person=person, representative=agency,
                                       scope=MandateScope.ACT, confirmed=True)


def test_employer_owner_grants_and_the_representative_sees_what_the_employer_sees(agency, agent):
    employer = OrganisationFactory(name="Muster Software GmbH")
    owner = give_totp(verified_user("owner@muster.example"))
    Membership.objects.create(user=owner, organisation=employer, role=Role.EMPLOYER_OWNER)
    member = MembershipFactory(organisation=employer, role=Role.EMPLOYER_MEMBER,
                               user=verified_user("member@muster.example")).user
    candidate = PersonFactory(user=verified_user("cand@example.org"), surname="OKAFOR", given_names="Ada")
    case = services.case_create(person=candidate, actor=candidate.user, employer=employer, title_code="18b")
    EmploymentFactory(case=case, annual_gross_salary=Decimal("58000"))
    assert login(member).get("/employer/representatives/").status_code == 403
    response = login(owner).post("/employer/representatives/", {
        "representative": str(agency.public_id), "scope": "act", "confirm": "on"})
    assert response.status_code == 302
    mandate = Mandate.objects.get()
    assert mandate.principal_organisation == employer and not mandate.receives_decisions
    with translation.override("en"):
        assert case.events.filter(kind="mandate").get().text == (
            "Move & Settle GmbH may now represent the employer Muster Software GmbH (“See the case and act in it "
            "(documents, answers, messages, submitting)”).")
    client = login(agent)
    page = client.get(detail(case)).content.decode()
    assert "Muster Software GmbH" in page and "OKAFOR" not in page  # no consent: no candidate data
    listing = client.get("/representative/").content.decode()
    assert case.reference in listing and "OKAFOR" not in listing
    assert client.post(detail(case) + "messages/", {"body": "Start date moves to May."}).status_code == 302
    message = Message.objects.get(case=case)
    assert message.employer_thread.organisation == employer
    # The applicant's documents are not the employer's to hand in.
    assert client.post(detail(case) + "documents/", {
        "file": SimpleUploadedFile("x.pdf", PDF, content_type="application/pdf"),
        "document_type": "other"}).status_code == 403
    assert not Document.objects.filter(case=case).exists()


def test_staff_see_the_mandate_on_the_case_file(applicant, person, agency, case):
    grant(applicant, person, agency, valid_until=timezone.localdate() + timedelta(days=30))
    wsa = OrganisationFactory(kind=OrganisationKind.WSA, name="WSA")
    staff = give_totp(verified_user("caseworker@wsa.example"))
    Membership.objects.create(user=staff, organisation=wsa, role=Role.CASEWORKER)
    page = login(staff).get(f"/backoffice/cases/{case.public_id}/").content.decode()
    assert "Represented by" in page and "Move &amp; Settle GmbH" in page and "valid until" in page


def test_representatives_need_a_second_factor(agency):
    user = verified_user("nofactor@move.example")
    Membership.objects.create(user=user, organisation=agency, role=Role.REPRESENTATIVE_MEMBER)
    response = login(user).get("/representative/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/2fa/")


def test_representative_lands_in_their_portal(agent):
    response = login(agent).get("/portal/")
    assert response["Location"] == "/representative/"


# --- a client without an account ---------------------------------------------------------------------


def test_client_invitation_end_to_end(agency, agent, django_capture_on_commit_callbacks):
    client = login(agent)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/representative/clients/new/", {
            "given_names": "Chen", "surname": "Wei", "email": "Chen.Wei@Example.org", "title_code": "18b",
            "procedure_language": "en", "scope": "act", "receives_decisions": "on"})
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [["chen.wei@example.org"]]
    link = re.search(r"https?://\S+/invitation/client/\S+/", mail.outbox[0].body).group(0)
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    from applications.models import Case

    case = Case.objects.get(person__surname="Wei")
    assert client.get(detail(case)).status_code == 404  # nothing before the client confirms

    assert Client().get(path).status_code == 200  # the sign-in page of the invitation
    chen = verified_user("chen.wei@example.org")
    wrong = verified_user("someone.else@example.org")
    assert login(wrong).post(path, {"confirm": "on"}).status_code == 403
    own = login(chen)
    page = own.get(path)
    assert page.status_code == 200 and "Move &amp; Settle GmbH" in page.content.decode()
    assert own.post(path, {}).status_code == 400  # the power of attorney must be confirmed
    assert not Mandate.objects.exists()
    response = own.post(path, {"confirm": "on"})
    assert response.status_code == 302 and response["Location"] == f"/applicant/cases/{case.public_id}/"
    mandate = Mandate.objects.get()
    assert mandate.principal_person.user == chen and list(mandate.cases.all()) == [case]
    assert mandate.scope == "act" and mandate.receives_decisions and mandate.confirmed_at is not None
    assert client.get(detail(case)).status_code == 200
    assert own.post(path, {"confirm": "on"}).status_code == 410  # single use


def start_client_case(client, email, capture):
    with capture(execute=True):
        client.post("/representative/clients/new/", {
            "given_names": "Chen", "surname": "Wei", "email": email, "title_code": "18b",
            "procedure_language": "en", "scope": "act", "receives_decisions": "on"})
    link = re.search(r"https?://\S+/invitation/client/\S+/", mail.outbox[-1].body).group(0)
    return "/" + link.split("://", 1)[1].split("/", 1)[1]


def test_an_invitation_sent_to_a_mistyped_address_is_withdrawn_with_its_draft(
        agency, agent, django_capture_on_commit_callbacks):
    from applications.mandates.models import ClientInvitation
    from applications.models import Case, Person

    client = login(agent)
    path = start_client_case(client, "chen.wie@example.org", django_capture_on_commit_callbacks)
    invitation = ClientInvitation.objects.get()
    case = invitation.case
    home = client.get("/representative/").content.decode()
    withdraw = f"/representative/clients/invitations/{invitation.public_id}/withdraw/"
    assert withdraw in home and "chen.wie@example.org" in home

    colleague = give_totp(verified_user("colleague@move.example"))
    Membership.objects.create(user=colleague, organisation=agency, role=Role.REPRESENTATIVE_MEMBER)
    response = login(colleague).post(withdraw, follow=True)  # any member of the agency may, as any may invite
    page = response.content.decode()
    assert (f"The invitation to chen.wie@example.org was withdrawn and the draft case {case.reference} deleted."
            in page)
    assert "chen.wie@example.org" not in page.split("</main>")[0].split("was withdrawn")[1]
    assert not Case.objects.filter(pk=case.pk).exists() and not ClientInvitation.objects.exists()
    assert not Person.objects.filter(surname="Wei").exists()  # the name typed for the draft goes with it

    # The mistaken recipient's link leads nowhere; a second withdrawal finds nothing.
    stranger = verified_user("chen.wie@example.org")
    refused = login(stranger).post(path, {"confirm": "on"})
    assert refused.status_code == 400 and "This invitation link is not valid." in refused.content.decode()
    assert not Mandate.objects.exists()
    assert client.post(withdraw).status_code == 404


def test_an_accepted_invitation_cannot_be_withdrawn_and_another_agency_finds_none(
        agency, agent, django_capture_on_commit_callbacks):
    from applications.mandates import services as mandate_services
    from applications.mandates.models import ClientInvitation
    from applications.models import Case

    client = login(agent)
    path = start_client_case(client, "chen.wei@example.org", django_capture_on_commit_callbacks)
    invitation = ClientInvitation.objects.get()
    withdraw = f"/representative/clients/invitations/{invitation.public_id}/withdraw/"

    other_owner = give_totp(verified_user("owner@other.example"))
    other = OrganisationFactory(kind=OrganisationKind.LAW_FIRM, name="Kanzlei Anders", city="Köln")
    Membership.objects.create(user=other_owner, organisation=other, role=Role.REPRESENTATIVE_OWNER)
    assert login(other_owner).post(withdraw).status_code == 404
    with pytest.raises(PermissionDenied):
        mandate_services.client_invitation_withdraw(invitation=invitation, actor=other_owner)

    assert login(verified_user("chen.wei@example.org")).post(path, {"confirm": "on"}).status_code == 302
    assert client.post(withdraw).status_code == 404  # no longer waiting: not listed, not withdrawn
    with pytest.raises(mandate_services.MandateError):  # and the service refuses it too (a parallel acceptance)
        mandate_services.client_invitation_withdraw(invitation=invitation, actor=agent)
    assert Case.objects.filter(pk=invitation.case_id).exists()


def test_an_expired_invitation_is_shown_and_sent_again_with_a_new_link(
        agency, agent, django_capture_on_commit_callbacks):
    from datetime import timedelta as days_apart

    from applications.mandates.models import ClientInvitation
    from applications.mandates.tokens import client_invitation_token

    client = login(agent)
    start_client_case(client, "chen.wei@example.org", django_capture_on_commit_callbacks)
    invitation = ClientInvitation.objects.get()
    send_again = f"/representative/clients/invitations/{invitation.public_id}/send-again/"
    # Sent a moment ago: not again within the hour (the address is not to be flooded).
    response = client.post(send_again, follow=True)
    assert "This invitation was sent less than an hour ago." in response.content.decode() and len(mail.outbox) == 1

    # Fifteen days later it has expired: the agency sees so, instead of the invitation vanishing.
    ClientInvitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - days_apart(days=1))
    invitation.refresh_from_db()
    old_path = f"/invitation/client/{client_invitation_token(invitation=invitation)}/"  # the link the client holds
    chen = login(verified_user("chen.wei@example.org"))
    assert chen.post(old_path, {"confirm": "on"}).status_code == 410  # expired
    with translation.override("en"):
        expired_on = formats.date_format(timezone.localtime(invitation.expires_at), "DATE_FORMAT")
    home = client.get("/representative/").content.decode()
    assert f"expired on {expired_on}" in home and send_again in home

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(send_again, follow=True)
    invitation.refresh_from_db()
    with translation.override("en"):
        until = formats.date_format(timezone.localtime(invitation.expires_at), "DATE_FORMAT")
    assert (f"A new invitation was sent to chen.wei@example.org; it is valid until {until} and the previous link "
            "no longer works." in response.content.decode())
    assert [m.to for m in mail.outbox] == [["chen.wei@example.org"]] * 2
    new_path = "/" + re.search(r"https?://\S+/invitation/client/\S+/", mail.outbox[-1].body).group(0).split(
        "://", 1)[1].split("/", 1)[1]
    assert new_path != old_path

    assert chen.post(old_path, {"confirm": "on"}).status_code == 400  # the old link no longer works
    assert chen.post(new_path, {"confirm": "on"}).status_code == 302
    assert Mandate.objects.get().principal_person.user.email == "chen.wei@example.org"
    assert client.post(send_again).status_code == 404  # accepted: nothing left to send


def test_unverified_representative_cannot_invite_clients(agent, agency):
    agency.verified_at = None
    agency.save()
    response = login(agent).post("/representative/clients/new/", {
        "surname": "Wei", "email": "chen@example.org", "procedure_language": "de", "scope": "act"})
    assert response.status_code == 400 and not mail.outbox


def test_representative_registers_and_waits_for_verification(applicant):
    client = login(give_totp(applicant))
    response = client.post("/representative/register/", {
        "kind": "law_firm", "name": "Kanzlei Recht", "street": "Unter den Linden 1", "postal_code": "10117",
        "city": "Berlin", "contact_email": "info@kanzlei.example"})
    assert response.status_code == 302
    membership = Membership.objects.get(user=applicant, organisation__name="Kanzlei Recht")
    assert membership.role == Role.REPRESENTATIVE_OWNER and membership.organisation.verified_at is None
    with translation.override("en"):
        assert "Your organisation is being verified" in client.get("/representative/").content.decode()


def test_demo_relocation_agent_follows_the_demo_applicant():
    from django.core.management import call_command

    from applications.models import Case

    call_command("seed_demo", quiet=True)
    agent = Membership.objects.get(user__email="relocation.agent@demo.wsa.example").user
    page = login(agent).get("/representative/").content.decode()
    for case in Case.objects.filter(person__user__email="applicant@demo.wsa.example"):
        assert case.reference in page


def test_a_deleted_account_represents_nobody(applicant, person, agency, agent, case):
    mandate = grant(applicant, person, agency)
    walk(case, "submit", "withdraw")  # a withdrawn case is kept for a while after the account is deleted
    services.account_delete(user=applicant)
    mandate.refresh_from_db()
    assert mandate.revoked_at is not None
    assert login(agent).get(detail(case)).status_code == 404


def test_the_agency_is_told_what_the_client_still_enters_and_what_it_can_upload_itself(
        applicant, person, agency, agent, case):
    """"Enter your date of birth" on the agency's page spoke to the client, and the agency has no form for it."""
    type(person).objects.filter(pk=person.pk).update(birth_date=None)
    grant(applicant, person, agency, cases=[case])
    page = login(agent).get(detail(case), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    section = page.split('id="submit-heading"', 1)[1].split("</section>", 1)[0]
    assert "Personal data: the client completes it in their own application." in section
    assert "Enter your" not in section
    assert "Upload: " in section  # the documents the agency can upload here, one by one
    new_client_form = login(agent).get("/representative/clients/new/", HTTP_ACCEPT_LANGUAGE="en")
    assert new_client_form.status_code == 200
    form = new_client_form.content.decode()
    assert "Act for the client" in form and "Act for me" not in form


def test_the_invited_client_declines_and_the_draft_goes_and_the_agency_is_told(
        agency, agent, django_capture_on_commit_callbacks):
    """The invitation offered only "Accept": a client who did not want the agency could not say so, and the draft
    with their name stayed with the agency until it expired."""
    from applications.mandates.models import ClientInvitation
    from applications.models import Case, Person

    client = login(agent)
    path = start_client_case(client, "chen.wei@example.org", django_capture_on_commit_callbacks)
    case = ClientInvitation.objects.get().case
    chen = verified_user("chen.wei@example.org")
    assert login(verified_user("someone.else@example.org")).post(path, {"action": "decline"}).status_code == 403
    assert Case.objects.filter(pk=case.pk).exists()
    own = login(chen)
    page = own.get(path, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Decline the invitation" in page and 'value="decline"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = own.post(path, {"action": "decline"}, HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert "You declined. Move &amp; Settle GmbH does not represent you" in response.content.decode()
    assert not Case.objects.filter(pk=case.pk).exists() and not ClientInvitation.objects.exists()
    assert not Person.objects.filter(surname="Wei").exists() and not Mandate.objects.exists()
    told = mail.outbox[-1]
    assert told.to == [agent.email] and case.reference in told.subject
    assert "chen.wei@example.org declined the invitation of Move & Settle GmbH" in told.body
    assert own.post(path, {"action": "decline"}).status_code in (400, 404, 410)  # the link leads nowhere now


def _timeline_times(page: str) -> list[str]:
    section = page[page.index('id="timeline-heading"'):]
    section = section[:section.index("</section>")]
    return re.findall(r'<time datetime="([^"]+)"', section)


def test_the_representative_reads_the_case_timeline_newest_first_as_the_applicant_does(
        applicant, person, agency, agent, case):
    grant(applicant, person, agency, cases=[case])
    client = login(agent)
    client.post(detail(case) + "messages/", {"body": "The employment contract follows tomorrow."})
    times = _timeline_times(client.get(detail(case)).content.decode())
    assert len(times) >= 2 and times == sorted(times, reverse=True)
    own = _timeline_times(login(applicant).get(f"/applicant/cases/{case.public_id}/").content.decode())
    assert own == times
