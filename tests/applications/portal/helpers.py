"""Helpers of the applicant-portal tests: small real files (PDF, PNG) made on the fly, a fake check
result, and a direct upload."""

import io
from dataclasses import dataclass, field

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from documents import services as document_services


def minimal_pdf(text: str = "WSA test") -> bytes:
    """A valid one-page PDF, built by hand (with a correct cross-reference table)."""
    stream = f"BT /F1 12 Tf 20 100 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return out


def small_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "white").save(buffer, format="PNG")
    return buffer.getvalue()


def pdf_upload(name: str = "document.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, minimal_pdf(), content_type="application/pdf")


def png_upload(name: str = "photo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, small_png(), content_type="image/png")


def stored_files(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@dataclass
class FakeResult:
    """What documents.checks.pipeline.inspect_bytes returns, for tests that must not run OCR."""

    content_type: str = "application/pdf"
    page_count: int | None = 1
    document_type: str = ""
    fields: dict = field(default_factory=dict)
    findings: list = field(default_factory=list)


def upload_for(person, *, case=None, name="passport.pdf", requirement="", document_type="unknown"):
    """A stored document (the check is not run: on_commit callbacks do not fire in these tests)."""
    return document_services.document_upload(
        person=person, uploaded_by=person.user, file=pdf_upload(name), case=case, requirement=requirement,
        document_type=document_type,
    )
