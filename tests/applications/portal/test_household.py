"""Families: a household of three (main applicant § 18b, spouse § 30, child § 32) applies together,
follows one tracker, shares documents, and each member's data stays with those who may see it."""

from datetime import date

import pytest
from django.core import mail
from django.http import Http404
from django.urls import reverse
from django.utils import timezone, translation

from applications import household as household_services
from applications import services
from applications.lifecycle import CaseState
from applications.models import Case, HouseholdMember, Relationship
from applications.selectors import household as household_selectors
from applications.selectors.case_file import case_documents
from applications.services import BackofficeError
from documents.models import Document, DocumentType
from documents.selectors import document_get
from tests.auth import force_login_with_second_factor
from tests.factories import PersonFactory, UserFactory, wsa_caseworker
from tests.procedure import walk

from .helpers import pdf_upload, upload_for

pytestmark = pytest.mark.django_db

TO_DECISION = ("start_completeness_check", "start_authority_review", "refer_to_visa_decision")


def _years_ago(years: int, days: int = 0) -> date:
    today = timezone.localdate()
    return date(today.year - years, today.month, min(today.day, 28)) - timezone.timedelta(days=days)


def _passport():
    return {"passport_number": "X1234567", "passport_expiry": date(timezone.localdate().year + 5, 1, 1)}


@pytest.fixture
def family(fake_checks):
    head_user = UserFactory(email="head@family.example")
    head = PersonFactory(user=head_user, surname="SHARMA", given_names="ASHA")
    main = services.case_create(person=head, actor=head_user, title_code="18b")
    spouse = household_services.household_member_add(
        actor=head_user, relationship=Relationship.SPOUSE, surname="SHARMA", given_names="RAVI",
        birth_date=_years_ago(34), nationality="IND", **_passport())
    child = household_services.household_member_add(
        actor=head_user, relationship=Relationship.CHILD, surname="SHARMA", given_names="MIRA",
        birth_date=_years_ago(7), nationality="IND", **_passport())
    spouse_case = household_services.family_case_start(actor=head_user, member=spouse, main_case=main)
    child_case = household_services.family_case_start(actor=head_user, member=child, main_case=main)
    return {"head_user": head_user, "head": head, "main": main, "spouse": spouse, "child": child,
            "spouse_case": spouse_case, "child_case": child_case}


def _share(family, document_type, cases):
    return household_services.family_document_share(
        actor=family["head_user"], file=pdf_upload(f"{document_type}.pdf"), document_type=document_type, cases=cases)


def _complete_ties(family, *, with_main=True):
    main = [family["main"]] if with_main else []
    _share(family, DocumentType.MARRIAGE_CERTIFICATE, [*main, family["spouse_case"]])
    _share(family, DocumentType.BIRTH_CERTIFICATE, [*main, family["child_case"]])


def test_member_verdicts_come_from_the_rules_with_their_sources(family):
    spouse = household_selectors.member_verdict(member=family["spouse"], main_case=family["main"])
    child = household_selectors.member_verdict(member=family["child"], main_case=family["main"])
    # The main applicant has only applied: a family member joins someone who holds a title (§ 29 Abs. 1
    # Nr. 1 AufenthG), so the verdict waits for it instead of calling the condition met.
    assert spouse.code == "30" and spouse.verdict == "eligible_if"
    assert child.code == "32" and child.verdict == "eligible_if"
    sponsor = next(reason for reason in spouse.reasons if reason.code == "sponsor_title")
    assert not sponsor.met and sponsor.source == "§ 29 Abs. 1 Nr. 1 AufenthG"
    with translation.override("en"):
        assert str(sponsor.message) == (
            "The main applicant does not hold their title yet (Skilled worker with academic training, § 18b Abs. 1 "
            "AufenthG); a family member's title can be granted once theirs is.")
    assert any(reason.code == "minor_unmarried" and reason.met for reason in child.reasons)

    Case.objects.filter(pk=family["main"].pk).update(state=CaseState.VISA_GRANTED)  # a visa is a title (§ 4 AufenthG)
    family["main"].refresh_from_db()
    spouse = household_selectors.member_verdict(member=family["spouse"], main_case=family["main"])
    child = household_selectors.member_verdict(member=family["child"], main_case=family["main"])
    assert spouse.verdict == "eligible" and child.verdict == "eligible"
    sponsor = next(reason for reason in spouse.reasons if reason.code == "sponsor_title")
    with translation.override("en"):
        assert sponsor.met and str(sponsor.message) == ("The family member in Germany holds the title Skilled worker "
                                                        "with academic training (§ 18b Abs. 1 AufenthG).")


def test_an_adult_cannot_be_added_as_a_child(family):
    with translation.override("en"), pytest.raises(household_services.HouseholdError, match="under 18"):
        household_services.household_member_add(
            actor=family["head_user"], relationship=Relationship.CHILD, surname="SHARMA", given_names="OLD",
            birth_date=_years_ago(18, days=1), nationality="IND")


