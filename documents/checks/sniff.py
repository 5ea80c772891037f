"""Content type from magic bytes. The file name and the browser's claimed type are not trusted:
only PDF, JPEG and PNG are accepted, whatever the extension says."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath

PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
ALLOWED = (PDF, JPEG, PNG)
EXTENSIONS = {PDF: (".pdf",), JPEG: (".jpg", ".jpeg", ".jpe"), PNG: (".png",)}

# Recognised so the message can name what was uploaded; all of these are refused.
_REFUSED_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"MZ", "Windows executable"),
    (b"\x7fELF", "ELF executable"),
    (b"PK\x03\x04", "ZIP archive or Office document"),
    (b"PK\x05\x06", "ZIP archive"),
    (b"Rar!", "RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "7-Zip archive"),
    (b"\x1f\x8b", "gzip archive"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"II*\x00", "TIFF image"),
    (b"MM\x00*", "TIFF image"),
    (b"BM", "BMP image"),
    (b"\xd0\xcf\x11\xe0", "legacy Office document"),
    (b"{\\rtf", "RTF document"),
)
_MARKUP = (b"<!doctype html", b"<html", b"<head", b"<body", b"<script", b"<svg", b"<?xml")


@dataclass(frozen=True)
class SniffResult:
    content_type: str | None  # one of ALLOWED, or None when refused
    detected: str  # human-readable kind, also for refused files
    extension_matches: bool

    @property
    def allowed(self) -> bool:
        return self.content_type is not None


def sniff(data: bytes, filename: str = "") -> SniffResult:
    content_type, detected = _detect(data)
    suffix = PurePath(filename or "").suffix.lower()
    matches = content_type is not None and suffix in EXTENSIONS[content_type]
    return SniffResult(content_type, detected, matches)


def _detect(data: bytes) -> tuple[str | None, str]:
    # PDF: the header must open the file. Readers accept it anywhere in the first KiB, but a
    # file with something else in front is how polyglots (HTML+PDF, ZIP+PDF) are built.
    if data.startswith(b"%PDF-"):
        return PDF, "PDF"
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG, "JPEG image"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG, "PNG image"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return None, "WebP image"
    if data[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1", b"ftypmsf1"):
        return None, "HEIC image"
    for signature, name in _REFUSED_SIGNATURES:
        if data.startswith(signature):
            return None, name
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if any(head.startswith(tag) or tag in head[:512] for tag in _MARKUP):
        return None, "SVG image" if b"<svg" in head else "HTML or XML document"
    if not data:
        return None, "empty file"
    return None, "unknown"
