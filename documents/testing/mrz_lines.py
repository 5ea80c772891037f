"""Both TD3 lines composed from a passport's values, for the generated passport pages and the tests;
the portal itself only reads MRZs (documents.checks.mrz)."""

import re

from documents.checks.mrz import check_digit


def build_td3(*, surname: str, given_names: str, number: str, nationality: str, birth: str,
              sex: str, expiry: str, issuing_state: str | None = None, optional: str = "",
              code: str = "P") -> tuple[str, str]:
    """Compose both TD3 lines from already transliterated upper-case values; dates ``YYMMDD``."""
    state = _pad(issuing_state or nationality, 3)
    names = _name_field(surname, given_names, 39)
    line1 = _pad(code, 2) + state + names
    number_f, optional_f = _pad(number, 9), _pad(optional, 14)
    opt_check = "<" if not optional else check_digit(optional_f)
    line2 = (number_f + check_digit(number_f) + _pad(nationality, 3) + birth + check_digit(birth)
             + sex + expiry + check_digit(expiry) + optional_f + opt_check)
    composite = line2[0:10] + line2[13:20] + line2[21:43]
    return line1, line2 + check_digit(composite)


def _pad(text: str, width: int) -> str:
    return text.replace(" ", "<")[:width].ljust(width, "<")


def _name_field(surname: str, given_names: str, width: int) -> str:
    def part(text: str) -> str:
        return "<".join(re.sub(r"[^A-Z ]", " ", text.upper()).split())

    given = part(given_names)
    return _pad(part(surname) + ("<<" + given if given else ""), width)
