"""Tesseract through pytesseract, with availability detection.

When the binary or a language's data is missing, or a call times out, callers get an ``OcrText``
carrying a finding instead of an exception: an upload is never lost because OCR is down.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pytesseract
from PIL import Image

from .findings import Finding, finding

DEFAULT_LANG = "deu+eng"
MRZ_LANG = "eng"
MRZ_WHITELIST = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<"
# The dictionaries push the LSTM towards words; an MRZ is not language (PassportEye does this too).
MRZ_CONFIG = f"-c tessedit_char_whitelist={MRZ_WHITELIST} -c load_system_dawg=0 -c load_freq_dawg=0"


@dataclass(frozen=True)
class Availability:
    ok: bool
    version: str = ""
    languages: frozenset[str] = frozenset()
    reason: str = ""


@dataclass
class OcrText:
    text: str = ""
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings


@lru_cache(maxsize=8)
def availability(lang: str = DEFAULT_LANG) -> Availability:
    """Cached per process: a worker does not get tesseract installed while it runs."""
    if shutil.which(pytesseract.pytesseract.tesseract_cmd) is None:
        return Availability(False, reason="tesseract not installed")
    try:
        version = str(pytesseract.get_tesseract_version())
        languages = frozenset(pytesseract.get_languages(config=""))
    except (pytesseract.TesseractError, pytesseract.TesseractNotFoundError, OSError) as exc:
        return Availability(False, reason=f"tesseract not usable: {exc}"[:200])
    missing = [x for x in lang.split("+") if x not in languages]
    if missing:
        return Availability(False, version, languages, f"language data missing: {', '.join(missing)}")
    return Availability(True, version, languages)


def _uncompressed(image: np.ndarray) -> Image.Image:
    """The image handed to tesseract as a netpbm file: pytesseract writes PNG otherwise, whose
    compression costs a third of a second and more for a scanned page, while tesseract reads the
    same pixels either way (neither file carries a resolution)."""
    picture = Image.fromarray(image)
    picture.format = "PPM"
    return picture


def recognise(image: np.ndarray, *, lang: str = DEFAULT_LANG, psm: int = 3, config: str = "",
              timeout: float = 30) -> OcrText:
    """Plain text of an image. Never raises for OCR trouble: the trouble becomes a finding."""
    status = availability(lang)
    if not status.ok:
        return OcrText(findings=[finding("ocr_unavailable", found=status.reason, confidence=0.0)])
    options = f"--psm {psm} {config}".strip()
    try:
        text = pytesseract.image_to_string(_uncompressed(image), lang=lang, config=options, timeout=timeout)
    except RuntimeError as exc:  # pytesseract's timeout
        return OcrText(findings=[finding("ocr_failed", found=str(exc)[:200], confidence=0.0)])
    except (pytesseract.TesseractError, subprocess.SubprocessError, OSError) as exc:
        return OcrText(findings=[finding("ocr_failed", found=str(exc)[:200], confidence=0.0)])
    return OcrText(text=text)


@dataclass(frozen=True)
class Symbol:
    char: str
    left: int
    top: int
    right: int
    bottom: int

    @property
    def cx(self) -> float:
        return (self.left + self.right) / 2

    @property
    def cy(self) -> float:
        return (self.top + self.bottom) / 2


@dataclass
class OcrSymbols:
    symbols: list[Symbol] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


def recognise_mrz_symbols(image: np.ndarray, *, psm: int = 6, timeout: float = 15) -> OcrSymbols:
    """Characters with their boxes (top-left origin), for placing them on the MRZ's fixed grid."""
    status = availability(MRZ_LANG)
    if not status.ok:
        return OcrSymbols(findings=[finding("ocr_unavailable", found=status.reason, confidence=0.0)])
    try:
        raw = pytesseract.image_to_boxes(_uncompressed(image), lang=MRZ_LANG, config=f"--psm {psm} {MRZ_CONFIG}",
                                         timeout=timeout)
    except RuntimeError as exc:
        return OcrSymbols(findings=[finding("ocr_failed", found=str(exc)[:200], confidence=0.0)])
    except (pytesseract.TesseractError, subprocess.SubprocessError, OSError) as exc:
        return OcrSymbols(findings=[finding("ocr_failed", found=str(exc)[:200], confidence=0.0)])
    height = image.shape[0]
    symbols = []
    for row in raw.splitlines():
        parts = row.split(" ")
        if len(parts) < 5 or len(parts[0]) != 1:
            continue
        x1, y1, x2, y2 = (int(v) for v in parts[1:5])
        symbols.append(Symbol(parts[0], x1, height - y2, x2, height - y1))
    return OcrSymbols(symbols=symbols)
