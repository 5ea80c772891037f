"""Cheaper writes to the case table, which every step of every case updates (bench/README.md,
"Lifecycle" and "Search"):

* Case.state loses its own index and its LIKE twin: (state, submitted_at, id) of 0003 serves every
  filter by state, and each index is one more insert on every non-HOT update of a case.
* The case table keeps 15 % of each new page free (fillfactor 85), so the updates that change no
  indexed column (version, notified_event_id, updated_at: most of them) can stay on their page as
  HOT updates, which touch no index at all.
* Its trigram indexes take new entries at once (fastupdate off). With the default, the entries of a
  burst of new and changed cases wait in the GIN pending list, which every search reads in full
  until VACUUM merges it: the surname search across all cases took 300 ms instead of 100 ms right
  after the lifecycle benchmark.

PostgreSQL only; storage parameters are metadata (no rewrite, no long lock).
"""

from django.db import migrations, models

from applications.migration_operations import RunSQLOnPostgreSQL

STORAGE = [
    ("ALTER TABLE applications_case SET (fillfactor = 85)", "ALTER TABLE applications_case RESET (fillfactor)"),
    ("ALTER INDEX case_search_trgm SET (fastupdate = off)", "ALTER INDEX case_search_trgm RESET (fastupdate)"),
    ("ALTER INDEX IF EXISTS case_reference_trgm SET (fastupdate = off)",
     "ALTER INDEX IF EXISTS case_reference_trgm RESET (fastupdate)"),
]


class Migration(migrations.Migration):

    dependencies = [
        ('applications', '0005_case_search_text'),
    ]

    operations = [
        migrations.AlterField(
            model_name='case',
            name='state',
            field=models.CharField(choices=[('draft', 'Draft'), ('submitted', 'Submitted'), ('completeness_check', 'Completeness check'), ('documents_requested', 'Documents requested'), ('authority_review', 'Review by the authorities'), ('visa_decision', 'Visa decision'), ('visa_granted', 'Visa granted'), ('rejected', 'Rejected'), ('entered', 'Entered Germany'), ('permit_issued', 'Residence permit issued'), ('closed', 'Closed'), ('withdrawn', 'Withdrawn')], default='draft', max_length=30, verbose_name='state'),
        ),
        RunSQLOnPostgreSQL([forwards for forwards, _backwards in STORAGE],
                           [backwards for _forwards, backwards in STORAGE]),
    ]
