"""Limits that keep hostile or oversized uploads from eating a worker: bytes, PDF pages, image
pixels (checked from the header, before anything is decoded), what the compressed streams of a
PDF unpack to (measured by inflating them in small pieces that are thrown away, before any
reader or renderer decodes them), encryption and active content.
Every function returns findings; none raises on bad input."""

from __future__ import annotations

import io
import re
import struct
import warnings
import zlib
from dataclasses import dataclass, field

from PIL import Image
from pypdf import PdfReader
from pypdf.errors import LimitReachedError
from pypdf.generic import ArrayObject, DictionaryObject, StreamObject

from .errors import PASS_THROUGH
from .findings import Finding, finding
from .sniff import JPEG, PNG


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 20 * 1024 * 1024
    max_pages: int = 30  # refused above this
    ocr_pages: int = 3  # rendered and OCR'd at most (passports and certificates are short)
    # Reading budget per page image: the MRZ reader (with the printed-page comparison) stops after
    # mrz_seconds, all reading of a page after page_seconds; the page is then reported unreadable
    # (ocr_failed) instead of holding a worker.
    mrz_seconds: float = 4.0
    page_seconds: float = 8.0
    text_pages: int = 30  # text layer read at most
    max_pixels: int = 40_000_000  # about A4 at 600 dpi; far below Pillow's 89 MP default
    min_pixels: int = 200 * 200
    render_dpi: int = 300  # the MRZ needs about 300 dpi; larger pages are capped below
    max_render_side: int = 3500
    # What the compressed streams of a PDF may unpack to: one stream (a page's content or an image
    # of max_pixels in colour fits), and all of them together. A deflate bomb unpacks ~1000:1.
    max_stream_bytes: int = 128 * 1024 * 1024
    max_inflated_bytes: int = 256 * 1024 * 1024
    max_pdf_objects: int = 100_000


DEFAULT = Limits()


def check_size(data: bytes, limits: Limits = DEFAULT) -> list[Finding]:
    if not data:
        return [finding("empty_file")]
    if len(data) > limits.max_bytes:
        return [finding("file_too_large", found=_mib(len(data)), expected=_mib(limits.max_bytes))]
    return []


def _mib(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


# --- images ----------------------------------------------------------------------------------

def image_dimensions(data: bytes, content_type: str) -> tuple[int, int] | None:
    """Width and height from the header alone. PNG and JPEG are parsed by hand so that nothing
    in Pillow's decoder runs on a file before its size is known to be acceptable."""
    try:
        if content_type == PNG:
            return _png_size(data)
        if content_type == JPEG:
            return _jpeg_size(data)
    except (struct.error, IndexError, ValueError):
        return None
    return None


def _png_size(data: bytes) -> tuple[int, int] | None:
    # Signature (8), IHDR length (4), "IHDR" (4), width (4), height (4).
    if data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    """Walk the marker segments to the first SOFn frame header."""
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            pos += 2
            continue
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        (length,) = struct.unpack(">H", data[pos + 2:pos + 4])
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[pos + 5:pos + 9])
            return width, height
        pos += 2 + length
    return None


def check_image(data: bytes, content_type: str, limits: Limits = DEFAULT) -> list[Finding]:
    size = image_dimensions(data, content_type)
    if size is None:
        return [finding("file_damaged", evidence="image header unreadable")]
    width, height = size
    pixels = width * height
    if width == 0 or height == 0:
        return [finding("file_damaged", evidence="image has no pixels")]
    if pixels > limits.max_pixels:
        return [finding("image_too_large", found=f"{width} × {height}", expected=f"{limits.max_pixels:,}")]
    if pixels < limits.min_pixels:
        return [finding("image_too_small", found=f"{width} × {height}")]
    return _verify_image(data)


