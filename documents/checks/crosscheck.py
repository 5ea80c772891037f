"""Compare what a document says with what the applicant entered.

Names are compared the way the MRZ writes them: ICAO 9303 Part 3 §6 transliterates Latin letters
with diacritics (``Ä`` -> ``AE`` or ``A``, ``ß`` -> ``SS``, ``Ø`` -> ``OE``, others lose the mark)
and Cyrillic letters by its Table B (Russian, Ukrainian, Belarusian letters covered here). Other
scripts (Arabic, Greek, CJK, ...) are out of scope: such names produce a ``name_not_comparable``
finding for the caseworker instead of a false mismatch.

Thresholds (salary) are passed in; the rules engine in ``applications/rules`` owns them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from decimal import Decimal
from typing import Any

from . import countries
from .classify import DOCUMENT_TYPES
from .findings import Finding, finding

# ICAO 9303 Part 3, §6, Table A: letters that are not just a base letter with a mark.
# The first spelling is the recommended one; the others are allowed and occur in real MRZs.
_LATIN_SPECIAL: dict[str, tuple[str, ...]] = {
    "Ä": ("AE", "A"), "Ö": ("OE", "O"), "Ü": ("UE", "U", "UXX"), "Å": ("AA", "A"),
    "Æ": ("AE",), "Ø": ("OE",), "Œ": ("OE",), "ß": ("SS",), "ẞ": ("SS",), "Þ": ("TH",),
    "Ð": ("D",), "Đ": ("D",), "Ł": ("L",), "Ħ": ("H",), "Ŀ": ("L",), "Ĳ": ("IJ",), "Ŋ": ("N",),
    "Ñ": ("N", "NXX"), "ı": ("I",),
}

# ICAO 9303 Part 3, §6, Table B (Cyrillic), the letters of Russian, Ukrainian and Belarusian.
_CYRILLIC = {
    "А": "A", "Б": "B", "В": "V", "Г": "G", "Ґ": "G", "Д": "D", "Е": "E", "Ё": "E", "Є": "IE",
    "Ж": "ZH", "З": "Z", "И": "I", "І": "I", "Ї": "I", "Й": "I", "К": "K", "Л": "L", "М": "M",
    "Н": "N", "О": "O", "П": "P", "Р": "R", "С": "S", "Т": "T", "У": "U", "Ў": "U", "Ф": "F",
    "Х": "KH", "Ц": "TS", "Ч": "CH", "Ш": "SH", "Щ": "SHCH", "Ъ": "IE", "Ы": "Y", "Ь": "",
    "Э": "E", "Ю": "IU", "Я": "IA",
}


def transliterate(name: str, *, variant: int = 0) -> str:
    """A name as the MRZ writes it: upper case, ``A``..``Z`` and spaces only.
    ``variant`` picks the n-th allowed spelling of the special letters (0 = recommended)."""
    out = []
    for char in unicodedata.normalize("NFC", name):
        upper = char.upper() if char not in "ßı" else char
        if upper in _LATIN_SPECIAL:
            options = _LATIN_SPECIAL[upper]
            out.append(options[min(variant, len(options) - 1)])
        elif upper in _CYRILLIC:
            out.append(_CYRILLIC[upper])
        else:
            out.append(_strip_marks(upper))
    text = re.sub(r"[-'’‐.,]", " ", "".join(out))
    return " ".join(re.sub(r"[^A-Z ]", "", text).split())


def _strip_marks(char: str) -> str:
    decomposed = unicodedata.normalize("NFKD", char)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).upper()


def name_variants(name: str) -> set[str]:
    return {transliterate(name, variant=v) for v in range(3)}


def is_comparable(name: str) -> bool:
    """True when every letter is Latin or in the Cyrillic table (other scripts: out of scope)."""
    for char in name:
        if not char.isalpha() or char.upper() in _CYRILLIC:
            continue
        if "LATIN" not in unicodedata.name(char, ""):
            return False
    return True


def names_match(entered: str, document: str, *, truncated: bool = False) -> bool:
    """Entered name (any Latin spelling) vs. the document's (MRZ form). Spaces do not count
    (``VAN DER BERG`` == ``VANDERBERG``); a truncated MRZ name only has to be a prefix."""
    target = document.replace(" ", "").upper()
    if not target:
        return False
    for variant in name_variants(entered):
        compact = variant.replace(" ", "")
        if compact == target or (truncated and compact.startswith(target)):
            return True
    return False


def given_names_match(entered: str, document: str, *, truncated: bool = False) -> bool:
    """Applicants often enter only their first given name: each entered name must appear, in
    order, among the document's given names."""
    if names_match(entered, document, truncated=truncated):
        return True
    doc_tokens = document.upper().split()
    for variant in name_variants(entered):
        tokens = variant.split()
        if tokens and _in_order(tokens, doc_tokens):
            return True
    return False


