"""A third development split of employment contracts (``dev3``): offer letters and "Anstellungsverträge"
in wordings neither ``dev`` nor ``dev2`` uses (written after the extractor's rules, and measured once
before any change, as a check of how far the rules carry to wording they were not written against).

Same truth and salary kinds as ``contracts``; its own seed and scan fonts (none used by another split).
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from .contracts import EMPLOYEES, EMPLOYERS, JOBS_DE, JOBS_EN, MONTHS_DE, MONTHS_EN, SALARY_KINDS, Contract

DEV3_SEED = 8_802_415
DEV3_FONTS = ["/usr/share/fonts/truetype/jetbrains-mono/JetBrainsMono-Regular.ttf",
              "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"]


def money(amount: Decimal, language: str, rng: random.Random) -> str:
    grouped_en = f"{int(amount):,}"
    grouped = grouped_en.replace(",", ".") if language == "de" else grouped_en
    cents = f"{int(amount % 1 * 100):02d}"
    if language == "de":
        return rng.choice(["EUR {g},{c}", "{g},{c} Euro", "€ {g},{c}"]).format(g=grouped, c=cents)
    return rng.choice(["EUR {g}.{c}", "€{g}.{c}", "{g}.{c} EUR"]).format(g=grouped, c=cents)


def _salary_clause(kind: str, language: str, monthly: Decimal, rng: random.Random):
    def m(value):
        return money(value, language, rng)

    de = language == "de"
    annual = monthly * 12
    if kind == "monthly":
        text = rng.choice([f"Die monatlichen Bruttobezüge betragen {m(monthly)}.",
                           f"Der Mitarbeiter erhält ein festes Monatsgehalt von brutto {m(monthly)}."] if de else
                          [f"We are pleased to offer you a gross monthly salary of {m(monthly)}.",
                           f"Your monthly gross pay will amount to {m(monthly)}."])
        return [text], annual, False
    if kind == "annual":
        text = rng.choice([f"Das Jahresfixgehalt beträgt brutto {m(annual)}.",
                           f"Als Vergütung wird ein Bruttojahresentgelt von {m(annual)} vereinbart."] if de else
                          [f"Your annual base salary will be {m(annual)} gross.",
                           f"Remuneration: {m(annual)} gross per year"])
        return [text], annual, False
    if kind == "annual_in_instalments":
        text = (f"Das Jahresbruttogehalt von {m(annual)} wird in zwölf Monatsbeträgen zu je {m(monthly)} ausgezahlt."
                if de else f"The yearly gross salary amounts to {m(annual)}, payable in twelve monthly installments "
                           f"of {m(monthly)}.")
        return [text], annual, False
    if kind == "thirteenth":
        lines = ([f"Monatliches Bruttogehalt: {m(monthly)}",
                  "Darüber hinaus erhält der Mitarbeiter ein 13. Gehalt, fällig mit der Novemberabrechnung."] if de else
                 [f"Gross salary per month: {m(monthly)}.", "You will also receive a 13th-month pay in December."])
        return lines, annual, True
    if kind == "annual_in_13":
        total = monthly * 13
        text = (f"Die jährliche Bruttovergütung beträgt {m(total)} und wird in dreizehn gleichen Teilbeträgen "
                "ausbezahlt." if de else
                f"Your gross annual compensation of {m(total)} will be paid out in thirteen equal instalments.")
        return [text], total, False
    if kind == "part_time":
        text = (f"Für die Teilzeitbeschäftigung beträgt das monatliche Bruttogehalt {m(monthly)}." if de else
                f"For your part-time role you will receive {m(monthly)} gross per month.")
        return [text], annual, False
    if kind == "hourly":
        rate = Decimal(rng.choice([15, 17, 21, 26])) + Decimal("0.50")
        text = (f"Die Vergütung beträgt {m(rate)} brutto pro geleisteter Arbeitsstunde." if de else
                f"You will be paid {m(rate)} gross for each hour worked.")
        return [text], None, False
    later = monthly + Decimal(rng.choice([150, 300, 450]))
    text = (f"Das Monatsgehalt beträgt bis zum Ende der Probezeit {m(monthly)} brutto und anschließend "
            f"{m(later)} brutto." if de else
            f"During the probation period your monthly gross salary will be {m(monthly)}, increasing to "
            f"{m(later)} once probation has been passed.")
    return [text], None, False


def _distractors(language: str, rng: random.Random) -> list[str]:
    def m(value):
        return money(Decimal(value), language, rng)

    pool = [
        f"Fahrtkosten werden bis max. {m(100)} im Monat erstattet.",
        f"Zum Deutschlandticket gibt der Arbeitgeber einen Zuschuss in Höhe von {m(49)}.",
        f"Für Weiterbildung steht ein Budget von {m(1500)} jährlich zur Verfügung.",
    ] if language == "de" else [
        f"You are eligible for a home-office stipend of {m(30)} monthly.",
        f"A learning budget of {m(1500)} per calendar year is available to you.",
        f"We will cover your visa fees of up to {m(800)}.",
    ]
    return rng.sample(pool, rng.randint(0, 3))


def _hours_clause(language: str, hours: Decimal, rng: random.Random) -> str:
    h = f"{hours}".rstrip("0").rstrip(".") if "." in f"{hours}" else f"{hours}"
    if language == "de":
        h = h.replace(".", ",")
        return rng.choice([f"Die Arbeitszeit beträgt im Durchschnitt {h} Stunden in der Woche.",
                           f"Regelarbeitszeit: {h} Stunden wöchentlich (Montag bis Freitag)",
                           f"Die vereinbarte Arbeitszeit beläuft sich auf {h} Wochenstunden."])
    return rng.choice([f"Your working hours will be {h} hours per week.",
                       f"You will work {h} hours each week, Monday to Friday.",
                       f"Working time: {h} hours/week"])


def _start_clause(language: str, start: date, rng: random.Random) -> str:
    if language == "de":
        return rng.choice([f"Das Anstellungsverhältnis beginnt am {start.day:02d}. {MONTHS_DE[start.month - 1]} "
                           f"{start.year}.", f"Arbeitsantritt: {start.day}.{start.month}.{start.year}"])
    return rng.choice([f"Your first day of work will be {start.day} {MONTHS_EN[start.month - 1]} {start.year}.",
                       f"Your employment will begin on {MONTHS_EN[start.month - 1]} {start.day}, {start.year}."])


def make_contracts_dev3(count: int = 48) -> list[Contract]:
    rng = random.Random(DEV3_SEED)
    fonts = [path for path in DEV3_FONTS if Path(path).exists()] or ["sans"]
    out = []
    for index in range(count):
        kind = SALARY_KINDS[index % len(SALARY_KINDS)]
        language = "de" if (index // len(SALARY_KINDS) + index) % 2 == 0 else "en"
        part_time = kind == "part_time"
        hours = Decimal(rng.choice([18, 20, 25, "27.5"] if part_time else [38, 39, 40, "37.5"]))
        monthly = Decimal(rng.randrange(3100, 7600, 50) if not part_time else rng.randrange(1600, 3300, 50))
        start = date(2027, 3, 1) + timedelta(days=rng.randrange(0, 280))
        salary, annual, thirteenth = _salary_clause(kind, language, monthly, rng)
        employer, employee = rng.choice(EMPLOYERS), rng.choice(EMPLOYEES)
        if language == "de":
            lines = ["Anstellungsvertrag", "", f"Zwischen der Firma {employer}", f"und Frau/Herrn {employee}", "",
                     "§ 1 Beginn des Anstellungsverhältnisses", _start_clause(language, start, rng),
                     f"Der Mitarbeiter wird als {rng.choice(JOBS_DE)} beschäftigt.", "",
                     "§ 2 Arbeitszeit", _hours_clause(language, hours, rng), "",
                     "§ 3 Bezüge", *salary, *_distractors(language, rng), "",
                     "§ 4 Kündigung", "Die Kündigungsfrist beträgt vier Wochen zum Fünfzehnten oder zum Ende eines "
                                      "Kalendermonats."]
        else:
            lines = ["Offer of Employment", "", f"Dear {employee},", "",
                     f"{employer} is pleased to offer you the position of {rng.choice(JOBS_EN)}.",
                     _start_clause(language, start, rng), "", _hours_clause(language, hours, rng), "",
                     *salary, *_distractors(language, rng), "",
                     "Either party may terminate the employment with four weeks' notice.", "", "Kind regards"]
        is_scan = index % 3 == 0
        out.append(Contract(language, kind, tuple(lines), annual, thirteenth, hours, start, is_scan,
                            rng.choice(fonts) if is_scan else ""))
    return out
