"""Reading an MRZ band cell by cell with the glyph classifier (``glyphs``), and choosing each
checked field's characters with its check digit.

Each cell of the fixed grid (``grid.Grid``) is cut to its glyph and scored against every
character its position allows (ICAO 9303: digits only in dates and check digits, letters only in
codes and names). A character scoring within ``CLOSE`` of the cell's best is a live alternative
(its cost is the score it gives up). For every field with a check digit, the cheapest combination
of live alternatives that makes the check digit fit is taken, but only when no other fitting
combination costs nearly as little; otherwise the cells stay doubtful and the MRZ invalid. The
composite check digit must fit the chosen fields too. Cells without a check digit (the names, the
codes, the sex) keep their doubts for ``mrz`` and the printed page (``viz``) to settle.
"""

from __future__ import annotations

import itertools

import cv2
import numpy as np

from . import glyphs, mrz, templates
from .grid import Grid

_LETTERS, _DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "0123456789"
ALLOWED = {"a": _LETTERS + "<", "n": _DIGITS + "<", "c": _DIGITS + "<", "s": "MFX<",
           "x": _LETTERS + _DIGITS + "<"}
CLOSE = 0.10  # score a character may give up on the cell's best and stay a live alternative
UNCHECKED_CLOSE = 0.06  # names and codes: a runner-up this close makes the cell doubtful
# A letter and a digit whose values differ by a multiple of 10 (S and 8, G and 6, D and 3, B and 1)
# are the same to every check digit, the composite's included: when such a twin scores this close,
# nothing but the glyph tells them apart, so the cell stays doubtful and the zone invalid.
TWIN_CLOSE = 0.08
WEAK = 0.6  # a best score below this is a blot or a cut glyph: the cell is doubtful whatever it reads
FIELD_BUDGET = 0.16  # total score a check-digit repair may give up
UNIQUE_MARGIN = 0.09  # the next fitting combination must cost this much more
SURE = 0.75  # every cell at least this good, and none with a live runner-up: a sure reading
# Look-alikes compared with the zone's own print (``_compare_with_own_glyphs``):
OWN_SIZE = (32, 24)  # width, height of a glyph normalised for that comparison (its width kept)
REFERENCE_GAP = 0.04  # a sure cell whose best beats its runner-up by this much is a reference of its character
SELF_REACH = 0.10  # candidates this close to the cell's best are compared with the zone's own glyphs
OWN_WEIGHT = 2.0  # the zone's own print is a closer witness than the bank's renderings
OWN_TOLERANCE = 0.02  # a match this close to how the references match each other counts as one of them
MAX_LIVE = 3
TIED = 0.005  # readings this close are left for the check digits to choose
OVERLOADED = 2  # tied cells in one field: the check digit has chosen among 2**2 combinations of ten residues
# A cell whose best match is below this is printed in a face the bank knows only by its common
# shapes: every digit scores alike there (dev-unseen: Monoid's 0 scored 0.81 against 0, 0.83 against 6,
# 5 and 9), so the right one is often fourth, and one more reading stays live for the check digits.
FAMILIAR = 0.90
MAX_NODES = 4000
# Two cells of one field whose other readings, together, give up no more than this on the readings
# taken, and whose swaps together pass the field's check digit and the composite, cancel out: the check
# digits are no witness for either (dev-unseen, a bank with two more faces: "C0B4" read "COBQ", O for 0
# at weight 1 and Q for 4 at weight 3 add 24 + 66 = 90). Both stay doubtful, for the printed page to
# settle. The margin is ``_settle``'s for a rival repair, which sees only three live readings per cell,
# stops after ``MAX_NODES`` and asks the field's own check digit alone; here every reading within reach
# counts, and the composite too.
PAIR_MARGIN = UNIQUE_MARGIN
# How many regions of paper a character encloses at most, in any face an MRZ is printed in: none for
# a G, an S, a 7; one for a 6, a 9, an A (a 4 may be open or closed). A 0 or an O may be slashed or
# dotted, a Q's tail may close a second region, an 8 and a B have two: no limit for those. A cell
# that encloses more cannot be that character, whatever the bank's shapes make of it: in a face the
# bank has never seen a 6 scores as close to G as to 6, an 8 as close to 6 or 9 as to 8, and no check
# digit tells twins (G and 6, S and 8) apart.
ENCLOSES_AT_MOST = dict.fromkeys("CEFGHIJKLMNSTUVWXYZ12357<", 0) | dict.fromkeys("469ADPR", 1)
# Ink levels (share of the glyph's darkest) at which a hole must stay closed: a gap blurred or printed
# shut closes only at the lowest (an OCR-B G printed heavier, 0.035 of its box at half its darkness).
HOLE_LEVELS = (0.5, 0.6, 0.7)
# Share of the glyph's box a hole must cover at every level. dev-unseen, dev-hard and dev: characters
# enclosing more than ``ENCLOSES_AT_MOST`` allows in solid prints at most 0.013 of the box; 6, 8, 9, 0,
# B, D, O, P, R enclose at least this much in 96 % of cells, 8 and B a second region in 60–90 %.
HOLE = 0.04
# A zone whose clear prints enclose this much more than their characters can is printed hollow (an
# outline cut): every glyph there has holes, and none tells anything.
HOLLOW = 0.01

