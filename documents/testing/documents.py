"""Small generators for non-passport test documents: a contract and a degree certificate as PDFs
with a text layer (a minimal PDF writer, no extra dependency), the same as scanned images, and
hostile files for the security tests."""

from __future__ import annotations

import io
import struct
import zlib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from PIL import Image, ImageDraw
from pypdf import PdfWriter

from .passports import font

# --- a minimal PDF writer ------------------------------------------------------------------------


def text_pdf(pages: list[list[str]], *, extra_catalog: str = "") -> bytes:
    """A PDF whose pages show the given lines in Helvetica (WinAnsi: German umlauts work)."""
    objects: list[bytes] = []
    page_ids = [4 + 2 * i for i in range(len(pages))]
    kids = " ".join(f"{pid} 0 R" for pid in page_ids)
    objects.append(f"<< /Type /Catalog /Pages 2 0 R {extra_catalog}>>".encode())
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode())
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    for i, lines in enumerate(pages):
        content = _content_stream(lines)
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> "
            f"/Contents {page_ids[i] + 1} 0 R >>".encode())
        objects.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
    return _assemble(objects)


def _content_stream(lines: list[str]) -> bytes:
    out = [b"BT /F1 11 Tf 14 TL 60 780 Td"]
    for line in lines:
        escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        out.append(b"(" + escaped.encode("cp1252", "replace") + b") Tj T*")
    out.append(b"ET")
    return b"\n".join(out)


def _assemble(objects: list[bytes]) -> bytes:
    buf = io.BytesIO()
    buf.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(buf.tell())
        buf.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = buf.tell()
    buf.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        buf.write(b"%010d 00000 n \n" % offset)
    buf.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return buf.getvalue()


# --- contract ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ContractData:
    employer: str = "Muster Software GmbH"
    employee: str = "Anna Maria Eriksson"
    job: str = "Softwareentwicklerin"
    amount: Decimal = Decimal("4850.00")
    monthly: bool = True
    weekly_hours: Decimal = Decimal("40")
    start: date = date(2026, 4, 1)
    language: str = "de"

    @property
    def annual(self) -> Decimal:
        return self.amount * 12 if self.monthly else self.amount


def contract_lines(c: ContractData) -> list[str]:
    if c.language == "de":
        amount = f"{c.amount:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
        period = "monatlich" if c.monthly else "jährlich"
        word = "Bruttomonatsgehalt" if c.monthly else "Bruttojahresgehalt"
        return [
            "Arbeitsvertrag", "",
            f"zwischen {c.employer} (im Folgenden Arbeitgeber)",
            f"und {c.employee} (im Folgenden Arbeitnehmerin)", "",
            "§ 1 Beginn und Tätigkeit",
            f"Das Arbeitsverhältnis beginnt am {c.start:%d.%m.%Y}. Die Arbeitnehmerin wird als {c.job} eingestellt.",
            "Die ersten sechs Monate gelten als Probezeit.", "",
            "§ 2 Arbeitszeit",
            f"Die regelmäßige wöchentliche Arbeitszeit beträgt {c.weekly_hours} Stunden.", "",
            "§ 3 Vergütung",
            f"Die Arbeitnehmerin erhält ein {word} in Höhe von {amount} EUR, zahlbar {period}.",
            "Zusätzlich wird ein Fahrtkostenzuschuss von 50,00 EUR gewährt.", "",
            "§ 4 Urlaub", "Der Urlaubsanspruch beträgt 30 Arbeitstage im Kalenderjahr.", "",
            "§ 5 Kündigung", "Nach der Probezeit gelten die gesetzlichen Kündigungsfristen.",
        ]
    period = "per month" if c.monthly else "per year"
    return [
        "Employment Contract", "",
        f"between {c.employer} (the Employer) and {c.employee} (the Employee)", "",
        "1. Commencement",
        f"The employment commences on {c.start:%B} {c.start.day}, {c.start.year}. Position: {c.job}.",
        "", "2. Working hours", f"The Employee works {c.weekly_hours} hours per week.", "",
        "3. Remuneration",
        f"The Employee receives a gross salary of EUR {c.amount:,.2f} {period}.", "",
        "4. Probation", "The first six months are a probation period.",
    ]


def make_contract_pdf(c: ContractData | None = None) -> bytes:
    return text_pdf([contract_lines(c or ContractData())])


# --- degree certificate -------------------------------------------------------------------------

@dataclass(frozen=True)
class DegreeData:
    holder: str = "Nguyễn Thị Minh Anh"
    degree: str = "Master of Science"
    subject: str = "Computer Science"
    institution: str = "Technische Universität Musterstadt"
    awarded: date = date(2023, 7, 14)


