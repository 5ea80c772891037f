"""Hostile files for the security tests, generated on the fly (nothing binary is committed).

Every generator returns ``bytes`` in well under a second: the decompression bombs are written as
hand-made deflate streams (one literal zero, then "repeat the last 258 bytes" codes of two bits
each, which are all zero bits), so a stream that inflates to gigabytes costs no compression time.
``CORPUS`` lists every file with the name it is uploaded under and what must become of it.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from dataclasses import dataclass

from PIL import Image

from .documents import (
    ContractData,
    _assemble,
    contract_lines,
    encrypted_pdf,
    html_as_pdf,
    javascript_pdf,
    obfuscated_launch_pdf,
    png_bomb_header,
    text_pdf,
    truncated_pdf,
)

GIB = 1 << 30

# --- deflate bombs ---------------------------------------------------------------------------


class _Bits:
    """Deflate's bit order: values LSB first, Huffman codes MSB first (RFC 1951 §3.1.1)."""

    def __init__(self):
        self.out = bytearray()
        self.acc = 0
        self.count = 0

    def value(self, value: int, bits: int) -> None:
        for i in range(bits):
            self._bit((value >> i) & 1)

    def code(self, code: str) -> None:
        for char in code:
            self._bit(int(char))

    def _bit(self, bit: int) -> None:
        self.acc |= bit << self.count
        self.count += 1
        if self.count == 8:
            self.out.append(self.acc)
            self.acc, self.count = 0, 0

    def flush(self) -> bytes:
        if self.count:
            self.out.append(self.acc)
            self.acc, self.count = 0, 0
        return bytes(self.out)


def raw_deflate_zeros(size: int) -> bytes:
    """A raw deflate stream (no zlib header) that inflates to ``size`` zero bytes (rounded down to
    1 + 258·k), about 1:1000, built in O(output / 1000) time."""
    repeats = max(8, (size - 1) // 258)
    bits = _Bits()
    bits.value(1, 1)  # BFINAL
    bits.value(2, 2)  # BTYPE: dynamic Huffman codes
    bits.value(286 - 257, 5)  # HLIT: literal/length codes 0..285
    bits.value(0, 5)  # HDIST: one distance code
    bits.value(19 - 4, 4)  # HCLEN: all 19 code length codes
    order = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]
    lengths = {18: 1, 1: 2, 2: 2}  # code length alphabet: "18" -> 0, "1" -> 10, "2" -> 11
    for symbol in order:
        bits.value(lengths.get(symbol, 0), 3)
    cl_code = {18: "0", 1: "10", 2: "11"}
    # Literal/length code lengths: 0 -> 2, 1..255 -> 0, 256 -> 2, 257..284 -> 0, 285 -> 1; distance 0 -> 1.
    for symbol, extra in ((2, None), (18, 138), (18, 117), (2, None), (18, 28), (1, None), (1, None)):
        bits.code(cl_code[symbol])
        if extra is not None:
            bits.value(extra - 11, 7)
    # Canonical codes: 285 -> "0", literal 0 -> "10", end of block 256 -> "11"; distance 0 -> "0".
    bits.code("10")  # one literal zero; then "repeat 258 bytes at distance 1" is "0" + "0"
    assert bits.count % 2 == 0
    written = 0
    while bits.count:
        bits.code("00")
        written += 1
    body_repeats = repeats - written
    tail = _Bits()
    for _ in range(body_repeats % 4):
        tail.code("00")
    tail.code("11")  # end of block
    return bits.flush() + bytes(body_repeats // 4) + tail.flush()


def zeros_size(size: int) -> int:
    """How many bytes ``raw_deflate_zeros(size)`` really inflates to."""
    return 1 + 258 * max(8, (size - 1) // 258)


def inflated_size(raw: bytes) -> int:
    """What ``raw_deflate_zeros`` inflates to (for the tests' own checks; streams, never holds it)."""
    inflater = zlib.decompressobj(-15)
    total, view, pos = 0, memoryview(raw), 0
    while not inflater.eof:
        chunk = inflater.unconsumed_tail or bytes(view[pos:pos + 65536])
        if not inflater.unconsumed_tail:
            pos += 65536
        if not chunk:
            break
        total += len(inflater.decompress(chunk, 1 << 24))
    return total


def _adler32_of_zeros(size: int) -> int:
    return ((size % 65521) << 16) | 1


def zlib_zeros(size: int) -> bytes:
    """The same as a zlib stream (header and Adler-32), as PDF FlateDecode and PNG expect."""
    raw = raw_deflate_zeros(size)
    real = zeros_size(size)
    return b"\x78\x9c" + raw + struct.pack(">I", _adler32_of_zeros(real))


def zip_bomb(size: int = 4 * GIB) -> bytes:
    """A ZIP archive with one member that inflates to ``size`` bytes (CRC left wrong: nothing must
    ever get as far as inflating it)."""
    raw = raw_deflate_zeros(size)
    real = zeros_size(size)
    name = b"invoice.pdf"
    local = struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 45, 0, 8, 0, 0, 0, len(raw), real & 0xFFFFFFFF,
                        len(name), 0) + name
    central = struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 45, 45, 0, 8, 0, 0, 0, len(raw),
                          real & 0xFFFFFFFF, len(name), 0, 0, 0, 0, 0, 0) + name
    end = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, 1, 1, len(central), len(local) + len(raw), 0)
    return local + raw + central + end