Cell = tuple[int, int]  # line, position


def read(crop: np.ndarray, ink: np.ndarray, grids: list[Grid]) -> tuple[str, dict[Cell, str], bool]:
    """The band's text, the doubtful cells' readings (best first), for ``mrz.read``, and whether
    every cell was read without a close runner-up (then a check digit that fails is taken as
    printed so, and no other reader is asked)."""
    layout = mrz.TD3 if len(grids) == 2 else mrz.TD1
    darkness = 1.0 - crop.astype(np.float32) / 255.0
    cells = [(n, i) for n, grid in enumerate(grids) for i in range(grid.width)]
    cut = {cell: cell_glyph(grids[cell[0]], ink, darkness, cell[1]) for cell in cells}
    present = [cell for cell in cells if cut[cell] is not None]
    scored = dict(zip(present, glyphs.classify_many([cut[c] for c in present]), strict=True))
    scored = _compare_with_own_glyphs(layout, cut, scored)
    scored = _rule_out_by_holes(layout, cut, scored)
    live: dict[Cell, list[tuple[str, float]]] = {}
    for cell in cells:
        allowed = ALLOWED[layout.templates[cell[0]][cell[1]]]
        if cell not in scored:
            live[cell] = [("?", 1.0)]
            continue
        scores = scored[cell]
        ranked = sorted(allowed, key=scores.get, reverse=True)
        best = scores[ranked[0]]
        reach = 2 * CLOSE if best < WEAK else CLOSE
        keep = MAX_LIVE if best >= FAMILIAR else MAX_LIVE + 1
        live[cell] = [(c, best - scores[c]) for c in ranked[:keep] if best - scores[c] <= reach]
    lines = [[live[(n, i)][0][0] for i in range(grid.width)] for n, grid in enumerate(grids)]
    sure = len(scored) == len(cells) and all(
        len(live[cell]) == 1 and scored[cell][live[cell][0][0]] >= SURE for cell in cells)
    alternatives: dict[Cell, str] = {}
    checked: set[Cell] = set()
    for spec in layout.checks:
        spec_cells = _cells(spec)
        checked.update(spec_cells)
        if spec.name == "composite":
            continue
        _settle(spec, spec_cells, live, lines, alternatives)
    _composite(layout, live, lines, alternatives)
    _cancelling_pairs(layout, scored, lines, alternatives)
    _add_twins(layout, scored, lines, checked, alternatives)
    for cell in cells:
        if cell in checked or cell not in scored:
            if cell not in scored:
                alternatives[cell] = "?"
            continue
        options = live[cell]
        close = [c for c, cost in options if cost <= UNCHECKED_CLOSE]
        if len(close) > 1 or scored[cell][options[0][0]] < WEAK:
            alternatives[cell] = "".join(dict.fromkeys(close + [c for c, _ in options[:2]]))
    return "\n".join("".join(line) for line in lines), alternatives, sure


