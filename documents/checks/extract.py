"""Field extraction from document text (German and English): employment contracts, degree
certificates, language certificates. Each extractor returns the fields it found, with the text
it found them in; nothing is guessed when the text is unclear (the contract's rules are in
``contract_fields``)."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from . import contract_fields
from .textutil import find_dates, first_date, fold, join_broken_words, snippet


@dataclass
class Extracted:
    fields: dict[str, Any] = field(default_factory=dict)
    evidence: dict[str, str] = field(default_factory=dict)
    # Fields the text speaks of but leaves open (a base salary in doubt): "not found" as an answer.
    declined: set[str] = field(default_factory=set)
    # Of those, the ones no word doubts: the figures did not fit together (a figure read with the period
    # of the one before it), which on a scan may be a word the OCR lost.
    unfitted: set[str] = field(default_factory=set)
    # Every euro amount of the text, in order: two OCR readings of a page that differ in them read its
    # digits unsteadily.
    amounts: tuple[Decimal, ...] = ()
    # Fields read from two figures that fit together (``contract_fields.Salary.self_checked``): the reading
    # is its own second witness.
    self_checked: set[str] = field(default_factory=set)

    def put(self, name: str, value: Any, evidence: str) -> None:
        self.fields[name] = value
        self.evidence[name] = " ".join(evidence.split())[:200]


# --- employment contract ---------------------------------------------------------------------


def extract_contract(text: str) -> Extracted:
    text = join_broken_words(text)
    out = Extracted()
    out.amounts = tuple(a.value for a in contract_fields.amounts(contract_fields.plain(text)))
    verdict = contract_fields.salary_verdict(text)
    salary = verdict.salary
    if verdict.named and not salary:
        out.declined.add("annual_gross_salary")
        if not verdict.doubted:
            out.unfitted.add("annual_gross_salary")
    if salary:
        out.put("annual_gross_salary", salary.annual, salary.evidence)
        out.fields["salary_period"] = salary.period
        out.fields["salary_amount"] = salary.amount
        if salary.self_checked:
            out.self_checked.add("annual_gross_salary")
    thirteenth = contract_fields.find_thirteenth_salary(text)
    if thirteenth:
        out.put("thirteenth_salary", True, thirteenth)
    hours = contract_fields.find_weekly_hours(text)
    if hours:
        out.put("weekly_hours", *hours)
    start = contract_fields.find_start_date(text)
    if start:
        out.put("start_date", *start)
    return out


# A start more than this many years after the upload is a misread year ("2077" for "2027"): a residence
# title is applied for months before the work starts, and no contract is signed decades ahead.
START_YEARS_AHEAD = 5


def drop_far_start(extracted: Extracted, *, today: date) -> None:
    """Leave out a start date too far ahead to be one (``START_YEARS_AHEAD``): "not found" instead."""
    start = extracted.fields.get("start_date")
    if start is not None and start.year > today.year + START_YEARS_AHEAD:
        extracted.fields.pop("start_date")
        extracted.evidence.pop("start_date", None)


# The fields of one reading that stand or fall together, named by the first.
CONTRACT_FIELDS = (("annual_gross_salary", "salary_period", "salary_amount"), ("thirteenth_salary",),
                   ("weekly_hours",), ("start_date",))


@dataclass
class Agreement:
    extracted: Extracted
    # Found by one reading only, or not by every reading of an unsteady page, with no reading against
    # it: another reading may confirm it.
    unconfirmed: set[str] = field(default_factory=set)


def agree_contract(readings: list[Extracted], *, witnesses: list[str] | None = None) -> Agreement:
    """The fields that several OCR readings of one scan agree on. An OCR misreads a digit now and then
    ("3.300,00" as "3.300,90"), and a misread figure would go into the case file as read, so from a scan
    a field counts only when two witnesses found it and no reading found another value or, for the salary,
    left one open (a doubt the other readings did not see; see ``_vetoes``). When two readings each have a
    euro amount the other has not, the page's digits are read unsteadily (a fax, strong JPEG): then every
    reading with amounts must have found the field. ``witnesses`` names, per reading, the witness it is:
    readings that saw the page alike (its light evened two ways) misread its digits alike ("2.900,00" as
    "2.908,00" twice, the third reading "2.900,80"), so together they are one; without it each reading is
    its own. A salary read as two figures that fit (``Extracted.self_checked``) is its own second witness
    and stands on an unsteady page too. "Not found" is the safe side."""
    witnesses = witnesses or [str(index) for index in range(len(readings))]
    out, unconfirmed = Extracted(), set()
    with_amounts = [r for r in readings if r.amounts]
    unsteady = _digits_unsteady(with_amounts)
    for group in CONTRACT_FIELDS:
        name = group[0]
        found = [r for r in readings if name in r.fields]
        witnessed_by = {witness for r, witness in zip(readings, witnesses, strict=True) if name in r.fields}
        values = {r.fields[name] for r in found}
        if len(values) != 1 or any(_vetoes(r, name, found) for r in readings):
            continue
        self_checked = any(name in r.self_checked for r in found)
        lost_on_unsteady_page = unsteady and any(name not in r.fields for r in with_amounts)
        if len(witnessed_by) + self_checked < 2 or (lost_on_unsteady_page and not self_checked):
            unconfirmed.add(name)
            continue
        first = found[0]
        for member in group:
            if member in first.fields:
                out.fields[member] = first.fields[member]
            if member in first.evidence:
                out.evidence[member] = first.evidence[member]
    return Agreement(out, unconfirmed)


def keep_confirmed(before: Agreement, after: Agreement, last: Extracted) -> Agreement:
    """``after`` (the readings with ``last`` added) with the fields ``before`` confirmed that ``last`` does
    not speak against (another value, or the salary left open): a reading asked only for the fields still
    unconfirmed, which lost a line the others read, takes nothing away."""
    for group in CONTRACT_FIELDS:
        name = group[0]
        if name not in before.extracted.fields or name in after.extracted.fields:
            continue
        value = before.extracted.fields[name]
        if name in last.declined or last.fields.get(name, value) != value:
            continue
        for member in group:
            if member in before.extracted.fields:
                after.extracted.fields[member] = before.extracted.fields[member]
            if member in before.extracted.evidence:
                after.extracted.evidence[member] = before.extracted.evidence[member]
        after.unconfirmed.discard(name)
    return after


def _vetoes(reading: Extracted, name: str, found: list[Extracted]) -> bool:
    """A reading that left the field open speaks against the readings that found it, unless only its
    figures did not fit together while it read the very amounts they read: then it lost a word they
    read (the "Monatsbeträge" the instalments were named by), and no word of it doubts the figure."""
    if name not in reading.declined:
        return False
    if name in reading.unfitted and any(name in other.self_checked for other in found):
        return False
    if name not in reading.unfitted or len(found) < 2:
        return True
    return any(Counter(reading.amounts) != Counter(other.amounts) for other in found)


def _digits_unsteady(readings: list[Extracted]) -> bool:
    """Two readings each with an amount the other has not: a figure came out differently, so the page's
    digits are read unsteadily. A reading whose amounts are all in another's only lost lines (a side of
    the page too dark, a clause cut off), which says nothing against the digits it did read."""
    counted = [Counter(r.amounts) for r in readings]
    return any(a - b and b - a for i, a in enumerate(counted) for b in counted[i + 1:])


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
        out.put("degree", " ".join(degree.group().split()), snippet(text, degree.start(), degree.end()))
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
            return found, snippet(text, match.start(), match.end() + 60)
    dates = find_dates(text)
    if dates:
        pos, found = dates[-1]  # certificates end with place and date
        return found, snippet(text, pos, pos + 12)
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
    return level, "", snippet(text, start, end)


def _testdaf(text: str) -> tuple[str, str, str] | None:
    """TestDaF: TDN 3 is B2, TDN 4 lies between B2 and C1 and counts as B2 here, TDN 5 is C1."""
    match = re.search(r"TDN\s*([345])", text)
    if not match or "testdaf" not in text.casefold():
        return None
    level = {"3": "B2", "4": "B2", "5": "C1"}[match.group(1)]
    return level, "testdaf", snippet(text, match.start(), match.end())


def _ielts(text: str) -> tuple[str, str, str] | None:
    """IELTS overall band to CEFR (the bands Cambridge publishes)."""
    match = re.search(r"overall\s+band\s+score[^0-9]{0,20}(\d(?:[.,]\d)?)", text, re.IGNORECASE)
    if not match or "ielts" not in text.casefold():
        return None
    band = float(match.group(1).replace(",", "."))
    level = "C2" if band >= 8.5 else "C1" if band >= 7 else "B2" if band >= 5.5 else "B1" if band >= 4 else "A2"
    return level, "ielts", snippet(text, match.start(), match.end())


def _toefl(text: str) -> tuple[str, str, str] | None:
    """TOEFL iBT total score to CEFR (ETS's published ranges)."""
    match = re.search(r"total\s+score[^0-9]{0,20}(\d{2,3})", text, re.IGNORECASE)
    if not match or "toefl" not in text.casefold():
        return None
    score = int(match.group(1))
    level = "C2" if score >= 114 else "C1" if score >= 95 else "B2" if score >= 72 else "B1" if score >= 42 else "A2"
    return level, "toefl", snippet(text, match.start(), match.end())