def _verify_image(data: bytes) -> list[Finding]:
    """Pillow's structural check (no pixel decoding), with its bomb warning as an error."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                img.verify()
    except PASS_THROUGH:
        raise
    except Exception as exc:  # noqa: BLE001 - any decoder complaint means a damaged upload
        return [finding("file_damaged", evidence=f"{type(exc).__name__}: {exc}"[:200])]
    return []


# --- PDFs ------------------------------------------------------------------------------------

@dataclass
class PdfInfo:
    reader: PdfReader | None = None
    page_count: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def usable(self) -> bool:
        return self.reader is not None and not any(f.severity == "error" for f in self.findings)


# Names that make a PDF do something when opened or clicked (ISO 32000-1 §12.6, §12.5.6.10).
_ACTIVE_NAMES = {
    "/JavaScript": "JavaScript", "/JS": "JavaScript", "/Launch": "launch action",
    "/EmbeddedFile": "embedded file", "/RichMedia": "rich media", "/XFA": "XFA form",
    "/SubmitForm": "form submission", "/ImportData": "data import", "/GoToE": "embedded go-to",
}
_NAME_RE = re.compile(rb"/[A-Za-z0-9#]+")


def open_pdf(data: bytes, limits: Limits = DEFAULT) -> PdfInfo:
    info = PdfInfo()
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not _decrypt(reader, info):
            return info
        info.page_count = len(reader.pages)
    except PASS_THROUGH:
        raise
    except Exception as exc:  # noqa: BLE001 - pypdf raises many types on broken files
        info.findings.append(finding("file_damaged", evidence=f"{type(exc).__name__}: {exc}"[:200]))
        return info
    info.reader = reader
    if info.page_count == 0:
        info.findings.append(finding("file_damaged", evidence="PDF has no pages"))
    elif info.page_count > limits.max_pages:
        info.findings.append(finding("too_many_pages", found=info.page_count, expected=limits.max_pages))
    structural = structural_active_content(reader, limits.max_pdf_objects)
    if structural is None:
        info.findings.append(finding("content_too_large", found=f"> {limits.max_pdf_objects:,} objects",
                                     expected=f"{limits.max_pdf_objects:,} objects"))
        return info
    active = sorted(set(raw_active_content(data, encoded_streams=encoded_stream_spans(reader, data)))
                    | set(structural))
    if active:
        info.findings.append(finding("pdf_active_content", found=", ".join(active)))
    return info


def check_pdf_streams(reader: PdfReader, limits: Limits = DEFAULT) -> list[Finding]:
    """Every stream object of the PDF, before anything decodes it: images may not claim more than
    ``max_pixels``, and compressed streams may not unpack to more than ``max_stream_bytes`` each or
    ``max_inflated_bytes`` together. FlateDecode streams are inflated one MiB at a time and the
    output is dropped, so measuring a bomb costs time (bounded by the limits), never memory."""
    total = 0
    seen = 0
    for numbers in list(reader.xref.values()):
        for idnum in list(numbers):
            seen += 1
            if seen > limits.max_pdf_objects:
                return [finding("content_too_large", found=f"> {limits.max_pdf_objects:,} objects",
                                expected=f"{limits.max_pdf_objects:,} objects")]
            try:
                obj = reader.get_object(idnum)
            except PASS_THROUGH:
                raise
            except Exception:  # noqa: BLE001,S112 - a broken object is the renderer's problem, not a bomb
                continue
            if not isinstance(obj, StreamObject):
                continue
            image = _image_too_large(obj, limits)
            if image:
                return [image]
            size = _unpacked_size(obj, limits.max_stream_bytes + 1)
            total += size
            if size > limits.max_stream_bytes or total > limits.max_inflated_bytes:
                cap = limits.max_stream_bytes if size > limits.max_stream_bytes else limits.max_inflated_bytes
                return [finding("content_too_large", found=f"> {_mib(cap)}", expected=_mib(cap),
                                evidence=f"object {idnum}")]
    return []


def _filters(obj: StreamObject) -> list[str]:
    value = obj.get("/Filter")
    try:
        value = value.get_object() if value is not None else None
    except PASS_THROUGH:
        raise
    except Exception:  # noqa: BLE001
        return []
    if value is None:
        return []
    if isinstance(value, ArrayObject):
        return [str(v) for v in value]
    return [str(value)]


def _image_too_large(obj: StreamObject, limits: Limits) -> Finding | None:
    if obj.get("/Subtype") != "/Image":
        return None
    try:
        width, height = int(obj.get("/Width", 0)), int(obj.get("/Height", 0))
    except (TypeError, ValueError):
        return None
    filters = _filters(obj)
    if filters[:1] in (["/DCTDecode"], ["/DCT"]):  # the JPEG's own header is what a decoder believes
        size = image_dimensions(bytes(obj._data or b"")[:65536], JPEG)
        if size:
            width, height = max(width, size[0]), max(height, size[1])
    if width * height > limits.max_pixels:
        return finding("image_too_large", found=f"{width} × {height}", expected=f"{limits.max_pixels:,}")
    return None


_FLATE = ("/FlateDecode", "/Fl")
_IMAGE_CODECS = ("/DCTDecode", "/DCT", "/JPXDecode", "/JBIG2Decode", "/CCITTFaxDecode", "/CCF")


def _unpacked_size(obj: StreamObject, cap: int) -> int:
    """How many bytes the stream's filters produce, counted up to ``cap``."""
    filters = _filters(obj)
    raw = bytes(obj._data or b"") if hasattr(obj, "_data") else b""
    if not filters or filters[0] in _IMAGE_CODECS:
        return len(raw)  # image codecs are limited by the pixel check
    if filters[0] in _FLATE and len(filters) == 1:
        return inflated_size(raw, cap)
    try:  # other chains (LZW, run length, ASCII): pypdf's decoders stop at their own output limit
        return len(obj.get_data())
    except LimitReachedError:
        return cap
    except PASS_THROUGH:
        raise
    except Exception:  # noqa: BLE001 - undecodable: nothing will be unpacked from it
        return len(raw)


