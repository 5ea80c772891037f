"""Case.search_text: the back-office search reads one trigram index on the case table instead of
joining persons (bench/README.md, "Search"). Filled here from the cases' persons; kept since by
Case.save and Person.save. On PostgreSQL the index is built CONCURRENTLY (no write lock on the
case table during a deploy), hence a non-atomic migration.

The backfill uses the database's UPPER(); the application normalises with Python's str.upper().
They agree on the passport alphabet (MRZ names are A-Z); a name with, say, "ß" is normalised the
application's way the next time its profile is saved."""

from django.db import migrations, models

from applications.migration_operations import RunSQLOnPostgreSQL

FILL = """
UPDATE applications_case SET search_text = UPPER(
    applications_case.reference || ' ' || (
        SELECT TRIM(p.surname || ' ' || p.given_names || ' ' || p.passport_number)
        FROM applications_person p WHERE p.id = applications_case.person_id))
WHERE id BETWEEN %s AND %s
"""
BATCH = 50_000


def fill_search_text(apps, schema_editor):
    Case = apps.get_model("applications", "Case")
    last = Case.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    with schema_editor.connection.cursor() as cursor:
        for start in range(0, last + 1, BATCH):  # batches: short transactions on a million rows
            cursor.execute(FILL, [start, start + BATCH - 1])


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("applications", "0004_case_notified_event"),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="search_text",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.RunPython(fill_search_text, migrations.RunPython.noop),
        RunSQLOnPostgreSQL("CREATE INDEX CONCURRENTLY IF NOT EXISTS case_search_trgm "
                           "ON applications_case USING gin (search_text gin_trgm_ops)",
                           "DROP INDEX CONCURRENTLY IF EXISTS case_search_trgm"),
    ]
