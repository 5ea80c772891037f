"""The Fiktionsbescheinigung as PDF: German with an English translation, QR code to the public check
page, sealed like a decision (applications.decisions: signing, hashing, QR)."""

from __future__ import annotations

from io import BytesIO
from xml.sax.saxutils import escape

from django.utils import timezone

from wsa.site import site_url

from ..decisions import _qr_flowable

TEXT = {
    "de": {
        "heading": "Bescheinigung über die Wirkung der Antragstellung (Fiktionsbescheinigung)",
        "basis": "§ 81 Abs. 4 Satz 1 und Abs. 5 Aufenthaltsgesetz",
        "body": "{name}, geboren am {birth}, Staatsangehörigkeit {nationality}, hat am {applied} – vor Ablauf "
                "des bisherigen Aufenthaltstitels – {what} beantragt (Aktenzeichen {reference}). "
                "Der bisherige Aufenthaltstitel ({title}, gültig bis {until}) gilt vom Zeitpunkt seines "
                "Ablaufs bis zur Entscheidung der Ausländerbehörde als fortbestehend, mit allen "
                "Nebenbestimmungen, einschließlich der Erlaubnis zur Erwerbstätigkeit.",
        "work": "Erwerbstätigkeit",
        "conditions": "Nebenbestimmungen",
        "until": "Gültig bis zur Entscheidung der Ausländerbehörde.",
        "verify": "Echtheit prüfen", "code": "Prüfcode", "date": "Ausgestellt am",
        "translation": "",
        "extension": "dessen Verlängerung",
        # § 81 Abs. 4 S. 1 AufenthG: "oder die Erteilung eines anderen Aufenthaltstitels".
        "purpose_change": "die Erteilung eines anderen Aufenthaltstitels (Zweckwechsel)",
    },
    "en": {
        "heading": "Certificate of the effect of the application (Fiktionsbescheinigung)",
        "basis": "Section 81 (4) sentence 1 and (5) Residence Act",
        "body": "{name}, born on {birth}, nationality {nationality}, applied on {applied} – before the "
                "current residence title expired – for {what} (reference {reference}). The current "
                "residence title ({title}, valid until {until}) continues to count as granted from its "
                "expiry until the foreigners' authority decides, with all its conditions, including the "
                "permission to work.",
        "work": "Work", "conditions": "Conditions",
        "until": "Valid until the foreigners' authority decides.",
        "verify": "Check authenticity", "code": "Verification code", "date": "Issued on",
        "translation": "English translation. The German version is authoritative.",
        "extension": "its extension",
        "purpose_change": "the grant of another residence title (change of purpose)",
    },
}
WORK = {"de": {"any": "Erwerbstätigkeit erlaubt", "as_conditioned": "Beschäftigung nur wie in den "
               "Nebenbestimmungen angegeben", "none": "Erwerbstätigkeit nicht erlaubt"},
        "en": {"any": "Any employment permitted", "as_conditioned": "Employment permitted only as stated in "
               "the conditions", "none": "Employment not permitted"}}


def certificate_url(code: str) -> str:
    return f"{site_url()}/verify/certificate/{code}/"


def render_certificate_pdf(certificate) -> bytes:
    # ReportLab only when a certificate is made (web processes rarely do).
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
    title, case = certificate.title, certificate.case
    person = title.holder
    issued = timezone.localtime(certificate.issued_at)
    url = certificate_url(certificate.verification_code)
    styles = getSampleStyleSheet()
    body = ParagraphStyle("c-body", parent=styles["BodyText"], fontName="Helvetica", fontSize=10, leading=14)
    small = ParagraphStyle("c-small", parent=body, fontSize=8, leading=10, textColor=colors.HexColor("#333333"))
    h1 = ParagraphStyle("c-h1", parent=styles["Heading1"], fontName="Helvetica-Bold", fontSize=14, spaceAfter=4)
    office = title.issued_by.name if title.issued_by_id else "Work-and-Stay-Agentur"
    applied_for = "purpose_change" if case.title_code and case.title_code != title.title_code else "extension"
    story = []
    for index, language in enumerate(("de", "en")):
        text = TEXT[language]
        if index:
            story += [PageBreak(), Paragraph(escape(text["translation"]), small), Spacer(1, 4 * mm)]
        story += [Paragraph(f"<b>{escape(office)}</b>", body), Spacer(1, 4 * mm),
                  Paragraph(escape(text["heading"]), h1), Paragraph(escape(text["basis"]), small),
                  Spacer(1, 4 * mm)]
        story.append(Paragraph(escape(text["body"].format(
            name=person.full_name, birth=f"{person.birth_date:%d.%m.%Y}" if person.birth_date else "–",
            nationality=person.nationality or "–", applied=f"{issued:%d.%m.%Y}", reference=case.reference,
            what=text[applied_for],
            title=f"{title.legal_basis}{', ' + title.card_number if title.card_number else ''}",
            until=f"{title.valid_until:%d.%m.%Y}" if title.valid_until else "–")), body))
        story.append(Spacer(1, 3 * mm))
        story.append(Paragraph(f"<b>{text['work']}</b>: {escape(WORK[language].get(title.work_permission, ''))}",
                               body))
        if title.conditions:
            story.append(Paragraph(f"<b>{text['conditions']}</b>: {escape(title.conditions)}", body))
        story.append(Spacer(1, 3 * mm))
        story.append(Paragraph(f"<b>{escape(text['until'])}</b> {text['date']}: {issued:%d.%m.%Y}", body))
        story.append(Spacer(1, 6 * mm))
        verify = Table([[_qr_flowable(url), Paragraph(
            f"<b>{text['verify']}</b>: {escape(url)}<br/>{text['code']}: {escape(certificate.verification_code)}",
            small)]], colWidths=[32 * mm, 138 * mm])
        verify.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
        story.append(verify)
    buffer = BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=18 * mm,
                      bottomMargin=18 * mm, title=f"Fiktionsbescheinigung {case.reference}", author=office,
                      creator="WSA-Portal").build(story)
    return buffer.getvalue()
