"""The restore drill: real cases with documents, events and outbox rows (some delivered to the
offices, some not yet), `manage.py backup`, `manage.py restore_backup` into a new database and an empty
storage directory, `manage.py verify_restore`; then the outbox resumes against the same offices (the
HTTP simulator on loopback, which outlives the restore as real authorities do): what was delivered
before the backup is not sent again, what was pending is sent once.

PostgreSQL only: the backup is pg_dump / pg_restore (CI runs the suite on PostgreSQL)."""

import gzip
import hashlib
import json
import shutil
import uuid
from contextlib import contextmanager
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from applications.models import Case, Event
from authorities import services
from authorities.models import AuthorityRequest, Outbox, OutboxState
from documents.models import Document
from tests.authorities.conftest import add_document, confirm_complete

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="the backup is pg_dump/pg_restore: run with DATABASE_URL=postgres://… (CI does)"),
    pytest.mark.skipif(shutil.which("pg_dump") is None or shutil.which("pg_restore") is None,
                       reason="pg_dump/pg_restore missing: apt-get install postgresql-client"),
]


def storage_at(settings, root: Path) -> None:
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(root), "base_url": None}}}


@contextmanager
def fresh_database():
    """A new, empty database (createdb), and Django pointed at it while inside."""
    name = f"{connection.settings_dict['NAME']}_restore_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    original = connection.settings_dict["NAME"]
    connection.close()
    connection.settings_dict["NAME"] = name
    try:
        yield name
    finally:
        connection.close()
        connection.settings_dict["NAME"] = original
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(command, *args) -> str:
    out, err = StringIO(), StringIO()
    try:
        call_command(command, *args, stdout=out, stderr=err)
    except CommandError as error:
        raise AssertionError(f"{command} failed: {error}\n{err.getvalue()}") from error
    return out.getvalue()


def failing(command, *args) -> str:
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError) as failure:
        call_command(command, *args, stdout=out, stderr=err)
    return f"{failure.value}\n{err.getvalue()}"


@pytest.fixture
def world(http_transport, make_case, private_storage, settings, monkeypatch):
    """Three cases with documents: two submitted and delivered to the offices, one submitted while the
    broker was down (its outbox rows pending); a file uploaded that belongs to no row."""
    settings.WSA_AUTHORITY_SIMULATOR_DELAY = 0
    delivered = [make_case("18b"), make_case("18a", accelerated=True)]
    pending = make_case("18b", nationality="VNM")
    for number, case in enumerate([*delivered, pending]):
        add_document(case, "passport", b"%PDF-1.7 passport " + bytes([number]) * 2000)
        add_document(case, "employment_contract", b"%PDF-1.7 contract " + bytes(range(256)) * (number + 1))
    for case in delivered:
        confirm_complete(case)  # commits; the relay runs at once (eager Celery) and the offices answer
    with monkeypatch.context() as broker_down:
        broker_down.setattr(services, "outbox_enqueue", lambda ids, **options: None)
        confirm_complete(pending)
    (private_storage / "stray.bin").write_bytes(b"not a document")
    return {"delivered": delivered, "pending": pending, "offices": http_transport}


