"""Decisions (Bescheide): PDF rendering, PAdES signing and public verification.

A decision is rendered from the letter templates the operator keeps in the admin (applications.letters:
German, the authoritative version, plus an English translation when the procedure language is English;
unreviewed wording is marked "Muster" outside production and refused in production) with reportlab,
carries a QR code that links to SITE_URL/verify/<code>/, is signed with pyHanko (PAdES) when a
signing key is available, and is stored with its SHA-256 so that anyone can check a copy.

Signing: WSA_SIGNING_KEY and WSA_SIGNING_CERT (paths to PEM files, settings or environment) name
the production key. Without them, outside production, a development key and a self-signed
certificate are generated into var/signing/ on first use. In production without a key the PDF is
issued unsigned (and a warning is logged): the hash and the verification page still hold.
"""

import asyncio
import hashlib
import logging
import os
import re
import secrets
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils import timezone, translation

from accounts.models import Membership, OrganisationKind, Role
from authorities.models import Purpose
from wsa.site import site_url

from .letters import Letter, decision_letters, letter_blocks, letter_values
from .templatetags.countries import country_name

logger = logging.getLogger(__name__)

# Per decision kind: the kind of office that decides it and that office's own authority step, which its decision
# answers.
DECISION_OFFICES = {
    "visa": (OrganisationKind.VISA_OFFICE, Purpose.VISA),
    "residence_permit": (OrganisationKind.FOREIGNERS_AUTHORITY, Purpose.RESIDENCE_PERMIT),
}
DECISION_OFFICE_KIND = {kind: office_kind for kind, (office_kind, _step) in DECISION_OFFICES.items()}
DECISION_STEP = {kind: step for kind, (_office_kind, step) in DECISION_OFFICES.items()}
# The steps an office answers with a decision of this kind, never with a bare approval or refusal.
STEPS_DECIDED_BY_DECISION = {step: kind for kind, step in DECISION_STEP.items()}
MAX_VERIFY_UPLOAD = 20 * 1024 * 1024


def new_verification_code() -> str:
    """A random, URL-safe code (128 bits) for the verification link; unique among decisions."""
    from .models import Decision

    while True:
        code = secrets.token_urlsafe(16)  # 22 characters
        if not Decision.objects.filter(verification_code=code).exists():
            return code


def verification_url(code: str) -> str:
    return f"{site_url()}/verify/{code}/"


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_of_upload(upload) -> str | None:
    """SHA-256 of an uploaded file, read in chunks; None when it is larger than we accept."""
    digest = hashlib.sha256()
    size = 0
    for chunk in upload.chunks():
        size += len(chunk)
        if size > MAX_VERIFY_UPLOAD:
            return None
        digest.update(chunk)
    return digest.hexdigest()


def initials(user) -> str:
    """"C. F." for Clara Fischer: the verification page names nobody."""
    if user is None:
        return ""
    name = (user.full_name or "").strip()
    if not name:
        return ""
    return " ".join(f"{part[0].upper()}." for part in re.split(r"[\s-]+", name) if part)


def decision_office(decision):
    """The office that issues the decision: the decider's visa office or foreigners' authority."""
    kind = DECISION_OFFICE_KIND.get(decision.kind)
    membership = (Membership.objects.filter(user_id=decision.decided_by_id, organisation__kind=kind,
                                            role__in=Role.staff_roles())
                  .select_related("organisation").order_by("pk").first())
    return membership.organisation if membership else None


# --- PDF ----------------------------------------------------------------------------------------


def _blocks(text: str) -> list[tuple[str, str]]:
    """Parses the template's tiny markup: '# ' title, '## ' heading, paragraphs split by blank lines."""
    blocks, paragraph = [], []

    def flush():
        if paragraph:
            blocks.append(("p", " ".join(paragraph).strip()))
            paragraph.clear()

    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("## "):
            flush()
            blocks.append(("h2", stripped[3:]))
        elif stripped.startswith("# "):
            flush()
            blocks.append(("h1", stripped[2:]))
        elif not stripped:
            flush()
        else:
            paragraph.append(stripped)
    flush()
    return blocks


def _qr_png(url: str) -> BytesIO:
    import qrcode

    buffer = BytesIO()
    qrcode.make(url, box_size=4, border=1).save(buffer, format="PNG")
    buffer.seek(0)
    return buffer


def decision_languages(case) -> list[str]:
    return ["de", "en"] if case.procedure_language == "en" else ["de"]


def letters_for(decision) -> dict[str, Letter]:
    """The letter templates this decision is printed from; LetterRefused when it may not be issued."""
    return decision_letters(case=decision.case, kind=decision.kind, outcome=decision.outcome,
                            office=decision_office(decision), office_kind=DECISION_OFFICE_KIND[decision.kind],
                            languages=decision_languages(decision.case))


