"""PDF text layer (pypdf) and page rendering for OCR (pypdfium2), both bounded."""

from __future__ import annotations

import logging

import numpy as np
import pypdfium2 as pdfium
from pypdf import PdfReader

from .errors import PASS_THROUGH
from .findings import Finding, finding
from .limits import DEFAULT, Limits

log = logging.getLogger(__name__)

MIN_TEXT_CHARS = 40  # fewer letters than this on a page: treat the page as a scan


def page_texts(reader: PdfReader, limits: Limits = DEFAULT) -> tuple[list[str], list[Finding]]:
    """Text of the first ``limits.text_pages`` pages; a page that fails yields ""."""
    texts, findings = [], []
    for index, page in enumerate(reader.pages):
        if index >= limits.text_pages:
            findings.append(finding("pages_not_checked", expected=limits.text_pages, found=len(reader.pages)))
            break
        try:
            texts.append(page.extract_text() or "")
        except PASS_THROUGH:
            raise
        except Exception as exc:  # noqa: BLE001 - broken content streams are common
            log.info("text extraction failed on page %s: %s", index + 1, exc)
            texts.append("")
    return texts, findings


def has_text(text: str) -> bool:
    return sum(c.isalnum() for c in text) >= MIN_TEXT_CHARS


def render_pages(data: bytes, pages: list[int], limits: Limits = DEFAULT) -> tuple[list[np.ndarray], list[Finding]]:
    """Grey-scale renderings of the given pages (0-based), at ``limits.render_dpi`` but never
    longer than ``limits.max_render_side`` pixels: a PDF can declare a page of 200 × 200 inches."""
    images, findings = [], []
    try:
        document = pdfium.PdfDocument(data)
    except PASS_THROUGH:
        raise
    except Exception as exc:  # noqa: BLE001 - pdfium.PdfiumError and friends
        return [], [finding("file_damaged", evidence=f"{type(exc).__name__}: {exc}"[:200])]
    try:
        for index in pages[: limits.ocr_pages]:
            if index >= len(document):
                break
            page = document[index]
            try:
                images.append(_render(page, limits))
            finally:
                page.close()
    except PASS_THROUGH:
        raise
    except Exception as exc:  # noqa: BLE001
        findings.append(finding("file_damaged", evidence=f"render: {type(exc).__name__}: {exc}"[:200]))
    finally:
        document.close()
    if len(pages) > limits.ocr_pages:
        findings.append(finding("pages_not_checked", expected=limits.ocr_pages, found=len(pages)))
    return images, findings


def _render(page: pdfium.PdfPage, limits: Limits) -> np.ndarray:
    width_pt, height_pt = page.get_size()
    scale = limits.render_dpi / 72
    longest = max(width_pt, height_pt) * scale
    if longest > limits.max_render_side:
        scale *= limits.max_render_side / longest
    bitmap = page.render(scale=scale, grayscale=True)
    try:
        return np.array(bitmap.to_numpy()).squeeze()
    finally:
        bitmap.close()
