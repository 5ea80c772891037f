"""Backup, restore and the check of a restore: the case store (PostgreSQL) and the stored files.

A backup is one directory ``<WSA_BACKUP_DIR>/<UTC time>/``:

- ``database.dump``: ``pg_dump --format=custom`` of one exported snapshot;
- ``files/<storage name>``: every file of the default storage, copied through the storage API (the
  same code for the local directory and for S3/MinIO);
- ``case_events.json.gz``: every case's number of events and its last event id, as of the snapshot;
- ``manifest.json``, written last: the fingerprint of the case store taken in the same snapshot as
  the dump, and the name, size and SHA-256 of the dump and of every file.

Order: the dump first, then the files. Every row in the dump then finds its file (files are never
overwritten, their names are random ids); files uploaded after the snapshot are harmless extras.
``restore_verify`` checks a restored system against the files' own hashes and against the manifest.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage, storages
from django.db import connection, transaction
from django.db.models import Count, Max

from authorities.models import Outbox, OutboxState
from documents.models import Document

from .models import Case, Decision, Event

MANIFEST = "manifest.json"
DUMP = "database.dump"
FILES = "files"
CASE_EVENTS = "case_events.json.gz"
FORMAT = 1
CHUNK = 1024 * 1024
MANIFEST_PROBLEMS = 1000  # the manifest lists this many problems and counts the rest

# Rows that name a stored file and carry the SHA-256 of its bytes: (model, file field, hash field).
HASHED_FILES = ((Document, "file", "sha256"), (Decision, "pdf", "sha256"))


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


@dataclass
class Report:
    """What a backup, restore or check found: ``problems`` make it fail, ``notes`` inform."""

    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def write(self, stdout, stderr, *, limit: int = 100) -> None:
        """Notes to stdout, problems to stderr (the first ``limit``, then how many more)."""
        for note in self.notes:
            stdout.write(note)
        for problem in self.problems[:limit]:
            stderr.write(f"PROBLEM: {problem}")
        if len(self.problems) > limit:
            stderr.write(f"PROBLEM: … and {len(self.problems) - limit} more")


# --- PostgreSQL client tools -----------------------------------------------------------------


def _require_postgresql() -> None:
    if connection.vendor != "postgresql":
        raise BackupError(f"Backups need PostgreSQL (DATABASE_URL=postgres://…); this database is {connection.vendor}. "
                          "For the SQLite development database, copy var/ while the portal is stopped.")


def _pg_env() -> dict[str, str]:
    """The environment that points pg_dump / pg_restore at the database Django uses (password and SSL
    options in the environment, never on the command line)."""
    params = connection.settings_dict
    _args, env = connection.client.settings_to_cmd_args_env(params, [])
    env = {**os.environ, **(env or {})}
    for variable, key in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER"), ("PGDATABASE", "NAME")):
        if params.get(key):
            env[variable] = str(params[key])
    return env


def _run(command: list[str]) -> None:
    try:
        # The program and its options are fixed here; only the database's own settings go in.
        result = subprocess.run(command, env=_pg_env(), capture_output=True, text=True, check=False)  # noqa: S603
    except FileNotFoundError as error:
        raise BackupError(f"{command[0]} is not installed (Debian: apt-get install postgresql-client).") from error
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed ({result.returncode}): {result.stderr.strip()[-2000:]}")


# --- Fingerprint of the case store -------------------------------------------------------------


def _digest(values: Iterator) -> str:
    digest = hashlib.sha256()
    for value in values:
        digest.update(f"{value};".encode())
    return digest.hexdigest()


def case_store_fingerprint() -> dict:
    """Counts and digests of what a restore must bring back whole, read in the caller's transaction:
    the cases, every event id, the outbox rows with their state, the hashed files' rows."""
    outbox = Outbox.objects.order_by("pk").values_list("pk", "state")
    return {
        "cases": Case.objects.count(),
        "events": Event.objects.count(),
        "event_ids": _digest(Event.objects.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=10000)),
        "outbox": {state: Outbox.objects.filter(state=state).count() for state in OutboxState.values},
        "outbox_rows": _digest(f"{pk}:{state}" for pk, state in outbox.iterator(chunk_size=10000)),
        "documents": Document.objects.count(),
        "decisions": Decision.objects.count(),
    }


def case_events() -> dict[str, list[int]]:
    """Every case's number of events and its last event id (cases without events: [0, 0])."""
    rows = Case.objects.annotate(n=Count("events"), last=Max("events__pk")).values_list("pk", "n", "last")
    return {str(pk): [n, last or 0] for pk, n, last in rows.order_by("pk").iterator(chunk_size=10000)}


def hashed_file_rows() -> Iterator[tuple[str, str, str, str]]:
    """(label, storage name, expected SHA-256, row id) of every row that names a stored file."""
    for model, file_field, hash_field in HASHED_FILES:
        rows = model.objects.exclude(**{file_field: ""}).order_by("pk").values_list("public_id", file_field,
                                                                                    hash_field)
        for public_id, name, expected in rows.iterator(chunk_size=2000):
            yield model._meta.model_name, name, expected, str(public_id)


