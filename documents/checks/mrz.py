"""Machine-readable zone (ICAO Doc 9303): check digits, parsing, OCR clean-up and correction.

Our own implementation (the ``mrz`` package on PyPI is GPL-3.0 and must not be used). This module
works on text only; finding and reading the zone in an image lives in ``mrz_image``.

References: ICAO 9303 Part 3 §4.9 (check digits) and §5 (codes), Part 4 §4.2.2 (TD3, passports),
Part 5 §4.2.2 (TD1, ID cards).

The rule that everything here serves: an MRZ is only reported ``valid`` when every check digit
fits, every date exists, every code is known, the sex is a legal value and no cell of a checked
field has another reading that fits the check digits as well (``field_alternatives``). OCR errors are
corrected only where the correction is forced by the character class of the position, or where
exactly one candidate substitution makes a check digit fit (and the composite still fits).

The name line has no check digit, so ``valid`` says nothing about it: ``name_doubts`` lists why its
reading is not certain (cells the reader was unsure of, letters after the names' end, a line that
does not look like a name field, text read without a second opinion). The pipeline then compares
the name with the printed page (the visual inspection zone) before it reports the MRZ as valid.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from . import countries, mrz_length

ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<")
WEIGHTS = (7, 3, 1)


# --- check digits (ICAO 9303 Part 3 §4.9) ---------------------------------------------------------

def char_value(char: str) -> int:
    """``<`` counts 0, digits their value, ``A``..``Z`` 10..35."""
    if char == "<":
        return 0
    if char.isdigit():
        return int(char)
    if "A" <= char <= "Z":
        return ord(char) - ord("A") + 10
    raise ValueError(f"not an MRZ character: {char!r}")


def check_digit(data: str) -> str:
    """Weights 7, 3, 1 repeating, sum modulo 10."""
    return str(sum(char_value(c) * WEIGHTS[i % 3] for i, c in enumerate(data)) % 10)


# --- layouts ----------------------------------------------------------------------------------
# Character classes per position, used for the positional OCR clean-up:
#   a  letter or filler       n  digit            x  letter, digit or filler
#   c  check digit, or a filler where the standard allows one       s  sex (M, F, X, <)

Span = tuple[int, int, int]  # line, start, end (end exclusive)


@dataclass(frozen=True)
class CheckSpec:
    name: str
    data: tuple[Span, ...]
    digit: tuple[int, int]  # line, position
    filler_ok: bool = False  # an all-filler field may carry "<" as its check digit


@dataclass(frozen=True)
class Layout:
    name: str
    width: int
    templates: tuple[str, ...]
    checks: tuple[CheckSpec, ...]

    @property
    def names_lines(self) -> tuple[bool, ...]:
        """Per line: letters and fillers only (the name field's line), no check digit on it."""
        return tuple(template == "a" * self.width for template in self.templates)


TD3 = Layout(
    name="TD3",
    width=44,
    templates=(
        "a" * 44,
        "x" * 9 + "n" + "aaa" + "n" * 7 + "s" + "n" * 7 + "x" * 14 + "c" + "n",
    ),
    checks=(
        CheckSpec("document_number", ((1, 0, 9),), (1, 9)),
        CheckSpec("birth_date", ((1, 13, 19),), (1, 19)),
        CheckSpec("expiry_date", ((1, 21, 27),), (1, 27)),
        CheckSpec("optional_data", ((1, 28, 42),), (1, 42), filler_ok=True),
        CheckSpec("composite", ((1, 0, 10), (1, 13, 20), (1, 21, 43)), (1, 43)),
    ),
)

TD1 = Layout(
    name="TD1",
    width=30,
    templates=(
        "aaaaa" + "x" * 9 + "c" + "x" * 15,
        "n" * 7 + "s" + "n" * 7 + "aaa" + "x" * 11 + "n",
        "a" * 30,
    ),
    checks=(
        CheckSpec("document_number", ((0, 5, 14),), (0, 14)),
        CheckSpec("birth_date", ((1, 0, 6),), (1, 6)),
        CheckSpec("expiry_date", ((1, 8, 14),), (1, 14)),
        CheckSpec("composite", ((0, 5, 30), (1, 0, 7), (1, 8, 15), (1, 18, 29)), (1, 29)),
    ),
)

LAYOUTS = (TD3, TD1)

# Where the names stand: line, start, end (ICAO 9303 Part 4 §4.2.2, Part 5 §4.2.2).
NAME_FIELD = {"TD3": (0, 5, 44), "TD1": (2, 0, 30)}
# Surname parts joined by "<", then optionally "<<" and given names joined by "<", then fillers.
_NAME_SHAPE = re.compile(r"[A-Z]+(<[A-Z]+)*(<<[A-Z]+(<[A-Z]+)*)?<*")

# PassportEye's positional fixes (MRZOCRCleaner): a digit in a letter slot and vice versa.
TO_ALPHA = str.maketrans("0124568", "OIZASGB")
TO_DIGIT = str.maketrans("BCDOQGISZ", "800006152")

# Substitutions tried when a check digit does not fit: pairs OCR confuses in OCR-B.
_CONFUSABLE_PAIRS = (
    "O0", "Q0", "D0", "I1", "L1", "Z2", "S5", "G6", "B8", "A4", "T7",
    "08", "06", "09", "17", "38", "56", "68", "89", "35", "OQ", "OD", "DQ",
    "HN", "MN", "UV", "EF", "PR", "CG",
)
CONFUSABLE: dict[str, set[str]] = {}
for _a, _b in _CONFUSABLE_PAIRS:
    CONFUSABLE.setdefault(_a, set()).add(_b)
    CONFUSABLE.setdefault(_b, set()).add(_a)

# Look-alikes of the filler that OCR without a whitelist (or a text layer) produces.
_FILLER_LOOKALIKES = str.maketrans({"«": "<<", "‹": "<", "(": "<", "[": "<", "{": "<", "＜": "<"})


# --- result -----------------------------------------------------------------------------------

Cell = tuple[int, int]  # line, position


@dataclass(frozen=True)
class Fix:
    """One check-digit correction: the field whose check digit it made fit, and the cells it changed,
    each with the character read and the one taken. ``note`` is the same for the caseworker."""
    field: str
    cells: tuple[tuple[Cell, str, str], ...]

    @property
    def note(self) -> str:
        return "; ".join(f"{self.field}: {read}→{taken} at line {ln + 1} position {pos + 1}"
                         for (ln, pos), read, taken in self.cells)


@dataclass(frozen=True)
class Mrz:
    format: str
    lines: tuple[str, ...]
    document_code: str
    issuing_state: str
    surname: str
    given_names: str
    document_number: str
    nationality: str
    birth_date: date | None
    sex: str
    expiry_date: date | None
    optional_data: str
    optional_data_2: str = ""
    checks: dict[str, bool] = field(default_factory=dict)
    problems: tuple[tuple[str, str, str], ...] = ()  # (finding code, field, found)
    corrections: tuple[str, ...] = ()
    fixes: tuple[Fix, ...] = ()  # the check-digit corrections among ``corrections``, as data
    name_truncated: bool = False
    raw_lines: tuple[str, ...] = ()
    name_doubts: tuple[str, ...] = ()  # why the name line is uncertain (operator-facing notes)
    name_alternatives: tuple[tuple[int, str], ...] = ()  # (position in the name field, readings)
    second_opinion: bool = True  # False: plain OCR text, no per-cell check (templates, grid)
    # Cells of checked fields read in more than one way that pass every check digit alike (a letter
    # and a digit whose values differ by 10, or two repairs that fit equally well): ((line, position),
    # readings, the reading taken first). Only the printed page can settle them (``viz``).
    field_alternatives: tuple[tuple[tuple[int, int], str], ...] = ()

    @property
    def name_certain(self) -> bool:
        return not self.name_doubts

    @property
    def name_field(self) -> str:
        line, start, end = NAME_FIELD[self.format]
        return self.lines[line][start:end]

    @property
    def valid(self) -> bool:
        return bool(self.checks) and all(self.checks.values()) and not self.problems and not self.field_alternatives

    @property
    def uncertain_fields(self) -> list[str]:
        """Names of the checked fields whose reading the check digits cannot settle."""
        layout = TD3 if self.format == "TD3" else TD1
        names = [next(s.name for s in layout.checks if s.name != "composite" and _covers(s, *cell))
                 for cell, _ in self.field_alternatives]
        return list(dict.fromkeys(names))

    @property
    def score(self) -> float:
        """0..1, used to choose between OCR attempts: checks passed, minus problems."""
        if not self.checks:
            return 0.0
        passed = sum(self.checks.values()) / len(self.checks)
        return max(0.0, passed - 0.1 * len(self.problems))

    def fields(self) -> dict[str, object]:
        return {
            "document_type": "passport" if self.format == "TD3" else "id_card",
            "document_code": self.document_code,
            "issuing_state": self.issuing_state,
            "surname": self.surname,
            "given_names": self.given_names,
            "document_number": self.document_number,
            "passport_number": self.document_number if self.format == "TD3" else "",
            "nationality": self.nationality,
            "birth_date": self.birth_date,
            "sex": self.sex,
            "expiry_date": self.expiry_date,
            "personal_number": self.optional_data,
        }


# --- parsing exact lines ------------------------------------------------------------------------

def layout_for(lines: Sequence[str]) -> Layout | None:
    for layout in LAYOUTS:
        if len(lines) == len(layout.templates) and all(len(x) == layout.width for x in lines):
            return layout
    return None


def parse(lines: Sequence[str], *, today: date | None = None) -> Mrz | None:
    """Parse lines of exact length (no clean-up). ``None`` when they fit no layout."""
    lines = tuple(lines)
    layout = layout_for(lines)
    if layout is None or any(set(x) - ALPHABET - {"?"} for x in lines):
        return None
    today = today or date.today()
    checks = {spec.name: _check_passes(spec, lines) for spec in layout.checks}
    if layout is TD3:
        mrz = _parse_td3(lines, checks, today)
    else:
        mrz = _parse_td1(lines, checks, today)
    return replace(mrz, problems=tuple(_problems(mrz)))


def _check_passes(spec: CheckSpec, lines: Sequence[str]) -> bool:
    data = "".join(lines[ln][a:b] for ln, a, b in spec.data)
    digit = lines[spec.digit[0]][spec.digit[1]]
    if "?" in data or digit == "?":
        return False
    if digit == "<":
        return spec.filler_ok and set(data) <= {"<"}
    return digit.isdigit() and check_digit(data) == digit


def _parse_td3(lines: tuple[str, ...], checks: dict[str, bool], today: date) -> Mrz:
    l1, l2 = lines
    surname, given, truncated = split_names(l1[5:44])
    return Mrz(
        format="TD3", lines=lines, document_code=_strip(l1[0:2]), issuing_state=_strip(l1[2:5]),
        surname=surname, given_names=given, document_number=_strip(l2[0:9]),
        nationality=_strip(l2[10:13]), birth_date=birth_date(l2[13:19], today), sex=l2[20],
        expiry_date=expiry_date(l2[21:27]), optional_data=_strip(l2[28:42]),
        checks=checks, name_truncated=truncated,
    )


def _parse_td1(lines: tuple[str, ...], checks: dict[str, bool], today: date) -> Mrz:
    l1, l2, l3 = lines
    number, optional = _td1_number(l1, checks)
    surname, given, truncated = split_names(l3)
    return Mrz(
        format="TD1", lines=lines, document_code=_strip(l1[0:2]), issuing_state=_strip(l1[2:5]),
        surname=surname, given_names=given, document_number=number,
        nationality=_strip(l2[15:18]), birth_date=birth_date(l2[0:6], today), sex=l2[7],
        expiry_date=expiry_date(l2[8:14]), optional_data=optional, optional_data_2=_strip(l2[18:29]),
        checks=checks, name_truncated=truncated,
    )


def _td1_number(l1: str, checks: dict[str, bool]) -> tuple[str, str]:
    """A document number longer than 9 characters continues in the optional data, which then
    ends with the number's check digit; ``<`` stands in the usual check position
    (ICAO 9303 Part 5 §4.2.2, note j)."""
    if l1[14] != "<" or l1[5:14].endswith("<"):
        return _strip(l1[5:14]), _strip(l1[15:30])
    tail = l1[15:30].split("<", 1)[0]
    if len(tail) < 2:
        checks["document_number"] = False
        return _strip(l1[5:14]), _strip(l1[15:30])
    number = l1[5:14] + tail[:-1]
    checks["document_number"] = check_digit(number) == tail[-1]
    return number, _strip(l1[15 + len(tail):30])


def _strip(text: str) -> str:
    return text.replace("<", " ").strip()


def split_names(field: str) -> tuple[str, str, bool]:
    """``ERIKSSON<<ANNA<MARIA<<<`` -> (``ERIKSSON``, ``ANNA MARIA``); fillers become spaces.
    A name that fills the field to its last position was truncated (Part 3 §4.6)."""
    truncated = not field.endswith("<")
    surname, _, given = field.partition("<<")
    return _strip(surname), " ".join(_strip(given).split()), truncated


def birth_date(yymmdd: str, today: date) -> date | None:
    """The century is not in the MRZ: a birth date cannot lie in the future, so pivot on today."""
    parsed = _date(yymmdd, 2000)
    if parsed is None:
        return None
    return parsed if parsed <= today else _date(yymmdd, 1900)


def expiry_date(yymmdd: str) -> date | None:
    """Machine-readable passports exist only since the 1980s and expire within ten years."""
    return _date(yymmdd, 2000)


def _date(yymmdd: str, century: int) -> date | None:
    if not re.fullmatch(r"\d{6}", yymmdd):
        return None
    try:
        return date(century + int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:6]))
    except ValueError:
        return None


