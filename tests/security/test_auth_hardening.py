"""Authentication hardening: login lockout (django-axes), rate limits of sign-up and password reset
(allauth), the HR API's throttle of failed tokens, a second factor for employer owners, re-authentication
before sensitive actions and the idle timeout of staff sessions."""

import itertools
import re
import time
import uuid
from datetime import timedelta
from decimal import Decimal
from urllib.parse import unquote

import pytest
from allauth.account.models import EmailAddress
from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts import services as account_services
from accounts.middleware import LAST_ACTIVITY_SESSION_KEY
from accounts.models import ApiScope, ApiToken, Membership, OrganisationKind, Role, User, WebhookEndpoint
from applications.models import Decision
from tests.auth import give_totp, reauthenticated
from tests.factories import CaseFactory, EmploymentFactory, OrganisationFactory, PersonFactory, UserFactory
from tests.procedure import offices_done, walk

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery-staple"


_addresses = itertools.count(1)


def fresh_ip() -> str:
    """A client address never handed out before in this test process (TEST-NET-2 and -3 hold 508), so
    that no counter of another test, nor the test's own first address, applies to it."""
    n = next(_addresses)
    if n > 508:
        raise RuntimeError("fresh_ip() ran out of test addresses; widen the ranges")
    return f"198.51.100.{n}" if n <= 254 else f"203.0.113.{n - 254}"


@pytest.fixture(autouse=True)
def _no_lockout_outlives_a_test():
    """Lockouts are rows of django-axes (and allauth counters in the cache, which tests/conftest.py gives
    every test afresh): none from before this test applies, none of it stays after."""
    axes_reset()
    yield
    axes_reset()


def verified(email=None, **extra):
    user = UserFactory(**({"email": email} if email else {}), **extra)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def login(client, email, password, ip):
    return client.post(reverse("account_login"), {"login": email, "password": password}, REMOTE_ADDR=ip)


# --- Login lockout -------------------------------------------------------------------------------


def test_login_is_locked_after_five_wrong_passwords_and_unlocked_after_the_cool_off(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the messages below are asserted in English
    user = verified("lock.me@example.org")
    ip = fresh_ip()
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login(client, user.email, "wrong-password", ip).status_code == 200  # the form with an error
    locked = login(client, user.email, "wrong-password", ip)
    assert locked.status_code == 429
    assert "Too many failed sign-in attempts" in locked.content.decode()
    assert user.email not in locked.content.decode()  # the page does not echo the login
    # Locked: even the right password does not get in from this address ...
    assert login(client, user.email, PASSWORD, ip).status_code == 429
    assert "_auth_user_id" not in client.session
    # ... while the same login from another address is not locked (lockout per login and address).
    other = client.__class__()
    assert login(other, user.email, PASSWORD, fresh_ip()).status_code == 302

    # After the cool-off the right password works again.
    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=5))
    response = login(client, user.email, PASSWORD, ip)
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(user.pk)


def test_login_failures_count_for_the_login_whatever_its_spelling(client, settings):
    verified("admin.lock@example.org", is_staff=True)
    ip = fresh_ip()
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        login(client, "Admin.Lock@example.org", "nope", ip)
    attempt = AccessAttempt.objects.get()
    assert attempt.username == "admin.lock@example.org"
    assert attempt.failures_since_start == settings.AXES_FAILURE_LIMIT - 1
    assert login(client, "ADMIN.LOCK@example.org", "nope", ip).status_code == 429
    assert login(client, "admin.lock@example.org", PASSWORD, ip).status_code == 429


def test_fresh_addresses_are_never_handed_out_twice():
    addresses = [fresh_ip() for _ in range(20)]
    assert len(set(addresses)) == len(addresses)


# --- Rate limits of sign-up and password reset -------------------------------------------------------


def test_signup_is_rate_limited_per_address(client):
    ip = fresh_ip()
    codes = [client.post(reverse("account_signup"), {"email": f"new{i}@example.org", "password1": "a-long-pass-42x",
                                                      "password2": "a-long-pass-42x"}, REMOTE_ADDR=ip).status_code
             for i in range(6)]
    assert codes[:5] == [302] * 5 and codes[5] == 429


def test_password_reset_is_rate_limited_per_address_and_per_account(client):
    verified("reset.me@example.org")
    ip = fresh_ip()
    codes = [client.post(reverse("account_reset_password"), {"email": "reset.me@example.org"}, REMOTE_ADDR=ip)
             .status_code for _ in range(4)]
    assert codes[:3] == [302] * 3 and codes[3] == 429
    # A fourth request for the same account from yet another address is refused as well (per e-mail address).
    assert client.post(reverse("account_reset_password"), {"email": "reset.me@example.org"},
                       REMOTE_ADDR=fresh_ip()).status_code == 429


