"""Small text helpers shared by classification and extraction: folding, numbers, dates."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Decimal, InvalidOperation

MONTHS = {
    # German
    "januar": 1, "jänner": 1, "februar": 2, "märz": 3, "maerz": 3, "april": 4, "mai": 5, "juni": 6,
    "juli": 7, "august": 8, "september": 9, "oktober": 10, "november": 11, "dezember": 12,
    "marz": 3,  # read without its umlaut
    # English
    "january": 1, "february": 2, "march": 3, "may": 5, "june": 6, "july": 7, "october": 10,
    "december": 12,
    # abbreviations
    "jan": 1, "feb": 2, "mär": 3, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "sept": 9, "okt": 10, "oct": 10, "nov": 11, "dez": 12, "dec": 12,
}
_MONTH_RE = "|".join(sorted(map(re.escape, MONTHS), key=len, reverse=True))

DATE_PATTERNS = (
    # 01.04.2025, 1.4.2025, 01/04/2025 (day first: the European order, also in English contracts
    # written for Germany), 01-04-2025
    (re.compile(r"\b(\d{1,2})[./-](\d{1,2})[./-](\d{4})\b"), "dmy"),
    (re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b"), "ymd"),
    # "22.. Oktober 2027", "August 27,.2027": a speck the OCR read beside a stop or comma
    (re.compile(rf"\b(\d{{1,2}})(?:\.{{1,2}}|st|nd|rd|th)?\s*(?:of\s+)?({_MONTH_RE})\.?,?\s+(\d{{4}})\b",
                re.IGNORECASE), "d_month_y"),
    (re.compile(rf"\b({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+|[,.]{{1,2}}\s*)(\d{{4}})\b", re.IGNORECASE),
     "month_d_y"),
)


def fold(text: str) -> str:
    """Lower case, whitespace collapsed; umlauts kept (German keywords need them)."""
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


# A word broken at a line's end and carried on in lower case on the next line ("monat-\nliches Bruttogehalt"):
# narrow columns hyphenate, and the halves hide the word a rule looks for (the salary's period).
# "Kranken-\nund Pflegeversicherung" is two words that share an ending, not one.
_BROKEN_WORD = re.compile(r"(?<=[^\W\d_])-[ \t]*\n[ \t]*(?=[a-zäöüß])(?!(?:und|oder|bzw|sowie|and|or)\b)")


def join_broken_words(text: str) -> str:
    """The text with words hyphenated across a line break put back together."""
    return _BROKEN_WORD.sub("", text)


def snippet(text: str, start: int, end: int) -> str:
    """The text around a finding, for the caseworker to see where it came from."""
    return text[max(0, start - 80):end + 40]


def find_dates(text: str) -> list[tuple[int, date]]:
    """All dates in ``text`` with their offsets, in order of appearance."""
    found: dict[int, date] = {}
    for pattern, order in DATE_PATTERNS:
        for match in pattern.finditer(text):
            parsed = _to_date(match.groups(), order)
            if parsed is not None and match.start() not in found:
                found[match.start()] = parsed
    return sorted(found.items())


def first_date(text: str) -> date | None:
    dates = find_dates(text)
    return dates[0][1] if dates else None


def _to_date(groups: tuple[str, ...], order: str) -> date | None:
    try:
        if order == "dmy":
            day, month, year = int(groups[0]), int(groups[1]), int(groups[2])
        elif order == "ymd":
            year, month, day = int(groups[0]), int(groups[1]), int(groups[2])
        elif order == "d_month_y":
            day, month, year = int(groups[0]), MONTHS[groups[1].casefold()], int(groups[2])
        else:
            month, day, year = MONTHS[groups[0].casefold()], int(groups[1]), int(groups[2])
        if not 1900 <= year <= 2100:
            return None
        return date(year, month, day)
    except (KeyError, ValueError):
        return None


# Amounts: 52.000,00 | 52,000.00 | 52 000 | 52’000 | 4500 | 4.500,- ; separators decide the locale.
NUMBER = r"\d{1,3}(?:[.,\u00a0\u202f ’']\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?"


def parse_amount(raw: str) -> Decimal | None:
    """German and English number formats. The last separator followed by one or two digits is
    the decimal mark; a single separator followed by exactly three digits groups thousands
    (``52.000`` and ``52,000`` are both fifty-two thousand: salaries have no fractional euros
    written with three decimals)."""
    text = raw.strip().rstrip("-").rstrip(",.").replace("\u00a0", " ").replace("\u202f", " ")
    text = re.sub(r"[ ’']", "", text)
    match = re.fullmatch(r"(\d+(?:[.,]\d+)*)", text)
    if not match:
        return None
    last = max(text.rfind("."), text.rfind(","))
    if last >= 0 and len(text) - last - 1 in (1, 2):
        integer, fraction = text[:last], text[last + 1:]
    else:
        integer, fraction = text, "0"
    integer = re.sub(r"[.,]", "", integer)
    try:
        return Decimal(integer) if fraction == "0" else Decimal(f"{integer}.{fraction}")
    except InvalidOperation:
        return None
