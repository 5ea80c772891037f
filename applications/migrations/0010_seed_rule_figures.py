"""The figures the release ships (applications.rules.BUILT_IN_FIGURES), as approved rule figures.

Neither entered nor approved by anyone: "shipped with the release". From here on operators keep
the figures in the admin (four-eyes); a new year is entered there, not in a release. The figures are
read from the rules package rather than copied here so that a fresh installation starts from what
the release ships; an installation that has run this migration keeps its own rows.
"""

from django.db import migrations
from django.utils import timezone

from applications.rules import BUILT_IN_FIGURES


def seed(apps, schema_editor):
    RuleFigure = apps.get_model("applications", "RuleFigure")
    now = timezone.now()
    RuleFigure.objects.bulk_create([
        RuleFigure(kind=figure.kind, value=figure.value, valid_from=figure.valid_from, valid_to=figure.valid_to,
                   source=figure.source, approved_at=now)
        for figure in BUILT_IN_FIGURES
    ])


def unseed(apps, schema_editor):
    RuleFigure = apps.get_model("applications", "RuleFigure")
    RuleFigure.objects.filter(entered_by__isnull=True, approved_by__isnull=True).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("applications", "0009_rule_figures"),
    ]

    operations = [
        migrations.RunPython(seed, unseed),
    ]
