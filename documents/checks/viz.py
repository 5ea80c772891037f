"""The visual inspection zone (VIZ): the printed fields of a passport page, as a second witness
for the MRZ's name line, which has no check digit (ICAO 9303 Part 3 §4.6, Part 4 §4.2), and for
the cells of checked fields that the check digits cannot settle (a letter and a digit whose values
differ by 10, such as S and 8 or G and 6, weigh the same in every check digit).

A name read uncertainly from the MRZ is only taken when the printed page shows the same name:
every surname and given-name part of the MRZ reading must appear as a word of the page's text
(in one of the transliterations ICAO 9303 allows for the printed spelling). When the MRZ reader
kept several readings for some cells, exactly one of them may agree with the page; two that agree
are as bad as none. The page's own OCR can be wrong too, which only ever turns a confirmation into
"uncertain", never the other way round.
"""

from __future__ import annotations

import re
import time
from datetime import date

import numpy as np

from . import image as im
from . import mrz, ocr
from .crosscheck import name_variants

VIZ_WIDTH = 1100  # px: the printed values stay 20+ px tall on an ID-3 page
VIZ_SHARE = 0.78  # of the upright page's height, from the top: the MRZ is in the bottom quarter
_MRZ_LIKE = re.compile(r"(?=[A-Z0-9<]*[0-9<])[A-Z0-9<]{30,}")  # long runs with digits or fillers


def page_text(upright: np.ndarray, *, timeout: float) -> str:
    """OCR of the upper part of an upright page (sparse text: labels and values)."""
    if timeout <= 0.2:
        return ""
    top = upright[: max(1, int(upright.shape[0] * VIZ_SHARE))]
    if top.shape[1] > VIZ_WIDTH:
        top, _ = im.resize_to_width(top, VIZ_WIDTH)
    read = ocr.recognise(top, psm=11, timeout=timeout)
    return read.text if read.ok else ""


def words(text: str) -> set[str]:
    """Every word of the page in its MRZ spellings; lines that look like the MRZ itself are left out."""
    out: set[str] = set()
    for line in text.splitlines():
        if "<<" in line or _MRZ_LIKE.search(line.replace(" ", "")):
            continue
        for raw in re.split(r"[\s/,:;]+", line):
            for variant in name_variants(raw):
                out.update(variant.split())
    return out


_MONTHS = {name: n for n, names in enumerate((
    "JAN", "FEB FEV", "MAR MAE MRZ", "APR AVR", "MAY MAI", "JUN JUIN", "JUL JUIL", "AUG AOU AOUT",
    "SEP", "OCT OKT", "NOV", "DEC DEZ"), start=1) for name in names.split()}
_NUMERIC_DATE = re.compile(r"\b(\d{1,2})[./-](\d{1,2})[./-](\d{4}|\d{2})\b")
_WORD_DATE = re.compile(r"\b(\d{1,2})\s*([A-Z]{3,4})[A-Z]*[\s/.]*(\d{4}|\d{2})\b")


def printed_dates(text: str) -> set[tuple[int, int, int]]:
    """(day, month, year mod 100) of the dates printed as 12.08.1974, 12/08/74 or 12 AUG 1974."""
    out = set()
    upper = text.upper()
    for day, month, year in _NUMERIC_DATE.findall(upper):
        out.add((int(day), int(month), int(year) % 100))
    for day, month, year in _WORD_DATE.findall(upper):
        if month in _MONTHS:
            out.add((int(day), _MONTHS[month], int(year) % 100))
    return out


def _number_and_dates_printed(found: mrz.Mrz, text: str) -> bool:
    dates = printed_dates(text)
    for value in (found.birth_date, found.expiry_date):
        if value is None or (value.day, value.month, value.year % 100) not in dates:
            return False
    return found.document_number.replace(" ", "") in _tokens(text)


def _tokens(text: str) -> set[str]:
    return {token.upper() for token in re.split(r"[\s/,:;]+", text) if token}


