"""Content type sniffing and the limits on hostile files."""

import pytest

from documents.checks import limits, sniff
from documents.testing import documents as docs

from .conftest import passport


@pytest.mark.parametrize(("data", "kind"), [
    (b"%PDF-1.7\n...", sniff.PDF),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF", sniff.JPEG),
    (b"\x89PNG\r\n\x1a\n\x00\x00", sniff.PNG),
])
def test_allowed_types(data, kind):
    assert sniff.sniff(data, "x").content_type == kind


@pytest.mark.parametrize(("data", "detected"), [
    (docs.html_as_pdf(), "HTML or XML document"),
    (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script/></svg>', "SVG image"),
    (b"MZ\x90\x00\x03", "Windows executable"),
    (b"PK\x03\x04\x14\x00", "ZIP archive or Office document"),
    (b"GIF89a", "GIF image"),
    (b"   %PDF-1.4 after junk", "unknown"),  # polyglot-style prefix
    (b"", "empty file"),
])
def test_everything_else_is_refused_whatever_the_name(data, detected):
    result = sniff.sniff(data, "passport.pdf")
    assert result.content_type is None and not result.allowed
    assert result.detected == detected


def test_extension_mismatch_is_noticed():
    assert not sniff.sniff(b"\x89PNG\r\n\x1a\n", "scan.pdf").extension_matches
    assert sniff.sniff(b"\x89PNG\r\n\x1a\n", "scan.PNG").extension_matches


def test_size_limits():
    assert [f.code for f in limits.check_size(b"")] == ["empty_file"]
    small = limits.Limits(max_bytes=10)
    assert [f.code for f in limits.check_size(b"x" * 11, small)] == ["file_too_large"]
    assert limits.check_size(b"x" * 10, small) == []


def test_png_bomb_is_refused_from_the_header():
    bomb = docs.png_bomb_header()
    assert len(bomb) < 2000
    assert limits.image_dimensions(bomb, sniff.PNG) == (100_000, 100_000)
    assert [f.code for f in limits.check_image(bomb, sniff.PNG)] == ["image_too_large"]


def test_jpeg_dimensions_come_from_the_frame_header():
    generated = passport(1, "jpeg")
    width, height = limits.image_dimensions(generated.data, sniff.JPEG)
    assert (width, height) == (1250, 880)
    assert limits.check_image(generated.data, sniff.JPEG) == []


def test_truncated_image_is_damaged():
    data = passport(1, "png").data
    assert [f.code for f in limits.check_image(data[:200], sniff.PNG)] == ["file_damaged"]
    assert [f.code for f in limits.check_image(b"\x89PNG\r\n\x1a\n", sniff.PNG)] == ["file_damaged"]


def test_pdf_with_user_password_is_refused():
    info = limits.open_pdf(docs.encrypted_pdf())
    assert [f.code for f in info.findings] == ["pdf_encrypted"]
    assert not info.usable


def test_pdf_with_only_an_owner_password_is_read_and_flagged():
    info = limits.open_pdf(docs.encrypted_pdf(user_password=""))
    assert [f.code for f in info.findings] == ["pdf_restricted"]
    assert info.findings[0].severity == "warning"  # "needs your attention", never "no problems found"
    assert info.usable and info.page_count == 1


def test_pdf_javascript_is_refused():
    info = limits.open_pdf(docs.javascript_pdf())
    assert [f.code for f in info.findings] == ["pdf_active_content"]
    assert "JavaScript" in info.findings[0].found


def test_javascript_hidden_in_an_object_stream_behind_thousands_of_objects_is_refused():
    data = docs.javascript_in_object_stream_pdf(harmless=6000)
    assert b"/JavaScript" not in data  # compressed: the byte scan cannot see it
    info = limits.open_pdf(data)
    assert info.page_count == 1
    assert [f.code for f in info.findings] == ["pdf_active_content"]
    assert "JavaScript" in info.findings[0].found


def test_a_pdf_with_more_objects_than_can_be_checked_is_refused_not_half_checked():
    data = docs.javascript_in_object_stream_pdf(harmless=50)
    small = limits.Limits(max_pdf_objects=40)
    info = limits.open_pdf(data, small)
    assert [f.code for f in info.findings] == ["content_too_large"]
    assert not info.usable
    assert limits.open_pdf(docs.javascript_in_object_stream_pdf(harmless=10), small).findings[0].code == (
        "pdf_active_content")


def test_escaped_launch_action_is_found():
    assert limits.raw_active_content(b"/OpenAction << /S /L#61unch >>") == ["launch action"]
    info = limits.open_pdf(docs.obfuscated_launch_pdf())
    assert "launch action" in info.findings[0].found


def test_plain_open_action_to_a_page_is_harmless():
    data = docs.text_pdf([["Hallo"]], extra_catalog="/OpenAction [4 0 R /Fit] ")
    assert limits.open_pdf(data).findings == []


def test_truncated_pdf_is_damaged_not_a_crash():
    info = limits.open_pdf(docs.truncated_pdf())
    assert [f.code for f in info.findings] == ["file_damaged"]


def test_too_many_pages():
    data = docs.text_pdf([["page"]] * 4)
    info = limits.open_pdf(data, limits.Limits(max_pages=3))
    assert [f.code for f in info.findings] == ["too_many_pages"]


def _image_pdf(jpeg: bytes, *, copy_outside: bytes = b"") -> bytes:
    """One page showing one JPEG image; ``copy_outside``: bytes also written between two objects."""
    content = b"q 595 0 0 842 0 0 cm /Im1 Do Q"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /XObject << /Im1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /XObject /Subtype /Image /Width 40 /Height 40 /ColorSpace /DeviceGray /BitsPerComponent 8 "
        b"/Filter /DCTDecode /Length %d >>\nstream\n" % len(jpeg) + jpeg + b"\nendstream",
    ]
    data = docs._assemble(objects)  # noqa: SLF001 - the test documents' own PDF writer
    if copy_outside:
        marker = b"5 0 obj"
        data = data.replace(marker, copy_outside + b"\n" + marker, 1)
    return data


def _jpeg_spelling(name: bytes) -> bytes:
    """A real JPEG whose compressed bytes happen to spell ``name`` (a comment segment stands in for
    the one JPEG in thirty whose entropy-coded data does)."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("L", (40, 40), 200).save(out, "JPEG")
    jpeg = out.getvalue()
    comment = b"\x9c\x90" + name + b"\x9c\x90\x18"
    return jpeg[:2] + b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment + jpeg[2:]


def test_a_scanned_pdf_whose_image_bytes_spell_a_script_name_is_accepted():
    """Found with the generated passport scans: one image PDF in thirty was refused as "active
    content" because its JPEG data spelled /JS; a viewer never reads those bytes as PDF syntax."""
    info = limits.open_pdf(_image_pdf(_jpeg_spelling(b"/JS")))
    assert info.findings == [] and info.usable


def test_the_same_bytes_outside_a_stream_are_still_refused():
    jpeg = _jpeg_spelling(b"/JS")
    info = limits.open_pdf(_image_pdf(jpeg, copy_outside=jpeg))
    assert [f.code for f in info.findings] == ["pdf_active_content"]
    assert limits.raw_active_content(b"<< /S /JavaScript /JS (app.alert(1)) >>") == ["JavaScript"]