def _problems(mrz: Mrz) -> Iterable[tuple[str, str, str]]:
    l2 = mrz.lines[1]
    dob_raw, exp_raw = (l2[13:19], l2[21:27]) if mrz.format == "TD3" else (l2[0:6], l2[8:14])
    if mrz.birth_date is None:
        yield "mrz_invalid_date", "birth_date", dob_raw
    if mrz.expiry_date is None:
        yield "mrz_invalid_date", "expiry_date", exp_raw
    if mrz.sex not in ("M", "F", "X", "<"):
        yield "mrz_unreadable", "sex", mrz.sex
    state_code = mrz.lines[0][2:5]
    nat_code = l2[10:13] if mrz.format == "TD3" else l2[15:18]
    for name, code in (("issuing_state", state_code), ("nationality", nat_code)):
        if not countries.is_known(code):
            yield "mrz_unreadable", name, code
    if not mrz.surname:
        yield "mrz_unreadable", "surname", ""
    for i, line in enumerate(mrz.lines):
        if "?" in line:
            yield "mrz_unreadable", f"line {i + 1}", line
    if not _document_code_ok(mrz):
        yield "mrz_unreadable", "document_code", mrz.lines[0][0:2]


def _document_code_ok(mrz: Mrz) -> bool:
    first = mrz.lines[0][0]
    return first == "P" if mrz.format == "TD3" else first in "IAC"


