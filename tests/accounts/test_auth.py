import re

import pytest
from allauth.mfa.models import Authenticator
from django.core import mail
from django.urls import reverse

from accounts.models import Membership, OrganisationKind, Role, User
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory


@pytest.mark.django_db
def test_signup_sends_verification_and_keeps_the_language(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = client.post(reverse("account_signup"), {
        "email": "Amara@Example.org", "password1": "a-long-passphrase-42", "password2": "a-long-passphrase-42",
    })
    assert response.status_code == 302
    user = User.objects.get(email__iexact="amara@example.org")
    assert user.preferred_language == "en"
    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+", mail.outbox[0].body).group(0)
    client.get(link.split("testserver")[-1])
    assert client.post(link.split("testserver")[-1]).status_code == 302
    assert user.emailaddress_set.get().verified


@pytest.mark.django_db
def test_unverified_user_cannot_log_in(client):
    UserFactory(email="new@example.org")
    response = client.post(reverse("account_login"), {"login": "new@example.org",
                                                      "password": "correct-horse-battery-staple"})
    assert response.url == reverse("account_email_verification_sent")


@pytest.mark.django_db
def test_signup_rejects_bad_input_with_a_message(client):
    response = client.post(reverse("account_signup"), {"email": "not-an-email", "password1": "short",
                                                        "password2": "other"})
    assert response.status_code == 200
    assert not User.objects.exists()
    assert b"kern-error" in response.content


@pytest.mark.django_db
def test_language_choice_is_kept_on_the_account(client):
    user = UserFactory(preferred_language="de")
    client.force_login(user)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    user.refresh_from_db()
    assert user.preferred_language == "en"
    assert client.get("/").headers["Content-Language"] == "en"


@pytest.mark.django_db
def test_set_language_refuses_foreign_redirects(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "https://evil.example/"})
    assert response.url == "/"


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/backoffice/", "/admin/"])
def test_staff_without_second_factor_are_sent_to_set_one_up(client, path):
    caseworker = MembershipFactory(role=Role.CASEWORKER,
                                   organisation=OrganisationFactory(kind=OrganisationKind.BA)).user
    caseworker.is_staff = path == "/admin/"
    caseworker.save()
    client.force_login(caseworker)
    response = client.get(path)
    assert response.status_code == 302 and response.url == reverse("mfa_activate_totp")


@pytest.mark.django_db
def test_staff_with_second_factor_reach_the_back_office(client):
    caseworker = MembershipFactory(role=Role.CASEWORKER,
                                   organisation=OrganisationFactory(kind=OrganisationKind.BA)).user
    Authenticator.objects.create(user=caseworker, type=Authenticator.Type.TOTP, data={"secret": "x"})
    client.force_login(caseworker)
    assert client.get("/backoffice/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "allowed_role"), [("/backoffice/", Role.CASEWORKER),
                                                     ("/employer/", Role.EMPLOYER_MEMBER)])
def test_portals_are_closed_to_other_roles(client, settings, path, allowed_role):
    settings.WSA_STAFF_MFA_REQUIRED = False
    assert client.get(path).status_code == 302  # anonymous: to the login
    client.force_login(UserFactory())
    assert client.get(path).status_code == 403
    member = MembershipFactory(role=allowed_role).user
    client.force_login(member)
    assert client.get(path).status_code == 200


@pytest.mark.django_db
def test_login_lands_in_the_portal_of_the_role(client):
    from allauth.account.models import EmailAddress

    member = MembershipFactory(role=Role.EMPLOYER_OWNER).user
    EmailAddress.objects.create(user=member, email=member.email, verified=True, primary=True)
    response = client.post(reverse("account_login"), {"login": member.email,
                                                      "password": "correct-horse-battery-staple"})
    assert response.url == reverse("employer:home")
    assert Membership.objects.filter(user=member).exists()


@pytest.mark.django_db
def test_the_title_chosen_in_the_finder_survives_sign_up_and_confirmation(client):
    """From the finder's "apply for § 18b" through sign-up and the e-mail link, in one browser: the
    person lands in the application for that title, signed in, without starting over."""
    target = "/applicant/apply/?title=18b"
    login_url = client.get(target).url
    login_page = client.get(login_url).content.decode()
    signup_links = {link.replace("&amp;", "&") for link in re.findall(r'href="(/accounts/signup/[^"]*)"', login_page)}
    assert signup_links == {"/accounts/signup/?next=%2Fapplicant%2Fapply%2F%3Ftitle%3D18b"}  # every one keeps it
    client.post(signup_links.pop(), {"email": "new.person@example.org", "password1": "a-long-pass-42xy",
                                     "password2": "a-long-pass-42xy"})
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+", mail.outbox[-1].body).group(0)
    confirm = "/" + link.split("://", 1)[1].split("/", 1)[1]
    response = client.post(confirm)
    assert response.status_code == 302 and response.url == target
    assert client.get(target).status_code == 200
