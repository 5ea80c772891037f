"""Letters for the EU Blue Card (title 18g): the general permit letters say "Aufenthaltserlaubnis", but the
Blue Card is a residence title of its own (§ 4 Abs. 1 S. 2 Nr. 2a AufenthG, issued under § 18g AufenthG),
so its decision must name it. Seeded UNREVIEWED like the others (applications.letters): a template for one
title wins over the general one. Kept here, not imported, so that the history stays fixed."""

from django.db import migrations

_PERMIT_REMEDY_DE = (
    "Gegen diesen Bescheid kann innerhalb eines Monats nach seiner Bekanntgabe Widerspruch bei der erlassenden "
    "Behörde ({office_name}) erhoben werden. Ist nach dem Recht des Landes ein Widerspruchsverfahren nicht "
    "vorgesehen, kann innerhalb eines Monats nach Bekanntgabe Klage bei dem Verwaltungsgericht erhoben werden, in "
    "dessen Bezirk der Bescheid erlassen wurde. Die Klage ist schriftlich, zur Niederschrift des Urkundsbeamten der "
    "Geschäftsstelle oder in elektronischer Form nach Maßgabe des § 55a VwGO zu erheben.")
_PERMIT_REMEDY_EN = (
    "You may lodge an objection (Widerspruch) against this decision with the issuing authority ({office_name}) "
    "within one month of its notification. Where the law of the federal state provides for no objection procedure, "
    "you may bring an action (Klage) within one month of notification before the administrative court in whose "
    "district the decision was issued. The action must be brought in writing, on record at the court registry or "
    "electronically in accordance with § 55a VwGO.")

# family: (subject of the application, the grant, its validity, the refusal)
_DE = {
    "permit": ("einer Blauen Karte EU", "Ihnen wird eine Blaue Karte EU erteilt.", "Die Blaue Karte EU gilt {validity}.",
               "Ihr Antrag auf Erteilung einer Blauen Karte EU wird abgelehnt."),
    "extension": ("der Verlängerung Ihrer Blauen Karte EU", "Ihre Blaue Karte EU wird verlängert.",
                  "Sie gilt {validity}.", "Ihr Antrag auf Verlängerung Ihrer Blauen Karte EU wird abgelehnt."),
}
_EN = {
    "permit": ("an EU Blue Card", "You are granted an EU Blue Card.", "The EU Blue Card is valid {validity}.",
               "Your application for an EU Blue Card is refused."),
    "extension": ("the extension of your EU Blue Card", "Your EU Blue Card is extended.", "It is valid {validity}.",
                  "Your application for the extension of your EU Blue Card is refused."),
}


def _body_de(family, granted):
    subject, grant, validity, refusal = _DE[family]
    decision = f"{grant}\n{validity}" if granted else refusal
    reasons = "Die Voraussetzungen für die Erteilung liegen vor.\n{reasons}" if granted else "{reasons}"
    return (f"# Bescheid\nüber Ihren Antrag vom {{submitted_on}}\nauf Erteilung {subject}\n\n"
            f"## Entscheidung\n{decision}\n\n## Rechtsgrundlage\n{{legal_basis}}\n\n"
            f"## Nebenbestimmungen\n{{conditions}}\n\n## Begründung\n{reasons}\n\n"
            f"## Rechtsbehelfsbelehrung\n{_PERMIT_REMEDY_DE}\n")


def _body_en(family, granted):
    subject, grant, validity, refusal = _EN[family]
    decision = f"{grant}\n{validity}" if granted else refusal
    reasons = "The conditions for the grant are met.\n{reasons}" if granted else "{reasons}"
    return (f"# Decision\non your application of {{submitted_on}}\nfor {subject}\n\n"
            f"## Decision\n{decision}\n\n## Legal basis\n{{legal_basis}}\n\n"
            f"## Conditions\n{{conditions}}\n\n## Reasons\n{reasons}\n\n"
            f"## Notice of legal remedies\n{_PERMIT_REMEDY_EN}\n")


def seed_blue_card_letters(apps, schema_editor):
    LetterTemplate = apps.get_model("applications", "LetterTemplate")
    for family in ("permit", "extension"):
        for granted in (True, False):
            kind = f"{family}_{'granted' if granted else 'rejected'}"
            for language, body in (("de", _body_de(family, granted)), ("en", _body_en(family, granted))):
                LetterTemplate.objects.get_or_create(kind=kind, language=language, office_kind="foreigners_authority",
                                                     office=None, title_code="18g", defaults={"body": body})


def unseed_blue_card_letters(apps, schema_editor):
    apps.get_model("applications", "LetterTemplate").objects.filter(
        reviewed_at__isnull=True, office=None, title_code="18g").delete()


class Migration(migrations.Migration):
    dependencies = [("applications", "0023_fee_labels_as_source_text")]
    operations = [migrations.RunPython(seed_blue_card_letters, unseed_blue_card_letters)]