# --- reading OCR text -----------------------------------------------------------------------------

def normalise_line(raw: str) -> str:
    """Upper-case, filler look-alikes to ``<``, anything outside the MRZ alphabet dropped
    (except ``?``, which the grid reader uses for a cell it could not read)."""
    text = raw.upper().translate(_FILLER_LOOKALIKES)
    return "".join(c for c in text if c in ALPHABET or c == "?")


def _prose(raw: str) -> bool:
    letters = [c for c in raw if c.isalpha()]
    return len(letters) >= 10 and sum(c.islower() for c in letters) > len(letters) / 2


def candidate_groups(text_lines: Iterable[str]) -> Iterable[tuple[Layout, tuple[str, ...]]]:
    """Runs of consecutive lines whose lengths are close to a layout's width. Prose is no MRZ: a
    line written mostly in lower case (a contract's sentence of about 30 letters) is left out."""
    lines = [x for x in (normalise_line(r) for r in text_lines if not _prose(r)) if len(x) >= 20]
    for layout in LAYOUTS:
        n = len(layout.templates)
        for i in range(len(lines) - n + 1):
            group = tuple(lines[i:i + n])
            if all(abs(len(x) - layout.width) <= 3 for x in group):
                yield layout, group


Alternatives = Mapping[tuple[int, int], str]  # (line, position) -> characters it may be