# --- PDFs ------------------------------------------------------------------------------------


def _pdf(objects: list[bytes]) -> bytes:
    return _assemble(objects)


def pdf_flate_bomb(size: int = 2 * GIB) -> bytes:
    """One page whose content stream is FlateDecode and inflates to ``size`` bytes (zeros are white
    space in a content stream: a reader that inflates it all just runs out of memory)."""
    stream = zlib_zeros(size)
    return _pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ])


def pdf_image_bomb(side: int = 50_000) -> bytes:
    """A page showing an image XObject that claims ``side`` × ``side`` grey pixels (2.5 GB decoded)
    from a tiny FlateDecode stream."""
    stream = zlib_zeros(4 << 20)
    content = b"q 595 0 0 842 0 0 cm /Im1 Do Q"
    return _pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /XObject << /Im1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
        b"/BitsPerComponent 8 /Filter /FlateDecode /Length %d >>\nstream\n" % (side, side, len(stream))
        + stream + b"\nendstream",
    ])


def pdf_open_action_javascript() -> bytes:
    action = "/OpenAction << /S /JavaScript /JS (this.exportDataObject\\({cName: 'a', nLaunch: 2}\\);) >>"
    return text_pdf([contract_lines(ContractData())], extra_catalog=action + " ")


def pdf_launch() -> bytes:
    action = "/OpenAction << /S /Launch /Win << /F (cmd.exe) /P (/c calc) >> >>"
    return text_pdf([["Invoice"]], extra_catalog=action + " ")


def pdf_additional_action() -> bytes:
    """A page-level /AA (runs when the page opens) with a JavaScript action."""
    stream = b"BT /F1 11 Tf 60 780 Td (Hello) Tj ET"
    return _pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/AA << /O << /S /JavaScript /JS (app.alert\\(1\\)) >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ])


def pdf_embedded_file() -> bytes:
    payload = b"MZ\x90\x00" + b"\x00" * 200
    names = "/Names << /EmbeddedFiles << /Names [(setup.exe) 5 0 R] >> >>"
    pdf = text_pdf([contract_lines(ContractData())], extra_catalog=names + " ")
    # Append the file specification and the embedded stream as an incremental update.
    return _append_objects(pdf, {
        5: b"<< /Type /Filespec /F (setup.exe) /EF << /F 6 0 R >> >>",
        6: b"<< /Type /EmbeddedFile /Length %d >>\nstream\n" % len(payload) + payload + b"\nendstream",
    })