def _in_order(needles: list[str], haystack: list[str]) -> bool:
    it = iter(haystack)
    return all(any(n == h for h in it) for n in needles)


# --- context -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Context:
    """What the applicant entered, for comparison. Every field is optional."""

    surname: str = ""
    given_names: str = ""
    birth_date: date | None = None
    nationality: str = ""  # ISO 3166-1 alpha-3 ("DEU"); ICAO "D" is accepted too
    intended_stay_end: date | None = None
    salary_threshold: Decimal | None = None  # annual gross EUR, from applications/rules
    # The work as the application declares it (the employment step), for a contract to be compared with.
    declared_annual_salary: Decimal | None = None
    declared_weekly_hours: Decimal | None = None
    declared_start_date: date | None = None
    expected_document_type: str = ""
    required_document_types: frozenset[str] = field(default_factory=frozenset)
    today: date | None = None

    @classmethod
    def from_any(cls, value: Context | Mapping[str, Any] | None) -> Context:
        if value is None:
            return cls()
        if isinstance(value, Context):
            return value
        known = {f.name for f in fields(cls)}
        data = {k: v for k, v in value.items() if k in known}
        if "required_document_types" in data:
            data["required_document_types"] = frozenset(data["required_document_types"] or ())
        for key in ("salary_threshold", "declared_annual_salary", "declared_weekly_hours"):
            if data.get(key) is not None:
                data[key] = Decimal(str(data[key]))
        for key in ("birth_date", "intended_stay_end", "today", "declared_start_date"):
            if isinstance(data.get(key), str):
                data[key] = date.fromisoformat(data[key])
        return cls(**data)


# --- checks --------------------------------------------------------------------------------

def check_identity(doc: Mapping[str, Any], ctx: Context, *, truncated: bool = False) -> list[Finding]:
    """Names, birth date and nationality of an identity document (MRZ fields) vs. the profile."""
    found: list[Finding] = []
    found += _check_name("surname", ctx.surname, doc.get("surname", ""), names_match, truncated)
    found += _check_name("given_names", ctx.given_names, doc.get("given_names", ""),
                         given_names_match, truncated)
    birth = doc.get("birth_date")
    if ctx.birth_date and birth and birth != ctx.birth_date:
        found.append(finding("birth_date_mismatch", field="birth_date", expected=ctx.birth_date,
                             found=birth))
    nationality = doc.get("nationality", "")
    if ctx.nationality and nationality and countries.to_iso(ctx.nationality) != countries.to_iso(nationality):
        found.append(finding("nationality_mismatch", field="nationality",
                             expected=countries.to_iso(ctx.nationality), found=countries.to_iso(nationality)))
    return found


def _check_name(field_name: str, entered: str, document: str, matcher, truncated: bool) -> list[Finding]:
    if not entered or not document:
        return []
    if not is_comparable(entered):
        return [finding("name_not_comparable", field=field_name, expected=entered, found=document,
                        confidence=0.0)]
    if matcher(entered, document, truncated=truncated):
        return []
    return [finding("name_mismatch", field=field_name, expected=entered, found=document)]


# Documents that name their holder in their text: a readable one that does not name the applicant is probably
# someone else's (a contract made out to another employee, a colleague's certificate).
NAMED_DOCUMENT_TYPES = frozenset({"employment_contract", "degree_certificate", "language_certificate"})
# Fewer words than this read from a page: too little to say that a name is not on it.
WORDS_TO_JUDGE = 40


def check_name_in_text(text: str, ctx: Context, document_type: str) -> list[Finding]:
    """A contract or certificate whose readable text does not contain the surname entered, in any spelling the
    MRZ allows; one letter misread is forgiven in a name part of five letters or more (OCR of a scan), and one
    part of a multi-part surname is enough (a contract may name only one). Names in other scripts are not
    judged."""
    if document_type not in NAMED_DOCUMENT_TYPES or not ctx.surname or not is_comparable(ctx.surname):
        return []
    words = set(transliterate(text).split())
    if len(words) < WORDS_TO_JUDGE:
        return []
    parts = {part for variant in name_variants(ctx.surname) for part in variant.split() if len(part) >= 3}
    if not parts or any(_occurs(part, words) for part in parts):
        return []  # a surname of short parts only ("LI", "NG") occurs anywhere, so its absence says nothing
    return [finding("name_not_in_document", field="surname", expected=ctx.surname)]


def _occurs(part: str, words: set[str]) -> bool:
    if part in words:
        return True
    return len(part) >= 5 and any(_one_letter_apart(part, word) for word in words if abs(len(word) - len(part)) <= 1)


