"""The account pages (sign-in, sign-up, password, e-mail, second factor) come from django-allauth; in every
language the portal ships they must read in that language: no German left on a Hindi page, no "du" on a
German one, also in the error messages of a wrong entry."""

import re
from html.parser import HTMLParser

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.conf import settings
from django.urls import reverse

from tests.auth import force_login_with_second_factor, reauthenticated, totp_code, with_totp
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LANGUAGES = [code for code, _name in settings.LANGUAGES]
GERMAN = re.compile(r"\b(Passwort\w*|Anmelde\w*|Anmeldung|E-Mail-Adressen?|Registrier\w*|Abmelde\w*|Konto|"
                    r"bestätig\w*|Bestätig\w*|Sicherheitsschlüssel\w*|Wiederherstellungscodes?|Speichern|"
                    r"Abbrechen|Entfernen|Vergessen|vergessen|Zurücksetzen|zurücksetzen|Ihr|Ihre|Sie)\b")
DU_FORMS = re.compile(r"\b(du|dein\w*|dich|dir)\b", re.IGNORECASE)
ANONYMOUS_PAGES = ["account_login", "account_signup", "account_reset_password", "account_reset_password_done",
                   "account_email_verification_sent", "account_inactive"]
SIGNED_IN_PAGES = ["account_email", "account_change_password", "account_logout", "account_reauthenticate",
                   "mfa_index", "mfa_view_recovery_codes", "mfa_generate_recovery_codes", "mfa_deactivate_totp",
                   "mfa_list_webauthn", "mfa_add_webauthn", "mfa_reauthenticate"]


class VisibleText(HTMLParser):
    """The text a person reads: element text and the attributes read out or shown (labels of buttons,
    placeholders), without scripts, styles and the language switcher's own names."""

    SHOWN_ATTRIBUTES = {"placeholder", "aria-label", "title", "alt"}

    def __init__(self):
        super().__init__()
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in {"script", "style", "template"} or (tag == "option" and "lang" in attributes):
            self._skip += 1
        self.parts += [value for name, value in attrs if name in self.SHOWN_ATTRIBUTES and value]
        if tag == "input" and attributes.get("type") in {"submit", "button"} and attributes.get("value"):
            self.parts.append(attributes["value"])

    def handle_endtag(self, tag):
        if tag in {"script", "style", "template", "option"} and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    # The switcher names each language in itself ("Deutsch"): links with hreflang are not this page's text.
    return re.sub(r"\s+", " ", " ".join(parser.parts))


def in_language(client, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return {"HTTP_ACCEPT_LANGUAGE": language}


def assert_reads_in(language, text, where):
    if language == "de":
        assert not DU_FORMS.search(text), f"{where}: 'du' in {DU_FORMS.search(text).group(0)!r}: {text[:300]}"
    else:
        found = sorted(set(GERMAN.findall(text)))
        assert found == [], f"{where} ({language}): German words {found}"


@pytest.fixture
def signed_in(client):
    user = UserFactory(email="amal@example.org")
    secret = with_totp(user)
    RecoveryCodes.activate(user)
    force_login_with_second_factor(client, user)
    reauthenticated(client)
    client.user, client.secret = user, secret
    return client


@pytest.mark.parametrize("language", LANGUAGES)
def test_anonymous_account_pages_read_in_the_language(client, language):
    headers = in_language(client, language)
    for name in ANONYMOUS_PAGES:
        response = client.get(reverse(name), **headers)
        assert response.status_code == 200, name
        assert_reads_in(language, visible_text(response.content.decode()), name)
    for name, kwargs in [("account_confirm_email", {"key": "not-a-key"}),
                         ("account_reset_password_from_key", {"uidb36": "1", "key": "not-a-key"})]:
        response = client.get(reverse(name, kwargs=kwargs), **headers, follow=True)
        assert response.status_code == 200, name
        assert_reads_in(language, visible_text(response.content.decode()), name)


@pytest.mark.parametrize("language", LANGUAGES)
def test_wrong_entries_are_explained_in_the_language(client, language):
    headers = in_language(client, language)
    UserFactory(email="taken@example.org")
    answers = [
        client.post(reverse("account_login"), {"login": "taken@example.org", "password": "wrong"}, **headers),
        client.post(reverse("account_login"), {"login": "", "password": ""}, **headers),
        client.post(reverse("account_signup"), {"email": "not-an-address", "password1": "123456",
                                                "password2": "654321"}, **headers),
        client.post(reverse("account_signup"), {"email": "new@example.org", "password1": "new@example.org1",
                                                "password2": "new@example.org1"}, **headers),
        client.post(reverse("account_reset_password"), {"email": "nobody"}, **headers),
    ]
    for answer in answers:
        text = visible_text(answer.content.decode())
        assert answer.status_code == 200 and "data-error-summary" in answer.content.decode(), text[:200]
        assert_reads_in(language, text, answer.request["PATH_INFO"])


@pytest.mark.parametrize("language", LANGUAGES)
def test_signed_in_account_and_second_factor_pages_read_in_the_language(signed_in, language):
    headers = in_language(signed_in, language)
    key = Authenticator.objects.create(user=signed_in.user, type=Authenticator.Type.WEBAUTHN,
                                       data={"name": "YubiKey", "credential": {}})
    pages = [reverse(name) for name in SIGNED_IN_PAGES] + [reverse("mfa_edit_webauthn", args=[key.pk]),
                                                          reverse("mfa_remove_webauthn", args=[key.pk])]
    for url in pages:
        response = signed_in.get(url, **headers, follow=True)
        assert response.status_code == 200, url
        assert_reads_in(language, visible_text(response.content.decode()), url)
    wrong = signed_in.post(reverse("account_change_password"), {"oldpassword": "wrong", "password1": "short",
                                                                "password2": "other"}, **headers)
    assert wrong.status_code == 200 and "data-error-summary" in wrong.content.decode()
    assert_reads_in(language, visible_text(wrong.content.decode()), "password change with errors")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_second_step_of_signing_in_reads_in_the_language(client, language):
    headers = in_language(client, language)
    user = UserFactory(email="second@example.org")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    secret = with_totp(user)
    response = client.post(reverse("account_login"), {"login": user.email, "password": "correct-horse-battery-staple"},
                           **headers, follow=True)
    assert response.request["PATH_INFO"] == reverse("mfa_authenticate")
    assert_reads_in(language, visible_text(response.content.decode()), "mfa_authenticate")
    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000"}, **headers)
    assert "data-error-summary" in wrong.content.decode()
    assert_reads_in(language, visible_text(wrong.content.decode()), "mfa_authenticate with a wrong code")
    right = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)}, **headers)
    assert right.status_code == 302
