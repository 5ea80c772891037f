"""Organisation registration, colleagues (invite, accept, remove) and the owner/member rules."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import formats, timezone, translation

from accounts import services as account_services
from accounts.models import ApiScope, MemberInvitation, Membership, Organisation, OrganisationKind, Role
from applications.employer import services as employer_services
from tests.auth import give_totp

from .conftest import verified_user

VALID = {
    "name": "Neue Firma GmbH", "legal_form": "GmbH",
    "commercial_register_number": "Amtsgericht Berlin-Charlottenburg HRB 123456 B",
    "ba_company_number": "8765 4321", "street": "Hauptstraße 5", "postal_code": "10115", "city": "Berlin",
    "contact_email": "hr@neue-firma.example", "contact_phone": "+49 30 1234567",
}


@pytest.mark.django_db
def test_signed_in_user_registers_organisation_and_becomes_owner(client):
    user = verified_user()
    client.force_login(user)
    response = client.post(reverse("employer:register"), VALID)
    assert response.status_code == 302 and response.url == reverse("employer:home")
    organisation = Organisation.objects.get(name="Neue Firma GmbH")
    assert organisation.kind == OrganisationKind.EMPLOYER
    assert organisation.ba_company_number == "87654321"
    assert Membership.objects.filter(user=user, organisation=organisation, role=Role.EMPLOYER_OWNER).exists()
    # An owner needs a second factor before the employer portal opens.
    assert client.get(reverse("employer:home")).url == reverse("mfa_activate_totp")
    give_totp(user)
    assert client.get(reverse("employer:home")).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("field,value,message", [
    ("ba_company_number", "1234567", "exactly 8 digits"),
    ("ba_company_number", "1234567A", "exactly 8 digits"),
    ("ba_company_number", "123456789", "exactly 8 digits"),
    ("commercial_register_number", "", "required for this legal form"),
    ("commercial_register_number", "Amtsgericht Berlin HRA 1234", "register section HRB"),
    ("postal_code", "1011", "5 digits"),
])
def test_registration_validates(client, field, value, message):
    client.force_login(verified_user(preferred_language="en"))
    response = client.post(reverse("employer:register"), {**VALID, field: value}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Organisation.objects.filter(name="Neue Firma GmbH").exists()


@pytest.mark.django_db
def test_registration_needs_sign_in_and_rejects_duplicate_company_number(client, organisation):
    assert client.get(reverse("employer:register")).status_code == 302
    client.force_login(verified_user())
    response = client.post(reverse("employer:register"), {**VALID, "ba_company_number": organisation.ba_company_number})
    assert response.status_code == 200
    assert Organisation.objects.filter(ba_company_number=organisation.ba_company_number).count() == 1


@pytest.mark.django_db
def test_owner_invites_colleague_who_accepts_once(client, owner, organisation, django_capture_on_commit_callbacks):
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("employer:member_invite"), {"email": "Colleague@Example.org",
                                                                   "role": Role.EMPLOYER_MEMBER})
    assert response.status_code == 302
    invitation = MemberInvitation.objects.get(organisation=organisation)
    assert invitation.email == "colleague@example.org"
    assert len(mail.outbox) == 1 and "/invitation/colleague/" in mail.outbox[0].body
    link = mail.outbox[0].body.split("http://testserver", 1)[1].split()[0]

    colleague = verified_user(email="colleague@example.org")
    client.force_login(colleague)
    assert client.get(link).status_code == 200
    response = client.post(link)
    assert response.status_code == 302
    assert Membership.objects.filter(user=colleague, organisation=organisation, role=Role.EMPLOYER_MEMBER).exists()
    assert client.get(reverse("employer:home")).status_code == 200
    # Single use.
    assert client.post(link).status_code == 410


@pytest.mark.django_db
def test_member_cannot_invite_remove_or_manage_tokens(client, owner, member, organisation):
    client.force_login(member)
    assert client.get(reverse("employer:organisation")).status_code == 200
    assert client.post(reverse("employer:member_invite"), {"email": "x@example.org", "role": "employer_member"}
                       ).status_code == 403
    assert client.post(reverse("employer:member_remove", args=[owner.public_id])).status_code == 403
    assert client.get(reverse("employer:tokens")).status_code == 403
    assert client.get(reverse("employer:webhooks")).status_code == 403
    assert not MemberInvitation.objects.exists()
    assert Membership.objects.filter(user=owner, organisation=organisation).exists()


@pytest.mark.django_db
def test_removed_member_loses_access_at_once_and_their_tokens_are_revoked(client, owner, organisation):
    second_owner = give_totp(verified_user())
    Membership.objects.create(user=second_owner, organisation=organisation, role=Role.EMPLOYER_OWNER)
    token, raw = account_services.api_token_create(organisation=organisation, actor=second_owner, name="t",
                                                   scopes=[ApiScope.CASES_READ])
    client.force_login(second_owner)
    assert client.get(reverse("employer:home")).status_code == 200
    removal = client.__class__()
    removal.force_login(owner)
    assert removal.post(reverse("employer:member_remove", args=[second_owner.public_id])).status_code == 302
    # The same session, the very next request: no access any more.
    assert client.get(reverse("employer:home")).status_code == 403
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert client.get("/api/v1/cases", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


@pytest.mark.django_db
def test_last_owner_cannot_be_removed(client, owner, member, organisation):
    client.force_login(owner)
    page = client.get(reverse("employer:organisation")).content.decode()
    assert reverse("employer:member_remove", args=[owner.public_id]) not in page  # no button to remove oneself
    assert reverse("employer:member_remove", args=[member.public_id]) in page
    response = client.post(reverse("employer:member_remove", args=[owner.public_id]), follow=True)
    assert Membership.objects.filter(user=owner, organisation=organisation, role=Role.EMPLOYER_OWNER).exists()
    assert "last owner" in response.content.decode() or "letzte" in response.content.decode()
    # A member can be removed.
    client.post(reverse("employer:member_remove", args=[member.public_id]))
    assert not Membership.objects.filter(user=member, organisation=organisation).exists()


@pytest.mark.django_db
def test_owner_cannot_remove_people_of_another_organisation(client, owner, other_owner):
    client.force_login(owner)
    assert client.post(reverse("employer:member_remove", args=[other_owner.public_id])).status_code == 404
    assert Membership.objects.filter(user=other_owner).exists()


@pytest.mark.django_db
def test_non_employers_get_403(client):
    client.force_login(verified_user())
    for name in ("employer:home", "employer:case_new", "employer:bulk", "employer:organisation"):
        assert client.get(reverse(name)).status_code == 403


# --- Verification before invitations, and a cap on invitations -------------------------------------


@pytest.fixture
def impostor(client):
    """Someone who registers a well-known employer's name and register number as their own."""
    user = give_totp(verified_user(preferred_language="en"))
    client.force_login(user)
    client.post(reverse("employer:register"),
                {**VALID, "name": "Muster Software GmbH", "ba_company_number": "11112222"})
    return user, Organisation.objects.get(ba_company_number="11112222")