def read(text_lines: Iterable[str], *, today: date | None = None,
         alternatives: Alternatives | None = None) -> Mrz | None:
    """Best MRZ among the candidate line groups of OCR text (valid ones first).
    ``alternatives`` are the uncertain cells of a grid reading (``mrz_image``)."""
    best: Mrz | None = None
    for layout, group in candidate_groups(text_lines):
        mrz = repair(layout, group, today=today, alternatives=alternatives)
        if mrz is not None and (best is None or rank(mrz) > rank(best)):
            best = mrz
    return best


def rank(mrz: Mrz) -> tuple[bool, bool, float, int]:
    return mrz.valid, mrz.name_certain, mrz.score, -len(mrz.corrections)


def repair(layout: Layout, raw: Sequence[str], *, today: date | None = None,
           alternatives: Alternatives | None = None) -> Mrz | None:
    """Clean-up by position, length fixing and check-digit-guided substitution, then parse.
    An uncertain cell that the check digits cannot settle makes the MRZ invalid."""
    best: Mrz | None = None
    for lines, notes in mrz_length.length_variants(raw, layout.width, layout.names_lines):
        alts = dict(alternatives or {}) if not notes else {}
        lines = tuple(clean_by_position(layout, i, x) for i, x in enumerate(lines))
        cleaned = lines
        lines = tuple(fill_after_names(layout, i, x) for i, x in enumerate(lines))
        lines, fixes = correct_with_check_digits(layout, lines, alts, blind=alternatives is None)
        lines, alts = settle_codes(layout, lines, alts)
        mrz = parse(lines, today=today)
        if mrz is None:
            continue
        name_alts = _name_alternatives(layout, alts)
        alts = {cell: chars for cell, chars in alts.items() if not _in_name_field(layout, cell)}
        doubts = field_doubts(layout, lines, alts)
        alts = {cell: chars for cell, chars in alts.items() if cell not in dict(doubts)}
        mrz = replace(mrz, corrections=tuple(notes) + tuple(f.note for f in fixes), fixes=fixes,
                      raw_lines=tuple(raw), field_alternatives=doubts,
                      problems=mrz.problems + tuple(ambiguities(layout, lines, alts)),
                      name_alternatives=name_alts, second_opinion=alternatives is not None,
                      name_doubts=tuple(name_doubts(layout, cleaned, lines, name_alts,
                                                    second_opinion=alternatives is not None)))
        if best is None or rank(mrz) > rank(best):
            best = mrz
        if mrz.valid and not notes and not fixes:
            break
    return best


