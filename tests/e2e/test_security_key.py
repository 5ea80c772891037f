"""A caseworker adds a security key (WebAuthn) as second factor and signs in with it, in Chromium with
a virtual authenticator: the browser really creates and uses a credential, the portal really checks it."""

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator

from accounts.models import Membership, OrganisationKind, Role
from tests.auth import totp_code, with_totp
from tests.factories import OrganisationFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-battery-staple"



def sign_in_with_password(page, base, email):
    page.goto(base + "/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/2fa/authenticate/")


def test_a_caseworker_adds_a_security_key_and_signs_in_with_it(live_server, page):
    caseworker = UserFactory(email="key.holder@example.org")
    EmailAddress.objects.create(user=caseworker, email=caseworker.email, verified=True, primary=True)
    Membership.objects.create(user=caseworker, role=Role.CASEWORKER,
                              organisation=OrganisationFactory(kind=OrganisationKind.WSA, name="WSA"))
    secret = with_totp(caseworker)
    base = live_server.url.replace("127.0.0.1", "localhost")  # WebAuthn needs a domain, not an address
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": base}])
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "usb", "hasResidentKey": True, "hasUserVerification": True,
        "isUserVerified": True, "automaticPresenceSimulation": True}})

    # Signed in with the password and the app's code, the caseworker adds a key.
    sign_in_with_password(page, base, caseworker.email)
    page.locator("input[name=code]").fill(totp_code(secret))
    page.locator("main button[type=submit]").first.click()
    page.wait_for_url("**/backoffice/**")
    page.goto(base + "/accounts/2fa/webauthn/add/")
    if "/reauthenticate/" in page.url:
        page.get_by_label("Password").fill(PASSWORD)
        page.locator("main button[type=submit]").click()
        page.wait_for_url("**/webauthn/add/**")
    page.locator("input[name=name]").fill("Office key")
    page.locator("#mfa_webauthn_add").click()
    page.wait_for_url(lambda url: "/webauthn/add/" not in url)
    assert Authenticator.objects.filter(user=caseworker, type=Authenticator.Type.WEBAUTHN).count() == 1

    # Signed out and in again: the password alone does not open the back office; the key does.
    page.context.clear_cookies()
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": base}])
    sign_in_with_password(page, base, caseworker.email)
    assert "/backoffice/" not in page.goto(base + "/backoffice/").url  # back to the second step
    page.goto(base + "/accounts/2fa/authenticate/")
    page.locator("#mfa_webauthn_authenticate").click()
    page.wait_for_url(lambda url: "/2fa/authenticate/" not in url)
    response = page.goto(base + "/backoffice/")
    assert response.status == 200 and page.url.startswith(base + "/backoffice/")