@pytest.mark.django_db
def test_a_self_registered_organisation_cannot_invite_until_an_admin_verified_it(client, impostor, start_case):
    user, organisation = impostor
    assert organisation.verified_at is None
    page = client.get(reverse("employer:home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Your organisation is being verified" in page
    with pytest.raises(account_services.EmployerError) as refused:
        start_case(org=organisation, actor=user)
    assert refused.value.code == "unverified"
    with pytest.raises(account_services.EmployerError):
        account_services.member_invitation_create(organisation=organisation, actor=user, email="a@example.org")
    assert not MemberInvitation.objects.exists() and not mail.outbox
    # Through the portal's form, too: the page says why and nothing is sent.
    response = client.post(reverse("employer:member_invite"), {"email": "colleague@example.org",
                                                               "role": "employer_member"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and "has not been verified yet" in response.content.decode()
    assert not MemberInvitation.objects.exists() and not mail.outbox


@pytest.mark.django_db
def test_the_admin_verifies_with_a_note_and_then_invitations_go_out(client, impostor, start_case,
                                                                     django_capture_on_commit_callbacks):
    user, organisation = impostor
    applicant = verified_user()
    with pytest.raises(PermissionDenied):
        account_services.organisation_verify(organisation=organisation, actor=applicant, note="looked fine")
    admin_user = give_totp(verified_user(is_staff=True, is_superuser=True))
    with pytest.raises(account_services.EmployerError):
        account_services.organisation_verify(organisation=organisation, actor=admin_user, note="  ")
    client.force_login(admin_user)
    response = client.post("/admin/accounts/organisation/", {"action": "verify", "_selected_action": [organisation.pk]})
    assert response.status_code == 302
    organisation.refresh_from_db()
    assert organisation.verified_at is not None and organisation.verified_by == admin_user
    assert "checked" in organisation.verification_note
    with django_capture_on_commit_callbacks(execute=True):
        case, invitation = start_case(org=organisation, actor=user)
    assert invitation.email == "priya.sharma@example.org" and len(mail.outbox) == 1


@pytest.mark.django_db
def test_invitations_are_capped_per_hour_and_a_bulk_upload_is_refused_whole(settings, owner, organisation,
                                                                           start_case):
    settings.WSA_INVITATIONS_PER_HOUR = 3
    rows = [{"given_names": "A", "surname": f"B{i}", "email": f"c{i}@example.org", "employment": {},
             "title_code": "18g"} for i in range(4)]
    with pytest.raises(account_services.EmployerError) as refused, translation.override("en"):
        employer_services.employer_bulk_start(organisation=organisation, actor=owner, rows=rows)
    assert refused.value.code == "rate_limited" and "3 invitations an hour" in str(refused.value)
    for i in range(3):
        start_case(email=f"person{i}@example.org")
    with pytest.raises(account_services.EmployerError) as refused:
        start_case(email="fourth@example.org")
    assert refused.value.code == "rate_limited"


@pytest.mark.django_db
def test_invitation_message_gives_its_last_day_in_the_owners_language(client, owner, organisation):
    client.force_login(owner)
    response = client.post(reverse("employer:member_invite"), {"email": "colleague@example.org",
                                                               "role": Role.EMPLOYER_MEMBER},
                           HTTP_ACCEPT_LANGUAGE="de", follow=True)
    expires = timezone.localtime(MemberInvitation.objects.get(organisation=organisation).expires_at)
    shown = [str(message) for message in response.context["messages"]]
    with translation.override("de"):
        day = formats.date_format(expires, "DATE_FORMAT")
    assert any(day in message for message in shown), shown
    assert not any(expires.strftime("%Y-%m-%d") in message for message in shown)


@pytest.mark.django_db
def test_the_organisation_page_shows_no_lone_commas_and_says_how_to_correct_it(client, owner, organisation):
    """An organisation with no address or contact on record read "Address: ," and an empty "Contact", and
    nothing said how to have its details corrected (the page has no form: the WSA checked them)."""
    type(organisation).objects.filter(pk=organisation.pk).update(street="", postal_code="", city="Berlin",
                                                                 contact_email="")
    client.force_login(owner)
    page = client.get(reverse("employer:organisation"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    address = page.split("Address</dt>", 1)[1].split("</dd>", 1)[0]
    contact = page.split("Contact</dt>", 1)[1].split("</dd>", 1)[0]
    assert address.strip().removeprefix("<dd>") == "Berlin" and "—" in contact
    assert "To have these details corrected, write to us:" in page and f'href="{reverse("contact")}"' in page
