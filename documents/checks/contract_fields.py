"""Salary, weekly hours and start date from the text of an employment contract (German and English).

A figure is reported only when the contract leaves no doubt about it; otherwise "not found". The rules go
by the structure of a clause, not by set phrases: an amount in euros, the words nearest to it that say
what it is (the base salary, or an allowance, bonus, pension contribution, overtime rate, 13th salary...)
and the period it is paid for (a month, a year, N instalments, an hour). The text is cut into clauses
first: sentences, and lines of a table or of a "Label: value" list each on their own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .textutil import first_date, parse_amount, snippet

_PLAIN = str.maketrans("äöüÄÖÜß", "aouAOUs")


def plain(text: str) -> str:
    """The text without umlauts, the same length: the rules match plain text, since a scan's OCR often
    loses the dots ("die tagliche Hochstarbeitszeit betragt 10 Stunden")."""
    return text.translate(_PLAIN)


def _re(pattern: str, flags: int = re.IGNORECASE) -> re.Pattern[str]:
    return re.compile(plain(pattern), flags)


# --- clauses ---------------------------------------------------------------------------------------

_HEADING = _re(r"\s*(?:§|\d+\.\s|clause\b|section\b|artikel\b|article\b)", re.IGNORECASE)
_LABEL_ROW = _re(r"\s*[A-ZÄÖÜ][^\n:.|]{0,40}:\s", 0)


def clauses(text: str) -> list[tuple[int, int]]:
    """(start, end) of each clause: a line break ends one before a heading, a "Label: value" row, a
    table row (cells split by "|" or a tab) or after a blank line; inside a run of lines a sentence
    ends at ".", "!" or "?" followed by white space and a capital, except after an ordinal ("1. April",
    "ab dem 7. Monat"). A semicolon does not end a clause: "4.200 €; thereafter 4.600 €" belongs to the
    words before it."""
    spans: list[tuple[int, int]] = []
    lines = text.split("\n")
    block_start = pos = 0
    for index, line in enumerate(lines):
        end = pos + len(line)
        following = lines[index + 1] if index + 1 < len(lines) else None
        # A numbered line after an unfinished sentence goes on with it ("ab dem\n7. Monat").
        heading = (_HEADING.match(following or "") and line.rstrip().endswith((".", ":", "!", "?"))) \
            or (_HEADING.match(line) and len(line.strip()) < 50 and not line.rstrip().endswith(","))
        if following is None or not line.strip() or not following.strip() or _is_row(line) or _is_row(following) \
                or heading or _LABEL_ROW.match(following):
            spans += _sentences(text, block_start, end)
            block_start = end + 1
        pos = end + 1
    return [(s, e) for s, e in spans if text[s:e].strip()]


def _is_row(line: str) -> bool:
    return "|" in line or "\t" in line.strip()


def _sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    out, begin = [], start
    for match in re.finditer(r"[.!?](?=\s)", text[start:end]):
        stop = start + match.start()
        word = re.search(r"(\S*)$", text[begin:stop]).group(1)
        next_char = text[stop + 1:end].lstrip()[:1]
        # A sentence starts with a capital (or "§"); a stop before anything else ends an abbreviation
        # ("ca. 4.000 €", "inkl. der") or is a speck the OCR read as a stop ("compensated at. €30").
        if not (next_char.isupper() or next_char in "§\"„'") or re.fullmatch(r"\(?\d{1,2}", word):
            continue
        out.append((begin, stop + 1))
        begin = stop + 1
    out.append((begin, end))
    return out


def _clause_of(spans: list[tuple[int, int]], position: int) -> tuple[int, int]:
    return next(((s, e) for s, e in spans if s <= position < e), (position, position))


# --- amounts ---------------------------------------------------------------------------------------

_CURRENCY = r"(?:€|\beur(?:o|os)?\b)"
# A number as ``textutil.NUMBER`` reads it, but each separator may come out doubled: a speck of a strongly
# compressed scan read as a stop or comma beside it ("€3,.550..00"). The digits are all there; read
# as "€3" the figure would be a wrong amount of three euros.
_SPECK_NUMBER = (r"\d{1,3}(?:(?:[.,]{2}|[.,\u00a0\u202f ’'])\d{3})+(?:[.,]{1,2}\d{1,2}(?![.,]?\d))?"
                 r"|\d+(?:[.,]{1,2}\d{1,2}(?![.,]?\d))?")
_AMOUNT_RE = _re(
    rf"{_CURRENCY}\s*(?P<a>{_SPECK_NUMBER})(?P<ak>\s?k\b)?(?:\s*,-+)?"
    rf"|(?<![\d.,])(?P<b>{_SPECK_NUMBER})(?P<bk>\s?k\b)?(?:\s*,-+)?\s*{_CURRENCY}",
    re.IGNORECASE)
_SPECK = re.compile(r"[.,](?=[.,])")
# "(in Worten: viertausend Euro)", "(four thousand five hundred euros)": the words repeat the figure
# beside them and would otherwise put "Euro" after the wrong number.
_IN_WORDS = _re(r"\((?:in\s+worten|in\s+words|[a-zäöüß\s-]*(?:tausend|hundert|thousand|hundred))[^)]*\)",
                       re.IGNORECASE)


@dataclass(frozen=True)
class Amount:
    value: Decimal
    start: int
    end: int


def amounts(text: str) -> list[Amount]:
    blanked = _IN_WORDS.sub(lambda m: " " * len(m.group()), text)
    out = []
    for match in _AMOUNT_RE.finditer(blanked):
        value = parse_amount(_SPECK.sub("", match.group("a") or match.group("b")))
        if value is None or value <= 0:
            continue
        if match.group("ak") or match.group("bk"):
            value *= 1000
        out.append(Amount(value, match.start(), match.end()))
    return out


# --- what an amount is -------------------------------------------------------------------------------

BASE, EXTRA, HOURLY, WEAK = "base", "extra", "hourly", "weak"

_THIRTEENTH_RE = _re(
    r"\b13\.\s*(?:monats)?(?:gehalt|einkommen|lohn|vergütung)|\bdreizehnte[nsr]?\s+(?:monats)?(?:gehalt|einkommen|lohn)"
    r"|\b13(?:th|\.)?[\s-]+month(?:ly)?[\s-]+(?:salary|pay|wage)|\b13th\s+salary"
    r"|\bthirteenth[\s-]+(?:month(?:ly)?[\s-]+)?(?:salary|pay|wage)|\bweihnachtsgeld\w*|\bchristmas\s+bonus"
    r"|\bjahressonderzahlung\w*",
    re.IGNORECASE)
_EXTRA_RE = _re(
    r"[\wäöüß]*(?:zuschuss|zuschüss|zulage|bonus|prämie|praemie|provision|tantieme|gratifikation|sonderzahlung|"
    r"urlaubsgeld|erstatt|spesen|auslagen|umzug|sachbezug|altersversorgung|altersvorsorge|pension|vermögenswirksam|"
    r"jobticket|fahrtkosten|überstunde|ueberstunde|mehrarbeit|zuschlag|essens|einmal|abfindung|dienstwagen|"
    r"firmenwagen|aktien|gewinn|beteiligung|ziel|strafe|darlehen|kosten|pauschal|budget|gutschein|kilometer|"
    r"leistungsentgelt|leistungslohn|umwandlung|bereitschaft|fahrgeld|fahrtgeld|vorschuss)[\wäöüß-]*"
    r"|\b(?:allowances?|reimburs\w*|expenses?|relocation|signing|sign-on|commissions?|incentives?|benefits?|"
    r"overtime|stipend|meals?|travel|company\s+car|equity|shares?|stock|options?|dividends?|profit\w*|"
    r"severance|variable|target|penalt\w*|loans?|costs?|damages|per\s+diem|vouchers?|subsid\w*|commuting|"
    r"housing|accommodation|tuition|budget|premiums?|gratuit\w*|retention|rsus?|on-call|shift|supplements?|"
    r"holiday\s+pay|vacation\s+pay|sacrifice|advances?)\b",
    re.IGNORECASE)
_HOURLY_CUE_RE = _re(r"[\wäöüß]*(?:stundenlohn|stundensatz|stundenvergütung|stundenbasis|hourly)[\wäöüß]*",
                            re.IGNORECASE)
_BASE_RE = _re(
    r"[\wäöüß]*(?:gehalt|gehält|vergütung|verguetung|vergütet|entgelt|lohn|bezüge|bezuege|besoldung|salary|salaries|"
    r"remuneration|compensation|wages?|earnings|fixum)[\wäöüß]*|\bpay\b",
    re.IGNORECASE)
_WEAK_RE = _re(r"\b(?:brutto|gross)\b", re.IGNORECASE)

MONTH, YEAR, HOUR, OTHER = "month", "year", "hour", "other"
_PERIOD_RE = _re(
    r"(?P<month>\b(?:monatlich\w*|monthly|mtl\b\.?|p\.\s?m\.|(?:pro|je|im|per|a|each|/)\s*(?:kalender)?monat\b|"
    r"(?:pro|per|a|each|/)\s*(?:calendar\s+)?month\b|[\wäöüß]*monats(?!ende|letzt|erst|mitte)[\wäöüß]+|\w*monatsrate\w*)"
    r"|/\s*(?:monat|month|mo)\b)"
    r"|(?P<year>\b(?:jährlich\w*|jaehrlich\w*|annual\w*|yearly|per\s+annum|p\.\s?a\.?|"
    r"(?:pro|je|im|per|a|/)\s*(?:kalender)?jahr\b|(?:pro|per|a|each|/)\s*(?:calendar\s+)?year\b|per\s+anno\b|[\wäöüß]*jahres(?!ende|urlaub)[\wäöüß]+)"
    r"|/\s*(?:jahr|year)\b)"
    r"|(?P<hour>\b(?:stündlich|hourly|stundenlohn\w*|stundensatz\w*|stundenbasis|arbeitsstunde|"
    r"(?:pro|je|per|an|a|/)\s*(?:stunde|std|hour|h)\b|hour\s+worked)|/\s*(?:h|std|stunde|hour)\b)"
    r"|(?P<other>\b(?:wöchentlich|weekly|täglich|daily|(?:pro|je|per|a|/)\s*(?:woche|week|tag|day)\b))",
    re.IGNORECASE)
# A period right after the amount, with at most "brutto"/"gross" or brackets between: "4.200 € brutto
# monatlich", "€60k p.a.", "EUR 4,200 (gross) per month".
_PERIOD_NEXT = _re(r"(?:[\s(),|:]|brutto\b|gross\b)*", re.IGNORECASE)
_PAID_IN_PARTS = _re(r"raten|teilbeträg|teilen|instal|install|tranche", re.IGNORECASE)
_INSTALMENTS_RE = _re(
    r"\b(12|13|14|zwölf|dreizehn|vierzehn|twelve|thirteen|fourteen)\s+(?:gleichen?\s+|equal\s+)?"
    r"(?:monatlichen?\s+|monthly\s+)?(?:monats)?(?:raten|teil\w*|zahlungen|tranchen|gehält\w*|instal\w*|"
    r"install\w*|payments|parts|portions|salaries)",
    re.IGNORECASE)
_COUNTS = {"zwolf": 12, "twelve": 12, "dreizehn": 13, "thirteen": 13, "vierzehn": 14, "fourteen": 14}
# An amount that is not a fixed figure: a ceiling, a floor, an estimate, a range.
_QUALIFIED = _re(
    r"(?:bis\s+zu|up\s+to|maximal|höchstens|mindestens|at\s+least|minimum|maximum|ca\.?|circa|approx\w*\.?|"
    r"around|about|rund|etwa|zwischen|between|from)\s*(?:€|eur\w*)?\s*$",
    re.IGNORECASE)
# A clause that makes a base figure no figure of this contract's salary: the salary changes (probation,
# a raise), it is a share of another figure (part-time pro rata, a percentage of a full-time salary), a
# band, or a legal threshold or minimum the contract cites.
_DOUBT = _re(
    r"probezeit|probation\w*|erhöh\w*|increase\w*|steiger\w*|\bsteigt\b|danach|thereafter|anschließend|"
    r"subsequently|\bbefristet\b|zweiten\s+(?:jahr|beschäftigungsjahr)|second\s+year|ersten\s+\w+\s+monaten|"
    r"first\s+\w+\s+months|nach\s+ablauf|after\s+(?:the\s+)?(?:first|probation)"
    r"|%|prozent|percent|anteilig|pro[\s-]rata|vollzeitgehalt|vollzeitvergütung|vollzeitbasis|"
    r"full-time\s+(?:equivalent|salary|basis)|\bband\b|\brange\b|spanne|mindest|minimum|grenze|threshold|"
    r"schwelle|ceiling|beitragsbemessung",
    re.IGNORECASE)


@dataclass(frozen=True)
class Salary:
    annual: Decimal
    amount: Decimal
    period: str  # "annual", "monthly" or "instalments"
    evidence: str
    # The annual figure and the instalments it is paid in were read as two figures that fit together: a
    # misread digit in either breaks the fit, so the reading checks its own digits, as a check digit does.
    self_checked: bool = False


@dataclass(frozen=True)
class _Reading:
    amount: Amount
    label: str | None
    period: str | None
    instalments: int | None
    doubtful: bool  # qualified ("up to"), or in a clause of doubt (_DOUBT)


def find_salary(text: str) -> Salary | None:
    """The gross base salary per year, or None unless the contract fixes exactly one.

    Every euro amount is read with its own clause: the cue nearest before it (else right after it)
    says whether it is the base salary, an extra (allowances, bonuses, pension, overtime, a 13th
    salary: never counted) or an hourly wage; the period nearest it says per month, per year or per
    hour. "Not found" when a base figure has no clear period, is an hourly wage, is a ceiling or
    estimate, sits in a clause of doubt (the salary changes after probation or with a raise, a share
    of a full-time salary, a band, a legal threshold cited), or disagrees with another base figure;
    an annual figure agrees with monthly instalments of a twelfth or a thirteenth of it."""
    return salary_verdict(text).salary


@dataclass(frozen=True)
class Verdict:
    salary: Salary | None
    # The text names a base salary: "not found" after a base figure was read is an answer about the
    # contract, "not found" without one may only be a page the OCR could not read.
    named: bool
    # The words cast a doubt on it (a doubt, a ceiling, a weekly or hourly figure): not only figures
    # that do not fit together, which on a scan may be a period word the OCR lost.
    doubted: bool


def salary_verdict(text: str) -> Verdict:
    """``find_salary``'s answer, whether the text names a base salary at all (a doubt, a disagreement, an
    hourly wage), and whether its words doubt it. Base figures none of which has a period or a doubt do
    not name one: on a scan the words around a figure are what the OCR loses first ("a gross | of
    6,850.00 EUR" with "monthly salary" on a line it dropped)."""
    source, text = text, plain(text)
    spans = clauses(text)
    readings = _readings(text, spans)
    base = [r for r in readings if r.label == BASE]
    named = any(r.period is not None or r.doubtful for r in base) or any(r.label == HOURLY for r in readings)
    return Verdict(_decide(source, readings, base), named, _doubted(readings, base))


def _doubted(readings: list[_Reading], base: list[_Reading]) -> bool:
    return any(r.doubtful or r.period in (HOUR, OTHER) for r in base) or any(r.label == HOURLY for r in readings)


def _decide(source: str, readings: list[_Reading], base: list[_Reading]) -> Salary | None:
    if not base or _doubted(readings, base):
        return None
    yearly = {r.amount.value for r in base if r.period == YEAR}
    monthly = {(r.amount.value, r.instalments) for r in base if r.period == MONTH}
    known = yearly | {value for value, _ in monthly}
    if any(r.period is None and r.amount.value not in known for r in base):
        return None
    if not _plausible(yearly, monthly) or len(yearly) > 1:
        return None
    first = next(r for r in base if r.period in (YEAR, MONTH))
    evidence = snippet(source, first.amount.start, first.amount.end)
    if yearly:
        (annual,) = yearly
        # With a 13th salary promised, an annual figure of 13 monthly ones may hold it or not.
        counts = (12,) if find_thirteenth_salary(source) else (12, 13)
        if all(annual in {value * n for n in ((count,) if count else counts)} for value, count in monthly):
            return Salary(annual, annual, "annual", evidence, self_checked=bool(monthly))
        return None
    values = {value for value, _ in monthly}
    counts = {count for _, count in monthly if count}
    if len(values) != 1 or len(counts) > 1:
        return None
    (value,) = values
    count = counts.pop() if counts else 12
    return Salary(value * count, value, "monthly" if count == 12 else "instalments", evidence)


def _as_periods(value: Decimal, period: str | None) -> tuple[set[Decimal], set[tuple[Decimal, None]]]:
    return ({value} if period == YEAR else set()), ({(value, None)} if period == MONTH else set())


def _plausible(yearly: set[Decimal], monthly: set[tuple[Decimal, int | None]]) -> bool:
    """A monthly base outside 800 to 30,000 euros or an annual one outside 10,000 to a million is a
    misread period or figure (no contract for a residence title pays less)."""
    return all(10_000 <= v <= 1_000_000 for v in yearly) and all(800 <= v <= 30_000 for v, _ in monthly)


def _readings(text: str, spans: list[tuple[int, int]]) -> list[_Reading]:
    found = amounts(text)
    out: list[_Reading] = []
    for index, amount in enumerate(found):
        start, end = _clause_of(spans, amount.start)
        previous = found[index - 1] if index and found[index - 1].end > start else None
        following = found[index + 1] if index + 1 < len(found) and found[index + 1].start < end else None
        head_start = previous.end if previous else start
        before = text[head_start:amount.start]
        after = text[amount.end:following.start if following else end]
        label = _label(before, after)
        period = _period(before, after)
        inherited = out[-1] if previous and out else None
        if inherited is not None and label is None:
            label = inherited.label
        if inherited is not None and period is None and label in (BASE, WEAK):
            period = inherited.period
        clause = text[start:end]
        if label == WEAK:  # only "brutto"/"gross": the base if nothing else in the clause is paid
            alone = not (_EXTRA_RE.search(clause) or _THIRTEENTH_RE.search(clause) or _ON_TOP_OF.search(clause)
                         or _ADDED.search(clause))
            label = BASE if alone and _plausible(*_as_periods(amount.value, period)) else None
        count = None
        instalments = list(_INSTALMENTS_RE.finditer(before)) or list(_INSTALMENTS_RE.finditer(after))
        if instalments and period == MONTH:
            word = instalments[-1].group(1).casefold()
            count = _COUNTS.get(word) or int(word)
        # "Jahresgehalt 52.000 € inkl. 13. Monatsgehalt": whether the base is 52,000 or 48,000 is unclear.
        doubtful = bool(_QUALIFIED.search(before[-25:])) or bool(_DOUBT.search(clause)) \
            or (period == YEAR and bool(_THIRTEENTH_RE.search(clause)))
        out.append(_Reading(amount, label, period, count, doubtful))
    return out


def _cues(segment: str) -> list[tuple[int, str]]:
    """(position, kind) of the words in a segment that say what an amount is; a word inside a 13th
    salary or an extra is not also a base cue ("13. Monatsgehalt", "Fahrtkostenzuschuss")."""
    taken: list[tuple[int, int]] = []
    cues = []
    for pattern, kind in ((_THIRTEENTH_RE, EXTRA), (_EXTRA_RE, EXTRA), (_HOURLY_CUE_RE, HOURLY), (_BASE_RE, BASE),
                          (_WEAK_RE, WEAK)):
        for match in pattern.finditer(segment):
            if any(s < match.end() and match.start() < e for s, e in taken):
                continue
            taken.append(match.span())
            # "zusätzlich zum Grundgehalt", "in addition to the base salary": the salary named as what
            # the amount comes on top of; "on-target earnings", "variable Vergütung", "overtime pay": an
            # extra's word before the salary's names the extra.
            on_top = kind == BASE and (_ON_TOP_OF.search(segment[:match.start()]) or any(
                other == EXTRA and 0 <= match.start() - position <= 25
                and len(segment[position:match.start()].split()) <= 2 for position, other in cues))
            cues.append((match.start(), EXTRA if on_top else kind))
    return sorted(cues)


_ON_TOP_OF = _re(r"(?:zusätzlich\s+zu\w*|neben\s+\w+|außer\s+\w+|in\s+addition\s+to|on\s+top\s+of|besides|"
                 r"apart\s+from)(?:\s+(?:the|his|her|their|its|dem|der|seinem|ihrem))?(?:\s+[\w-]+)?\s*$")
_ADDED = _re(r"\b(?:zusätzlich|zuzüglich|zzgl|außerdem|ferner|additionally|in\s+addition|plus)\b")
# A cue after the amount names it only when close: "4.500 € Grundgehalt", "EUR 4,500 gross monthly salary",
# not "€3,000 is paid with the first salary".
_CUE_AFTER = 18


def _label(before: str, after: str) -> str | None:
    strong_before = [kind for _, kind in _cues(before) if kind != WEAK]
    if strong_before:
        return strong_before[-1]
    strong_after = [kind for position, kind in _cues(after) if kind != WEAK and position <= _CUE_AFTER]
    if strong_after:
        return strong_after[0]
    if any(kind == WEAK for _, kind in _cues(before) + _cues(after)):
        return WEAK
    return None


def _period(before: str, after: str) -> str | None:
    rest = after[_PERIOD_NEXT.match(after).end():]
    right_after = _PERIOD_RE.match(rest)
    if right_after:
        return right_after.lastgroup
    earlier = list(_PERIOD_RE.finditer(before))
    if earlier:
        return earlier[-1].lastgroup
    later = _PERIOD_RE.search(after)
    # "EUR 48,000, paid in monthly instalments": how often it is paid, not what the amount is per.
    if later is None or _PAID_IN_PARTS.search(after[:later.end() + 20]):
        return None
    return later.lastgroup


def find_thirteenth_salary(text: str) -> str | None:
    """A 13th monthly salary (or Christmas pay) promised besides the base salary: the sentence that
    says so. Not added to the annual salary: whether it is guaranteed, and so counts towards a salary
    threshold, is for the caseworker to judge from the contract."""
    match = _THIRTEENTH_RE.search(plain(text))
    return snippet(text, match.start(), match.end()) if match else None


# --- weekly hours ----------------------------------------------------------------------------------

_HOURS_NUMBER = r"(\d{1,2}(?:[.,]\d{1,2})?)"
_HOURS_RE = _re(
    rf"{_HOURS_NUMBER}\.?(?:\s*|-)(?:wochenstunden|stunden|std\b\.?|hours?|hrs?\b\.?|h\b)(?P<week>[\s-]*(?:woche|week)\b)?"
    rf"|(?:wochenarbeitszeit|wöchentliche\s+arbeitszeit|weekly\s+(?:working\s+)?(?:hours|working\s+time)|"
    rf"hours\s+per\s+week|working\s+week|hours\s+of\s+work)\b[^\d\n]{{0,25}}?{_HOURS_NUMBER}(?![\d.,]*\s*(?:%|€|eur|uhr|:|\d))"
    rf"|{_HOURS_NUMBER}\s*(?:per|a|pro|je|in\s+der|/)\s*(?:week|woche)\b",
    re.IGNORECASE)
_HOURS_WORD = _re(r"hours|stunden", re.IGNORECASE)
_WEEK_CUE = _re(r"woche|wöchentlich|week|wochenstunden|/\s*wo?\b", re.IGNORECASE)
_NOT_WEEK_CUE = _re(r"täglich|tägliche|\btag\b|\bday\b|daily|monatlich|\bmonat\b|\bmonth\b|monthly|jährlich|"
                           r"\bjahr\b|\byear\b", re.IGNORECASE)
_WORKTIME_CUE = _re(r"arbeitszeit|working\s+(?:time|hours)|vollzeit|teilzeit|full-time|part-time|"
                           r"beschäftigt|employed|works?\b", re.IGNORECASE)
# Limits and exceptions, not the agreed hours: "höchstens 10 Stunden", "overtime of up to 5 hours".
_NOT_AGREED = _re(r"höchst|maximal|maximum|bis\s+zu|up\s+to|exceed|überstunde|ueberstunde|mehrarbeit|"
                         r"overtime|mindestens|at\s+least|ruhezeit|pause|break|rest\b|kündigung|notice|"
                         r"%|prozent|percent|anteilig|pro[\s-]rata|vollzeitbeschäftigt|vergleichbar|comparable|"
                         r"full-time\s+(?:employees?|staff|equivalent)",
                         re.IGNORECASE)


def _at_line_start(text: str, position: int) -> bool:
    return not text[:position].strip(" \t") or text[:position].rstrip(" \t").endswith("\n")


def find_weekly_hours(text: str) -> tuple[Decimal, str] | None:
    """The agreed weekly working hours, or None unless the contract states exactly one figure: a number
    of hours tied to the week (by "pro Woche", "wöchentlich", "40-hour week", "Wochenstunden"...) or, in
    a working-time clause that names no other period, to nothing ("Vollzeit (40 Stunden)"). Daily and
    monthly hours, maxima and overtime do not count."""
    source, text = text, plain(text)
    spans = clauses(text)
    found: dict[Decimal, str] = {}
    for match in _HOURS_RE.finditer(text):
        if match.group(1) and text[match.end(1)] == "." and _at_line_start(text, match.start(1)):
            continue  # "2. Hours": a heading, not two hours
        hours = parse_amount(match.group(1) or match.group(3) or match.group(4))
        if hours is None or not 1 <= hours <= 60:
            continue
        start, end = _clause_of(spans, match.start())
        clause, near = text[start:end], text[match.start():min(end, match.end() + 20)]
        if _NOT_AGREED.search(text[start:match.end()]):
            continue
        weekly = match.group(1) is None or bool(match.group("week")) or bool(_WEEK_CUE.search(clause))
        if match.group(4) is not None and not _WORKTIME_CUE.search(clause) and not _HOURS_WORD.search(clause):
            continue
        if not weekly and (_NOT_WEEK_CUE.search(near) or _NOT_WEEK_CUE.search(clause)
                           or not _WORKTIME_CUE.search(clause)):
            continue
        if weekly and _NOT_WEEK_CUE.search(near) and not _WEEK_CUE.search(near):
            continue
        found.setdefault(hours, snippet(source, match.start(), match.end()))
    if len(found) != 1:
        return None
    ((hours, evidence),) = found.items()
    return hours, evidence


# --- start date ------------------------------------------------------------------------------------

_START_RE = _re(
    r"beginnt|[\wäöüß]*beginn\b|eintritt\w*|"
    r"dienstantritt|arbeitsaufnahme|mit\s+wirkung\s+(?:zum|vom|ab)|ab\s+dem|"
    r"start(?:ing)?\s+date|date\s+of\s+(?:commencement|entry|joining)|joining\s+date|commenc\w*(?:\s+on)?|"
    r"start(?:s|ing)?\s+(?:on|from)|begin(?:s|ning)?\s+on|(?:with\s+)?effect\s+from|takes?\s+effect|"
    r"effective\s+(?:date|from|as\s+of|on)|as\s+(?:of|from)|first\s+(?:working\s+)?day|"
    r"employment\s+(?:will\s+)?start\w*|(?:employed|engaged|hired)\s+(?:from|on)|einstellung\w*|"
    r"\bstart\s*:|entry\s+date|"
    r"tritt\s+(?:am|zum|mit\s+wirkung\s+vom)",
    re.IGNORECASE,
)
# Only when no wording above is followed by a date: "ab 01.04.2027", "starting 1 April 2027".
_START_WEAK_RE = _re(r"\bab\b|\bstarting\b|\bfrom\b", re.IGNORECASE)


def find_start_date(text: str) -> tuple[date, str] | None:
    """The date right after the first wording of a start ("beginnt am", "mit Wirkung zum", "ab dem",
    "commencing on", "start date", "takes effect on"...); failing that, after the first "ab", "from"
    or "starting" followed closely by a date."""
    source, text = text, plain(text)
    for pattern, reach in ((_START_RE, 60), (_START_WEAK_RE, 20)):
        for match in pattern.finditer(text):
            found = first_date(text[match.end():match.end() + reach])
            if found is not None:
                return found, snippet(source, match.start(), match.end() + reach)
    return None
