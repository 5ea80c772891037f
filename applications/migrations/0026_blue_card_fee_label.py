"""The residence permit fee of a Blue Card case was stored as "Residence permit, first issuance": the EU Blue Card
is a title of its own (§ 4 Abs. 1 S. 2 Nr. 2a AufenthG), and § 45 Nr. 1 AufenthV names its fee beside the residence
permit's. Fees fixed before are named as the catalogue names them now (the stored label is the msgid each page
translates). The amount and the source do not change."""

from django.db import migrations

PERMIT = "Residence permit, first issuance"
BLUE_CARD = "EU Blue Card, first issuance"


def forward(apps, schema_editor):
    apps.get_model("applications", "FeeDue").objects.filter(
        kind="residence_permit", case__title_code="18g", label=PERMIT).update(label=BLUE_CARD)


def backward(apps, schema_editor):
    apps.get_model("applications", "FeeDue").objects.filter(
        kind="residence_permit", case__title_code="18g", label=BLUE_CARD).update(label=PERMIT)


class Migration(migrations.Migration):

    dependencies = [
        ("applications", "0025_permit_issued_names_the_title"),
    ]

    operations = [migrations.RunPython(forward, backward)]