def inflated_size(raw: bytes, cap: int, *, piece: int = 1 << 20) -> int:
    """The size of the zlib (or raw deflate) stream ``raw`` unpacked, counted up to ``cap``, holding
    at most ``piece`` bytes of output at a time."""
    for wbits in (zlib.MAX_WBITS | 32, -zlib.MAX_WBITS):
        inflater = zlib.decompressobj(wbits)
        total, pos = 0, 0
        try:
            while total <= cap and not inflater.eof:
                if inflater.unconsumed_tail:
                    chunk = inflater.unconsumed_tail
                elif pos < len(raw):
                    chunk, pos = raw[pos:pos + 65536], pos + 65536
                else:
                    break
                total += len(inflater.decompress(chunk, piece))
            return total
        except zlib.error:
            if total:  # broken after some output: that much is what a reader gets
                return total
    return len(raw)


def _decrypt(reader: PdfReader, info: PdfInfo) -> bool:
    """A PDF with only an owner password opens with the empty user password: readable, but
    flagged. One that needs a user password cannot be checked and is refused."""
    try:
        opened = reader.decrypt("")
    except PASS_THROUGH:
        raise
    except Exception as exc:  # noqa: BLE001 - unsupported crypto, broken encryption dictionaries
        info.findings.append(finding("pdf_encrypted", evidence=f"{type(exc).__name__}: {exc}"[:200]))
        return False
    if not opened:
        info.findings.append(finding("pdf_encrypted"))
        return False
    info.findings.append(finding("pdf_restricted"))
    return True


def raw_active_content(data: bytes, *, encoded_streams: list[tuple[int, int]] = ()) -> list[str]:
    """Names anywhere in the file, with ``#xx`` escapes undone (``/J#61vaScript``), except inside the
    ``encoded_streams`` spans (encoded_stream_spans). Objects inside compressed object streams are
    covered by the structural walk instead."""
    found = set()
    for match in _NAME_RE.finditer(_blanked(data, encoded_streams)):
        name = _unescape(match.group())
        if name in _ACTIVE_NAMES:
            found.add(_ACTIVE_NAMES[name])
    return sorted(found)


_STREAM_START = re.compile(rb"stream(\r\n|\n|\r)$")
_STREAM_END = re.compile(rb"^(\r\n|\n|\r)?endstream")


