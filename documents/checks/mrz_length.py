"""Raw MRZ lines made the zone's width: OCR miscounts long runs of fillers (``<``). Every way of adding
or removing fillers inside a run is offered; the check digits choose among them (``mrz.repair``)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence


def length_variants(raw: Sequence[str], width: int,
                    names_lines: Sequence[bool]) -> list[tuple[tuple[str, ...], list[str]]]:
    """OCR often miscounts long filler runs. Names line (``names_lines[i]``): pad or trim trailing
    fillers. Lines with check digits: every way of adding or removing fillers inside runs (the checks
    choose)."""
    per_line: list[list[tuple[str, str]]] = []
    for line, names in zip(raw, names_lines, strict=False):
        per_line.append(list(_fix_length(line, width, names=names)))
    variants = []
    for combo in itertools.islice(itertools.product(*per_line), 64):
        lines = tuple(x for x, _ in combo)
        notes = [f"line {i + 1}: {note}" for i, (_, note) in enumerate(combo) if note]
        variants.append((lines, notes))
    return variants


def _fix_length(line: str, width: int, *, names: bool) -> Iterable[tuple[str, str]]:
    diff = len(line) - width
    if diff == 0:
        yield line, ""
        return
    if names:
        fixed = (line + "<" * width)[:width] if diff < 0 else _trim_fillers(line, width)
        if fixed is not None:
            yield fixed, "filler count adjusted"
        return
    seen: set[str] = set()
    for fixed in _filler_edits(line, width):
        if fixed not in seen:
            seen.add(fixed)
            yield fixed, "filler count adjusted"


def _trim_fillers(line: str, width: int) -> str | None:
    """Too long: only trailing fillers may go; dropping letters would invent a name."""
    trimmed = line[:width]
    return trimmed if set(line[width:]) <= {"<"} else None


def _filler_edits(line: str, width: int, depth: int = 2) -> Iterable[str]:
    if len(line) == width:
        yield line
        return
    if depth == 0 or abs(len(line) - width) > depth:
        return
    grow = len(line) < width
    positions = {m.start() for m in re.finditer("<+", line)} | {m.end() for m in re.finditer("<+", line)}
    positions |= {len(line)} if grow else set()
    for pos in sorted(positions):
        if grow:
            edited = line[:pos] + "<" + line[pos:]
        elif pos < len(line) and line[pos] == "<":
            edited = line[:pos] + line[pos + 1:]
        elif pos > 0 and line[pos - 1] == "<":
            edited = line[:pos - 1] + line[pos:]
        else:
            continue
        yield from _filler_edits(edited, width, depth - 1)