def _cancelling_pairs(layout: mrz.Layout, scored: dict[Cell, dict[str, float]], lines: list[list[str]],
                      alternatives: dict[Cell, str]) -> None:
    """Pairs of cells in one checked field whose other readings give up at most ``PAIR_MARGIN``
    together on the readings taken, and whose two swaps together pass the field's check digit and
    the composite: the reading taken passes its checks no better than the swapped one, so both cells
    keep both readings. A cell read clearly (no other reading within the margin) is no part of a pair."""
    composite = next(s for s in layout.checks if s.name == "composite")
    as_lines = tuple("".join(line) for line in lines)
    for spec in layout.checks:
        if spec is composite:
            continue
        near: dict[Cell, list[tuple[str, float]]] = {}
        for cell in _cells(spec):
            scores = scored.get(cell)
            taken = as_lines[cell[0]][cell[1]]
            if not scores or taken not in scores:
                continue
            allowed = ALLOWED[layout.templates[cell[0]][cell[1]]]
            others = [(c, scores[taken] - scores[c]) for c in allowed
                      if c not in (taken, "<") and scores[taken] - scores[c] <= PAIR_MARGIN]
            if others:
                near[cell] = others
        for (p, p_options), (q, q_options) in itertools.combinations(sorted(near.items()), 2):
            for (a, a_cost), (b, b_cost) in itertools.product(p_options, q_options):
                if a_cost + b_cost > PAIR_MARGIN:
                    continue
                swapped = mrz.substitute(mrz.substitute(as_lines, p, a), q, b)
                if mrz._check_passes(spec, swapped) and mrz._check_passes(composite, swapped) \
                        and _names_a_day(spec, swapped):
                    for cell, char in ((p, a), (q, b)):
                        taken = as_lines[cell[0]][cell[1]]
                        alternatives[cell] = "".join(dict.fromkeys(alternatives.get(cell, taken) + char))


def _compare_with_own_glyphs(layout: mrz.Layout, cut: dict[Cell, np.ndarray | None],
                             scored: dict[Cell, dict[str, float]]) -> dict[Cell, dict[str, float]]:
    """Look-alikes (O and 0, B and 8, S and 8, G and 6) that the bank scores alike are told apart by
    the zone's own print: the same character stands clearly elsewhere in the zone, where its
    position allows no look-alike (0 in a date, O in a name). A contested cell's candidates that have
    such references of their own are scored by how well the cell matches them: each gives up twice
    what it falls short of the best of them."""
    references: dict[str, list[np.ndarray]] = {}
    for cell, scores in scored.items():
        allowed = ALLOWED[layout.templates[cell[0]][cell[1]]]
        if allowed not in (ALLOWED["a"], ALLOWED["n"]):
            continue
        ranked = sorted(allowed, key=scores.get, reverse=True)
        if scores[ranked[0]] >= SURE and scores[ranked[0]] - scores[ranked[1]] > REFERENCE_GAP and ranked[0] != "<":
            references.setdefault(ranked[0], []).append(_own(cut[cell]))
    if not references:
        return scored
    stacked = {char: np.stack(rows) for char, rows in references.items()}
    typical = {char: _typical_match(rows) for char, rows in stacked.items()}
    out = dict(scored)
    for cell, scores in scored.items():
        allowed = ALLOWED[layout.templates[cell[0]][cell[1]]]
        ranked = sorted(allowed, key=scores.get, reverse=True)
        contested = [c for c in ranked[:MAX_LIVE] if c in stacked and scores[ranked[0]] - scores[c] <= SELF_REACH]
        if not contested:
            continue
        glyph = _own(cut[cell])
        own = {c: float((stacked[c] @ glyph).max()) for c in contested}
        adjusted = dict(scores)
        if len(contested) > 1:
            top = max(own.values())
            adjusted |= {c: scores[c] - OWN_WEIGHT * (top - own[c]) for c in contested}
        # A runner-up that looks like the zone's own print of it as much as those prints look like each
        # other is as likely as the bank's favourite: the cell is left for the check digits to decide.
        best = ranked[0]
        for c in contested:
            if c != best and best not in stacked and typical[c] is not None and own[c] >= typical[c] - OWN_TOLERANCE:
                adjusted[c] = max(adjusted[c], adjusted[best])
        out[cell] = adjusted
    return out