def test_the_page_refuses_an_adult_child_and_a_second_spouse(client, family):
    client.force_login(family["head_user"])
    with translation.override("en"):
        response = client.post(reverse("applicant:household_member_add"), {
            "relationship": "child", "surname": "SHARMA", "given_names": "OLD",
            "birth_date": _years_ago(20).isoformat(), "nationality": "IND"}, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 400 and "under 18" in response.content.decode()
        response = client.post(reverse("applicant:household_member_add"), {
            "relationship": "spouse", "surname": "OTHER", "birth_date": _years_ago(30).isoformat(),
            "nationality": "IND"}, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 400 and "already has a spouse" in response.content.decode()
    assert HouseholdMember.objects.count() == 2


def test_the_household_applies_together_and_a_childs_refusal_never_blocks_the_main_case(family):
    main, spouse_case, child_case = family["main"], family["spouse_case"], family["child_case"]
    # Without the marriage and birth certificates the family drafts stay behind.
    services.case_submit(case=main, actor=family["head_user"])
    spouse_case.refresh_from_db()
    assert spouse_case.state == CaseState.DRAFT
    # The main case is submitted: the certificates go to the family cases only.
    _complete_ties(family, with_main=False)
    submitted, incomplete = household_services.family_cases_submit(actor=family["head_user"], main_case=main)
    assert {c.pk for c in submitted} == {spouse_case.pk, child_case.pk} and incomplete == []

    staff = wsa_caseworker()
    for case in (main, spouse_case, child_case):
        walk(case, *TO_DECISION, actor=staff)
    # The child is refused; the main case goes on to its permit.
    walk(child_case, "reject", actor=staff)
    # The spouse's visa waits for the main applicant's (§ 29 Abs. 1 Nr. 1 AufenthG).
    with pytest.raises(BackofficeError):
        walk(spouse_case, "grant_visa", actor=staff)
    walk(main, "grant_visa", "report_entry", "issue_permit", actor=staff)
    walk(spouse_case, "grant_visa", actor=staff)
    for case in (main, spouse_case, child_case):
        case.refresh_from_db()
    assert (main.state, spouse_case.state, child_case.state) == (
        CaseState.PERMIT_ISSUED, CaseState.VISA_GRANTED, CaseState.REJECTED)


def test_submitting_the_main_case_takes_the_complete_family_drafts_along(family):
    _complete_ties(family)
    services.case_submit(case=family["main"], actor=family["head_user"])
    states = set(Case.objects.filter(joins=family["main"]).values_list("state", flat=True))
    assert states == {CaseState.SUBMITTED}


def test_the_main_cases_refusal_shows_on_the_family_cases(client, family):
    _complete_ties(family)
    services.case_submit(case=family["main"], actor=family["head_user"])
    staff = wsa_caseworker()
    walk(family["main"], *TO_DECISION, "reject", actor=staff)
    client.force_login(family["head_user"])
    with translation.override("en"):
        page = client.get(reverse("applicant:household_case", args=[family["spouse_case"].public_id]),
                          HTTP_ACCEPT_LANGUAGE="en")
        home = client.get(reverse("applicant:home"), HTTP_ACCEPT_LANGUAGE="en")
    assert "main application was refused" in page.content.decode()
    assert family["child_case"].reference in home.content.decode()
    with pytest.raises(household_services.HouseholdError):
        household_services.family_cases_submit(actor=family["head_user"], main_case=family["main"])


def test_other_applicants_get_404_for_the_household(client, family):
    stranger = UserFactory()
    client.force_login(stranger)
    for url in [
        reverse("applicant:household_case", args=[family["spouse_case"].public_id]),
        reverse("applicant:case_detail", args=[family["spouse_case"].public_id]),
    ]:
        assert client.get(url).status_code == 404
    response = client.post(reverse("applicant:household_case_start", args=[family["spouse"].public_id]),
                           {"main_case": str(family["main"].public_id)})
    assert response.status_code == 404
    assert client.post(reverse("applicant:household_submit", args=[family["main"].public_id])).status_code == 404


def test_a_spouse_with_an_own_login_is_hidden_until_they_consent(client, django_capture_on_commit_callbacks,
                                                                 family):
    with django_capture_on_commit_callbacks(execute=True):
        household_services.member_invitation_create(actor=family["head_user"], member=family["spouse"],
                                                    email="ravi@family.example")
    token = mail.outbox[-1].body.rsplit("/household/join/", 1)[1].split("/")[0]
    spouse_user = UserFactory(email="ravi@family.example")
    client.force_login(spouse_user)
    assert client.post(reverse("applicant:household_join", args=[token])).status_code == 302
    family["spouse"].person.refresh_from_db()
    assert family["spouse"].person.user == spouse_user
    spouse_url = reverse("applicant:household_case", args=[family["spouse_case"].public_id])
    child_url = reverse("applicant:household_case", args=[family["child_case"].public_id])
    # The spouse sees their own case as their own, and the child's as a parent.
    assert client.get(reverse("applicant:case_detail", args=[family["spouse_case"].public_id])).status_code == 200
    assert client.get(child_url).status_code == 200
    # The head no longer sees the spouse's case; the child's still.
    head = client.__class__()
    head.force_login(family["head_user"])
    assert head.get(spouse_url).status_code == 404
    assert head.get(child_url).status_code == 200
    # The spouse consents from their own portal: the head sees it again; withdrawn: hidden again.
    client.post(reverse("applicant:household_consent"), {"allowed": "yes"})
    assert head.get(spouse_url).status_code == 200
    client.post(reverse("applicant:household_consent"), {"allowed": "no"})
    assert head.get(spouse_url).status_code == 404
    # A used link does not work twice.
    with pytest.raises(household_services.HouseholdError):
        household_services.member_invitation_accept(token=token, user=spouse_user)


def test_an_invitation_is_bound_to_its_address(family, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        household_services.member_invitation_create(actor=family["head_user"], member=family["spouse"],
                                                    email="ravi@family.example")
    token = mail.outbox[-1].body.rsplit("/household/join/", 1)[1].split("/")[0]
    with pytest.raises(household_services.HouseholdError):
        household_services.member_invitation_accept(token=token, user=UserFactory(email="eve@example.org"))
    with pytest.raises(household_services.HouseholdError):
        household_services.member_invitation_accept(token=token + "x", user=UserFactory(email="ravi@family.example"))
    with pytest.raises(household_services.HouseholdError):
        household_services.member_invitation_create(actor=family["head_user"], member=family["child"],
                                                    email="mira@family.example")


def test_a_shared_document_is_in_both_cases_and_nothing_else_crosses(family):
    marriage = _share(family, DocumentType.MARRIAGE_CERTIFICATE, [family["main"], family["spouse_case"]])
    contract = upload_for(family["head"], case=family["main"], name="contract.pdf",
                          document_type=DocumentType.EMPLOYMENT_CONTRACT)
    staff = wsa_caseworker()
    in_main = set(case_documents(viewer=staff, case=family["main"]))
    in_spouse = set(case_documents(viewer=staff, case=family["spouse_case"]))
    in_child = set(case_documents(viewer=staff, case=family["child_case"]))
    assert marriage in in_main and marriage in in_spouse
    assert contract in in_main and contract not in in_spouse
    assert in_child == set()
    assert document_get(viewer=staff, public_id=marriage.public_id) == marriage
    # Applicants outside the household do not reach it.
    with pytest.raises(Http404):
        document_get(viewer=UserFactory(), public_id=marriage.public_id)
    assert set(household_selectors.case_documents_linked(case=family["spouse_case"])) == {marriage}


def test_the_back_office_case_file_shows_the_family(client, family):
    staff = wsa_caseworker()
    force_login_with_second_factor(client, staff)
    response = client.get(reverse("backoffice:case_detail", args=[family["spouse_case"].public_id]))
    body = response.content.decode()
    assert response.status_code == 200
    assert family["main"].reference in body and family["child_case"].reference in body


def test_the_household_page_shows_members_cases_and_verdicts(client, family):
    client.force_login(family["head_user"])
    with translation.override("en"):
        response = client.get(reverse("applicant:household"))
    body = response.content.decode()
    assert response.status_code == 200
    assert family["spouse_case"].reference in body and "§ 30" in body and "§ 32" in body
    assert Document.objects.count() == 0


def test_the_family_submit_button_is_offered_only_while_a_family_draft_waits(client, family):
    """Once every family application went with the main one, the button would only reload the page."""
    button = "Submit the family's complete applications joining"
    client.force_login(family["head_user"])
    services.case_submit(case=family["main"], actor=family["head_user"])  # the drafts lack their ties: they stay
    page = client.get(reverse("applicant:household"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert button in page

    _complete_ties(family, with_main=False)
    response = client.post(reverse("applicant:household_submit", args=[family["main"].public_id]),
                           HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert "Submitted: " in response.content.decode()
    assert button not in response.content.decode()

    response = client.post(reverse("applicant:household_submit", args=[family["main"].public_id]),
                           HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert "No family member&#x27;s application is waiting to be submitted." in response.content.decode()


def test_the_choice_of_the_application_to_join_looks_like_a_choice(client, family):
    """KERN draws the select's frame and arrow from its wrapper, as every form field of the portal has it."""
    family["spouse_case"].delete()
    client.force_login(family["head_user"])
    page = client.get(reverse("applicant:household"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    select = page.index(f'id="main-{family["spouse"].public_id}"')
    assert page.rfind('<div class="kern-form-input__select-wrapper">', 0, select) > page.rfind("<label", 0, select)


def test_a_family_members_case_page_says_why_a_document_needs_attention(client, family):
    from documents.models import Finding

    document = _share(family, DocumentType.BIRTH_CERTIFICATE, [family["child_case"]])
    Document.objects.filter(pk=document.pk).update(state=Document.State.NEEDS_ATTENTION)
    Finding.objects.create(document=document, code="name_mismatch", severity="warning", field="surname",
                           expected="SHARMA", found="SHARNA")
    client.force_login(family["head_user"])
    page = client.get(reverse("applicant:household_case", args=[family["child_case"].public_id]),
                      HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Needs your attention" in page
    assert 'class="wsa-finding wsa-finding--warning"' in page and "SHARNA" in page