def _in_name_field(layout: Layout, cell: tuple[int, int]) -> bool:
    line, start, end = NAME_FIELD[layout.name]
    return cell[0] == line and start <= cell[1] < end


def _name_alternatives(layout: Layout, alternatives: Alternatives) -> tuple[tuple[int, str], ...]:
    start = NAME_FIELD[layout.name][1]
    return tuple(sorted((pos - start, chars) for (ln, pos), chars in alternatives.items()
                        if _in_name_field(layout, (ln, pos)) and len(set(chars)) > 1))


def name_doubts(layout: Layout, cleaned: Sequence[str], lines: Sequence[str],
                alternatives: Sequence[tuple[int, str]] = (), *, second_opinion: bool = True) -> list[str]:
    """Why the name field's reading is not certain; empty when it is. ``cleaned`` is the line as
    read (after the positional clean-up), ``lines`` after the clean-up of the filler run."""
    line, start, end = NAME_FIELD[layout.name]
    field_text = lines[line][start:end]
    doubts = []
    if not second_opinion:
        doubts.append("read by OCR alone, without a second opinion on each character")
    if alternatives:
        doubts.append("uncertain characters at positions "
                      + ", ".join(str(start + pos + 1) for pos, _ in alternatives))
    if cleaned[line][start:end] != field_text:
        doubts.append("characters after the end of the names were dropped")
    if "?" in field_text or not _NAME_SHAPE.fullmatch(field_text):
        doubts.append("the name field does not have the shape of names")
    return doubts


def name_candidates(mrz: Mrz, limit: int = 256) -> Iterable[str]:
    """The name field with every combination of its uncertain cells' readings (as read first)."""
    field_text = mrz.name_field
    positions = [pos for pos, _ in mrz.name_alternatives]
    options = [dict.fromkeys(field_text[pos] + chars) for pos, chars in mrz.name_alternatives]
    for combo in itertools.islice(itertools.product(*options), limit):
        chars = list(field_text)
        for pos, char in zip(positions, combo, strict=True):
            chars[pos] = char
        yield "".join(chars)


def with_name_field(mrz: Mrz, field_text: str, note: str) -> Mrz:
    """The MRZ with another reading of its name field, taken as certain (``note`` says why)."""
    line, start, end = NAME_FIELD[mrz.format]
    lines = list(mrz.lines)
    lines[line] = lines[line][:start] + field_text + lines[line][end:]
    surname, given, truncated = split_names(field_text)
    corrections = mrz.corrections + ((note,) if field_text != mrz.name_field else ())
    return replace(mrz, lines=tuple(lines), surname=surname, given_names=given, name_truncated=truncated,
                   name_doubts=(), name_alternatives=(), corrections=corrections)


def clean_by_position(layout: Layout, index: int, line: str) -> str:
    template = layout.templates[index]
    out = []
    for char, cls in zip(line, template, strict=True):
        if cls == "a":
            char = char.translate(TO_ALPHA)
        elif cls in "nc" and char != "<":
            char = char.translate(TO_DIGIT)
        out.append(char)
    return "".join(out)


def fill_after_names(layout: Layout, index: int, line: str) -> str:
    """In a name field ``<<`` occurs once, between surname and given names; from the next ``<<``
    on only fillers may follow, so any letter there is noise read from the filler run."""
    if not layout.names_lines[index]:
        return line
    start = 5 if layout is TD3 else 0
    first = line.find("<<", start)
    if first < 0:
        return line
    second = line.find("<<", first + 2)
    if second < 0:
        return line
    return line[:second] + "<" * (len(line) - second)


# --- check-digit-guided correction ---------------------------------------------------------------