def _rule_out_by_holes(layout: mrz.Layout, cut: dict[Cell, np.ndarray | None],
                       scored: dict[Cell, dict[str, float]]) -> dict[Cell, dict[str, float]]:
    """A cell that encloses more holes (``HOLE``) than a character can (``ENCLOSES_AT_MOST``) is not
    that character: its score falls below the reach of every alternative, the check digits' and the
    twins' included. Not in a zone printed hollow, where clear prints enclose more than they can."""
    holes = {cell: enclosed_paper(cut[cell]) for cell in scored}
    for cell, scores in scored.items():
        allowed = ALLOWED[layout.templates[cell[0]][cell[1]]]
        ranked = sorted(allowed, key=scores.get, reverse=True)
        clear = scores[ranked[0]] >= SURE and scores[ranked[0]] - scores[ranked[1]] > REFERENCE_GAP
        if clear and _holes(holes[cell], HOLLOW) > ENCLOSES_AT_MOST.get(ranked[0], len(holes[cell])):
            return scored
    out = dict(scored)
    for cell, scores in scored.items():
        count = _holes(holes[cell], HOLE)
        if count:
            out[cell] = {c: s - 1.0 if ENCLOSES_AT_MOST.get(c, count) < count else s for c, s in scores.items()}
    return out


def _holes(areas: tuple[float, ...], share: float) -> int:
    return sum(area >= share for area in areas)


def enclosed_paper(glyph: np.ndarray | None) -> tuple[float, ...]:
    """The areas of paper the glyph's ink encloses, largest first, as shares of its box: each the
    smallest over ``HOLE_LEVELS``, so that a gap closed only by blur or heavy ink does not count."""
    if glyph is None or glyph.size == 0 or float(glyph.max()) <= 0:
        return ()
    per_level = []
    for level in HOLE_LEVELS:
        per_level.append(_hole_areas(glyph >= level * float(glyph.max())))
        if not per_level[-1]:  # most cells: open at the first level already
            return ()
    return tuple(min(areas) for areas in itertools.zip_longest(*per_level, fillvalue=0.0))


def _hole_areas(ink: np.ndarray) -> list[float]:
    paper = np.pad(~ink, 1, constant_values=True).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(paper, connectivity=4)
    outside = labels[0, 0]
    return sorted((stats[k, cv2.CC_STAT_AREA] / ink.size for k in range(1, count) if k != outside), reverse=True)


def _typical_match(rows: np.ndarray) -> float | None:
    """How well one of the zone's prints of a character matches its others (median of the best)."""
    if len(rows) < 2:
        return None
    similarity = rows @ rows.T
    np.fill_diagonal(similarity, -1.0)
    return float(np.median(similarity.max(axis=1)))


def _own(glyph: np.ndarray) -> np.ndarray:
    """A glyph normalised for comparison with others of the same zone: its width is kept (the bank's
    box cuts OCR-B's round letters to one width, and O is wider than 0, B than 8)."""
    return templates.normalise(glyph, OWN_SIZE).ravel()


def _add_twins(layout: mrz.Layout, scored: dict, lines: list[list[str]], checked: set[Cell],
               alternatives: dict[Cell, str]) -> None:
    """A checked cell whose twin (a value 10 apart: no check digit tells them) scores close is doubtful
    too, beside what the check digits or a cancelling pair already left doubtful there."""
    for cell in checked:
        twin = _close_twin(lines[cell[0]][cell[1]], scored.get(cell), ALLOWED[layout.templates[cell[0]][cell[1]]])
        if twin:
            alternatives[cell] = "".join(dict.fromkeys(alternatives.get(cell, lines[cell[0]][cell[1]]) + twin))


def _close_twin(char: str, scores: dict[str, float] | None, allowed: str) -> str:
    if not scores or char not in scores or char in "<?":
        return ""
    value = mrz.char_value(char)
    twins = [c for c in allowed if c != char and c != "<" and (mrz.char_value(c) - value) % 10 == 0
             and scores[c] >= scores[char] - TWIN_CLOSE]
    return "".join(twins)


def _cells(spec: mrz.CheckSpec) -> list[Cell]:
    return [(ln, p) for ln, a, b in spec.data for p in range(a, b)] + [spec.digit]


