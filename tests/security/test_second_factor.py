"""The second factor is a property of the session, not of the account: staff (admins included) and
employer owners reach their areas only from a session that passed it, whatever page it signed in on."""

import itertools
import time

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY
from django.urls import reverse

from accounts.models import OrganisationKind, Role
from tests.auth import force_login_password_only, reauthenticated, totp_code, with_totp
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery-staple"
_addresses = itertools.count(1)


def address() -> str:
    return f"192.0.2.{next(_addresses)}"


def verified(user):
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user




@pytest.fixture
def admin_user():
    return verified(UserFactory(email="root@example.org", is_staff=True, is_superuser=True))


@pytest.fixture
def caseworker():
    office = OrganisationFactory(kind=OrganisationKind.BA)
    return verified(MembershipFactory(role=Role.CASEWORKER, organisation=office).user)


def test_the_admin_login_page_never_signs_anyone_in_with_a_password(client, admin_user):
    with_totp(admin_user)
    response = client.post("/admin/login/?next=/admin/", {"username": admin_user.email, "password": PASSWORD},
                           REMOTE_ADDR=address())
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302
    assert client.get("/backoffice/").status_code == 302


def test_the_admin_reaches_the_admin_only_after_the_authenticator_code(client, admin_user):
    secret = with_totp(admin_user)
    ip = address()
    response = client.post(f"{reverse('account_login')}?next=/admin/",
                           {"login": admin_user.email, "password": PASSWORD}, REMOTE_ADDR=ip)
    assert response.status_code == 302 and response.url == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session  # the password alone signs nobody in
    assert client.get("/admin/", REMOTE_ADDR=ip).status_code == 302

    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000"}, REMOTE_ADDR=ip)
    assert wrong.status_code == 200 and "_auth_user_id" not in client.session

    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)}, REMOTE_ADDR=ip)
    assert response.status_code == 302 and response.url == "/admin/"
    assert client.get("/admin/", REMOTE_ADDR=ip).status_code == 200


@pytest.mark.parametrize("path", ["/admin/", "/backoffice/"])
def test_a_password_only_session_is_asked_for_the_code(client, admin_user, caseworker, path):
    user = admin_user if path == "/admin/" else caseworker
    secret = with_totp(user)
    force_login_password_only(client, user)
    response = client.get(path)
    assert response.status_code == 302
    assert response.url == f"{reverse('mfa_reauthenticate')}?next={path.replace('/', '%2F')}"
    assert client.get(response.url).status_code == 200  # the code prompt itself is reachable

    client.post(reverse("mfa_reauthenticate") + f"?next={path}", {"code": "123456"})
    assert client.get(path).status_code == 302
    client.post(reverse("mfa_reauthenticate") + f"?next={path}", {"code": totp_code(secret)})
    assert client.get(path).status_code == 200


def test_an_employer_owner_session_needs_the_code_too(client):
    owner = verified(MembershipFactory(role=Role.EMPLOYER_OWNER).user)
    secret = with_totp(owner)
    force_login_password_only(client, owner)
    assert client.get("/employer/").url.startswith(reverse("mfa_reauthenticate"))
    client.post(reverse("mfa_reauthenticate"), {"code": totp_code(secret)})
    assert client.get("/employer/").status_code == 200


def test_employer_members_and_applicants_are_not_asked(client):
    member = MembershipFactory(role=Role.EMPLOYER_MEMBER).user
    force_login_password_only(client, member)
    assert client.get("/employer/").status_code == 200
    force_login_password_only(client, UserFactory())
    assert client.get("/applicant/").status_code == 200


@pytest.mark.django_db(transaction=True)  # allauth announces a new authenticator only after a real commit
def test_setting_up_the_authenticator_with_a_code_counts_for_the_session(client, caseworker):
    force_login_password_only(client, caseworker)
    assert client.get("/backoffice/").url == reverse("mfa_activate_totp")
    reauthenticated(client, caseworker)
    assert client.get(reverse("mfa_activate_totp")).status_code == 200
    secret = client.session[SECRET_SESSION_KEY]
    response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=caseworker, type=Authenticator.Type.TOTP).exists()
    assert client.get("/backoffice/").status_code == 200


def test_a_second_factor_recorded_for_another_user_does_not_count(client, caseworker):
    other = MembershipFactory(role=Role.CASEWORKER, organisation=OrganisationFactory(kind=OrganisationKind.BA)).user
    with_totp(caseworker)
    force_login_password_only(client, caseworker)
    session = client.session
    session["account_authentication_methods"] = [{"method": "mfa", "at": time.time(), "type": "totp"}]
    session["account_authentication_methods_user"] = str(other.pk)
    session.save()
    assert client.get("/backoffice/").status_code == 302


def test_a_signed_in_non_admin_is_refused_at_the_admin_login(client):
    client.force_login(UserFactory())
    assert client.get("/admin/login/").status_code == 403


def test_a_security_key_alone_is_a_second_factor(client, caseworker):
    Authenticator.objects.create(user=caseworker, type=Authenticator.Type.WEBAUTHN,
                                 data={"name": "Office key", "credential": {}})
    force_login_password_only(client, caseworker)
    assert client.get("/backoffice/").url.startswith(reverse("mfa_reauthenticate"))  # not "set one up"
    client.force_login(caseworker)
    assert client.get("/backoffice/").status_code == 200