def agrees(field_text: str, page_words: set[str]) -> bool:
    surname, given, truncated = mrz.split_names(field_text)
    parts = surname.split() + given.split()
    if not parts:
        return False
    *complete, last = parts
    if not all(part in page_words for part in complete):
        return False
    if truncated:  # the last part may be cut off in the MRZ
        return any(word.startswith(last) for word in page_words)
    return last in page_words


def confirm_name(found: mrz.Mrz, text: str) -> mrz.Mrz | None:
    """``found`` with its name taken as certain when exactly one of its readings is printed on
    the page; ``None`` otherwise. An MRZ read without a second opinion per character (plain OCR
    text, or a zone not printed in OCR-B) must also show its document number and both dates on the
    page: check digits cannot see every swap (G and 6, L and 1 differ by 10 in value), and several
    doubtful cells can fit a check digit by chance."""
    page_words = words(text)
    if not page_words:
        return None
    if not found.second_opinion and not _number_and_dates_printed(found, text):
        return None
    agreeing = [candidate for candidate in mrz.name_candidates(found) if agrees(candidate, page_words)]
    if len(agreeing) != 1:
        return None
    return mrz.with_name_field(found, agreeing[0], "name: settled with the printed page")


def settle_fields(found: mrz.Mrz, text: str, *, today: date | None = None) -> mrz.Mrz | None:
    """``found`` with its doubtful checked cells settled when exactly one of the readings that pass
    the check digits shows its document number and dates on the page; ``None`` otherwise (the
    printed number unread, read otherwise, or agreeing with two readings)."""
    if not found.field_alternatives or not text:
        return None
    tokens, dates = _tokens(text), printed_dates(text)
    fields = found.uncertain_fields
    doubtful = {pos for (ln, pos), _ in found.field_alternatives if ln == _NUMBER_CELLS[found.format][0]}
    agreeing = [c for c in mrz.field_candidates(found, today=today)
                if _printed(c, fields, tokens, dates, doubtful)]
    if len(agreeing) != 1:
        return None
    return mrz.with_fields(found, agreeing[0], "settled with the printed page")


_NUMBER_CELLS = {"TD3": (1, 0), "TD1": (0, 5)}  # line and first position of the document number
NUMBER_SLIPS = 1  # characters of the printed number the page's OCR may misread away from the doubtful cells


def number_printed(number: str, doubtful: set[int], tokens: set[str]) -> bool:
    """A token of the page is the printed ``number``: equal at every doubtful position (indices into
    the number) and at all but ``NUMBER_SLIPS`` of the others (the page's OCR reads a J as ")"), for
    numbers of six characters or more; shorter ones must be equal."""
    slips = NUMBER_SLIPS if len(number) >= 6 else 0
    for token in tokens:
        if len(token) != len(number) or any(token[i] != number[i] for i in doubtful if i < len(number)):
            continue
        if sum(a != b for a, b in zip(token, number, strict=True)) <= slips:
            return True
    return False


def _printed(candidate: mrz.Mrz, fields: list[str], tokens: set[str], dates: set[tuple[int, int, int]],
             doubtful: set[int]) -> bool:
    start = _NUMBER_CELLS[candidate.format][1]
    for name in fields:
        if name == "document_number":
            number = candidate.document_number.replace(" ", "")
            if not number_printed(number, {pos - start for pos in doubtful}, tokens):
                return False
        elif name in ("birth_date", "expiry_date"):
            value = getattr(candidate, name)
            if value is None or (value.day, value.month, value.year % 100) not in dates:
                return False
        else:  # optional data, composite: not printed on the page
            return False
    return True


class PrintedPage:
    """The printed page's text, read once when first asked for: the text layer when there is one,
    else OCR of the page above the MRZ within what is left of the page's time."""

    def __init__(self, upright: np.ndarray | None, text_layer: str, *, deadline: float) -> None:
        self._upright, self._text, self._deadline = upright, text_layer, deadline
        self._read = bool(text_layer)

    @property
    def text(self) -> str:
        if not self._read:
            self._read = True
            if self._upright is not None:
                self._text = page_text(self._upright, timeout=self._deadline - time.monotonic())
        return self._text
