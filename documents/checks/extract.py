"""Field extraction from document text (German and English): employment contracts, degree
certificates, language certificates. Each extractor returns the fields it found, with the text
it found them in; nothing is guessed when the text is unclear."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from .textutil import NUMBER, find_dates, first_date, fold, parse_amount


@dataclass
class Extracted:
    fields: dict[str, Any] = field(default_factory=dict)
    evidence: dict[str, str] = field(default_factory=dict)

    def put(self, name: str, value: Any, evidence: str) -> None:
        self.fields[name] = value
        self.evidence[name] = " ".join(evidence.split())[:200]


# --- employment contract ---------------------------------------------------------------------

_SALARY_WORDS = (
    "gehalt", "vergütung", "verguetung", "entgelt", "lohn", "bezüge", "salary", "remuneration",
    "compensation", "wage", "pay",
)
_MONTHLY = ("monat", "monthly", "per month", "a month", "/month", "mtl", "p.m.", "monatlich")
_ANNUAL = ("jahr", "jährlich", "annual", "per year", "a year", "per annum", "p.a.", "yearly", "/year")
_HOURLY = ("stunde", "hourly", "per hour", "an hour", "/hour", "stundenlohn")
_AMOUNT_RE = re.compile(
    rf"(?:(?:€|eur\b|euro\b)\s*(?P<a>{NUMBER})(?:\s*,-)?)|(?:(?P<b>{NUMBER})(?:\s*,-)?\s*(?:€|eur\b|euro\b))",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Salary:
    annual: Decimal
    amount: Decimal
    period: str  # "annual" or "monthly"
    evidence: str


_EXTRAS = ("zuschuss", "zulage", "bonus", "prämie", "praemie", "allowance", "reimburse", "erstattung",
           "spesen", "provision", "commission", "sachbezug", "benefit")


_THIRTEENTH_RE = re.compile(
    r"\b13\.\s*(?:monats)?gehalt|\bdreizehnte[nsr]?\s+(?:monats)?gehalt|\b13(?:th|\.)?[\s-]+month(?:ly)?\s+(?:salary|pay)"
    r"|\bthirteenth[\s-]+(?:month(?:ly)?\s+)?(?:salary|pay)|\bweihnachtsgeld\b|\bchristmas\s+bonus\b",
    re.IGNORECASE)


def find_salary(text: str) -> Salary | None:
    """The gross base salary: euro amounts whose own sentence names a salary. Hourly rates and
    extras (allowances, bonuses) are ignored. An annual figure wins over monthly ones (× 12); a 13th
    salary is not added (see find_thirteenth_salary). Two base salaries that disagree (a lower one
    during probation, a raise after six months) give none: which one counts is for a person to say,
    not for a guess."""
    annual: dict[Decimal, Salary] = {}
    monthly: dict[Decimal, Salary] = {}
    for match in _AMOUNT_RE.finditer(text):
        amount = parse_amount(match.group("a") or match.group("b"))
        if amount is None or amount <= 0:
            continue
        context = fold(_sentence(text, match.start(), match.end()))
        if not any(w in context for w in _SALARY_WORDS):
            continue
        if any(w in context for w in _HOURLY + _EXTRAS):
            continue
        period = _period(context, amount)
        salary = Salary(amount if period == "annual" else amount * 12, amount, period,
                        _snippet(text, match.start(), match.end()))
        (annual if period == "annual" else monthly).setdefault(salary.annual, salary)
    if len(annual) == 1:
        (only,) = annual.values()
        # Monthly instalments of the annual figure (12 or 13 of them) agree with it; another monthly
        # figure does not.
        if all(only.annual in (value, value / 12 * 13) for value in monthly):
            return only
        return None
    if annual:
        return None
    return next(iter(monthly.values())) if len(monthly) == 1 else None


def find_thirteenth_salary(text: str) -> str | None:
    """A 13th monthly salary (or Christmas pay) promised besides the base salary: the sentence that
    says so. Not added to the annual salary: whether it is guaranteed, and so counts towards a salary
    threshold, is for the caseworker to judge from the contract."""
    match = _THIRTEENTH_RE.search(text)
    return _snippet(text, match.start(), match.end()) if match else None


def _period(context: str, amount: Decimal) -> str:
    monthly = any(w in context for w in _MONTHLY)
    annual = any(w in context for w in _ANNUAL)
    if monthly and not annual:
        return "monthly"
    if annual and not monthly:
        return "annual"
    # Both or neither named: the size of the figure decides (no skilled job pays 15,000 a month,
    # none pays 4,000 a year).
    return "monthly" if amount < 15000 else "annual"


# A colon or semicolon does not end the context of an amount: "Vergütung: 4.850 €" and "… 4.200 €;
# thereafter 4.600 €" belong to the words before them.
_SENTENCE_END = re.compile(r"[.!?](?=\s)|\n\s*\n|\n(?=§|\d+\.\s)")


def _sentence(text: str, start: int, end: int) -> str:
    """The sentence around an amount: from the previous sentence end to the next one. A full
    stop inside a number (4.850,00) is not an end: only one followed by white space is."""
    before = text[max(0, start - 300):start]
    ends = list(_SENTENCE_END.finditer(before))
    head = before[ends[-1].end():] if ends else before
    after = text[end:end + 200]
    nxt = _SENTENCE_END.search(after)
    tail = after[:nxt.start()] if nxt else after
    return head + text[start:end] + tail


def _snippet(text: str, start: int, end: int) -> str:
    return text[max(0, start - 80):end + 40]


_HOURS_PATTERNS = (
    re.compile(r"(\d{1,2}(?:[.,]\d{1,2})?)\s*(?:stunden|std\.?|hours|hrs\.?|h)\b[^.\n]{0,40}?"
               r"(?:woche|wöchentlich|week|weekly)", re.IGNORECASE),
    re.compile(r"(?:wöchentliche|regelmäßige|weekly|regular)\s+(?:arbeitszeit|working\s+(?:time|hours))"
               r"[^0-9.\n]{0,60}(\d{1,2}(?:[.,]\d{1,2})?)", re.IGNORECASE),
)


def find_weekly_hours(text: str) -> tuple[Decimal, str] | None:
    for pattern in _HOURS_PATTERNS:
        for match in pattern.finditer(text):
            hours = parse_amount(match.group(1))
            if hours is not None and 1 <= hours <= 60:
                return hours, _snippet(text, match.start(), match.end())
    return None


_START_RE = re.compile(
    r"(?:beginnt\s+am|beginnt\s+zum|beginn\s+des\s+arbeitsverhältnisses|arbeitsbeginn|eintrittsdatum|"
    r"eintritt|tätigkeitsbeginn|start(?:ing)?\s+date|commenc\w*(?:\s+on)?|start(?:s|ing)?\s+on|"
    r"begins?\s+on|(?:with\s+)?effect\s+from|employment\s+(?:will\s+)?start\w*)",
    re.IGNORECASE,
)


def find_start_date(text: str) -> tuple[date, str] | None:
    for match in _START_RE.finditer(text):
        window = text[match.end():match.end() + 60]
        found = first_date(window)
        if found is not None:
            return found, _snippet(text, match.start(), match.end() + 60)
    return None


def extract_contract(text: str) -> Extracted:
    out = Extracted()
    salary = find_salary(text)
    if salary:
        out.put("annual_gross_salary", salary.annual, salary.evidence)
        out.fields["salary_period"] = salary.period
        out.fields["salary_amount"] = salary.amount
    thirteenth = find_thirteenth_salary(text)
    if thirteenth:
        out.put("thirteenth_salary", True, thirteenth)
    hours = find_weekly_hours(text)
    if hours:
        out.put("weekly_hours", *hours)
    start = find_start_date(text)
    if start:
        out.put("start_date", *start)
    return out


# --- degree certificate ----------------------------------------------------------------------

_DEGREE_RE = re.compile(
    r"\b(?:Bachelor|Master|Doctor|Doktor)\s+(?:of|der|des)\s+[A-ZÄÖÜ][\w-]+(?:\s+(?:and|und|in)?\s*[A-ZÄÖÜ][\w-]+){0,4}"
    r"|\b(?:Diplom|Diploma)-[A-ZÄÖÜ][\w-]+(?:\s*\(\w+\))?"
    r"|\b(?:B\.\s?Sc\.|M\.\s?Sc\.|B\.\s?A\.|M\.\s?A\.|B\.\s?Eng\.|M\.\s?Eng\.|LL\.\s?M\.|MBA|Ph\.?\s?D\.?)"
    r"|\b(?:Staatsexamen|Magister|Licenciatura|Bacharelado|Laurea(?:\s+Magistrale)?|Diplom|Bachelor|Master)\b",
)
_INSTITUTION_RE = re.compile(
    r"^.*\b(?:Universit(?:y|ät|at|é|à|ad|ade)|Hochschule|Fachhochschule|College|Institute?|Akademie|"
    r"Academy|Polytechnic|École|Escola|Escuela)\b.*$",
    re.IGNORECASE | re.MULTILINE,
)
_AWARD_RE = re.compile(
    r"(?:verliehen\s+am|conferred\s+on|awarded\s+on|date\s+of\s+(?:issue|award|graduation)|"
    r"ausgestellt\s+am|datum|date|den)\b", re.IGNORECASE)


def extract_degree(text: str) -> Extracted:
    out = Extracted()
    degree = _DEGREE_RE.search(text)
    if degree:
        out.put("degree", " ".join(degree.group().split()), _snippet(text, degree.start(), degree.end()))
    institution = _INSTITUTION_RE.search(text)
    if institution:
        name = " ".join(institution.group().split())
        out.put("institution", name[:120], name)
    awarded = _award_date(text)
    if awarded:
        out.put("degree_date", *awarded)
    return out


def _award_date(text: str) -> tuple[date, str] | None:
    for match in _AWARD_RE.finditer(text):
        found = first_date(text[match.end():match.end() + 60])
        if found:
            return found, _snippet(text, match.start(), match.end() + 60)
    dates = find_dates(text)
    if dates:
        pos, found = dates[-1]  # certificates end with place and date
        return found, _snippet(text, pos, pos + 12)
    return None


# --- language certificate --------------------------------------------------------------------

CEFR = ("A1", "A2", "B1", "B2", "C1", "C2")
_GERMAN_TESTS = ("goethe", "testdaf", "telc deutsch", "ösd", "dsh", "deutsch", "german")
_ENGLISH_TESTS = ("ielts", "toefl", "cambridge", "english", "englisch", "telc english")


def extract_language(text: str) -> Extracted:
    out = Extracted()
    folded = fold(text)
    out.fields["language"] = _which_language(folded)
    for finder in (_testdaf, _ielts, _toefl, _explicit_level):
        found = finder(text)
        if found:
            level, test, evidence = found
            out.put("language_level", level, evidence)
            if test:
                out.fields["language_test"] = test
            break
    if "language_test" not in out.fields:
        out.fields["language_test"] = _test_name(folded)
    return out


def _which_language(folded: str) -> str:
    german = sum(folded.count(w) for w in _GERMAN_TESTS)
    english = sum(folded.count(w) for w in _ENGLISH_TESTS)
    if german == english == 0:
        return ""
    return "de" if german >= english else "en"


def _test_name(folded: str) -> str:
    for name in ("goethe", "testdaf", "telc", "ösd", "dsh", "ielts", "toefl", "cambridge"):
        if name in folded:
            return name
    return ""


_LEVEL_RE = re.compile(r"(?<![A-Za-z0-9])([ABC][12])(?![0-9])")


def _explicit_level(text: str) -> tuple[str, str, str] | None:
    """The first CEFR level right after a word like "Niveau" or "level"; without such a word,
    the first level named (a certificate may also print the whole scale, so not the highest)."""
    levels = [(m.group(1), m.start(), m.end()) for m in _LEVEL_RE.finditer(text)]
    if not levels:
        return None
    near = [x for x in levels if re.search(r"(?:niveau|level|stufe|ger|cefr|zertifikat|certificate|deutsch)\W{0,3}$",
                                             text[max(0, x[1] - 30):x[1]], re.IGNORECASE)]
    level, start, end = (near or levels)[0]
    return level, "", _snippet(text, start, end)


def _testdaf(text: str) -> tuple[str, str, str] | None:
    """TestDaF: TDN 3 is B2, TDN 4 lies between B2 and C1 and counts as B2 here, TDN 5 is C1."""
    match = re.search(r"TDN\s*([345])", text)
    if not match or "testdaf" not in text.casefold():
        return None
    level = {"3": "B2", "4": "B2", "5": "C1"}[match.group(1)]
    return level, "testdaf", _snippet(text, match.start(), match.end())


def _ielts(text: str) -> tuple[str, str, str] | None:
    """IELTS overall band to CEFR (the bands Cambridge publishes)."""
    match = re.search(r"overall\s+band\s+score[^0-9]{0,20}(\d(?:[.,]\d)?)", text, re.IGNORECASE)
    if not match or "ielts" not in text.casefold():
        return None
    band = float(match.group(1).replace(",", "."))
    level = "C2" if band >= 8.5 else "C1" if band >= 7 else "B2" if band >= 5.5 else "B1" if band >= 4 else "A2"
    return level, "ielts", _snippet(text, match.start(), match.end())


def _toefl(text: str) -> tuple[str, str, str] | None:
    """TOEFL iBT total score to CEFR (ETS's published ranges)."""
    match = re.search(r"total\s+score[^0-9]{0,20}(\d{2,3})", text, re.IGNORECASE)
    if not match or "toefl" not in text.casefold():
        return None
    score = int(match.group(1))
    level = "C2" if score >= 114 else "C1" if score >= 95 else "B2" if score >= 72 else "B1" if score >= 42 else "A2"
    return level, "toefl", _snippet(text, match.start(), match.end())
