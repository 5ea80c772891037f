"""Employment contracts with known answers, for the extraction benchmark (bench/contract_checks.py).

Two splits that share no seed, no phrasing and no scan font:

* ``dev``: tune the extractor on it.
* ``heldout``: other wordings of every clause (written before the extractor was changed, never looked
  at while changing it), other number and currency styles, other scan fonts and conditions.

Each contract states its salary in one of several ways (monthly, annual, annual in monthly instalments,
a guaranteed 13th monthly salary, an annual figure paid in 13 parts, part-time, an hourly wage, a
different salary during probation) among distractors (allowances, bonuses, a relocation sum). The
truth is the **contractual gross base salary per year** (the monthly salary × 12, or the annual figure
as written); a 13th salary is reported beside it, not added (whether it counts towards a salary
threshold is the caseworker's question). Where the contract does not fix one annual figure (an hourly
wage; a salary that changes after probation) the truth is "not found": the extractor must not guess.
About one contract in three is a scan (an image with no text layer); the rest are text PDFs.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

from .documents import text_pdf
from .passports import font

DEV_SEED = 20261206
HELDOUT_SEED = 77_441_903

SCAN_FONTS = {
    "dev": ["/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"],
    "heldout": ["/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf",
                "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
                "/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed.ttf"],
}


def scan_fonts(split: str) -> list[str]:
    """The split's scan fonts present on this machine (a missing one is skipped)."""
    return [path for path in SCAN_FONTS[split] if Path(path).exists()] or ["sans"]


EMPLOYERS = ["Muster Software GmbH", "Rheinwerk Logistik AG", "Pflegedienst Sonnenschein gGmbH",
             "Nordlicht Engineering GmbH & Co. KG", "Bäckerei Huber e.K.", "Quantum Analytics SE"]
EMPLOYEES = ["Anna Maria Eriksson", "Rahul Venkataraman", "Nguyễn Văn An", "Fatima Zahra El Idrissi",
             "João Pedro Carvalho", "Oksana Kovalenko"]
JOBS_DE = ["Softwareentwickler/in", "Pflegefachkraft", "Elektroniker/in", "Data Scientist", "Bäcker/in"]
JOBS_EN = ["Software Engineer", "Registered Nurse", "Electronics Technician", "Data Scientist", "Baker"]
MONTHS_EN = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
             "October", "November", "December"]
MONTHS_DE = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
             "November", "Dezember"]


@dataclass(frozen=True)
class Contract:
    language: str
    kind: str  # how the salary is stated (see SALARY_KINDS)
    lines: tuple[str, ...]
    annual: Decimal | None  # the truth; None: the contract fixes no single annual base salary
    thirteenth: bool
    weekly_hours: Decimal
    start: date
    scan: bool
    scan_font: str = ""

    def file(self, seed: int) -> tuple[bytes, str]:
        if not self.scan:
            return text_pdf([list(self.lines)]), "contract.pdf"
        return scan(self.lines, font_path=self.scan_font, seed=seed), "contract.jpg"


SALARY_KINDS = ("monthly", "annual", "annual_in_instalments", "thirteenth", "annual_in_13", "part_time",
                "hourly", "probation_step")


def money(amount: Decimal, language: str, rng: random.Random, split: str) -> str:
    """The amount as a contract writes it, in one of the styles of the split (styles without cents
    only for whole amounts)."""
    grouped_en = f"{int(amount):,}"
    grouped = grouped_en.replace(",", ".") if language == "de" else grouped_en
    cents = f"{int((amount % 1) * 100):02d}"
    whole = amount == amount.to_integral_value()
    if language == "de":
        with_cents = ["{g},{c} EUR", "EUR {g},{c}"] if split == "dev" else ["€ {g},{c}", "{g},{c} Euro", "{p},{c} €"]
        without = ["{g} €", "{g},- €"] if split == "dev" else ["{g} Euro"]
    else:
        with_cents = ["EUR {g}.{c}", "€{g}.{c}"] if split == "dev" else ["EUR {p}.{c}", "€ {g}.{c}"]
        without = ["€{g}", "{g} EUR"] if split == "dev" else ["{g} euros"]
    style = rng.choice(with_cents + (without if whole else []))
    return style.format(g=grouped, c=cents, p=int(amount))