def encoded_stream_spans(reader: PdfReader, data: bytes) -> list[tuple[int, int]]:
    """Where the bodies of the streams that carry a filter (images, fonts, compressed page content and
    object streams) stand in the file: each looked for from its own object's offset in the cross-reference
    table, and taken only framed as a body (right after ``stream`` and its end of line, right before
    ``endstream``), so a copy of the same bytes anywhere else is still read. A viewer reads these bytes
    only through their filter, never as PDF syntax, and the bytes of a JPEG or deflate stream spell
    ``/JS`` in about one scanned PDF of thirty: the byte scan must not refuse the file for them. What an
    object stream holds is read by the structural walk."""
    spans = []
    for by_number in reader.xref.values():
        for idnum, offset in by_number.items():
            try:
                obj = reader.get_object(idnum)
            except PASS_THROUGH:
                raise
            except Exception:  # noqa: BLE001,S112 - a broken object has no body to leave out
                continue
            if not (isinstance(obj, StreamObject) and "/Filter" in obj and len(obj._data) >= 16):  # noqa: SLF001
                continue
            body = bytes(obj._data)  # noqa: SLF001 - the encoded bytes as read from the file
            start = data.find(body, offset)
            end = start + len(body)
            if start != -1 and _STREAM_START.search(data[max(0, start - 8):start]) and _STREAM_END.match(
                    data[end:end + 12]):
                spans.append((start, end))
    return spans


def _blanked(data: bytes, spans: list[tuple[int, int]]) -> bytes:
    if not spans:
        return data
    blanked = bytearray(data)
    for start, end in spans:
        blanked[start:end] = bytes(end - start)
    return bytes(blanked)


def _unescape(name: bytes) -> str:
    text = re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), name)
    return text.decode("latin-1")


def structural_active_content(reader: PdfReader, max_objects: int = DEFAULT.max_pdf_objects) -> list[str] | None:
    """Every object of the PDF, those packed into compressed object streams included (which the byte
    scan cannot read), looked at for actions and scripts, whether anything refers to it or not. None
    when the file holds more than ``max_objects`` objects: it is refused rather than half checked.
    A plain ``/OpenAction`` that only sets the view (a destination array) is harmless and ignored."""
    found: set[str] = set()
    numbers = {idnum for by_number in reader.xref.values() for idnum in by_number}
    numbers |= set(getattr(reader, "xref_objStm", {}) or {})
    if len(numbers) > max_objects:
        return None
    _walk_direct(reader.trailer, found)
    for idnum in sorted(numbers):
        try:
            obj = reader.get_object(idnum)
        except PASS_THROUGH:
            raise
        except Exception:  # noqa: BLE001,S112 - a broken object is not active content
            continue
        _walk_direct(obj, found)
    return sorted(found)


def _walk_direct(root, found: set[str]) -> None:
    """``root`` and the dictionaries and arrays written inside it; references to other objects are not
    followed (every object is visited by itself)."""
    stack = [root]
    while stack:
        obj = stack.pop()
        if isinstance(obj, DictionaryObject):
            _inspect_dict(obj, found)
            stack.extend(v for v in obj.values() if isinstance(v, DictionaryObject | ArrayObject))
        elif isinstance(obj, ArrayObject):
            stack.extend(v for v in obj if isinstance(v, DictionaryObject | ArrayObject))


def _inspect_dict(obj: DictionaryObject, found: set[str]) -> None:
    for key in obj:
        if key in _ACTIVE_NAMES:
            found.add(_ACTIVE_NAMES[key])
    action = obj.get("/S")
    if action in _ACTIVE_NAMES:
        found.add(_ACTIVE_NAMES[action])
    if "/AA" in obj:
        found.add("automatic action")
    open_action = obj.get("/OpenAction")
    if open_action is not None:
        try:
            target = open_action.get_object()
        except PASS_THROUGH:
            raise
        except Exception:  # noqa: BLE001
            target = None
        # A go-to action only turns to a page; anything else runs when the file opens.
        if isinstance(target, DictionaryObject) and target.get("/S") not in (None, "/GoTo"):
            found.add("open action")