# --- HR API: failed tokens ---------------------------------------------------------------------------


def test_api_throttles_an_address_that_keeps_sending_wrong_tokens(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the messages below are asserted in English
    settings.WSA_API_AUTH_FAILURE_LIMIT = 3
    owner = verified()
    organisation = OrganisationFactory()
    Membership.objects.create(user=owner, organisation=organisation, role=Role.EMPLOYER_OWNER)
    _token, raw = account_services.api_token_create(organisation=organisation, actor=owner, name="HR",
                                                    scopes=[ApiScope.CASES_READ])
    ip = fresh_ip()
    for _attempt in range(3):
        bad = client.get("/api/v1/cases", HTTP_AUTHORIZATION=f"Bearer wsa_{uuid.uuid4().hex[:8]}_guess",
                         REMOTE_ADDR=ip)
        assert bad.status_code == 401
    guess = client.get("/api/v1/cases", HTTP_AUTHORIZATION=f"Bearer wsa_{uuid.uuid4().hex[:8]}_guess",
                       REMOTE_ADDR=ip)
    assert guess.status_code == 429 and "Too many failed attempts" in guess.json()["detail"]
    # A valid token of another system behind the same address (a shared NAT) still works ...
    assert client.get("/api/v1/cases", HTTP_AUTHORIZATION=f"Bearer {raw}", REMOTE_ADDR=ip).status_code == 200
    # ... unless its own prefix is what the address attacks: then even the right secret is refused, so
    # that guessing cannot tell when it has hit.
    prefix = account_services.api_token_prefix(raw)
    for _attempt in range(3):
        client.get("/api/v1/cases", HTTP_AUTHORIZATION=f"Bearer wsa_{prefix}_wrong-secret", REMOTE_ADDR=ip)
    refused = client.get("/api/v1/cases", HTTP_AUTHORIZATION=f"Bearer {raw}", REMOTE_ADDR=ip)
    assert refused.status_code == 429
    # Other addresses are not affected; a missing header is no attempt.
    assert client.get("/api/v1/cases", HTTP_AUTHORIZATION=f"Bearer {raw}", REMOTE_ADDR=fresh_ip()).status_code == 200
    assert client.get("/api/v1/cases", REMOTE_ADDR=fresh_ip()).status_code == 401


# --- Second factor for employer owners ---------------------------------------------------------------


def test_employer_owners_need_a_second_factor_members_do_not(client):
    organisation = OrganisationFactory()
    owner = verified()
    member = verified()
    Membership.objects.create(user=owner, organisation=organisation, role=Role.EMPLOYER_OWNER)
    Membership.objects.create(user=member, organisation=organisation, role=Role.EMPLOYER_MEMBER)
    client.force_login(owner)
    for path in ("/employer/", "/employer/tokens/", "/employer/webhooks/"):
        response = client.get(path)
        assert response.status_code == 302 and response.url == reverse("mfa_activate_totp"), path
    assert client.get("/applicant/").status_code == 200  # their own applicant pages stay open
    give_totp(owner)
    assert client.get("/employer/").status_code == 200
    client.force_login(member)
    assert client.get("/employer/").status_code == 200


def test_owner_mfa_can_be_switched_off_by_setting(client, settings):
    settings.WSA_EMPLOYER_OWNER_MFA_REQUIRED = False
    owner = verified()
    Membership.objects.create(user=owner, organisation=OrganisationFactory(), role=Role.EMPLOYER_OWNER)
    client.force_login(owner)
    assert client.get("/employer/").status_code == 200


# --- Re-authentication before sensitive actions ------------------------------------------------------


def _reauth_prompt(response, path):
    assert response.status_code == 302, response.status_code
    assert response.url.startswith(reverse("account_reauthenticate")) and path in unquote(response.url)
    return response.url


def test_token_creation_asks_for_the_password_again_and_then_completes(client):
    owner = give_totp(verified())
    Membership.objects.create(user=owner, organisation=OrganisationFactory(), role=Role.EMPLOYER_OWNER)
    client.force_login(owner)
    assert client.get("/employer/tokens/").status_code == 200  # looking needs no re-authentication
    response = client.post("/employer/tokens/", {"name": "HR", "scopes": ["cases:read"], "expires_in_days": "90"})
    prompt = _reauth_prompt(response, "/employer/tokens/")
    assert not ApiToken.objects.exists()
    # The password is asked for; afterwards the suspended request is carried out.
    done = client.post(prompt, {"password": PASSWORD})
    assert ApiToken.objects.filter(name="HR").count() == 1
    assert done.status_code == 200 and 'id="new-token"' in done.content.decode()
    # Within the re-authentication timeout no second prompt.
    assert client.post("/employer/tokens/", {"name": "HR 2", "scopes": ["cases:read"],
                                             "expires_in_days": "90"}).status_code == 200


def test_a_wrong_password_at_the_prompt_does_nothing(client):
    owner = give_totp(verified())
    Membership.objects.create(user=owner, organisation=OrganisationFactory(), role=Role.EMPLOYER_OWNER)
    client.force_login(owner)
    prompt = _reauth_prompt(client.post("/employer/webhooks/", {"url": "https://hr.example.com/in"}),
                            "/employer/webhooks/")
    assert client.post(prompt, {"password": "wrong"}).status_code == 200  # the form again, with an error
    assert not WebhookEndpoint.objects.exists()


def test_reauthentication_expires(client, settings):
    owner = give_totp(verified())
    Membership.objects.create(user=owner, organisation=OrganisationFactory(), role=Role.EMPLOYER_OWNER)
    client.force_login(owner)
    reauthenticated(client, at=time.time() - settings.ACCOUNT_REAUTHENTICATION_TIMEOUT - 10)
    _reauth_prompt(client.post("/employer/webhooks/", {"url": "https://hr.example.com/in"}), "/employer/webhooks/")
    reauthenticated(client)
    assert client.post("/employer/webhooks/", {"url": "https://hr.example.com/in"}).status_code == 200
    assert WebhookEndpoint.objects.count() == 1


def test_data_export_asks_for_the_password_again(client):
    user = verified()
    client.force_login(user)
    _reauth_prompt(client.get(reverse("applicant:data_export")), reverse("applicant:data_export"))
    reauthenticated(client)
    response = client.get(reverse("applicant:data_export"))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith("attachment")
    # The link is an ordinary link: a `download` attribute would save the password prompt as a file.
    for page in ("applicant:my_data", "applicant:account_delete"):
        html = client.get(reverse(page)).content.decode()
        link = re.search(r'<a [^>]*href="%s"[^>]*>' % re.escape(reverse("applicant:data_export")), html).group(0)
        assert " download" not in link, page


def test_reauthentication_by_emailed_code_is_not_offered(client):
    client.force_login(verified())
    assert client.get(reverse("account_request_reauthentication_code")).status_code == 403


@pytest.fixture
def visa_case_and_caseworker(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}}}
    from authorities.models import Authority, AuthorityRequest

    office = OrganisationFactory(kind=OrganisationKind.VISA_OFFICE, name="Botschaft")
    Authority.objects.create(kind=OrganisationKind.VISA_OFFICE, name="Botschaft", organisation=office)
    caseworker = give_totp(verified(full_name="Anna Schulz"))
    Membership.objects.create(user=caseworker, organisation=office, role=Role.CASEWORKER)
    case = CaseFactory(person=PersonFactory(nationality="IND"))
    EmploymentFactory(case=case, annual_gross_salary=Decimal("58000"))
    walk(case, "submit", "start_completeness_check", "start_authority_review", "refer_to_visa_decision")
    AuthorityRequest.objects.filter(case=case).delete()
    AuthorityRequest.objects.create(case=case, authority=office.authority, purpose="visa", state="sent",
                                    idempotency_key=uuid.uuid4().hex, sent_at=timezone.now())
    offices_done(case)  # the applicant attended the appointment at this visa office
    return case, caseworker