def _salary_clause(kind: str, language: str, monthly: Decimal, rng: random.Random, split: str):
    """(lines, annual truth, thirteenth) of the remuneration clause."""
    def m(value):
        return money(value, language, rng, split)
    annual = monthly * 12
    de, dev = language == "de", split == "dev"
    if kind == "monthly":
        text = (f"Der Arbeitnehmer erhält ein monatliches Bruttogehalt von {m(monthly)}." if dev else
                f"Als Vergütung wird ein Bruttomonatsentgelt in Höhe von {m(monthly)} vereinbart.") if de else \
            (f"The Employee shall receive a gross monthly salary of {m(monthly)}." if dev else
             f"Remuneration: {m(monthly)} gross per calendar month.")
        return [text], annual, False
    if kind == "annual":
        text = (f"Das Bruttojahresgehalt beträgt {m(annual)}." if dev else
                f"Die Vergütung beläuft sich auf {m(annual)} brutto pro Kalenderjahr.") if de else \
            (f"The annual gross salary is {m(annual)}." if dev else
             f"The Employer pays a gross base salary of {m(annual)} per annum.")
        return [text], annual, False
    if kind == "annual_in_instalments":
        text = (f"Das Jahresbruttogehalt beträgt {m(annual)} und wird in zwölf gleichen Monatsraten "
                f"von je {m(monthly)} ausgezahlt." if dev else
                f"Jahresvergütung: {m(annual)} brutto, zahlbar in 12 Teilbeträgen zu {m(monthly)} monatlich.") \
            if de else \
            (f"The annual gross salary of {m(annual)} is paid in twelve monthly instalments of {m(monthly)}." if dev
             else f"Base pay: {m(annual)} gross a year ({m(monthly)} per month).")
        return [text], annual, False
    if kind == "thirteenth":
        if de:
            lines = [f"Das monatliche Bruttogehalt beträgt {m(monthly)}.",
                     "Zusätzlich wird im November ein 13. Monatsgehalt in gleicher Höhe gezahlt."] if dev else \
                [f"Der Arbeitnehmer erhält monatlich {m(monthly)} brutto.",
                 "Mit der Novemberabrechnung erhält er ein dreizehntes Gehalt in Höhe eines Monatsgehalts."]
        else:
            lines = [f"The gross monthly salary is {m(monthly)}.",
                     "A 13th month salary of the same amount is paid with the November payroll."] if dev else \
                [f"Salary: {m(monthly)} gross per month.",
                 "In addition the Employee receives a thirteenth monthly salary each December."]
        return lines, annual, True
    if kind == "annual_in_13":
        total = monthly * 13
        text = (f"Das Bruttojahresgehalt beträgt {m(total)}; es wird in 13 gleichen Teilen ausgezahlt." if dev else
                f"Jahresbruttovergütung {m(total)}, auszuzahlen in dreizehn Raten.") if de else \
            (f"The annual gross salary is {m(total)}, paid in 13 equal parts." if dev else
             f"Total annual gross compensation of {m(total)}, paid in thirteen instalments.")
        return [text], total, False
    if kind == "part_time":
        text = (f"Für die Teilzeittätigkeit erhält die Arbeitnehmerin ein monatliches Bruttogehalt von {m(monthly)}."
                if dev else f"Das Teilzeitentgelt beträgt brutto {m(monthly)} im Monat.") if de else \
            (f"For the part-time work the Employee receives a gross monthly salary of {m(monthly)}." if dev else
             f"Part-time salary: {m(monthly)} gross monthly.")
        return [text], annual, False
    if kind == "hourly":
        rate = Decimal(rng.choice([18, 22, 25, 31])) + Decimal("0.50")
        text = (f"Der Arbeitnehmer erhält einen Stundenlohn von {m(rate)} brutto." if dev else
                f"Vergütet wird jede geleistete Arbeitsstunde mit {m(rate)} brutto.") if de else \
            (f"The Employee is paid an hourly wage of {m(rate)} gross." if dev else
             f"Pay: {m(rate)} gross for each hour worked.")
        return [text], None, False
    later = monthly + Decimal(rng.choice([200, 300, 400]))
    text = (f"Während der Probezeit beträgt das monatliche Bruttogehalt {m(monthly)}, danach {m(later)}." if dev else
            f"Bis zum Ende der Probezeit erhält die Arbeitnehmerin {m(monthly)} brutto monatlich, ab dem siebten "
            f"Monat {m(later)}.") if de else \
        (f"During probation the gross monthly salary is {m(monthly)}; thereafter {m(later)}." if dev else
         f"Salary: {m(monthly)} gross per month for the first six months, then {m(later)} per month.")
    return [text], None, False