def _fitting(spec: mrz.CheckSpec, cells: list[Cell], live: dict[Cell, list[tuple[str, float]]],
             lines: list[list[str]]) -> list[tuple[float, dict[Cell, str]]]:
    """Combinations of live alternatives within ``FIELD_BUDGET`` that make the check digit fit,
    cheapest first."""
    options = [live[c] for c in cells]
    found: list[tuple[float, dict[Cell, str]]] = []
    nodes = 0
    chosen: list[str] = []

    def walk(k: int, cost: float) -> None:
        nonlocal nodes
        nodes += 1
        if nodes > MAX_NODES:
            return
        if k == len(cells):
            text = dict(zip(cells, chosen, strict=True))
            as_lines = ["".join(text.get((n, i), ch) for i, ch in enumerate(line)) for n, line in enumerate(lines)]
            if mrz._check_passes(spec, as_lines) and _names_a_day(spec, as_lines):
                found.append((cost, text))
            return
        for char, extra in options[k]:
            if cost + extra <= FIELD_BUDGET:
                chosen.append(char)
                walk(k + 1, cost + extra)
                chosen.pop()

    walk(0, 0.0)
    return sorted(found, key=lambda x: x[0])


DATE_FIELDS = ("birth_date", "expiry_date")


def _names_a_day(spec: mrz.CheckSpec, lines) -> bool:
    """A date field's six digits name a day of the calendar (YYMMDD): a reading with month 81 is no
    reading of a date, however well its check digit fits (an 8 for a slashed 0 in "360111"). A day or
    month left unknown (fillers, or 00 as some states print it) is not judged here."""
    if spec.name not in DATE_FIELDS:
        return True
    line, start, end = spec.data[0]
    digits = lines[line][start:end]
    if "<" in digits or digits[2:4] == "00" or digits[4:6] == "00":
        return True
    return mrz.expiry_date(digits) is not None  # the century does not matter here


def _settle(spec: mrz.CheckSpec, cells: list[Cell], live: dict[Cell, list[tuple[str, float]]],
            lines: list[list[str]], alternatives: dict[Cell, str]) -> None:
    fitting = _fitting(spec, cells, live, lines)
    if not fitting:
        # No repair fits: the field stays as read (its check digit fails, or a doubt remains).
        for cell in cells:
            if len(live[cell]) > 1:
                alternatives[cell] = "".join(c for c, _ in live[cell])
        return
    cost, text = fitting[0]
    for (n, i), char in text.items():
        lines[n][i] = char
    _overloaded_check_digit(cells, live, text, alternatives)
    # Every other fitting choice nearly as cheap is a rival: its cells stay doubtful with all their
    # rivals' readings (two swaps whose weights cancel, O and 0 twice, fit as well as one).
    for rival_cost, rival in fitting[1:]:
        if rival_cost - cost >= UNIQUE_MARGIN:
            break
        for cell, char in text.items():
            if rival[cell] != char:
                alternatives[cell] = "".join(dict.fromkeys(alternatives.get(cell, char) + rival[cell]))


def _overloaded_check_digit(cells: list[Cell], live: dict[Cell, list[tuple[str, float]]], text: dict[Cell, str],
                            alternatives: dict[Cell, str]) -> None:
    """Cells whose readings score alike (``TIED``: left for the check digits, ``_compare_with_own_glyphs``) are
    chosen by the field's one check digit; with ``OVERLOADED`` of them it has chosen among four or more
    combinations, out of ten residues, and no longer witnesses the field's other cells. Then a cell that still
    has a live rival is doubtful, and so are the tied cells (a personal number with three 0/8 ties settled beside
    two zeros read O: all five checks passed on a wrong reading; dev-unseen)."""
    tied = [cell for cell in cells if len(live[cell]) > 1 and live[cell][1][1] <= TIED]
    if len(tied) < OVERLOADED:
        return
    rivals = [cell for cell in cells if cell not in tied and len(live[cell]) > 1]
    if not rivals:
        return
    for cell in tied + rivals:
        taken = text.get(cell, live[cell][0][0])
        alternatives[cell] = "".join(dict.fromkeys(alternatives.get(cell, taken) + "".join(c for c, _ in live[cell])))


def _composite(layout: mrz.Layout, live: dict[Cell, list[tuple[str, float]]], lines: list[list[str]],
               alternatives: dict[Cell, str]) -> None:
    """The composite digit covers the fields already chosen; when it does not fit, the next
    cheapest fitting choice of each field is tried (one field at a time, never two: that fits by
    chance too easily), and taken if unique."""
    spec = next(s for s in layout.checks if s.name == "composite")
    as_lines = ["".join(line) for line in lines]
    if mrz._check_passes(spec, as_lines):
        return
    if _composite_digit_misread(layout, spec, live, lines, alternatives):
        return
    fits = []
    for field_spec in layout.checks:
        if field_spec.name == "composite":
            continue
        for cost, text in _fitting(field_spec, _cells(field_spec), live, lines)[1:3]:
            trial = [list(line) for line in lines]
            for (n, i), char in text.items():
                trial[n][i] = char
            if mrz._check_passes(spec, ["".join(x) for x in trial]):
                fits.append((cost, trial))
    fits.sort(key=lambda x: x[0])
    if len(fits) == 1 or (len(fits) > 1 and fits[1][0] - fits[0][0] >= UNIQUE_MARGIN):
        for n, line in enumerate(fits[0][1]):
            lines[n][:] = line


