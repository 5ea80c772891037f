"""A national data set for capacity work: `python manage.py seed_scale --cases 1000000`.

Fills PostgreSQL (never SQLite) with N cases and everything that hangs off them: a person (most
with an applicant login), the employment, ~5 document rows (metadata only, no files), ~4 authority
requests with their outbox rows, ~10 timeline events, consents and employer details for employer
cases, open document requests and claims in the queues. The mix of states, titles, nationalities,
offices and ages follows the lifecycle (old cases are mostly closed, new ones open), so queues,
searches, dashboards and statistics see realistic selectivity. The demo organisations, offices and
logins of `seed_demo` are reused (it runs first); a pool of employer organisations is added.

How it loads
  * PostgreSQL COPY (psycopg 3 `cursor.copy()`), one transaction per batch of cases (default
    10,000), in several worker processes (`--workers`, default 2; 1 writes in this process).
    Columns added to the models after this generator was written are filled with their defaults.
  * Primary keys are reserved from each table's own sequence before a batch is written, so the
    application keeps allocating ids above the seed. References are `WSA-<year>-<number>` with
    numbers reserved from the reference counters up front (the application continues above them).
  * Restartable: every batch writes its marker row (`wsa_seed_scale_batch`) in its own
    transaction, so an interrupted run leaves whole batches only, and the next run with the same
    or a larger `--cases` loads just what is missing.
  * For a large load the secondary indexes (and unique constraints) of the filled tables are
    dropped first and rebuilt afterwards (their definitions are kept in `wsa_seed_scale_index`
    until they are back, so an interrupted run restores them next time), then VACUUM ANALYZE.
    Foreign keys stay; their per-row checks are skipped for the seeding session when the database
    user may (`session_replication_role = replica`, superuser only): the generator writes only
    references that exist.
  * The cases' deadlines (Case.due_at) are written from their requests after the load, once the
    filled tables are ANALYZEd (the deadline query joins the requests: without statistics, e.g. with
    autovacuum off, PostgreSQL plans it for empty tables and took 289 s instead of ~10 s at 1 M), and
    the statistics snapshots are refreshed at the end.

Not for production: it refuses to run there, as `seed_demo` does.
"""

from __future__ import annotations

import multiprocessing
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections, transaction
from django.utils import timezone

from accounts.models import Organisation, OrganisationKind, User
from applications.models import ReferenceCounter
from applications.services import case_due_refresh, statistics_refresh
from authorities.models import Authority, AuthorityKind

from ..seed_scale_rows import (
    BATCH_TABLE,
    COUNTRIES,
    INDEX_TABLE,
    SEGMENT_TABLE,
    TABLES,
    Collected,
    Plan,
    Pools,
    run_batches,
)