def degree_lines(d: DegreeData) -> list[str]:
    return [
        d.institution, "", "Urkunde / Certificate", "",
        f"Die Technische Universität verleiht {d.holder}",
        f"den akademischen Grad {d.degree} im Studiengang {d.subject}.",
        "", f"Musterstadt, den {d.awarded:%d.%m.%Y}", "", "Der Präsident",
    ]


def make_degree_pdf(d: DegreeData | None = None) -> bytes:
    return text_pdf([degree_lines(d or DegreeData())])


def make_text_image(lines: list[str], *, fmt: str = "png", size: tuple[int, int] = (1654, 2339)) -> bytes:
    """The same text as a 200 dpi A4 scan (no text layer), for OCR paths."""
    page = Image.new("L", size, 250)
    draw = ImageDraw.Draw(page)
    y = 150
    for line in lines:
        draw.text((140, y), line, font=font("sans", 34), fill=20)
        y += 52
    buf = io.BytesIO()
    page.save(buf, "PNG" if fmt == "png" else "JPEG", dpi=(200, 200))
    return buf.getvalue()


# --- hostile files -----------------------------------------------------------------------------


def png_bomb_header(width: int = 100_000, height: int = 100_000) -> bytes:
    """A tiny PNG whose header claims a huge image (the pixels would decompress to 10 GB)."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def encrypted_pdf(user_password: str = "secret") -> bytes:  # noqa: S107 - test fixture
    writer = PdfWriter(clone_from=io.BytesIO(make_contract_pdf()))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="AES-128")  # noqa: S106
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def javascript_pdf() -> bytes:
    """Document-level JavaScript in the catalogue's name tree, run when the file opens."""
    names = "/Names << /JavaScript << /Names [(init) << /S /JavaScript /JS (app.alert\\(1\\);) >>] >> >>"
    return text_pdf([contract_lines(ContractData())], extra_catalog=names + " ")


def obfuscated_launch_pdf() -> bytes:
    """An /OpenAction /Launch written with #-escaped names, as droppers do."""
    action = "/OpenAction << /S /L#61unch /F (cmd.exe) >>"
    return text_pdf([["Rechnung"]], extra_catalog=action + " ")


def javascript_in_object_stream_pdf(harmless: int = 6000) -> bytes:
    """A one-page PDF 1.5 whose objects 4 … sit compressed in one object stream: ``harmless`` plain
    dictionaries, then a JavaScript action that nothing refers to. The byte scan cannot see into the
    compressed stream, and a walk that stops after a few thousand objects never reaches the script."""
    head = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>"]
    packed = [b"<< /Harmless true >>"] * harmless + [b"<< /S /JavaScript /JS (app.alert\\(1\\);) >>"]
    first_packed = len(head) + 1
    stream_number = first_packed + len(packed)
    xref_number = stream_number + 1
    offsets_in_stream, body = [], b""
    for obj in packed:
        offsets_in_stream.append(len(body))
        body += obj + b"\n"
    index = b" ".join(b"%d %d" % (first_packed + i, off) for i, off in enumerate(offsets_in_stream)) + b"\n"
    compressed = zlib.compress(index + body)
    out = bytearray(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number, obj in enumerate(head, start=1):
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + obj + b"\nendobj\n"
    offsets[stream_number] = len(out)
    out += (b"%d 0 obj\n<< /Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %d >>\nstream\n"
            % (stream_number, len(packed), len(index), len(compressed)) + compressed + b"\nendstream\nendobj\n")
    rows = [b"\x00" + struct.pack(">IH", 0, 65535)]
    for number in range(1, xref_number + 1):
        if number in offsets:
            rows.append(b"\x01" + struct.pack(">IH", offsets[number], 0))
        elif number == xref_number:
            rows.append(b"\x01" + struct.pack(">IH", len(out), 0))
        else:
            rows.append(b"\x02" + struct.pack(">IH", stream_number, number - first_packed))
    table = b"".join(rows)
    xref_offset = len(out)
    out += (b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Root 1 0 R /Length %d >>\nstream\n"
            % (xref_number, xref_number + 1, len(table)) + table + b"\nendstream\nendobj\n")
    out += b"startxref\n%d\n%%%%EOF\n" % xref_offset
    return bytes(out)


def truncated_pdf() -> bytes:
    data = make_contract_pdf()
    return data[: len(data) // 3]


def html_as_pdf() -> bytes:
    return b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