def _append_objects(pdf: bytes, objects: dict[int, bytes]) -> bytes:
    """An incremental update adding ``objects`` (the catalogue already refers to them)."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    size = max(int(reader.trailer["/Size"]), max(objects) + 1)
    start = pdf.rindex(b"startxref")
    previous = int(pdf[start:].split()[1])
    out = bytearray(pdf)
    offsets = {}
    for number, body in sorted(objects.items()):
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n"
    for number, offset in sorted(offsets.items()):
        out += b"%d 1\n%010d 00000 n \n" % (number, offset)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n" % (size, previous, xref)
    return bytes(out)


def pdf_xfa() -> bytes:
    return text_pdf([["Formular"]], extra_catalog="/AcroForm << /Fields [] /XFA (<xdp:xdp/>) >> ")


def pdf_many_pages(count: int = 5000) -> bytes:
    """``count`` pages sharing one content stream (a small file: about 100 bytes a page)."""
    stream = b"BT /F1 11 Tf 60 780 Td (Seite) Tj ET"
    kids = " ".join(f"{5 + i} 0 R" for i in range(count)).encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % count,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> " \
           b"/Contents 4 0 R >>"
    objects += [page] * count
    return _pdf(objects)


def pdf_malformed() -> bytes:
    """A PDF header, then nothing a reader can make sense of."""
    return b"%PDF-1.7\n" + b"1 0 obj << /Type /Catalog /Pages 9 0 R" + b"\x00\xff" * 500 + b"\n%%EOF\n"


def pdf_header_only() -> bytes:
    return b"%PDF-1.4\n"


def pdf_page_tree_loop() -> bytes:
    """A page tree whose /Kids points back at itself."""
    return _pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>",
        b"<< /Type /Pages /Kids [2 0 R] /Count 1 /Parent 2 0 R >>",
    ])


def pdf_deep_nesting(depth: int = 100_000) -> bytes:
    """An array nested ``depth`` times: recursive parsers run out of stack."""
    nested = b"[" * depth + b"]" * depth
    return _pdf([
        b"<< /Type /Catalog /Pages 2 0 R /Junk " + nested + b" >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ])


def pdf_huge_page() -> bytes:
    """A page of 14,400 × 14,400 points (200 inches): rendering is capped, not 60,000 px wide."""
    stream = b"BT /F1 11 Tf 60 780 Td (Huge) Tj ET"
    return _pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 14400 14400] /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ])


EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


def pdf_with_eicar() -> bytes:
    """A harmless PDF carrying the EICAR test string (virus scanners report it as a virus)."""
    return text_pdf([["Rechnung"]]) + b"%" + EICAR + b"\n"


# --- images ----------------------------------------------------------------------------------


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def small_png(size: tuple[int, int] = (640, 480)) -> bytes:
    buffer = io.BytesIO()
    Image.new("L", size, 255).save(buffer, format="PNG")
    return buffer.getvalue()


def small_jpeg(size: tuple[int, int] = (640, 480)) -> bytes:
    buffer = io.BytesIO()
    Image.new("L", size, 255).save(buffer, format="JPEG")
    return buffer.getvalue()


def png_bomb(side: int = 50_000) -> bytes:
    return png_bomb_header(side, side)


def jpeg_bomb(side: int = 50_000) -> bytes:
    """A real JPEG whose frame header (SOF0) claims ``side`` × ``side`` pixels."""
    data = bytearray(small_jpeg((16, 16)))
    pos = data.index(b"\xff\xc0")
    struct.pack_into(">HH", data, pos + 5, side, side)
    return bytes(data)


def jpeg_progressive_bomb(side: int = 50_000) -> bytes:
    data = bytearray()
    buffer = io.BytesIO()
    Image.new("L", (16, 16), 200).save(buffer, format="JPEG", progressive=True)
    data = bytearray(buffer.getvalue())
    pos = data.index(b"\xff\xc2")
    struct.pack_into(">HH", data, pos + 5, side, side)
    return bytes(data)


def _png_with_chunk(kind: bytes, body: bytes) -> bytes:
    png = small_png()
    # After the signature (8) and IHDR (4 + 4 + 13 + 4 = 25).
    return png[:33] + _png_chunk(kind, body) + png[33:]


def png_iccp_bomb(size: int = GIB) -> bytes:
    """An ICC profile chunk (zlib) that inflates to ``size`` bytes."""
    return _png_with_chunk(b"iCCP", b"bomb\x00\x00" + zlib_zeros(size))


def png_ztxt_bomb(size: int = GIB) -> bytes:
    """A compressed text chunk that inflates to ``size`` bytes."""
    return _png_with_chunk(b"zTXt", b"Comment\x00\x00" + zlib_zeros(size))


def png_many_chunks(count: int = 20_000) -> bytes:
    """Thousands of private ancillary chunks before the image data."""
    png = small_png()
    return png[:33] + _png_chunk(b"teSt", b"x" * 16) * count + png[33:]


def polyglot_jpeg_html() -> bytes:
    """A valid JPEG that is also "HTML" to a sniffing browser: a comment segment with a script."""
    jpeg = small_jpeg()
    html = b"<html><body><script>alert(document.cookie)</script></body></html>"
    comment = b"\xff\xfe" + struct.pack(">H", len(html) + 2) + html
    return jpeg[:2] + comment + jpeg[2:]


def svg_with_script() -> bytes:
    return (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
            b"<script>alert(document.domain)</script></svg>")


def elf_executable() -> bytes:
    header = b"\x7fELF\x02\x01\x01" + b"\x00" * 9 + struct.pack("<HHI", 2, 62, 1)
    return header + b"\x00" * 200


def pe_executable() -> bytes:
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 50 + b"PE\x00\x00" + b"\x00" * 200


def gif_image() -> bytes:
    buffer = io.BytesIO()
    Image.new("L", (32, 32), 128).save(buffer, format="GIF")
    return buffer.getvalue()


def tiff_image() -> bytes:
    buffer = io.BytesIO()
    Image.new("L", (32, 32), 128).save(buffer, format="TIFF")
    return buffer.getvalue()


def office_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/vbaProject.bin", b"\x00" * 64)
    return buffer.getvalue()


def contract_pdf() -> bytes:
    return text_pdf([contract_lines(ContractData())])


def oversize_pdf(size: int = 11 * 1024 * 1024) -> bytes:
    """A valid PDF padded with a comment to ``size`` bytes (above the 10 MB upload limit)."""
    pdf = contract_pdf()
    return pdf + b"%" + b"0" * (size - len(pdf) - 2) + b"\n"


# --- the corpus ------------------------------------------------------------------------------

# Outcomes: "refused" (the upload view refuses it and stores nothing), "rejected" (stored, the
# check rejects it with a finding), "stored" (an acceptable file: kept, whatever the check says).


@dataclass(frozen=True)
class Hostile:
    key: str
    filename: str
    make: object  # () -> bytes
    outcome: str
    code: str = ""  # the finding or refusal code expected ("" when any final state is fine)


CORPUS: tuple[Hostile, ...] = (
    Hostile("zip_bomb_as_pdf", "invoice.pdf", zip_bomb, "refused", "unsupported_type"),
    Hostile("office_macro_as_pdf", "contract.pdf", office_zip, "refused", "unsupported_type"),
    Hostile("pdf_flate_bomb", "scan.pdf", pdf_flate_bomb, "rejected", "content_too_large"),
    Hostile("pdf_image_bomb", "scan.pdf", pdf_image_bomb, "rejected", "image_too_large"),
    Hostile("png_bomb", "photo.png", png_bomb, "refused", "image_too_large"),
    Hostile("jpeg_bomb", "photo.jpg", jpeg_bomb, "refused", "image_too_large"),
    Hostile("jpeg_progressive_bomb", "photo.jpeg", jpeg_progressive_bomb, "refused", "image_too_large"),
    Hostile("pdf_javascript", "contract.pdf", javascript_pdf, "rejected", "pdf_active_content"),
    Hostile("pdf_open_action_js", "contract.pdf", pdf_open_action_javascript, "rejected", "pdf_active_content"),
    Hostile("pdf_launch", "invoice.pdf", pdf_launch, "rejected", "pdf_active_content"),
    Hostile("pdf_launch_obfuscated", "invoice.pdf", obfuscated_launch_pdf, "rejected", "pdf_active_content"),
    Hostile("pdf_additional_action", "letter.pdf", pdf_additional_action, "rejected", "pdf_active_content"),
    Hostile("pdf_embedded_file", "contract.pdf", pdf_embedded_file, "rejected", "pdf_active_content"),
    Hostile("pdf_xfa", "form.pdf", pdf_xfa, "rejected", "pdf_active_content"),
    Hostile("pdf_encrypted", "contract.pdf", encrypted_pdf, "rejected", "pdf_encrypted"),
    Hostile("pdf_truncated", "contract.pdf", truncated_pdf, "rejected", "file_damaged"),
    Hostile("pdf_malformed", "scan.pdf", pdf_malformed, "rejected", "file_damaged"),
    Hostile("pdf_header_only", "scan.pdf", pdf_header_only, "rejected", "file_damaged"),
    Hostile("pdf_page_tree_loop", "scan.pdf", pdf_page_tree_loop, "rejected", "file_damaged"),
    Hostile("pdf_deep_nesting", "scan.pdf", pdf_deep_nesting, "rejected", "file_damaged"),
    Hostile("pdf_5000_pages", "thesis.pdf", pdf_many_pages, "rejected", "too_many_pages"),
    Hostile("pdf_huge_page", "poster.pdf", pdf_huge_page, "stored", ""),
    Hostile("polyglot_jpeg_html", "photo.jpg", polyglot_jpeg_html, "stored", ""),
    Hostile("png_iccp_bomb", "photo.png", png_iccp_bomb, "rejected", "file_damaged"),
    Hostile("png_ztxt_bomb", "photo.png", png_ztxt_bomb, "rejected", "file_damaged"),
    Hostile("png_many_chunks", "photo.png", png_many_chunks, "stored", ""),
    Hostile("svg_with_script", "photo.svg", svg_with_script, "refused", "unsupported_type"),
    Hostile("svg_as_png", "photo.png", svg_with_script, "refused", "unsupported_type"),
    Hostile("html_as_pdf", "invoice.pdf", html_as_pdf, "refused", "unsupported_type"),
    Hostile("elf_as_pdf", "passport.pdf", elf_executable, "refused", "unsupported_type"),
    Hostile("pe_as_pdf", "passport.pdf", pe_executable, "refused", "unsupported_type"),
    Hostile("gif", "photo.gif", gif_image, "refused", "unsupported_type"),
    Hostile("tiff", "scan.tiff", tiff_image, "refused", "unsupported_type"),
    Hostile("empty", "passport.pdf", lambda: b"", "refused", "empty_file"),
    Hostile("oversize", "scan.pdf", oversize_pdf, "refused", "file_too_large"),
    Hostile("path_traversal_name", "../../etc/passwd.pdf", contract_pdf, "stored", ""),
    Hostile("windows_traversal_name", "..\\..\\Windows\\win.ini.pdf", contract_pdf, "stored", ""),
    Hostile("rlo_name", "invoice\u202efdp.exe", contract_pdf, "stored", ""),
    Hostile("null_byte_name", "passport.pdf\x00.exe", contract_pdf, "stored", ""),
)