def _distractors(language: str, rng: random.Random, split: str) -> list[str]:
    def m(value):
        return money(Decimal(value), language, rng, split)
    pool_de = [f"Zusätzlich wird ein Fahrtkostenzuschuss von {m(50)} monatlich gewährt.",
               f"Eine variable Erfolgsprämie von bis zu {m(6000)} jährlich kann gezahlt werden.",
               f"Für den Umzug erstattet der Arbeitgeber einmalig bis zu {m(2500)}."] if split == "dev" else \
        [f"Der Arbeitgeber zahlt einen Zuschuss zum Deutschlandticket in Höhe von {m(29)} monatlich.",
         f"Daneben kann ein Bonus von höchstens {m(4500)} im Jahr gewährt werden.",
         f"Umzugskosten werden bis zu {m(3000)} gegen Beleg erstattet."]
    pool_en = [f"A travel allowance of {m(50)} per month is paid in addition.",
               f"A discretionary bonus of up to {m(6000)} per year may be paid.",
               f"Relocation costs are reimbursed once up to {m(2500)}."] if split == "dev" else \
        [f"The Employer contributes {m(29)} per month towards a public transport ticket.",
         f"A performance bonus of at most {m(4500)} a year may be granted.",
         f"Moving expenses up to {m(3000)} are reimbursed against receipts."]
    pool = pool_de if language == "de" else pool_en
    return rng.sample(pool, rng.randint(0, len(pool)))


def _hours_clause(language: str, hours: Decimal, rng: random.Random, split: str) -> str:
    h = f"{hours}".rstrip("0").rstrip(".") if "." in f"{hours}" else f"{hours}"
    h_de = h.replace(".", ",")
    if language == "de":
        return rng.choice([f"Die regelmäßige wöchentliche Arbeitszeit beträgt {h_de} Stunden.",
                           f"Die Arbeitszeit beträgt {h_de} Stunden pro Woche."] if split == "dev" else
                          [f"Die Wochenarbeitszeit beläuft sich auf {h_de} Stunden.",
                           f"Es gilt eine Arbeitszeit von {h_de} Std. in der Woche."])
    return rng.choice([f"The regular working hours are {h} hours per week.",
                       f"The Employee works {h} hours per week."] if split == "dev" else
                      [f"Working time: {h} hours a week.", f"The weekly working time is {h} hours."])


def _start_clause(language: str, start: date, rng: random.Random, split: str) -> str:
    if language == "de":
        long = f"{start.day}. {MONTHS_DE[start.month - 1]} {start.year}"
        return rng.choice([f"Das Arbeitsverhältnis beginnt am {start:%d.%m.%Y}.", f"Eintrittsdatum: {long}"]
                          if split == "dev" else
                          [f"Das Arbeitsverhältnis beginnt zum {long}.", f"Beginn des Arbeitsverhältnisses: "
                                                                         f"{start:%d.%m.%Y}"])
    return rng.choice([f"The employment commences on {MONTHS_EN[start.month - 1]} {start.day}, {start.year}.",
                       f"Start date: {start:%d.%m.%Y}"] if split == "dev" else
                      [f"Employment starts on {start.day} {MONTHS_EN[start.month - 1]} {start.year}.",
                       f"The employment shall begin on {start:%d/%m/%Y}."])