def render_decision_pdf(decision, letters: dict[str, Letter] | None = None, *, draft: bool = False) -> bytes:
    """The decision as PDF bytes (unsigned). German; German + English for English procedures. A letter
    from an unreviewed template carries a "sample wording" mark on the page and in the footer. A `draft`
    (the four-eyes review of a decision not yet issued) says so at the top and in the footer of every page and
    has no date of issue and no verification code: it is not a decision."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    case = decision.case
    person = case.person
    office = decision_office(decision)
    office_name = office.name if office else "Work-and-Stay-Agentur"
    issued = timezone.localtime(decision.issued_at or timezone.now())
    url = verification_url(decision.verification_code or "")
    letters = letters if letters is not None else letters_for(decision)
    languages = decision_languages(case)

    styles = getSampleStyleSheet()
    body = ParagraphStyle("wsa-body", parent=styles["BodyText"], fontName="Helvetica", fontSize=10, leading=14)
    small = ParagraphStyle("wsa-small", parent=body, fontSize=8, leading=10, textColor=colors.HexColor("#333333"))
    h1 = ParagraphStyle("wsa-h1", parent=styles["Heading1"], fontName="Helvetica-Bold", fontSize=16, spaceAfter=4)
    h2 = ParagraphStyle("wsa-h2", parent=styles["Heading2"], fontName="Helvetica-Bold", fontSize=11,
                        spaceBefore=8, spaceAfter=2)
    sample_style = ParagraphStyle("wsa-sample", parent=body, textColor=colors.HexColor("#b00020"), borderPadding=4,
                                  borderColor=colors.HexColor("#b00020"), borderWidth=1)

    with translation.override("de"):  # a German authority's letter names the country in German ("Indien", not "IND")
        country = country_name(person.country_of_residence) if person.country_of_residence else ""
    address = [person.full_name, person.street, f"{person.postal_code} {person.city}".strip(), country]
    labels = {
        "de": {"reference": "Aktenzeichen", "date": "Datum", "on_issue": "bei Erlass", "to": "An",
               "verify": "Echtheit prüfen",
               "code": "Prüfcode", "sig": "Dieser Bescheid wurde elektronisch erstellt und ist ohne Unterschrift "
               "gültig. Die Echtheit können Sie über den QR-Code oder den Link prüfen.",
               "translation": "", "sample": "MUSTER – nicht juristisch geprüft. Dieser Text ist eine Vorlage, "
               "die noch nicht juristisch geprüft wurde; er ist nur zur Erprobung bestimmt.",
               "draft": "ENTWURF – nicht erlassen und nicht gültig. Zur Prüfung im Vier-Augen-Verfahren; Datum, "
               "Prüfcode und Siegel erhält der Bescheid erst mit der Freigabe."},
        "en": {"reference": "Reference", "date": "Date", "on_issue": "on issue", "to": "To",
               "verify": "Check authenticity",
               "code": "Verification code", "sig": "This decision was created electronically and is valid without a "
               "signature. You can check that it is genuine with the QR code or the link.",
               "translation": "English translation. The German version above is authoritative.",
               "sample": "SAMPLE WORDING – not legally reviewed. This text is a template that has not yet been "
               "reviewed by a lawyer; it is for trying the portal out only.",
               "draft": "DRAFT – not issued and not valid. For the four-eyes review; the decision gets its date, "
               "verification code and seal only when it is approved."},
    }

    story = []
    for index, language in enumerate(languages):
        text = labels[language]
        if index:
            story.append(PageBreak())
            story.append(Paragraph(escape(text["translation"]), small))
            story.append(Spacer(1, 4 * mm))
        header = Table(
            [[Paragraph(f"<b>{escape(office_name)}</b>", body),
              Paragraph(f"{text['reference']}: {escape(case.reference)}<br/>"
                        f"{text['date']}: {text['on_issue'] if draft else f'{issued:%d.%m.%Y}'}", body)]],
            colWidths=[100 * mm, 70 * mm],
        )
        header.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
        story.append(header)
        story.append(Spacer(1, 6 * mm))
        story.append(Paragraph(f"{text['to']}:<br/>" + "<br/>".join(escape(line) for line in address if line),
                               body))
        story.append(Spacer(1, 6 * mm))
        letter = letters[language]
        if draft:
            story.append(Paragraph(f"<b>{escape(text['draft'])}</b>", sample_style))
            story.append(Spacer(1, 4 * mm))
        if letter.sample:
            story.append(Paragraph(f"<b>{escape(text['sample'])}</b>", sample_style))
            story.append(Spacer(1, 4 * mm))
        values = letter_values(decision=decision, language=language, office_name=office_name)
        for kind, content in letter_blocks(template=letter.template, values=values, parse=_blocks):
            style = {"h1": h1, "h2": h2}.get(kind, body)
            story.append(Paragraph(escape(content), style))
        story.append(Spacer(1, 6 * mm))
        if draft:
            continue
        verify = Table(
            [[_qr_flowable(url), Paragraph(
                f"<b>{text['verify']}</b>: {escape(url)}<br/>{text['code']}: {escape(decision.verification_code or '')}"
                f"<br/><br/>{escape(text['sig'])}", small)]],
            colWidths=[32 * mm, 138 * mm],
        )
        verify.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
        story.append(verify)

    buffer = BytesIO()
    document = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=18 * mm, bottomMargin=18 * mm,
        title=f"{'Entwurf ' if draft else ''}Bescheid {case.reference}", author=office_name,
        subject=str(decision.kind_label), creator="WSA-Portal",
    )
    marks = (["Entwurf – nicht erlassen / Draft – not issued"] if draft else []) + (
        ["Muster – nicht juristisch geprüft / Sample wording – not legally reviewed"]
        if any(letter.sample for letter in letters.values()) else [])
    if marks:
        def footer(canvas, _document):
            canvas.saveState()
            canvas.setFont("Helvetica-Bold", 8)
            canvas.setFillColor(colors.HexColor("#b00020"))
            for row, mark in enumerate(marks):
                canvas.drawCentredString(A4[0] / 2, (10 + 4 * row) * mm, mark)
            canvas.restoreState()

        document.build(story, onFirstPage=footer, onLaterPages=footer)
    else:
        document.build(story)
    return buffer.getvalue()


def _qr_flowable(url: str):
    from reportlab.lib.units import mm
    from reportlab.platypus import Image

    return Image(_qr_png(url), width=28 * mm, height=28 * mm)


# --- Signing ------------------------------------------------------------------------------------


def _setting(name: str) -> str:
    return str(getattr(settings, name, "") or os.environ.get(name, ""))


def signing_material() -> tuple[Path, Path] | None:
    """(key, certificate) PEM paths: the configured ones, or a development pair outside production."""
    key, cert = _setting("WSA_SIGNING_KEY"), _setting("WSA_SIGNING_CERT")
    if key and cert:
        return Path(key), Path(cert)
    if getattr(settings, "PRODUCTION", False):
        return None
    directory = Path(getattr(settings, "VAR_DIR", Path(settings.BASE_DIR) / "var")) / "signing"
    key_path, cert_path = directory / "dev-seal-key.pem", directory / "dev-seal-cert.pem"
    if not (key_path.exists() and cert_path.exists()):
        _generate_development_pair(key_path, cert_path)
    return key_path, cert_path


def _generate_development_pair(key_path: Path, cert_path: Path) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key_path.parent.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "DE"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Work-and-Stay-Agentur (DEVELOPMENT ONLY)"),
        x509.NameAttribute(NameOID.COMMON_NAME, "WSA development seal"),
    ])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                     crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .sign(key, hashes.SHA256())
    )
    tmp_key = key_path.with_suffix(".tmp")
    tmp_key.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    os.chmod(tmp_key, 0o600)
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    tmp_key.replace(key_path)


def sign_pdf(data: bytes, *, reason: str = "Bescheid", location: str = "Deutschland") -> tuple[bytes, bool]:
    """PAdES-signs `data`; returns (pdf, signed). Unsigned when no key is available."""
    material = signing_material()
    if material is None:
        logger.warning("No WSA_SIGNING_KEY/WSA_SIGNING_CERT configured: decision issued without a seal.")
        return data, False
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko.sign.fields import SigSeedSubFilter

    key, cert = material
    signer = signers.SimpleSigner.load(str(key), str(cert))
    if signer is None:
        raise RuntimeError("The signing key or certificate could not be loaded.")
    writer = IncrementalPdfFileWriter(BytesIO(data))
    meta = signers.PdfSignatureMetadata(field_name="WSASeal", subfilter=SigSeedSubFilter.PADES,
                                        reason=reason, location=location, md_algorithm="sha256")
    output = _run_to_completion(signers.async_sign_pdf(writer, meta, signer=signer))
    return output.getvalue(), True


def _run_to_completion(coroutine):
    """Runs pyHanko's signing coroutine in this thread, or in a thread of its own where this one already
    runs an event loop (an async server, or a browser test driving the page): asyncio.run refuses to
    nest, and pyHanko's synchronous sign_pdf is only asyncio.run around the same coroutine."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
