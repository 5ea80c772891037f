"""Every string of django-allauth and Django that the account flows show (pages, form errors, messages,
e-mails) has a translation in every language the portal ships, whichever catalogue holds it: the
portal's locale/, locale_vendor/ or the library's own. The list of allauth's strings is read from
allauth's own catalogue (the files each msgid is used in)."""

import re
from pathlib import Path

import allauth
import polib
import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import trans_real

# The flows the portal switches on: e-mail login and sign-up, password reset by link, e-mail management,
# re-authentication by password or second factor, TOTP, recovery codes and security keys. Not used:
# social accounts, the OpenID provider, user sessions, phone numbers, sign-in and reset codes, passkey
# sign-up, "trust this browser", and allauth's own layout (the portal has its own).
NOT_USED = re.compile(r"socialaccount|idp/|openid|usersessions|headless|phone|login_code|password_reset_code|"
                      r"signup_by_passkey|mfa/trust|reauthentication_code|email_verification_code|"
                      r"base_confirm_code|account/admin\.py|/apps\.py|allauth/layouts|signup_closed|"
                      r"webauthn/signup_form|account/models\.py")
# Django's own messages on those pages: required fields, the e-mail field, the password validators.
DJANGO_MESSAGES = [
    "This field is required.", "Enter a valid email address.", "email address",
    "This password is too common.", "This password is entirely numeric.",
    "The password is too similar to the %(verbose_name)s.",
    "Your password can’t be too similar to your other personal information.",
    "Your password can’t be a commonly used password.", "Your password can’t be entirely numeric.",
    ("This password is too short. It must contain at least %d character.", 0),
    ("Your password must contain at least %(min_length)d character.", 0),
    ("Ensure this value has at most %(limit_value)d character (it has %(show_value)d).", 0),
]
LANGUAGES = [code for code, _name in settings.LANGUAGES if code != "en"]  # English is the msgids' own language
DU_FORMS = re.compile(r"\b(du|dein\w*|dich|dir)\b", re.IGNORECASE)


def allauth_entries():
    source = Path(allauth.__file__).parent / "locale" / "de" / "LC_MESSAGES" / "django.po"
    return [entry for entry in polib.pofile(str(source)) if not entry.obsolete
            and any(not NOT_USED.search(path) for path, _line in entry.occurrences)]


def key(entry):
    msgid = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid
    return (msgid, 0) if entry.msgid_plural else msgid


def test_the_list_of_used_strings_covers_the_flows():
    msgids = {entry.msgid for entry in allauth_entries()}
    assert len(msgids) > 200
    for expected in ["Forgot your password?", "Sign Up", "Recovery codes", "Add Security Key", "Password Reset",
                     "Please Confirm Your Email Address", "Your account is protected by two-factor authentication. "
                     "Please enter an authenticator code:"]:
        assert expected in msgids
    assert "Connect a Third-Party Account" not in msgids


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_account_string_has_a_translation(language):
    catalogue = trans_real.translation(language)._catalog
    missing = [entry.msgid for entry in allauth_entries() if catalogue.get(key(entry)) in (None, "")]
    missing += [message for message in DJANGO_MESSAGES if catalogue.get(message) in (None, "")]
    assert missing == [], f"{language}: {len(missing)} untranslated, e.g. {missing[:5]}"


def test_german_says_sie_on_every_account_string():
    catalogue = trans_real.translation("de")._catalog
    texts = [catalogue.get(key(entry)) for entry in allauth_entries()]
    assert [text for text in texts if DU_FORMS.search(text)] == []


def test_hindi_calls_e_mail_e_mail_and_brazilian_portuguese_says_entrar():
    with translation.override("hi"):
        for message in ["Enter a valid email address.", "email address", "Email address"]:
            assert "ईमेल" in translation.gettext(message) and "डाक" not in translation.gettext(message)
    with translation.override("pt-br"):
        text = translation.gettext("Already have an account? Then please %(link)ssign in%(end_link)s.")
        assert "sign in" not in text and "entre" in text


def test_the_portal_catalogue_wins_over_the_vendor_catalogue():
    """"Forgot your password?" is in both Hindi files with different wording: the portal's is read."""
    assert [Path(path).name for path in settings.LOCALE_PATHS] == ["locale", "locale_vendor"]
    portal = polib.pofile(str(Path(settings.LOCALE_PATHS[0]) / "hi" / "LC_MESSAGES" / "django.po"))
    vendor = polib.pofile(str(Path(settings.LOCALE_PATHS[1]) / "hi" / "LC_MESSAGES" / "django.po"))
    mine, theirs = portal.find("Forgot your password?").msgstr, vendor.find("Forgot your password?").msgstr
    assert mine != theirs
    with translation.override("hi"):
        assert translation.gettext("Forgot your password?") == mine


@pytest.mark.parametrize(("language", "one", "other", "word"), [
    ("tr", "Password", "Password (again)", "Şifre"),  # Django said "Parola", allauth "Şifre": on one form
    ("fr", "Email", "Email address", "e-mail"),  # Django said "Courriel", allauth and the portal "e-mail"
])
def test_a_sign_up_form_names_one_thing_with_one_word(language, one, other, word):
    with translation.override(language):
        assert word.lower() in translation.gettext(one).lower() and word.lower() in translation.gettext(other).lower()


def test_the_turkish_confirmation_message_is_spelt_right():
    with translation.override("tr"):
        assert "e-postası" in translation.gettext("Confirmation email sent to %(email)s.")