@pytest.mark.django_db(transaction=True)
def test_last_nights_backup_restores_and_the_outbox_resumes_without_sending_twice(world, settings, tmp_path_factory):
    offices = world["offices"]
    assert Outbox.objects.filter(request__case=world["pending"], state=OutboxState.PENDING).count() >= 3
    assert Outbox.objects.filter(request__case__in=world["delivered"], state=OutboxState.DELIVERED).count() >= 6
    events_before = {case.reference: list(Event.objects.filter(case=case).order_by("pk").values_list("pk", flat=True))
                     for case in Case.objects.all()}
    documents_before = dict(Document.objects.values_list("public_id", "sha256"))
    outbox_before = dict(Outbox.objects.values_list("pk", "state"))
    sent_before = {record["idempotency_key"]: record["deliveries"] for record in offices.submissions()}
    assert set(sent_before) == set(AuthorityRequest.objects.filter(case__in=world["delivered"])
                                   .values_list("idempotency_key", flat=True))

    backups = tmp_path_factory.mktemp("backups")
    output = run("backup", "--directory", str(backups))
    backup = Path(output.strip().splitlines()[-1])
    assert backup.parent == backups and (backup / "database.dump").stat().st_size > 0
    manifest = json.loads((backup / "manifest.json").read_text())
    assert {entry["name"] for entry in manifest["files"]} == {
        *Document.objects.values_list("file", flat=True), "stray.bin"}
    by_name = {entry["name"]: entry for entry in manifest["files"]}
    for document in Document.objects.all():
        assert by_name[document.file.name]["sha256"] == document.sha256
        assert by_name[document.file.name]["size"] == document.size
    assert manifest["case_store"]["events"] == sum(len(ids) for ids in events_before.values())
    assert manifest["storage"]["unreferenced"] == 1 and manifest["problems"] == []
    assert oct((backup / "database.dump").stat().st_mode & 0o777) == "0o600"  # personal data

    # A new database and an empty storage directory, as after losing the machine.
    storage_at(settings, tmp_path_factory.mktemp("restored-files"))
    with fresh_database():
        run("restore_backup", str(backup))
        verified = run("verify_restore", str(backup))
        assert "Restore verified" in verified and "6 stored files checked" in verified

        # What verify_restore vouched for, seen directly.
        assert {case.reference: list(Event.objects.filter(case=case).order_by("pk").values_list("pk", flat=True))
                for case in Case.objects.all()} == events_before
        assert dict(Document.objects.values_list("public_id", "sha256")) == documents_before
        for document in Document.objects.all():
            assert hashlib.sha256(document.file.open("rb").read()).hexdigest() == document.sha256
        assert dict(Outbox.objects.values_list("pk", "state")) == outbox_before

        # The workers start again: the sweep sends what was pending, once; nothing delivered goes again.
        assert services.outbox_sweep_run() == Outbox.objects.filter(request__case=world["pending"]).count()
        assert services.outbox_sweep_run() == 0
        sent_after = {record["idempotency_key"]: record["deliveries"] for record in offices.submissions()}
        assert set(sent_after) == set(AuthorityRequest.objects.values_list("idempotency_key", flat=True))
        assert sent_after == dict.fromkeys(sent_after, 1)  # every request reached its office exactly once
        assert not Outbox.objects.exclude(state=OutboxState.DELIVERED).exists()

        # The same backup into a database that is not empty is refused, and nothing is changed.
        assert "is not empty" in failing("restore_backup", str(backup))

        # verify_restore notices a lost event, a damaged and a missing file.
        case = world["delivered"][0]
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM applications_event WHERE id = %s", [events_before[case.reference][-1]])
        documents = list(Document.objects.order_by("pk"))
        with open(documents[0].file.path, "r+b") as damaged:
            damaged.write(b"X")
        Path(documents[1].file.path).unlink()
        report = failing("verify_restore", str(backup))
        assert f"case {case.reference}: events" in report
        assert f"document {documents[0].public_id}: file {documents[0].file.name} does not have the recorded SHA-256" \
            in report
        assert f"document {documents[1].public_id}: file {documents[1].file.name} is missing" in report


@pytest.mark.django_db(transaction=True)
def test_a_damaged_backup_is_refused_before_anything_is_restored(world, settings, tmp_path_factory):
    backup = Path(run("backup", "--directory", str(tmp_path_factory.mktemp("backups"))).strip().splitlines()[-1])
    manifest = json.loads((backup / "manifest.json").read_text())
    copy = backup / "files" / manifest["files"][0]["name"]
    copy.write_bytes(copy.read_bytes() + b"!")
    storage_at(settings, tmp_path_factory.mktemp("restored-files"))
    with fresh_database():
        assert "is damaged" in failing("restore_backup", str(backup))
        assert connection.introspection.table_names() == []  # nothing restored
    assert "not a finished backup" in failing("restore_backup", str(backup.parent))
    with gzip.open(backup / "case_events.json.gz", "wt") as handle:
        handle.write("{}")
    assert "is damaged" in failing("verify_restore", str(backup))


@pytest.mark.django_db(transaction=True)
def test_a_row_whose_file_is_gone_fails_the_backup_loudly(world, tmp_path_factory):
    lost = Document.objects.order_by("pk").first()
    Path(lost.file.path).unlink()
    report = failing("backup", "--directory", str(tmp_path_factory.mktemp("backups")))
    assert f"document {lost.public_id}: its file {lost.file.name} is not in the storage" in report
