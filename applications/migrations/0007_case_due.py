"""Case.due_at: the WSA's deadline of a case stored on the case (see the model), with the index
case_due_sort that the search across all cases reads in order (bench/README.md, "Search").

The existing cases get theirs from the rule as it stands today (services.case_due_refresh over
the live models; on a database without cases nothing runs): one UPDATE of the cases in the dated
states, about 10 s for a million cases, before the index is built.
"""

import datetime

import django.db.models.functions.comparison
from django.db import migrations, models


def fill_due(apps, schema_editor):
    if not apps.get_model("applications", "Case").objects.exists():
        return
    from applications.services import case_due_refresh

    case_due_refresh()


class Migration(migrations.Migration):

    dependencies = [
        ("applications", "0006_case_writes"),
        ("authorities", "0004_appointments"),  # the backfill reads the requests
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="due_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(fill_due, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                django.db.models.functions.comparison.Coalesce(
                    "due_at", models.Value(datetime.datetime(9999, 1, 1, 0, 0, tzinfo=datetime.UTC))),
                models.F("id"), name="case_due_sort"),
        ),
    ]