def test_a_decision_asks_for_the_password_again(client, visa_case_and_caseworker):
    case, caseworker = visa_case_and_caseworker
    client.force_login(caseworker)
    url = reverse("backoffice:decision_create", args=[case.public_id, "visa"])
    assert client.get(url).status_code == 200  # the form opens
    response = client.post(url, {"outcome": "granted", "legal_basis": "§ 18g Abs. 1 AufenthG"})
    prompt = _reauth_prompt(response, url)
    assert not Decision.objects.exists()
    client.post(prompt, {"password": PASSWORD})
    decision = Decision.objects.get()
    assert decision.status == Decision.Status.ISSUED and decision.decided_by == caseworker


def test_a_refusal_stays_a_refusal_and_is_no_password_prompt(client, visa_case_and_caseworker):
    case, _caseworker = visa_case_and_caseworker
    wsa = give_totp(verified())
    Membership.objects.create(user=wsa, organisation=OrganisationFactory(kind=OrganisationKind.WSA),
                              role=Role.CASEWORKER)
    client.force_login(wsa)  # sees the case, but only the visa office decides on a visa
    url = reverse("backoffice:decision_create", args=[case.public_id, "visa"])
    assert client.post(url, {"outcome": "granted", "legal_basis": "x"}).status_code == 403


