"""A finer sample of Case.search_text for the planner (bench/README.md, "Search").

PostgreSQL estimates how many cases a `LIKE '%TERM%'` matches from the column's histogram, and
trusts it only from 100 entries, the default size: most surnames then fell back to a guess of 100
matches (ABUBAKAR has 6,630, PATEL 12,910). With that guess a search within the queue's states read
every match from the table and dropped those in other states (up to 130 ms with cold pages) instead
of ANDing the trigram index with the state index (16–24 ms, 5–10 times fewer table pages). 1,000
entries give estimates within a few per cent for every surname of the national data set; ANALYZE of
the case table takes about 3 s instead of a fraction of one at 1 M cases. PostgreSQL only.
"""

from django.db import migrations

from applications.migration_operations import RunSQLOnPostgreSQL

FORWARDS = ["ALTER TABLE applications_case ALTER COLUMN search_text SET STATISTICS 1000",
            "ANALYZE applications_case"]
BACKWARDS = ["ALTER TABLE applications_case ALTER COLUMN search_text SET STATISTICS -1"]


class Migration(migrations.Migration):

    dependencies = [
        ("applications", "0007_case_due"),
    ]

    operations = [
        RunSQLOnPostgreSQL(FORWARDS, BACKWARDS),
    ]