def _composite_digit_misread(layout: mrz.Layout, spec: mrz.CheckSpec, live: dict[Cell, list[tuple[str, float]]],
                             lines: list[list[str]], alternatives: dict[Cell, str]) -> bool:
    """The fields the composite covers each pass their own check digit without a doubt, and the digit
    the composite computes from them is a live reading of its cell that this very zone is seen to print
    so: a field's check digit took it over the same best reading elsewhere (a slashed zero the bank reads
    8 in the dates, chosen 0 by their check digits, and read 8 again in the composite's cell;
    dev-unseen). Then the composite's cell was misread and takes that digit. Any other failing composite
    stays the witness against the fields that it is."""
    covered = _cells(spec)[:-1]  # the fields, without the composite's own digit
    as_lines = ["".join(line) for line in lines]
    fields_hold = all(mrz._check_passes(s, as_lines) for s in layout.checks if s is not spec)
    if not fields_hold or any(cell in alternatives for cell in covered):
        return False
    seen_printed_so = {(live[(n, i)][0][0], lines[n][i]) for n, i in covered if lines[n][i] != live[(n, i)][0][0]}
    computed = mrz.check_digit("".join("".join(lines[ln][a:b]) for ln, a, b in spec.data))
    options = dict(live[spec.digit])
    best = live[spec.digit][0][0]
    if (best, computed) not in seen_printed_so or options.get(computed, 1.0) > TWIN_CLOSE:
        return False
    lines[spec.digit[0]][spec.digit[1]] = computed
    return True


def cell_glyph(grid: Grid, ink: np.ndarray, darkness: np.ndarray, index: int) -> np.ndarray | None:
    """The glyph of one cell, cut to its box: the largest ink component in the cell's window and
    the pieces within its box (a dotted zero), so specks, security-print lines and the neighbours'
    edges stay out."""
    # The row found by ``_text_rows`` can be shorter than the glyphs (a names line is mostly
    # fillers, which stand lower than the capitals): the window reaches half a pitch beyond it.
    pad = int(0.5 * max(grid.bottom - grid.top, grid.pitch))
    top, bottom = max(0, grid.top - pad), grid.bottom + pad
    centre = grid.centre(index)
    x0, x1 = max(0, int(centre - 0.5 * grid.pitch)), int(centre + 0.5 * grid.pitch) + 1
    window = ink[top:bottom, x0:x1].astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(window, connectivity=8)
    if count <= 1:
        return None
    area = stats[1:, cv2.CC_STAT_AREA]
    largest = 1 + int(np.argmax(area))
    lx, ly, lw, lh = (int(stats[largest, k]) for k in (cv2.CC_STAT_LEFT, cv2.CC_STAT_TOP, cv2.CC_STAT_WIDTH,
                                                        cv2.CC_STAT_HEIGHT))
    if lh < 0.25 * (grid.bottom - grid.top):
        return None
    keep = np.zeros(count, dtype=bool)
    keep[largest] = True
    for k in range(1, count):
        x, y, w, h = (int(stats[k, j]) for j in (cv2.CC_STAT_LEFT, cv2.CC_STAT_TOP, cv2.CC_STAT_WIDTH,
                                                  cv2.CC_STAT_HEIGHT))
        inside = x >= lx - 1 and y >= ly - 1 and x + w <= lx + lw + 1 and y + h <= ly + lh + 1
        keep[k] = keep[k] or (inside and stats[k, cv2.CC_STAT_AREA] >= 4)
    mask = keep[labels]
    ys, xs = np.nonzero(mask)
    box = (slice(ys.min(), ys.max() + 1), slice(xs.min(), xs.max() + 1))
    soft = cv2.dilate(mask.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    return (darkness[top:bottom, x0:x1] * soft)[box]