def make_contracts(split: str = "dev", count: int = 60) -> list[Contract]:
    rng = random.Random(DEV_SEED if split == "dev" else HELDOUT_SEED)
    out = []
    for index in range(count):
        kind = SALARY_KINDS[index % len(SALARY_KINDS)]
        language = "de" if (index // len(SALARY_KINDS) + index) % 2 == 0 else "en"  # every kind in both
        part_time = kind == "part_time"
        hours = Decimal(rng.choice([20, 25, 30, "19.5"] if part_time else [38, "38.5", 39, 40]))
        monthly = Decimal(rng.randrange(3200, 7800, 50) if not part_time else rng.randrange(1800, 3600, 50))
        if rng.random() < 0.3:
            monthly += Decimal(rng.choice(["0.50", "0.25", "0.75"]))
        start = date(2027, 1, 1) + timedelta(days=rng.randrange(0, 300))
        salary, annual, thirteenth = _salary_clause(kind, language, monthly, rng, split)
        employer, employee = rng.choice(EMPLOYERS), rng.choice(EMPLOYEES)
        job = rng.choice(JOBS_DE if language == "de" else JOBS_EN)
        if language == "de":
            lines = ["Arbeitsvertrag", "", f"zwischen {employer} (Arbeitgeber)", f"und {employee} (Arbeitnehmer/in)",
                     "", "§ 1 Beginn und Tätigkeit", _start_clause(language, start, rng, split),
                     f"Die Einstellung erfolgt als {job}.", "", "§ 2 Arbeitszeit",
                     _hours_clause(language, hours, rng, split), "", "§ 3 Vergütung", *salary,
                     *_distractors(language, rng, split), "", "§ 4 Urlaub",
                     "Der Urlaubsanspruch beträgt 30 Arbeitstage im Kalenderjahr."]
        else:
            lines = ["Employment Contract", "", f"between {employer} (the Employer)",
                     f"and {employee} (the Employee)", "", "1. Commencement and position",
                     _start_clause(language, start, rng, split), f"Position: {job}.", "", "2. Working hours",
                     _hours_clause(language, hours, rng, split), "", "3. Remuneration", *salary,
                     *_distractors(language, rng, split), "", "4. Holidays",
                     "The Employee is entitled to 30 working days of paid holiday per year."]
        is_scan = index % 3 == 2
        out.append(Contract(language, kind, tuple(lines), annual, thirteenth, hours, start, is_scan,
                            rng.choice(scan_fonts(split)) if is_scan else ""))
    return out


def scan(lines, *, font_path: str, seed: int) -> bytes:
    """A 200 dpi A4 scan of the lines: slight rotation, blur, noise, JPEG."""
    rng = random.Random(seed)
    page = Image.new("L", (1654, 2339), rng.randint(236, 252))
    draw = ImageDraw.Draw(page)
    face = font(font_path or "sans", rng.choice([30, 32, 34]))
    y = 150
    for line in lines:
        words, row = line.split(" "), ""
        for word in words:  # wrap at the page's right margin
            trial = f"{row} {word}".strip()
            if draw.textlength(trial, font=face) > 1654 - 280 and row:
                draw.text((140, y), row, font=face, fill=rng.randint(10, 40))
                y, row = y + 48, word
            else:
                row = trial
        draw.text((140, y), row, font=face, fill=rng.randint(10, 40))
        y += 48
    page = page.rotate(rng.uniform(-1.5, 1.5), resample=Image.BICUBIC, fillcolor=245, expand=False)
    if rng.random() < 0.5:
        page = page.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 0.9)))
    pixels = page.load()
    for _ in range(4000):
        pixels[rng.randrange(1654), rng.randrange(2339)] = rng.choice([0, 255])
    buf = io.BytesIO()
    page.save(buf, "JPEG", quality=rng.randint(60, 90), dpi=(200, 200))
    return buf.getvalue()
