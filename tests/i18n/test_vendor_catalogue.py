"""Every string of django-allauth and Django that the account flows show (pages, form errors, messages,
e-mails) has a translation in every language the portal ships, whichever catalogue holds it: the
portal's locale/, locale_vendor/ or the library's own. The list of allauth's strings is read from
allauth's own catalogue (the files each msgid is used in)."""

import re
import unicodedata
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


# Spanish: allauth's catalogue mostly says "tú", the portal says "usted" (one paragraph said both). "tu",
# "te", "ti" and the like as words; second-person verb forms that have no other reading anywhere in a
# sentence; imperatives that could be third person ("usa", "confirma") only where a clause starts.
TU_WORDS = re.compile(
    r"\b(tú|tu|tus|te|ti|contigo|tuy[oa]s?|has|estás|eres|puedes|quieres|deseas|tienes|ves|vas|debes|sabes|"
    r"necesitas|hayas|puedas|quieras|tengas|desees|recibes|olvidaste|solicitaste|intentaste|recibiste|"
    r"añadiste|hiciste|introdúcelo|guárdalos|regístrate|inténtalo|envíame|contáctanos|compruébalo|"
    r"asegúrate|vete)\b", re.IGNORECASE)
TU_IMPERATIVES = re.compile(
    r"(?:^|[.!?¡¿:;,]\s*|\b(?:por favor|luego|después|primero)\s+)(haz|ten|ven|pon|di|introduce|"
    r"comprueba|confirma|inicia|usa|utiliza|selecciona|envía|guarda|descarga|escribe|ingresa|elige|"
    r"escanea|intenta|contacta|sigue|añade|agrega|revisa|verifica|cambia|crea|elimina|genera|abre|pulsa|"
    r"espera|vuelve|recuerda|emite|solicita|registra)\b", re.IGNORECASE)


def spanish_texts(entry):
    """Every form of the entry as the "es" pages show it, without placeholders and HTML tags. English (no
    translation) is left to test_every_account_string_has_a_translation: its "has" is no Spanish "has"."""
    with translation.override("es"):
        if entry.msgid_plural:
            texts = [translation.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, n) if entry.msgctxt
                     else translation.ngettext(entry.msgid, entry.msgid_plural, n) for n in (1, 2, 1000000)]
        else:
            texts = [translation.pgettext(entry.msgctxt, entry.msgid) if entry.msgctxt
                     else translation.gettext(entry.msgid)]
    return [re.sub(r"<[^>]*>|%\(\w+\)[sd]|%[sd]|\{\w+\}", " ", unicodedata.normalize("NFC", text)) for text in texts
            if text not in (entry.msgid, entry.msgid_plural)]


def test_the_tu_forms_pattern_tells_tu_from_usted():
    for text in ["Si no ves el correo, comprueba tu carpeta.", "Tu código", "aún puedes cambiar tu dirección",
                 "Por favor, introdúcelo", "Ten paciencia, estás enviando", "Haz clic en el enlace",
                 "Por favor, inicia sesión.", "Usa una clave", "Has añadido 2 claves.", "Te enviamos", "para ti"]:
        assert TU_WORDS.search(text) or TU_IMPERATIVES.search(text), text
    for text in ["Le hemos enviado un correo. Siga el enlace.", "Si no ve el correo, compruebe su carpeta.",
                 "usted", "Su código", "Este sitio usa cookies.", "La autenticación está activa.",
                 "Descargar", "Ingrese un código", "Utilice su contraseña", "Inténtelo más tarde.", "té",
                 "¿Ve el correo?", "Su dirección sigue pendiente de verificación.",
                 "Estructura actual", "Teléfono", "Restablecer contraseña"]:
        assert not TU_WORDS.search(text) and not TU_IMPERATIVES.search(text), text


def test_spanish_says_usted_on_every_account_string():
    found = [text for entry in allauth_entries() for text in spanish_texts(entry)
             if TU_WORDS.search(text) or TU_IMPERATIVES.search(text)]
    assert found == [], f"{len(found)} strings say \"tú\", e.g. {found[:5]}"