class Command(BaseCommand):
    help = "Fills PostgreSQL with a national data set of N cases (COPY, in batches, restartable)."

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=1_000_000, help="Number of seeded cases wanted in total.")
        parser.add_argument("--batch", type=int, default=10_000, help="Cases per batch (one transaction each).")
        parser.add_argument("--workers", type=int, default=2, help="Worker processes writing batches.")
        parser.add_argument("--seed", type=int, default=11, help="Random seed (the data set is reproducible).")
        parser.add_argument("--keep-indexes", action="store_true",
                            help="Never drop the secondary indexes, whatever the size of the load.")
        parser.add_argument("--skip-demo", action="store_true", help="Do not run seed_demo first.")

    def handle(self, *args, cases, batch, workers, seed, keep_indexes, skip_demo, **options):
        if connection.vendor != "postgresql":
            raise CommandError("seed_scale needs PostgreSQL: it loads with COPY and drops and rebuilds indexes. "
                                 "Set DATABASE_URL to a PostgreSQL database (not SQLite) and run it again.")
        if settings.PRODUCTION:
            raise CommandError("seed_scale creates made-up people; it never runs in production.")
        if cases < 0 or batch < 1 or workers < 1:
            raise CommandError("--cases must be 0 or more, --batch and --workers at least 1.")
        began = time.monotonic()
        if not skip_demo:
            call_command("seed_demo", quiet=True)
        self._tables()
        pools = self._pools(cases, seed)
        plans = self._plans(cases)
        jobs = self._jobs(plans, batch, cases)
        todo = sum(job[3] for job in jobs)
        existing = self._seeded()
        self.stdout.write(f"seed_scale: {existing} seeded cases exist, {todo} to load in {len(jobs)} batches "
                          f"with {workers} workers.")
        dropped = 0
        if todo and not keep_indexes and todo >= max(50_000, existing // 2):
            dropped = self._drop_indexes()
            self.stdout.write(f"  dropped {dropped} secondary indexes and unique constraints for the load")
        loaded_at = time.monotonic()
        if jobs:
            self._load(pools, plans, jobs, workers, todo)
        load_seconds = time.monotonic() - loaded_at
        rebuilt_at = time.monotonic()
        rebuilt = self._restore_indexes()
        if rebuilt:
            self.stdout.write(f"  rebuilt {rebuilt} indexes and constraints in {time.monotonic() - rebuilt_at:.0f} s")
        if jobs:
            analysed_at = time.monotonic()
            self._analyse()
            self.stdout.write(f"  ANALYZE in {time.monotonic() - analysed_at:.0f} s")
            due_at = time.monotonic()  # after the indexes and ANALYZE: it reads each dated case's requests
            dated = case_due_refresh()
            self.stdout.write(f"  deadlines of {dated} cases written in {time.monotonic() - due_at:.0f} s")
        if jobs or rebuilt:
            analysed_at = time.monotonic()
            self._vacuum_analyse()
            self.stdout.write(f"  VACUUM ANALYZE in {time.monotonic() - analysed_at:.0f} s")
            stats_at = time.monotonic()
            refreshed = statistics_refresh()
            self.stdout.write(f"  statistics snapshots refreshed ({refreshed}) in {time.monotonic() - stats_at:.0f} s")
        total = time.monotonic() - began
        self.stdout.write(self.style.SUCCESS(
            f"seed_scale: {self._seeded()} seeded cases; loaded {todo} in {load_seconds:.0f} s, "
            f"{total:.0f} s in all ({'indexes dropped and rebuilt' if dropped or rebuilt else 'indexes kept'})."))

    # -- bookkeeping tables --------------------------------------------------------------------------
    def _tables(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE TABLE IF NOT EXISTS {SEGMENT_TABLE} (segment integer PRIMARY KEY, "
                           "first_case bigint NOT NULL, cases bigint NOT NULL, ref_offset bigint NOT NULL, "
                           "years integer[] NOT NULL, created_at timestamptz NOT NULL DEFAULT now())")
            cursor.execute(f"CREATE TABLE IF NOT EXISTS {BATCH_TABLE} (segment integer NOT NULL, "
                           "batch integer NOT NULL, first_case bigint NOT NULL, cases integer NOT NULL, "
                           "rows bigint NOT NULL, finished_at timestamptz NOT NULL, PRIMARY KEY (segment, first_case))")
            cursor.execute(f"CREATE TABLE IF NOT EXISTS {INDEX_TABLE} (name text PRIMARY KEY, "
                           "table_name text NOT NULL, kind text NOT NULL, ddl text NOT NULL, "
                           "size bigint NOT NULL DEFAULT 0)")

    def _seeded(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT coalesce(sum(cases), 0) FROM {BATCH_TABLE}")  # noqa: S608
            return int(cursor.fetchone()[0])

    def _plans(self, wanted: int) -> list[Plan]:
        """The segments covering cases [0, wanted); a larger --cases than before adds a segment whose
        reference numbers are reserved from the counters now."""
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT segment, first_case, cases, ref_offset, years FROM {SEGMENT_TABLE} "  # noqa: S608
                           "ORDER BY segment")
            plans = [Plan(*row) for row in cursor.fetchall()]
        planned = sum(plan.count for plan in plans)
        if wanted > planned:
            now = datetime.now(tz=UTC)
            years = list(range((now - timedelta(days=1001)).year, now.year + 1))
            count = wanted - planned
            with transaction.atomic():
                counters = []
                for year in years:
                    ReferenceCounter.objects.get_or_create(year=year)
                    counters.append(ReferenceCounter.objects.select_for_update().get(year=year))
                offset = max(counter.last_number for counter in counters)
                for counter in counters:  # the numbers of the new segment are ours in every year
                    counter.last_number = offset + count
                    counter.save(update_fields=["last_number"])
                plan = Plan(len(plans) + 1, planned, count, offset, years)
                with connection.cursor() as cursor:
                    cursor.execute(f"INSERT INTO {SEGMENT_TABLE} (segment, first_case, cases, ref_offset, years) "  # noqa: S608
                                   "VALUES (%s, %s, %s, %s, %s)",
                                   [plan.segment, plan.first, plan.count, plan.ref_offset, plan.years])
            plans.append(plan)
        return plans

    def _jobs(self, plans: list[Plan], size: int, wanted: int) -> list[tuple[int, int, int, int]]:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT segment, batch, first_case, cases FROM {BATCH_TABLE}")  # noqa: S608
            done = {(segment, first): cases for segment, _batch, first, cases in cursor.fetchall()}
        jobs = []
        for plan in plans:
            batch, first = 0, plan.first
            end = min(plan.first + plan.count, wanted)
            while first < end:
                count = min(size, end - first)
                # A batch written before with another --batch size counts by its own range.
                if (plan.segment, first) in done:
                    first += done[(plan.segment, first)]
                    batch += 1
                    continue
                jobs.append((plan.segment, batch, first, count))
                first += count
                batch += 1
        return jobs

    # -- reference data ------------------------------------------------------------------------------
    def _pools(self, cases: int, seed: int) -> Pools:
        authorities = list(Authority.objects.all())
        visa = {}
        for office in sorted((a for a in authorities if a.kind == AuthorityKind.VISA_OFFICE), key=lambda a: a.pk):
            for country in office.countries or []:
                visa.setdefault(country.upper(), office.pk)
        missing = [c for c in COUNTRIES if c not in visa]
        if missing:
            raise CommandError(("No visa office serves %(countries)s; run seed_demo first.")
                               % {"countries": ", ".join(missing)})

        def one(kind, **filters):
            office = next((a for a in sorted(authorities, key=lambda a: a.pk) if a.kind == kind
                           and all(getattr(a, k) == v for k, v in filters.items())), None)
            if office is None:
                raise CommandError(("An office of kind %(kind)s is missing; run seed_demo first.") % {"kind": kind})
            return office.pk

        recognition = [a for a in authorities if a.kind == AuthorityKind.RECOGNITION_BODY]
        zab = next((a.pk for a in recognition if "2" in (a.occupation_groups or [])), None)
        fosa = next((a.pk for a in recognition if "3" in (a.occupation_groups or [])), zab)
        demo_employer = Organisation.objects.filter(kind=OrganisationKind.EMPLOYER,
                                                    name="Muster Software GmbH").values_list("pk", flat=True).first()
        wanted = max(20, min(2000, cases // 500))
        existing = dict(Organisation.objects.filter(kind=OrganisationKind.EMPLOYER,
                                                    name__startswith="Seed-Arbeitgeber ").values_list("name", "pk"))
        names = [f"Seed-Arbeitgeber {i:04d} GmbH" for i in range(wanted)]
        new = [Organisation(kind=OrganisationKind.EMPLOYER, name=name, legal_form="GmbH", city="Berlin",
                            ba_company_number=f"{70000000 + i}", verified_at=timezone.now(),
                            verification_note="Benchmark data")
               for i, name in enumerate(names) if name not in existing]
        for organisation in Organisation.objects.bulk_create(new, batch_size=1000):
            existing[organisation.name] = organisation.pk
        caseworkers = list(User.objects.filter(email__in=["caseworker.wsa@demo.wsa.example",
                                                          "supervisor.wsa@demo.wsa.example"])
                           .order_by("pk").values_list("pk", flat=True))
        if not caseworkers:
            raise CommandError("The demo caseworkers are missing; run seed_demo first.")
        now = int(time.time())
        return Pools(
            visa_office=visa, ba=one(AuthorityKind.BA), register=one(AuthorityKind.REGISTER), zab=zab, fosa=fosa,
            abh={"BE": one(AuthorityKind.FOREIGNERS_AUTHORITY, federal_state="BE"),
                 "BY": one(AuthorityKind.FOREIGNERS_AUTHORITY, federal_state="BY")},
            demo_employer=demo_employer or existing[names[0]], employers=[existing[n] for n in names],
            caseworkers=caseworkers, now=now, seed=seed,
        )

    # -- the load ------------------------------------------------------------------------------------
    def _load(self, pools: Pools, plans: list[Plan], jobs, workers: int, todo: int) -> None:
        workers = max(1, min(workers, len(jobs)))
        if workers == 1:  # in this process (no fork): small loads, tests
            done = Collected()
            run_batches(pools, plans, jobs, done, forked=False)
            self.stdout.write(f"  {sum(c for c, _r in done.items)}/{todo} cases, {sum(r for _c, r in done.items)} rows")
            return
        shares = [jobs[i::workers] for i in range(workers)]
        connections.close_all()
        context = multiprocessing.get_context("fork")
        queue = context.Queue()
        processes = [context.Process(target=run_batches, args=(pools, plans, share, queue), daemon=True)
                     for share in shares]
        for process in processes:
            process.start()
        done_cases = done_rows = 0
        running = len(processes)
        began = time.monotonic()
        last_report = 0.0
        while running:
            item = queue.get()
            if item is None:
                running -= 1
                continue
            done_cases += item[0]
            done_rows += item[1]
            elapsed = time.monotonic() - began
            if elapsed - last_report > 10 or done_cases == todo:
                last_report = elapsed
                self.stdout.write(f"  {done_cases}/{todo} cases, {done_rows} rows, {elapsed:.0f} s "
                                  f"({done_rows / max(elapsed, 0.001):,.0f} rows/s)")
        for process in processes:
            process.join()
        failed = [p.exitcode for p in processes if p.exitcode]
        if failed:
            raise CommandError(("A seeding worker failed (exit codes %(codes)s); run the command again to "
                                 "resume from the last complete batch.") % {"codes": failed})

    # -- indexes -------------------------------------------------------------------------------------
    def _drop_indexes(self) -> int:
        tables = [table for table, _columns in TABLES.values()]
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT ic.relname, t.relname, pg_get_indexdef(i.indexrelid), con.conname,
                       pg_get_constraintdef(con.oid), pg_relation_size(i.indrelid)
                FROM pg_index i
                JOIN pg_class ic ON ic.oid = i.indexrelid
                JOIN pg_class t ON t.oid = i.indrelid
                JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = current_schema()
                LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.contype = 'u'
                     AND con.conrelid = i.indrelid
                WHERE t.relname = ANY(%s) AND NOT i.indisprimary
                """, [tables])
            found = cursor.fetchall()
            with transaction.atomic():
                for name, table, indexdef, constraint, constraintdef, size in found:
                    if constraint:
                        ddl = f'ALTER TABLE {table} ADD CONSTRAINT "{constraint}" {constraintdef}'
                        kind = "constraint"
                    else:
                        ddl, kind = indexdef, "index"
                    cursor.execute(f"INSERT INTO {INDEX_TABLE} (name, table_name, kind, ddl, size) "  # noqa: S608
                                   "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (name) DO NOTHING",
                                   [name, table, kind, ddl, size])
                for name, table, _indexdef, constraint, _constraintdef, _size in found:
                    if constraint:
                        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{constraint}"')
                    else:
                        cursor.execute(f'DROP INDEX "{name}"')
        return len(found)

    def _restore_indexes(self) -> int:
        """Rebuilds what _drop_indexes kept (also after an interrupted run), two at a time, largest first."""
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT name, table_name, kind, ddl FROM {INDEX_TABLE} "  # noqa: S608
                           "ORDER BY size DESC, (ddl LIKE '%%gin%%') DESC, name")
            pending = cursor.fetchall()
        if not pending:
            return 0
        db = settings.DATABASES["default"]
        import psycopg

        def build(item):
            name, _table, kind, ddl = item
            with psycopg.connect(host=db.get("HOST") or None, port=db.get("PORT") or None, dbname=db["NAME"],
                                 user=db.get("USER") or None, password=db.get("PASSWORD") or None,
                                 autocommit=True) as conn:
                conn.execute("SET maintenance_work_mem = '1GB'")
                conn.execute("SET max_parallel_maintenance_workers = 2")
                exists = conn.execute("SELECT 1 FROM pg_class WHERE relname = %s", [name]).fetchone()
                if not exists:
                    began = time.monotonic()
                    conn.execute(ddl)
                    self.stdout.write(f"    {name}: {time.monotonic() - began:.1f} s")
                conn.execute(f"DELETE FROM {INDEX_TABLE} WHERE name = %s", [name])  # noqa: S608

        # GIN (trigram) builds are single-threaded: run them next to the btree builds.
        with ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(build, pending))
        return len(pending)

    def _analyse(self) -> None:
        """Statistics for the planner before the first query that joins the loaded tables."""
        self._each_table("ANALYZE")

    def _vacuum_analyse(self) -> None:
        self._each_table("VACUUM (ANALYZE)")

    @staticmethod
    def _each_table(command: str) -> None:
        """On connections of their own in autocommit: VACUUM cannot run in a transaction, and an
        ANALYZE in the caller's transaction would hold its lock until that ends."""
        db = settings.DATABASES["default"]
        import psycopg

        def run(table):
            with psycopg.connect(host=db.get("HOST") or None, port=db.get("PORT") or None, dbname=db["NAME"],
                                 user=db.get("USER") or None, password=db.get("PASSWORD") or None,
                                 autocommit=True) as conn:
                conn.execute(f"{command} {table}")

        tables = [table for table, _columns in TABLES.values()]
        with ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(run, tables))