def correct_with_check_digits(layout: Layout, lines: tuple[str, ...], alternatives: Alternatives | None = None,
                              *, blind: bool = True) -> tuple[tuple[str, ...], tuple[Fix, ...]]:
    """Settle each field with its check digit. First the reader's doubts: every combination of
    the uncertain cells' readings is tried and taken only if exactly one fits. Then, only for
    text without per-cell doubts (``blind``: plain OCR text), single substitutions of look-alike
    characters (``_unique_fix``); a grid reading is sure of its other cells, and "correcting"
    one of them would hide a check digit that is really wrong on the document. The composite
    must fit at the end, otherwise everything is undone. A wrong composite digit alone is
    corrected only when all field checks fit unaided. Returns the lines and the corrections made."""
    fixes: list[Fix] = []
    current = lines
    field_specs = [s for s in layout.checks if s.name != "composite"]
    composite = next(s for s in layout.checks if s.name == "composite")
    for spec in field_specs:
        settled = _settle_doubts(spec, current, layout, alternatives or {})
        if settled is not None:
            current, done = settled
            fixes.extend(done)
        if _check_passes(spec, current):
            continue
        fixed = _unique_fix(spec, current, layout) if blind else None
        if fixed is None:
            return lines, ()
        current, fix = fixed
        fixes.append(fix)
    if _check_passes(composite, current):
        return current, tuple(fixes)
    if fixes or not blind:
        return (current, tuple(fixes)) if not fixes else (lines, ())
    fixed = _unique_fix(composite, current, layout, data_too=False)
    if fixed is None:
        return lines, ()
    return fixed[0], (fixed[1],)


def _settle_doubts(spec: CheckSpec, lines: tuple[str, ...], layout: Layout, alternatives: Alternatives,
                   ) -> tuple[tuple[str, ...], list[Fix]] | None:
    cells = [c for c in _positions(spec) if c in alternatives]
    if not cells:
        return None
    options = [dict.fromkeys(lines[ln][pos] + alternatives[(ln, pos)]) for ln, pos in cells]
    passing: dict[int, list[tuple[str, ...]]] = {}  # number of cells changed -> candidates
    for combo in itertools.islice(itertools.product(*options), 512):
        candidate = lines
        for (ln, pos), char in zip(cells, combo, strict=True):
            candidate = _substitute(candidate, ln, pos, char)
        if _check_passes(spec, candidate):
            changed = sum(a != b for line, other in zip(lines, candidate, strict=True)
                          for a, b in zip(line, other, strict=True))
            passing.setdefault(changed, []).append(candidate)
    # The fewest changes that make the check fit, and only when they are unique.
    fewest = passing[min(passing)] if passing else []
    if len(fewest) != 1:
        return None
    chosen = fewest[0]
    # One correction per changed cell: each is a reading of its own cell that the check digit chose.
    fixes = [Fix(spec.name, (((ln, pos), lines[ln][pos], chosen[ln][pos]),))
             for ln, pos in cells if chosen[ln][pos] != lines[ln][pos]]
    return chosen, fixes


def _positions(spec: CheckSpec) -> list[tuple[int, int]]:
    return [(ln, p) for ln, a, b in spec.data for p in range(a, b)] + [spec.digit]


_WILDCARD = {
    "n": "0123456789", "c": "0123456789", "x": "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<",
    "a": "ABCDEFGHIJKLMNOPQRSTUVWXYZ<", "s": "MFX<",
}


_MAX_CANDIDATES = 1500  # repairs tried per field; keeps plain-text OCR of a noisy band within the page budget


def _unique_fix(spec: CheckSpec, lines: tuple[str, ...], layout: Layout,
                data_too: bool = True, max_changes: int = 2) -> tuple[tuple[str, ...], Fix] | None:
    """For plain OCR text: look-alike substitutions (``CONFUSABLE``, restricted to what the
    position's alphabet allows; ``?`` may be anything allowed) that make the field's check digit
    fit, one changed character first, then two. The first number of changes with any fitting
    candidate must have exactly one, otherwise the field stays as read (and invalid).

    Every look-alike competes, also digit for digit in the document number, where the composite
    cannot tell a wrong fix from a right one (its weights coincide with the field's own there):
    a misread 8 for 0 that a letter swap elsewhere happens to "fix" is then seen to be ambiguous.
    Letters and digits whose values differ by a multiple of 10 (G and 6, L and 1) are invisible
    to any check digit; only the printed page can tell them apart."""
    positions = [spec.digit]
    if data_too:
        positions += [(ln, p) for ln, a, b in spec.data for p in range(a, b)]
    options = [(ln, pos, list(_alternatives(lines[ln][pos], layout.templates[ln][pos])))
               for ln, pos in positions]
    options = [(ln, pos, alts) for ln, pos, alts in options if alts]
    # A character its position does not allow (a letter in a date, "?") must change: those cells
    # alone are tried first.
    forced = [o for o in options if lines[o[0]][o[1]] not in _WILDCARD[layout.templates[o[0]][o[1]]]]
    attempts = ([[tuple(forced)]] if forced else []) + [
        itertools.combinations(options, changes) for changes in range(1, max_changes + 1)]
    tried = 0
    for attempt in attempts:
        found: dict[tuple[str, ...], Fix] = {}
        for cells in attempt:
            for combo in itertools.product(*(alts for _, _, alts in cells)):
                tried += 1
                if tried > _MAX_CANDIDATES:  # too many doubts to settle any of them
                    return None
                candidate = lines
                for (ln, pos, _), alt in zip(cells, combo, strict=True):
                    candidate = _substitute(candidate, ln, pos, alt)
                if _check_passes(spec, candidate):
                    found[candidate] = Fix(spec.name, tuple(
                        ((ln, pos), lines[ln][pos], alt) for (ln, pos, _), alt in zip(cells, combo, strict=True)))
                if len(found) > 1:
                    return None
        if found:
            return next(iter(found.items()))
    return None


