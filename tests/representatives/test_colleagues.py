"""A representative organisation's colleagues: inviting, withdrawing an invitation sent to the wrong
address before anyone accepts it, removing access (the same code as the employer portal's)."""

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import formats, timezone, translation

from accounts import invitation_links
from accounts import services as account_services
from accounts.models import MemberInvitation, Membership, Role
from tests.auth import give_totp
from tests.factories import OrganisationFactory

from .conftest import login, verified_user

pytestmark = pytest.mark.django_db

PAGE = "/representative/organisation/"


def invite(client, email="colleague@move.example", role=Role.REPRESENTATIVE_MEMBER):
    return client.post(reverse("representative:member_invite"), {"email": email, "role": role})


def test_an_owner_invites_and_is_told_until_when_the_invitation_is_valid(agent, django_capture_on_commit_callbacks):
    client = login(agent)
    assert "It works once, only for this e-mail address, and expires after seven days." in client.get(
        PAGE, HTTP_ACCEPT_LANGUAGE="en").content.decode()  # said before sending, as on the employer's page
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(client)
    assert response.status_code == 302 and response.url == PAGE
    invitation = MemberInvitation.objects.get(email="colleague@move.example")
    with translation.override("en"):
        until = formats.date_format(timezone.localtime(invitation.expires_at), "DATE_FORMAT")
    page = client.get(PAGE).content.decode()
    assert f"The invitation was sent to colleague@move.example. It is valid until {until}." in page
    assert "colleague@move.example" in page and f"valid until {until}" in page
    assert [m.to for m in mail.outbox] == [["colleague@move.example"]]


def test_an_owner_withdraws_an_invitation_sent_to_the_wrong_address_and_it_can_no_longer_be_accepted(agent, agency):
    client = login(agent)
    invite(client, email="wrong.person@elsewhere.example")
    invitation = MemberInvitation.objects.get(email="wrong.person@elsewhere.example")
    token = invitation_links.invitation_token(invitation=invitation, kind="member")
    page = client.get(PAGE).content.decode()
    assert reverse("representative:member_invitation_revoke", args=[invitation.public_id]) in page

    response = client.post(reverse("representative:member_invitation_revoke", args=[invitation.public_id]), follow=True)
    assert "The invitation was withdrawn." in response.content.decode()
    assert "wrong.person@elsewhere.example" not in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    stranger = verified_user("wrong.person@elsewhere.example")
    with pytest.raises(account_services.InvitationError):
        account_services.member_invitation_accept(token=token, user=stranger)
    assert not Membership.objects.filter(user=stranger, organisation=agency).exists()


def test_a_member_cannot_withdraw_and_another_organisations_invitation_is_not_found(agent, agency):
    invite(login(agent))
    invitation = MemberInvitation.objects.get(email="colleague@move.example")
    url = reverse("representative:member_invitation_revoke", args=[invitation.public_id])

    member = give_totp(verified_user("member@move.example"))
    Membership.objects.create(user=member, organisation=agency, role=Role.REPRESENTATIVE_MEMBER)
    assert login(member).post(url).status_code == 403
    assert "Withdraw" not in login(member).get(PAGE).content.decode()

    other_owner = verified_user("owner@other-agency.example")
    other = OrganisationFactory(kind=agency.kind, name="Other Relocation GmbH", city="Hamburg")
    Membership.objects.create(user=other_owner, organisation=other, role=Role.REPRESENTATIVE_OWNER)
    assert login(give_totp(other_owner)).post(url).status_code == 404
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_removing_a_colleague_and_the_last_owner_is_kept(agent, agency):
    colleague = verified_user("colleague@move.example")
    Membership.objects.create(user=colleague, organisation=agency, role=Role.REPRESENTATIVE_MEMBER)
    client = login(agent)
    response = client.post(reverse("representative:member_remove", args=[colleague.public_id]), follow=True)
    assert "colleague@move.example no longer has access to the organisation." in response.content.decode()
    assert not Membership.objects.filter(user=colleague, organisation=agency).exists()

    response = client.post(reverse("representative:member_remove", args=[agent.public_id]), follow=True)
    assert response.redirect_chain[-1][0] == PAGE
    assert "The last owner cannot be removed." in response.content.decode()
    assert Membership.objects.filter(user=agent, organisation=agency, role=Role.REPRESENTATIVE_OWNER).exists()


def test_the_organisation_page_has_no_lone_comma_and_no_button_to_remove_oneself(agent, agency):
    """No address on record read "Address: ,"; the only owner was offered to remove their own access."""
    type(agency).objects.filter(pk=agency.pk).update(street="", postal_code="", city="", contact_email="")
    page = login(agent).get(PAGE, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    address = page.split("Address</dt>", 1)[1].split("</dd>", 1)[0]
    assert "," not in address and "—" in address
    assert reverse("representative:member_remove", args=[agent.public_id]) not in page
