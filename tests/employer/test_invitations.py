"""The candidate's invitation link: the happy path, and every way of misusing it."""

import logging
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts import invitation_links
from accounts import services as account_services
from accounts.models import CandidateInvitation, CaseConsent
from applications.models import Case, Person
from tests.factories import PersonFactory

from .conftest import verified_user


def link(invitation):
    return reverse("invitation:candidate", args=[invitation_links.invitation_token(invitation=invitation,
                                                                                   kind="candidate")])


@pytest.mark.django_db
def test_start_case_creates_person_case_employment_and_sends_invitation(client, owner, organisation,
                                                                          django_capture_on_commit_callbacks):
    from .conftest import employment_data

    client.force_login(owner)
    data = {**{k: ("" if v is None else v) for k, v in employment_data().items()}, "collective_agreement": "",
            "given_names": "Priya", "surname": "Sharma", "email": "Priya.Sharma@example.org",
            "required_qualification": "academic", "title_code": "18g", "procedure_language": "en",
            "employer_reference": "REQ-7"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("employer:case_new"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    case = Case.objects.get(employer=organisation)
    assert case.state == "draft" and case.person.user is None and case.person.surname == "Sharma"
    assert case.employment.job_title == "Software Developer"
    assert case.employer_details.employer_reference == "REQ-7"
    invitation = CandidateInvitation.objects.get(case=case)
    assert invitation.email == "priya.sharma@example.org"
    # Exactly one e-mail: the invitation, not a timeline notice to an unconfirmed address.
    assert [m.to for m in mail.outbox] == [["priya.sharma@example.org"]]
    assert "/invitation/case/" in mail.outbox[0].body


@pytest.mark.django_db
def test_candidate_accepts_links_person_and_records_consent(client, start_case, candidate_user):
    case, invitation = start_case()
    client.force_login(candidate_user)
    page = client.get(link(invitation))
    assert page.status_code == 200
    assert "Software Developer" in page.content.decode() and "58.000,00 €" in page.content.decode()
    response = client.post(link(invitation), {"action": "accept", "scope": "full"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.person.user == candidate_user and case.person.email == candidate_user.email
    consent = CaseConsent.objects.get(case=case, revoked_at__isnull=True)
    assert consent.scope == "full" and consent.organisation == case.employer
    assert client.get(reverse("applicant:case_detail", args=[case.public_id])).status_code == 200


@pytest.mark.django_db
def test_candidate_with_existing_profile_gets_the_case_attached(client, start_case, candidate_user):
    existing = PersonFactory(user=candidate_user, surname="SHARMA", given_names="PRIYA")
    case, invitation = start_case()
    placeholder_id = case.person_id
    client.force_login(candidate_user)
    client.post(link(invitation), {"action": "accept", "scope": "status"})
    case.refresh_from_db()
    assert case.person_id == existing.pk
    assert not Person.objects.filter(pk=placeholder_id).exists()


@pytest.mark.django_db
def test_anonymous_visitor_is_asked_to_sign_in_with_the_invited_address(client, start_case):
    _case, invitation = start_case()
    response = client.get(link(invitation))
    assert response.status_code == 200
    assert invitation.email in response.content.decode()
    assert reverse("account_login") in response.content.decode()


@pytest.mark.django_db
def test_expired_invitation_is_refused(client, start_case, candidate_user):
    case, invitation = start_case()
    token_url = link(invitation)
    CandidateInvitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    # The token names the expiry it was made with; shortening the row's expiry makes it invalid,
    # and an invitation past its expiry is refused either way.
    invitation.refresh_from_db()
    client.force_login(candidate_user)
    for url in (token_url, link(invitation)):
        response = client.post(url, {"action": "accept", "scope": "full"})
        assert response.status_code in (400, 410)
    case.refresh_from_db()
    assert case.person.user is None
    assert client.post(link(invitation), {"action": "accept", "scope": "full"}).status_code == 410


@pytest.mark.django_db
def test_invitation_is_single_use(client, start_case, candidate_user):
    case, invitation = start_case()
    client.force_login(candidate_user)
    assert client.post(link(invitation), {"action": "accept", "scope": "status"}).status_code == 302
    again = client.post(link(invitation), {"action": "accept", "scope": "full"})
    assert again.status_code == 410
    assert CaseConsent.objects.get(case=case, revoked_at__isnull=True).scope == "status"
    # Another account with the same address cannot take it over either.
    other = verified_user(email="other@example.org")
    client.force_login(other)
    assert client.post(link(invitation), {"action": "accept", "scope": "full"}).status_code in (403, 410)


@pytest.mark.django_db
def test_invitation_for_another_email_is_refused(client, start_case):
    case, invitation = start_case()
    intruder = verified_user(email="intruder@example.org")
    client.force_login(intruder)
    assert client.get(link(invitation)).status_code == 403
    assert client.post(link(invitation), {"action": "accept", "scope": "full"}).status_code == 403
    case.refresh_from_db()
    assert case.person.user is None


@pytest.mark.django_db
def test_unconfirmed_address_is_refused(client, start_case):
    from tests.factories import UserFactory

    _case, invitation = start_case()
    unconfirmed = UserFactory(email="priya.sharma@example.org")  # no confirmed EmailAddress
    client.force_login(unconfirmed)
    assert client.post(link(invitation), {"action": "accept", "scope": "full"}).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("mangle", [
    lambda t: t[:-2] + ("aa" if not t.endswith("aa") else "bb"),   # signature changed
    lambda t: "x" + t,                                           # payload changed
    lambda t: "not-a-token",
    lambda t: "",
])
def test_tampered_token_is_refused(client, start_case, candidate_user, mangle):
    _case, invitation = start_case()
    token = invitation_links.invitation_token(invitation=invitation, kind="candidate")
    client.force_login(candidate_user)
    bad = mangle(token)
    url = reverse("invitation:candidate", args=[bad]) if bad else "/invitation/case/%20/"
    assert client.post(url, {"action": "accept", "scope": "full"}).status_code == 400


@pytest.mark.django_db
def test_member_token_is_no_candidate_token(client, start_case, candidate_user):
    """Tokens are signed with a salt per kind: one kind cannot be replayed as the other."""
    _case, invitation = start_case()
    token = invitation_links.invitation_token(invitation=invitation, kind="candidate")
    client.force_login(candidate_user)
    assert client.post(reverse("invitation:member", args=[token])).status_code == 400


@pytest.mark.django_db
def test_a_mistyped_candidate_address_is_corrected_with_the_new_invitation(client, owner, start_case, candidate_user,
                                                                          django_capture_on_commit_callbacks):
    case, first = start_case(email="priya.sharma@exmaple.org")
    client.force_login(owner)
    page = client.get(reverse("employer:case_detail", args=[case.public_id]), HTTP_ACCEPT_LANGUAGE="en")
    assert 'value="priya.sharma@exmaple.org"' in page.content.decode()  # the typo can be seen

    response = client.post(reverse("employer:case_invite_again", args=[case.public_id]),
                           {"invite-email": "priya.sharma@"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and "Enter a valid email address." in response.content.decode()
    assert CandidateInvitation.objects.filter(case=case).count() == 1

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("employer:case_invite_again", args=[case.public_id]),
                               {"invite-email": " Priya.Sharma@Example.org "}, HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert ("A new invitation was sent to priya.sharma@example.org; the previous link no longer works."
            in response.content.decode())
    assert [m.to for m in mail.outbox] == [["priya.sharma@example.org"]]
    second = CandidateInvitation.objects.filter(case=case).order_by("-created_at", "-pk").first()
    client.force_login(candidate_user)
    assert client.post(link(first), {"action": "accept", "scope": "full"}).status_code == 410
    assert client.post(link(second), {"action": "accept", "scope": "full"}).status_code == 302


@pytest.mark.django_db
def test_resending_revokes_the_previous_link(client, owner, start_case, candidate_user):
    case, first = start_case()
    client.force_login(owner)
    assert client.post(reverse("employer:case_invite_again", args=[case.public_id])).status_code == 302
    second = CandidateInvitation.objects.filter(case=case).order_by("-created_at", "-pk").first()
    assert second.pk != first.pk
    client.force_login(candidate_user)
    assert client.post(link(first), {"action": "accept", "scope": "full"}).status_code == 410
    assert client.post(link(second), {"action": "accept", "scope": "full"}).status_code == 302


@pytest.mark.django_db
def test_candidate_declines_and_the_draft_is_withdrawn(client, start_case, candidate_user):
    case, invitation = start_case()
    client.force_login(candidate_user)
    assert client.post(link(invitation), {"action": "decline"}).status_code == 302
    case.refresh_from_db()
    assert case.state == "withdrawn" and case.person.user is None


@pytest.mark.django_db
def test_invitation_links_use_the_configured_address_or_the_one_the_portal_is_reached_at(
        client, owner, settings, django_capture_on_commit_callbacks):
    """A link in an e-mail must open the portal that sent it: SITE_URL when configured; in development the
    address of the request, whatever host or port serves the portal."""
    client.force_login(owner)
    settings.SITE_URL = ""
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("employer:member_invite"), {"email": "dev@example.org", "role": "employer_member"},
                    HTTP_HOST="localhost:9000")
    assert "http://localhost:9000/invitation/" in mail.outbox[-1].body
    settings.SITE_URL = "https://wsa.example"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("employer:member_invite"), {"email": "prod@example.org", "role": "employer_member"},
                    HTTP_HOST="localhost:9000")
    assert "https://wsa.example/invitation/" in mail.outbox[-1].body


@pytest.mark.django_db
def test_an_invitation_made_while_the_broker_is_down_is_stored_and_no_error(
        owner, organisation, dead_broker, django_capture_on_commit_callbacks, caplog):
    with django_capture_on_commit_callbacks() as callbacks:
        invitation = account_services.member_invitation_create(organisation=organisation, actor=owner,
                                                               email="colleague@example.org")
    assert len(callbacks) == 1
    with caplog.at_level(logging.WARNING, logger="wsa.queueing"):
        for callback in callbacks:
            callback()  # would raise kombu.OperationalError if not caught
    assert caplog.text.count("Could not enqueue accounts.tasks.invitation_send") == 1
    assert "colleague@example.org" not in caplog.text
    invitation.refresh_from_db()
    assert invitation.is_pending


@pytest.mark.django_db
def test_the_invitation_survives_sign_up_and_confirmation(client, start_case):
    """A candidate without an account follows the e-mail's link, creates an account from the
    invitation page and confirms the address: the e-mail's link brings them back to the invitation,
    signed in, to accept it — not to an empty portal."""
    import re

    case, invitation = start_case()
    target = link(invitation)
    page = client.get(target).content.decode()
    signup = re.search(r'href="(/accounts/signup/\?next=[^"]+)"', page).group(1).replace("&amp;", "&")
    mail.outbox.clear()
    client.post(signup, {"email": "priya.sharma@example.org", "password1": "a-long-pass-42xy",
                         "password2": "a-long-pass-42xy"})
    confirmation = re.search(r"https?://\S+/accounts/confirm-email/\S+", mail.outbox[-1].body).group(0)
    response = client.post("/" + confirmation.split("://", 1)[1].split("/", 1)[1])
    assert response.status_code == 302 and response.url == target
    accepted = client.post(target, {"action": "accept", "scope": "full"})
    assert accepted.status_code == 302
    case.refresh_from_db()
    assert case.person.user is not None and case.person.user.email == "priya.sharma@example.org"