def _alternatives(char: str, cls: str) -> list[str]:
    allowed = _WILDCARD[cls]
    if char == "?":
        return list(allowed)
    return sorted(alt for alt in CONFUSABLE.get(char, ()) if alt in allowed)


CODE_SPANS = {"TD3": ((0, 2, 5), (1, 10, 13)), "TD1": ((0, 2, 5), (1, 15, 18))}


def settle_codes(layout: Layout, lines: tuple[str, ...], alternatives: Alternatives,
                 ) -> tuple[tuple[str, ...], dict[tuple[int, int], str]]:
    """Issuing state and nationality have no check digit, but only a known code may stand
    there: an uncertain cell is settled when exactly one of its readings gives a known code."""
    remaining = dict(alternatives)
    for ln, a, b in CODE_SPANS[layout.name]:
        cells = [(ln, p) for p in range(a, b) if (ln, p) in remaining]
        if not cells:
            continue
        options = [dict.fromkeys(lines[ln][p] + remaining[(ln, p)]) for _, p in cells]
        known = []
        for combo in itertools.product(*options):
            code = list(lines[ln][a:b])
            for (_, p), char in zip(cells, combo, strict=True):
                code[p - a] = char
            if countries.is_known("".join(code)):
                known.append("".join(code))
        if len(known) == 1:
            line = lines[ln]
            lines = lines[:ln] + (line[:a] + known[0] + line[b:],) + lines[ln + 1:]
            for cell in cells:
                del remaining[cell]
    return lines, remaining


def ambiguities(layout: Layout, lines: tuple[str, ...], alternatives: Alternatives) -> Iterable[tuple[str, str, str]]:
    """Uncertain cells whose doubt survives: unchecked positions (names, nationality, sex) with
    more than one reading, or checked positions where another reading passes the checks too."""
    for (ln, pos), alts in alternatives.items():
        others = [a for a in alts if a != lines[ln][pos]]
        if not others:
            continue
        covering = [s for s in layout.checks if _covers(s, ln, pos)]
        if not covering or any(
            all(_check_passes(s, _substitute(lines, ln, pos, alt)) for s in covering) for alt in others
        ):
            yield "mrz_unreadable", f"line {ln + 1} position {pos + 1}", alts


def field_doubts(layout: Layout, lines: tuple[str, ...], alternatives: Alternatives,
                 ) -> tuple[tuple[tuple[int, int], str], ...]:
    """Uncertain cells of checked fields whose doubt the check digits do not settle: another
    combination of the field's uncertain readings passes the field's check digit and the composite
    as well (a letter and a digit whose values differ by 10 in one cell, or two swaps whose weights
    cancel). Each such cell with its readings, the one taken first ahead."""
    doubts: dict[tuple[int, int], str] = {}
    composite = next(s for s in layout.checks if s.name == "composite")
    for spec in layout.checks:
        if spec is composite:
            continue
        others = {c: [ch for ch in dict.fromkeys(alternatives[c]) if ch != lines[c[0]][c[1]]]
                  for c in _positions(spec) if c in alternatives and "?" not in alternatives[c]}
        for changed in itertools.islice(_changes(others), _MAX_DOUBT_CANDIDATES):
            candidate = lines
            for (ln, pos), char in changed:
                candidate = _substitute(candidate, ln, pos, char)
            if _check_passes(spec, candidate) and _check_passes(composite, candidate):
                for (ln, pos), char in changed:
                    doubts[(ln, pos)] = "".join(dict.fromkeys(doubts.get((ln, pos), lines[ln][pos]) + char))
    return tuple(sorted(doubts.items()))