# --- Idle timeout of staff sessions ------------------------------------------------------------------


def test_idle_staff_session_ends(client, settings):
    staff = give_totp(verified())
    Membership.objects.create(user=staff, organisation=OrganisationFactory(kind=OrganisationKind.WSA),
                              role=Role.CASEWORKER)
    client.force_login(staff)
    assert client.get("/backoffice/").status_code == 200
    session = client.session
    session[LAST_ACTIVITY_SESSION_KEY] = int(time.time()) - settings.WSA_STAFF_IDLE_TIMEOUT + 120
    session.save()
    assert client.get("/backoffice/").status_code == 200  # 28 minutes idle: still in
    session = client.session
    session[LAST_ACTIVITY_SESSION_KEY] = int(time.time()) - settings.WSA_STAFF_IDLE_TIMEOUT - 1
    session.save()
    response = client.get("/backoffice/")
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session
    # Signed out everywhere, not only in the back office.
    assert client.get("/applicant/").status_code == 302


def test_idle_staff_htmx_request_is_sent_to_the_login_page(client, settings):
    staff = give_totp(verified())
    Membership.objects.create(user=staff, organisation=OrganisationFactory(kind=OrganisationKind.WSA),
                              role=Role.CASEWORKER)
    client.force_login(staff)
    client.get("/backoffice/")
    session = client.session
    session[LAST_ACTIVITY_SESSION_KEY] = int(time.time()) - settings.WSA_STAFF_IDLE_TIMEOUT - 1
    session.save()
    response = client.get("/backoffice/", HTTP_HX_REQUEST="true")
    assert response.status_code == 204 and response["HX-Redirect"].startswith(reverse("account_login"))


def test_applicants_have_no_idle_timeout(client, settings):
    user = verified()
    client.force_login(user)
    assert client.get("/applicant/").status_code == 200
    session = client.session
    session[LAST_ACTIVITY_SESSION_KEY] = int(time.time()) - settings.WSA_STAFF_IDLE_TIMEOUT - 600
    session.save()
    assert client.get("/applicant/").status_code == 200


# --- Sign-up does not reveal registered addresses --------------------------------------------------


def test_signing_up_with_a_registered_address_costs_the_same_password_hash(client, monkeypatch, settings):
    """The slow step of a sign-up is hashing the password; a registered address must pay it too, or the
    response time tells which addresses have an account."""
    from django.contrib.auth.hashers import get_hasher

    hasher_class = type(get_hasher())
    hashed = []
    original = hasher_class.encode

    def counting_encode(self, *args, **kwargs):
        hashed.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(hasher_class, "encode", counting_encode)

    def signup(email):
        hashed.clear()
        response = client.post(reverse("account_signup"), {"email": email, "password1": "a-long-pass-42x",
                                                           "password2": "a-long-pass-42x"}, REMOTE_ADDR=fresh_ip())
        return response, len(hashed)

    verified("taken@example.org")
    new_response, new_hashes = signup("fresh@example.org")
    taken_response, taken_hashes = signup("taken@example.org")
    assert new_hashes >= 1 and taken_hashes == new_hashes
    assert (new_response.status_code, new_response.url) == (taken_response.status_code, taken_response.url)


# --- Passwords and notices of account changes --------------------------------------------------------


def test_passwords_need_twelve_characters(client):
    response = client.post(reverse("account_signup"), {"email": "short@example.org", "password1": "Kx7-pq2-mZ4",
                                                       "password2": "Kx7-pq2-mZ4"}, REMOTE_ADDR=fresh_ip())
    assert response.status_code == 200 and not User.objects.filter(email="short@example.org").exists()


def test_the_holder_is_told_when_the_password_changes(client, django_capture_on_commit_callbacks):
    user = verified("holder@example.org")
    client.force_login(user)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_change_password"), {
            "oldpassword": PASSWORD, "password1": "an-even-longer-pass-77", "password2": "an-even-longer-pass-77"})
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [["holder@example.org"]]
    assert mail.outbox[0].subject == "[WSA] Passwort geändert"  # in the language of the portal (German by default)
