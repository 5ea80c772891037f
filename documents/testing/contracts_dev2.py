"""A second development split of employment contracts (``dev2``), for tuning the extractor on wording
wider than ``dev`` without ever looking at ``heldout``.

Same truth and the same salary kinds as ``contracts`` (the annual gross base salary; "not found" for an
hourly wage or a salary that changes after probation; a 13th salary reported beside, not added), but
written the way real contracts also state pay: compound nouns ("Bruttomonatsgehalt",
"Jahresbruttovergütung", "Grundvergütung", "gross annual remuneration", "base pay"), the period after
the amount ("4.200,00 € brutto monatlich"), amounts in words beside figures, "€60k", label-and-value
rows and table rows, allowances, pension and overtime rates as distractors, a daily maximum of working
hours beside the weekly hours, and a signing date beside the start date. Its own seed and its own scan
fonts (none of them used by another split).
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from .contracts import EMPLOYEES, EMPLOYERS, JOBS_DE, JOBS_EN, MONTHS_DE, MONTHS_EN, SALARY_KINDS, Contract

DEV2_SEED = 5_310_227
DEV2_FONTS = ["/usr/share/fonts/truetype/dejavu/DejaVuSerifCondensed.ttf",
              "/usr/share/fonts/truetype/noto/NotoSansMono-Regular.ttf"]


def money(amount: Decimal, language: str, rng: random.Random) -> str:
    grouped_en = f"{int(amount):,}"
    grouped = grouped_en.replace(",", ".") if language == "de" else grouped_en
    cents = f"{int(amount % 1 * 100):02d}"
    whole = amount == amount.to_integral_value()
    if language == "de":
        styles = ["{g},{c} €", "€ {g},{c}"] + (["{g} Euro", "{g},00 EUR", "EUR {g},--"] if whole else [])
    else:
        styles = ["EUR {g}.{c}", "€ {g}.{c}"] + (["{g} euros", "€{g}"] if whole else [])
        if whole and amount >= 20000 and amount % 1000 == 0:
            styles.append("€{k}k")
    return rng.choice(styles).format(g=grouped, c=cents, k=int(amount) // 1000)


_ONES_DE = ["", "ein", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun"]
_ONES_EN = ["", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]


def in_words(amount: Decimal, language: str) -> str:
    """Whole thousands and hundreds in words ("viertausendachthundert", "four thousand eight hundred"):
    enough for a words-beside-figures distractor (the figure is what counts)."""
    thousands, hundreds = divmod(int(amount) // 100, 10)
    if language == "de":
        head = f"{_ONES_DE[thousands % 10] if thousands < 10 else str(thousands)}tausend" if thousands else ""
        return f"{head}{_ONES_DE[hundreds]}hundert" if hundreds else head
    head = f"{_ONES_EN[thousands] if thousands < 10 else str(thousands)} thousand" if thousands else ""
    return f"{head} {_ONES_EN[hundreds]} hundred".strip() if hundreds else head


def _salary_clause(kind: str, language: str, monthly: Decimal, rng: random.Random):
    def m(value):
        return money(value, language, rng)

    de = language == "de"
    annual = monthly * 12
    if kind == "monthly":
        options = [
            f"Die Arbeitnehmerin erhält eine Bruttomonatsvergütung in Höhe von {m(monthly)} "
            f"(in Worten: {in_words(monthly, 'de')} Euro).",
            f"Vergütung: {m(monthly)} brutto monatlich",
            f"Grundgehalt | {m(monthly)} | pro Monat",
            f"Als Vergütung werden monatlich {m(monthly)} brutto gezahlt.",
        ] if de else [
            f"The Employee's base pay is {m(monthly)} gross per month.",
            f"Salary: {m(monthly)} per month (gross)",
            f"The Company will pay the Employee a monthly base salary of {m(monthly)}, payable in arrears "
            "at the end of each calendar month.",
            f"Gross monthly remuneration | {m(monthly)}",
        ]
        return [rng.choice(options)], annual, False
    if kind == "annual":
        options = [
            f"Die Jahresbruttovergütung beträgt {m(annual)}.",
            f"Der Arbeitnehmer erhält ein Bruttojahresgehalt in Höhe von {m(annual)}, zahlbar in zwölf "
            "gleichen Monatsraten jeweils zum Monatsende.",
            f"Jahresgehalt (brutto): {m(annual)}",
        ] if de else [
            f"The Employee shall receive a gross annual remuneration of {m(annual)}.",
            f"Base salary: {m(annual)} per annum, payable in 12 equal monthly instalments.",
            f"Annual base salary | {m(annual)} gross",
        ]
        return [rng.choice(options)], annual, False
    if kind == "annual_in_instalments":
        text = (f"Die Grundvergütung beträgt {m(annual)} brutto jährlich; sie wird in 12 Monatsraten zu je "
                f"{m(monthly)} ausgezahlt." if de else
                f"Your gross annual salary will be {m(annual)}, i.e. {m(monthly)} per month.")
        return [text], annual, False
    if kind == "thirteenth":
        lines = ([f"Die Arbeitnehmerin erhält ein Bruttomonatsgehalt von {m(monthly)}.",
                  "Mit der Novemberabrechnung wird zusätzlich ein dreizehntes Monatsgehalt gezahlt."] if de else
                 [f"Monthly base salary: {m(monthly)} gross.",
                  "In addition, a thirteenth-month salary is paid each December."])
        return lines, annual, True
    if kind == "annual_in_13":
        total = monthly * 13
        text = rng.choice([
            f"Das Jahresgehalt beträgt {m(total)} brutto und wird in 13 Raten ausgezahlt.",
            f"Die Jahresvergütung von {m(total)} brutto wird in 13 gleichen Monatsraten zu je {m(monthly)} gezahlt.",
        ] if de else [
            f"The gross annual salary of {m(total)} is paid in 13 monthly instalments of {m(monthly)} each.",
            f"Annual remuneration: {m(total)} gross, paid in thirteen instalments.",
        ])
        return [text], total, False
    if kind == "part_time":
        text = (f"Für die Teilzeitbeschäftigung erhält die Arbeitnehmerin monatlich {m(monthly)} brutto." if de else
                f"For part-time employment the Employee receives {m(monthly)} gross per month.")
        return [text], annual, False
    if kind == "hourly":
        rate = Decimal(rng.choice([16, 19, 24, 28])) + Decimal("0.75")
        text = rng.choice([f"Die Vergütung erfolgt auf Stundenbasis: {m(rate)} brutto je Arbeitsstunde.",
                           f"Stundenlohn: {m(rate)} brutto"] if de else
                          [f"The Employee's pay is {m(rate)} gross per hour worked.",
                           f"Hourly rate of pay: {m(rate)}"])
        return [text], None, False
    later = monthly + Decimal(rng.choice([250, 350, 500]))
    text = (f"In den ersten sechs Monaten beträgt das Bruttomonatsgehalt {m(monthly)}; ab dem siebten Monat "
            f"erhöht es sich auf {m(later)}." if de else
            f"The base salary is {m(monthly)} per month during the probationary period and {m(later)} per month "
            "thereafter.")
    return [text], None, False


def _distractors(language: str, rng: random.Random) -> list[str]:
    def m(value):
        return money(Decimal(value), language, rng)

    pool = [
        f"Die Arbeitnehmerin erhält vermögenswirksame Leistungen in Höhe von {m(40)} monatlich.",
        f"Überstunden werden mit {m(28)} brutto pro Stunde vergütet.",
        f"Urlaubsgeld: {m(500)} jährlich",
        f"Der Arbeitgeber zahlt monatlich {m(100)} in die betriebliche Altersversorgung ein.",
    ] if language == "de" else [
        f"A signing bonus of {m(3000)} is paid with the first salary.",
        f"The Employer contributes {m(100)} per month to the company pension scheme.",
        f"Overtime is compensated at {m(30)} gross per hour.",
        f"Meal allowance: {m(60)} per month",
    ]
    return rng.sample(pool, rng.randint(0, 3))


def _hours_clause(language: str, hours: Decimal, part_time: bool, rng: random.Random) -> list[str]:
    h = f"{hours}".rstrip("0").rstrip(".") if "." in f"{hours}" else f"{hours}"
    if language == "de":
        h = h.replace(".", ",")
        options = [f"Die wöchentliche Arbeitszeit beträgt {h} Std.", f"Arbeitszeit: {h} Std./Woche",
                   f"Die Beschäftigung erfolgt in Teilzeit mit {h} Wochenstunden." if part_time else
                   f"Die Arbeitnehmerin wird in Vollzeit ({h} Stunden) beschäftigt."]
        extra = "Die tägliche Höchstarbeitszeit beträgt 10 Stunden."
    else:
        options = [f"Working time: {h} hours a week", f"The normal working week is {h} hours, Monday to Friday.",
                   f"This is a {h}-hour week position." if "." not in h else f"Weekly hours: {h}"]
        extra = "Daily working time shall not exceed 10 hours."
    lines = [rng.choice(options)]
    return lines + [extra] if rng.random() < 0.5 else lines


def _start_clause(language: str, start: date, rng: random.Random) -> str:
    if language == "de":
        long = f"{start.day}. {MONTHS_DE[start.month - 1]} {start.year}"
        return rng.choice([f"Das Arbeitsverhältnis beginnt mit Wirkung zum {long}.",
                           f"Die Tätigkeit wird ab dem {start:%d.%m.%Y} aufgenommen.",
                           f"Eintritt: {start:%Y-%m-%d}"])
    long = f"{start.day} {MONTHS_EN[start.month - 1]} {start.year}"
    return rng.choice([f"Employment commencing on {long}.", f"The start date is {start:%Y-%m-%d}.",
                       f"This contract takes effect on {MONTHS_EN[start.month - 1]} {start.day}, {start.year}."])


def make_contracts_dev2(count: int = 48) -> list[Contract]:
    rng = random.Random(DEV2_SEED)
    out = []
    for index in range(count):
        kind = SALARY_KINDS[index % len(SALARY_KINDS)]
        language = "de" if (index // len(SALARY_KINDS) + index) % 2 == 1 else "en"
        part_time = kind == "part_time"
        hours = Decimal(rng.choice([15, 24, 32, "22.5"] if part_time else [37, "37.5", 40, 42]))
        monthly = Decimal(rng.randrange(3000, 8000, 100) if not part_time else rng.randrange(1500, 3500, 100))
        if rng.random() < 0.25:
            monthly += Decimal(rng.choice(["0.40", "0.80"]))
        start = date(2027, 2, 1) + timedelta(days=rng.randrange(0, 330))
        signed = start - timedelta(days=rng.randrange(20, 90))
        salary, annual, thirteenth = _salary_clause(kind, language, monthly, rng)
        employer, employee = rng.choice(EMPLOYERS), rng.choice(EMPLOYEES)
        if language == "de":
            lines = ["ARBEITSVERTRAG", "", f"Arbeitgeber: {employer}", f"Arbeitnehmer/in: {employee}", "",
                     "1. Beginn", _start_clause(language, start, rng), "",
                     "2. Tätigkeit",
                     f"Sie wird als {rng.choice(JOBS_DE)} eingestellt. Die Probezeit beträgt sechs Monate.",
                     "", "3. Arbeitszeit", *_hours_clause(language, hours, part_time, rng), "",
                     "4. Bezüge", *salary, *_distractors(language, rng), "",
                     "5. Urlaub", "Es besteht ein Anspruch auf 28 Urlaubstage pro Kalenderjahr.", "",
                     f"München, den {signed:%d.%m.%Y}"]
        else:
            lines = ["CONTRACT OF EMPLOYMENT", "", f"Employer: {employer}", f"Employee: {employee}", "",
                     "Clause 1 - Start", _start_clause(language, start, rng), "",
                     "Clause 2 - Role", f"Job title: {rng.choice(JOBS_EN)}. A probation period of six months applies.",
                     "", "Clause 3 - Hours", *_hours_clause(language, hours, part_time, rng), "",
                     "Clause 4 - Pay", *salary, *_distractors(language, rng), "",
                     "Clause 5 - Leave", "The Employee is entitled to 28 days of annual leave.", "",
                     f"Signed on {MONTHS_EN[signed.month - 1]} {signed.day}, {signed.year}"]
        is_scan = index % 3 == 1
        fonts = [path for path in DEV2_FONTS if Path(path).exists()] or ["sans"]
        out.append(Contract(language, kind, tuple(lines), annual, thirteenth, hours, start, is_scan,
                            rng.choice(fonts) if is_scan else ""))
    return out