_MAX_DOUBT_CANDIDATES = 512


def _changes(others: Mapping[Cell, Sequence[str]]) -> Iterable[tuple[tuple[Cell, str], ...]]:
    """Other readings of a field's uncertain cells: every single change first, then every pair, then
    more; so the swaps that can pass a check digit together (a twin alone, two that cancel) are all
    tried before a bound on the candidates cuts the rest."""
    cells = [c for c in sorted(others) if others[c]]
    for size in range(1, len(cells) + 1):
        for chosen in itertools.combinations(cells, size):
            for chars in itertools.product(*(others[c] for c in chosen)):
                yield tuple(zip(chosen, chars, strict=True))


def with_doubts(found: Mrz, alternatives: Alternatives) -> Mrz:
    """``found`` (a reading by another reader) keeping the doubts of checked cells that an earlier
    reading left: a second reader that picks one of two readings the check digits cannot tell
    apart is no witness for it (only the printed page is)."""
    if not alternatives:
        return found
    layout = TD3 if found.format == "TD3" else TD1
    merged = {(ln, pos): found.lines[ln][pos] + chars for (ln, pos), chars in alternatives.items()
              if ln < len(found.lines) and pos < len(found.lines[ln])}
    doubts = dict(found.field_alternatives)
    for cell, chars in field_doubts(layout, found.lines, merged):
        doubts[cell] = "".join(dict.fromkeys(doubts.get(cell, "") + chars))
    return replace(found, field_alternatives=tuple(sorted(doubts.items())))


def without_fixes(found: Mrz, undo: Callable[[Cell, str, str], bool], *, today: date | None = None) -> Mrz:
    """``found`` read again with the check-digit corrections that ``undo(cell, read, taken)`` picks
    undone (each such cell as read); ``found`` itself when it picks none. The result is parsed
    afresh: its check digits say what the undone cells leave."""
    lines = found.lines
    for fix in found.fixes:
        for (ln, pos), read, taken in fix.cells:
            if lines[ln][pos] == taken and undo((ln, pos), read, taken):
                lines = _substitute(lines, ln, pos, read)
    if lines == found.lines:
        return found
    return parse(lines, today=today) or found


def field_candidates(found: Mrz, *, today: date | None = None, limit: int = 256) -> Iterable[Mrz]:
    """Every reading of the zone (parsed alone, for ``with_fields``) that combines its doubtful
    checked cells' readings and passes all check digits, the reading taken first among them."""
    cells = [cell for cell, _ in found.field_alternatives]
    options = [chars for _, chars in found.field_alternatives]
    for combo in itertools.islice(itertools.product(*options), limit):
        lines = found.lines
        for (ln, pos), char in zip(cells, combo, strict=True):
            lines = _substitute(lines, ln, pos, char)
        parsed = parse(lines, today=today)
        if parsed is not None and all(parsed.checks.values()):
            yield parsed


def with_fields(found: Mrz, parsed: Mrz, note: str = "") -> Mrz:
    """``found`` with the checked fields of another reading ``parsed`` of the same zone (its doubts
    settled; ``note`` says how). The name line and the reader's notes stay those of ``found``."""
    own = parse(found.lines)
    kept = tuple(p for p in found.problems if own is None or p not in own.problems)
    changed = [f"{found.lines[ln][pos]}→{parsed.lines[ln][pos]} at line {ln + 1} position {pos + 1}"
               for (ln, pos), _ in found.field_alternatives if found.lines[ln][pos] != parsed.lines[ln][pos]]
    corrections = found.corrections + ((f"{note}: " + "; ".join(changed),) if note and changed else ())
    return replace(found, lines=parsed.lines, document_number=parsed.document_number,
                   birth_date=parsed.birth_date, expiry_date=parsed.expiry_date, optional_data=parsed.optional_data,
                   optional_data_2=parsed.optional_data_2, checks=parsed.checks, problems=parsed.problems + kept,
                   corrections=corrections, field_alternatives=())


def _covers(spec: CheckSpec, ln: int, pos: int) -> bool:
    return spec.digit == (ln, pos) or any(line == ln and a <= pos < b for line, a, b in spec.data)


def substitute(lines: tuple[str, ...], cell: Cell, char: str) -> tuple[str, ...]:
    """``lines`` with ``char`` in ``cell`` (line, position)."""
    return _substitute(lines, cell[0], cell[1], char)


def _substitute(lines: tuple[str, ...], ln: int, pos: int, char: str) -> tuple[str, ...]:
    line = lines[ln]
    return lines[:ln] + (line[:pos] + char + line[pos + 1:],) + lines[ln + 1:]