def _one_letter_apart(a: str, b: str) -> bool:
    """One letter replaced, left out or added."""
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) <= 1
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


def check_expiry(expiry: date | None, ctx: Context) -> list[Finding]:
    """Expired passports cannot be used; one that ends before the stay does not block the visa
    but the residence title can only run as long as the passport (§ 5 AufenthG, passport duty)."""
    if expiry is None:
        return []
    today = ctx.today or date.today()
    if expiry < today:
        return [finding("passport_expired", field="expiry_date", found=expiry, expected=today)]
    if ctx.intended_stay_end and expiry < ctx.intended_stay_end:
        return [finding("passport_expires_before_stay_end", field="expiry_date", found=expiry,
                        expected=ctx.intended_stay_end)]
    return []


def check_salary(annual_gross: Decimal | None, ctx: Context) -> list[Finding]:
    if annual_gross is None or ctx.salary_threshold is None:
        return []
    if annual_gross >= ctx.salary_threshold:
        return []
    return [finding("salary_below_threshold", field="annual_gross_salary",
                    expected=f"{ctx.salary_threshold:.2f}", found=f"{annual_gross:.2f}")]


CENT = Decimal("0.01")
# The findings of check_contract_terms: the contract says other than the application.
CONTRACT_TERM_FINDINGS = frozenset({"contract_salary_differs", "contract_hours_differ", "contract_start_differs"})
# Weekly hours closer than this are the same hours written differently ("39,5" and "39.5", "40" and "40,0").
HOURS_TOLERANCE = Decimal("0.05")


def check_contract_terms(fields: Mapping[str, Any], ctx: Context) -> list[Finding]:
    """A contract whose salary, weekly hours or start date differ from what the application declares. Only
    what the contract's reading found is compared ("not found" compares nothing, and a guess is never
    made): the application's figures are what the eligibility rules and the BA judge, the contract is what
    binds the employer, so a difference is for the applicant to clear up before the case goes on.

    The salary agrees to the cent; a contract with a 13th salary promised agrees with either twelve or thirteen
    monthly salaries (the declaration may count the 13th salary or not)."""
    found: list[Finding] = []
    salary = _decimal(fields.get("annual_gross_salary"))
    declared = ctx.declared_annual_salary
    if salary is not None and declared is not None:
        agreeing = {salary}
        if fields.get("thirteenth_salary") and fields.get("salary_period") in ("monthly", "annual"):
            agreeing.add((salary * 13 / 12).quantize(CENT))  # twelve monthly salaries and the 13th
        if declared.quantize(CENT) not in {value.quantize(CENT) for value in agreeing}:
            found.append(finding("contract_salary_differs", field="annual_gross_salary", expected=declared,
                                 found=salary))
    hours = _decimal(fields.get("weekly_hours"))
    if hours is not None and ctx.declared_weekly_hours is not None \
            and abs(hours - ctx.declared_weekly_hours) > HOURS_TOLERANCE:
        found.append(finding("contract_hours_differ", field="weekly_hours", expected=ctx.declared_weekly_hours,
                             found=hours))
    start = fields.get("start_date")
    if isinstance(start, str):
        start = _iso_date(start)
    if isinstance(start, date) and ctx.declared_start_date is not None and start != ctx.declared_start_date:
        found.append(finding("contract_start_differs", field="start_date", expected=ctx.declared_start_date,
                             found=start))
    return found


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        return None
    return number if number.is_finite() else None


def _iso_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def words_tell_the_type(ctx: Context, *, mrz_found: bool) -> bool:
    """Whether the classifier may say what a document is from its words. Not in a slot whose documents it
    cannot tell (classify.DOCUMENT_TYPES lacks the slot's type) unless the machine-readable zone was
    found: a visa application form or an employer's declaration names the passport, the salary and the
    university, and would otherwise be taken for one of those."""
    expected = ctx.expected_document_type
    return mrz_found or not expected or expected in DOCUMENT_TYPES


def check_document_type(document_type: str, ctx: Context, *, mrz_found: bool = False) -> list[Finding]:
    """A document that is not what its slot asks for, where its type was told (words_tell_the_type)."""
    if not document_type or document_type == "unknown":
        return []
    if not words_tell_the_type(ctx, mrz_found=mrz_found):
        return []
    expected = ctx.expected_document_type
    if expected and document_type != expected:
        return [finding("document_type_unexpected", field="document_type",
                        expected=ctx.expected_document_type, found=document_type, confidence=0.7)]
    if ctx.required_document_types and document_type not in ctx.required_document_types:
        return [finding("document_type_unexpected", field="document_type",
                        expected=", ".join(sorted(ctx.required_document_types)), found=document_type,
                        confidence=0.7)]
    return []