# --- Files -------------------------------------------------------------------------------------


def _storage_names(storage, directory: str = "") -> Iterator[str]:
    """Every file name in the storage, depth first (listdir works on the local directory and on S3)."""
    try:
        directories, files = storage.listdir(directory)
    except FileNotFoundError:
        return
    for name in sorted(files):
        yield str(PurePosixPath(directory, name)) if directory else name
    for sub in sorted(directories):
        yield from _storage_names(storage, str(PurePosixPath(directory, sub)) if directory else sub)


def _copy_hashing(source, target) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    while chunk := source.read(CHUNK):
        digest.update(chunk)
        target.write(chunk)
        size += len(chunk)
    return size, digest.hexdigest()


def file_sha256(storage, name: str) -> str:
    digest = hashlib.sha256()
    with storage.open(name, "rb") as stored:
        while chunk := stored.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _backup_path(root: Path, name: str) -> Path:
    """The copy's path under files/, refusing names that would leave it (absolute, ``..``)."""
    parts = PurePosixPath(name).parts
    if not parts or PurePosixPath(name).is_absolute() or ".." in parts:
        raise BackupError(f"Refused a stored file name that leaves the backup directory: {name!r}")
    return root.joinpath(FILES, *parts)


def _sha256_path(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# --- Backup ------------------------------------------------------------------------------------


def backup_create(*, directory: Path | str | None = None, now: datetime | None = None) -> tuple[Path, Report]:
    """Dumps the database from one snapshot, then copies every stored file; returns the backup's
    directory and a report (a file that a row of the dump names but the storage lacks is a problem)."""
    _require_postgresql()
    now = now or datetime.now(UTC)
    root = Path(directory or settings.WSA_BACKUP_DIR)
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    final = root / now.strftime("%Y%m%dT%H%M%SZ")
    work = final.with_name(final.name + ".partial")
    if final.exists() or work.exists():
        raise BackupError(f"{final} exists already.")
    work.mkdir(mode=0o700)
    try:
        report = _backup_into(work, now)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    work.rename(final)
    return final, report


def _backup_into(work: Path, now: datetime) -> Report:
    report = Report()

    # One snapshot for the dump and the fingerprint: pg_dump imports the snapshot this read-only
    # transaction exported, and the transaction stays open until the dump is written.
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
            snapshot, server_version = cursor.fetchone()
        _run(["pg_dump", "--format=custom", f"--snapshot={snapshot}", "--no-owner", "--no-privileges",
              f"--file={work / DUMP}"])
        fingerprint = case_store_fingerprint()
        with gzip.open(work / CASE_EVENTS, "wt", encoding="utf-8") as handle:
            json.dump(case_events(), handle)
        referenced = {name: (label, expected, row) for label, name, expected, row in hashed_file_rows()}

    files = []
    for name in _storage_names(default_storage):
        target = _backup_path(work, name)
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with default_storage.open(name, "rb") as source, _private_file(target) as copy:
            size, sha256 = _copy_hashing(source, copy)
        files.append({"name": name, "size": size, "sha256": sha256})
    copied = {entry["name"]: entry["sha256"] for entry in files}
    for name, (label, expected, row) in referenced.items():
        if name not in copied:
            report.problems.append(f"{label} {row}: its file {name} is not in the storage")
        elif expected and copied[name] != expected:
            report.problems.append(f"{label} {row}: the stored file {name} does not have the recorded SHA-256")
    extras = len(set(copied) - set(referenced))
    if extras:
        report.notes.append(f"{extras} stored files belong to no row of the snapshot (uploaded since, or left over)")

    manifest = {
        "format": FORMAT,
        "created_at": now.isoformat(),
        "database": {"engine": "postgresql", "server_version": server_version, "name": DUMP,
                     "size": (work / DUMP).stat().st_size, "sha256": _sha256_path(work / DUMP),
                     "snapshot": snapshot},
        "case_store": fingerprint,
        "case_events": {"name": CASE_EVENTS, "sha256": _sha256_path(work / CASE_EVENTS)},
        "storage": {"backend": type(storages["default"]).__name__, "files": len(files),
                    "bytes": sum(entry["size"] for entry in files), "unreferenced": extras},
        "files": files,
        "problems": report.problems[:MANIFEST_PROBLEMS],
        "problems_total": len(report.problems),
    }
    with _private_file(work / MANIFEST) as handle:
        handle.write(json.dumps(manifest, indent=1).encode())
    for path in (work / DUMP, work / CASE_EVENTS):
        path.chmod(0o600)
    return report


def _private_file(path: Path):
    """A new file only its owner may read: the backup holds personal data."""
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb")


def manifest_read(backup: Path | str) -> dict:
    path = Path(backup) / MANIFEST
    if not path.is_file():
        raise BackupError(f"{path} does not exist: not a finished backup.")
    manifest = json.loads(path.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{path}: unknown backup format {manifest.get('format')!r}.")
    return manifest


# --- Restore -----------------------------------------------------------------------------------


def backup_restore(*, backup: Path | str) -> Report:
    """Restores a backup into the database and storage this process is configured for. The database
    must be empty (a new one: createdb); the backup's own hashes are checked before anything is written."""
    _require_postgresql()
    backup = Path(backup)
    manifest = manifest_read(backup)
    report = Report()
    dump = backup / manifest["database"]["name"]
    if _sha256_path(dump) != manifest["database"]["sha256"]:
        raise BackupError(f"{dump} does not have the SHA-256 of the manifest: the backup is damaged.")
    for entry in manifest["files"]:
        if _sha256_path(_backup_path(backup, entry["name"])) != entry["sha256"]:
            raise BackupError(f"The copy of {entry['name']} in the backup is damaged (SHA-256 differs).")
    tables = connection.introspection.table_names()
    if tables:
        raise BackupError(f"The database {connection.settings_dict['NAME']} is not empty ({len(tables)} tables): "
                          "restore into a new database (createdb) and point DATABASE_URL at it.")
    connection.close()  # pg_restore works in its own session; Django reconnects afterwards
    _run(["pg_restore", "--exit-on-error", "--single-transaction", "--no-owner", "--no-privileges",
          f"--dbname={connection.settings_dict['NAME']}", str(dump)])

    restored = skipped = 0
    for entry in manifest["files"]:
        name = entry["name"]
        if default_storage.exists(name):
            if file_sha256(default_storage, name) != entry["sha256"]:
                report.problems.append(f"{name} exists in the storage with other content; left as it is")
            else:
                skipped += 1
            continue
        with _backup_path(backup, name).open("rb") as handle:
            saved = default_storage.save(name, File(handle))
        if saved != name:
            report.problems.append(f"{name} was stored as {saved}")
        restored += 1
    report.notes.append(f"database restored from {dump.name} ({manifest['created_at']}); "
                        f"{restored} files stored, {skipped} were there already")
    return report


# --- Check of a restored system -----------------------------------------------------------------


def restore_verify(*, manifest: dict | None = None, case_events_by_id: dict | None = None) -> Report:
    """Checks the system as it is now: every row's file is in the storage with its SHA-256; with a
    backup's manifest also that the case store is the one of the snapshot (cases, every event of
    every case, the outbox rows and their states), and what the outbox will send when it resumes."""
    report = Report()
    checked = 0
    for label, name, expected, row in hashed_file_rows():
        checked += 1
        if not default_storage.exists(name):
            report.problems.append(f"{label} {row}: file {name} is missing")
        elif expected and file_sha256(default_storage, name) != expected:
            report.problems.append(f"{label} {row}: file {name} does not have the recorded SHA-256")
    report.notes.append(f"{checked} stored files checked against their rows' SHA-256")

    undelivered = Outbox.objects.filter(state=OutboxState.DELIVERED, delivered_at__isnull=True).count()
    if undelivered:
        report.problems.append(f"{undelivered} outbox rows are delivered without a delivery time")
    pending = Outbox.objects.filter(state=OutboxState.PENDING)
    report.notes.append(
        f"outbox: {Outbox.objects.filter(state=OutboxState.DELIVERED).count()} delivered (never sent again), "
        f"{pending.count()} pending (sent when the workers run, each with its request's idempotency key), "
        f"{Outbox.objects.filter(state=OutboxState.DEAD).count()} dead letters")

    if manifest is not None:
        with transaction.atomic():
            now = case_store_fingerprint()
            events_now = case_events()
        expected = manifest["case_store"]
        for key, value in expected.items():
            if now.get(key) != value:
                report.problems.append(f"case store: {key} is {now.get(key)!r}, the backup has {value!r}")
        if case_events_by_id is not None:
            differing = [pk for pk, counts in case_events_by_id.items() if events_now.get(pk) != counts]
            missing_cases = [pk for pk in differing if pk not in events_now]
            references = dict(Case.objects.filter(pk__in=differing[:20]).values_list("pk", "reference"))
            for pk in differing[:20]:
                if pk in missing_cases:
                    report.problems.append(f"case id {pk} of the backup is missing")
                else:
                    report.problems.append(f"case {references.get(int(pk), pk)}: events {events_now[pk]} "
                                           f"(count, last id), the backup has {case_events_by_id[pk]}")
            if len(differing) > 20:
                report.problems.append(f"… and {len(differing) - 20} more cases whose events differ")
            report.notes.append(f"events of {len(case_events_by_id)} cases compared with the backup")
    return report


def case_events_read(backup: Path | str, manifest: dict) -> dict:
    path = Path(backup) / manifest["case_events"]["name"]
    if _sha256_path(path) != manifest["case_events"]["sha256"]:
        raise BackupError(f"{path} does not have the SHA-256 of the manifest: the backup is damaged.")
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return json.load(handle)
