"""``{{ code|country }}``: a country's name in the reader's language for the three-letter code that
passports and the profile keep ("IND" → "India", "Indien", "الهند"), with the code beside it where the
reader compares it with their passport (``{{ code|country:"code" }}`` → "India (IND)"). Names come from
the Unicode CLDR through Babel; ICAO's own codes for stateless persons and refugees are named here."""

from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.core import get_global
from django import template
from django.conf import settings
from django.utils.translation import get_language, gettext, gettext_noop, to_locale

register = template.Library()

ICAO_NAMES = {
    "XXA": gettext_noop("Stateless person"),
    "XXB": gettext_noop("Refugee (1951 Convention)"),
    "XXC": gettext_noop("Refugee (other)"),
    "XXX": gettext_noop("Nationality not specified"),
}


def country_name(code: str) -> str:
    return _country_name((code or "").strip().upper(), get_language())


# Every queue row and filter names countries: parsing the locale costs more than the rest of the row.
@lru_cache(maxsize=4096)
def _country_name(code: str, language: str | None) -> str:
    if code in ICAO_NAMES:
        return gettext(ICAO_NAMES[code])
    alpha2 = "DE" if code == "D" else (get_global("territory_aliases").get(code) or [""])[0]
    try:
        locale = Locale.parse(to_locale(language or settings.LANGUAGE_CODE))
    except (UnknownLocaleError, ValueError):
        return code
    return locale.territories.get(alpha2, code) if alpha2 and alpha2 != "ZZ" else code


@register.filter
def country(code, style: str = "") -> str:
    if not code:
        return ""
    name = country_name(code)
    return f"{name} ({code})" if style == "code" and name != code else name
