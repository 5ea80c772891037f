"""The parts of backup and restore that need no PostgreSQL: verify_restore's check of the stored files
(what an operator runs after any restore, also a point-in-time recovery without a manifest), the refusal
of other databases, of unsafe file names and of unknown or unfinished backups. The whole drill is in
tests/authorities/test_backup_restore.py (PostgreSQL)."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from applications import backup
from tests.authorities.conftest import add_document
from tests.factories import CaseFactory


@pytest.fixture
def storage(settings, tmp_path):
    root = tmp_path / "private"
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(root)}}}
    return root


def verify(*args) -> tuple[str, str, CommandError | None]:
    out, err = StringIO(), StringIO()
    try:
        call_command("verify_restore", *args, stdout=out, stderr=err)
    except CommandError as error:
        return out.getvalue(), err.getvalue(), error
    return out.getvalue(), err.getvalue(), None


@pytest.mark.django_db
def test_verify_restore_checks_every_document_file_against_its_hash(storage):
    case = CaseFactory()
    intact = add_document(case, "passport", b"%PDF-1.7 passport")
    damaged = add_document(case, "employment_contract", b"%PDF-1.7 contract")
    lost = add_document(case, "degree_certificate", b"%PDF-1.7 degree")

    out, _err, error = verify()
    assert error is None and "3 stored files checked" in out and "Restore verified" in out

    Path(damaged.file.path).write_bytes(b"%PDF-1.7 contract, changed")
    Path(lost.file.path).unlink()
    out, err, error = verify()
    assert error is not None and "2 problems" in str(error)
    assert f"document {damaged.public_id}: file {damaged.file.name} does not have the recorded SHA-256" in err
    assert f"document {lost.public_id}: file {lost.file.name} is missing" in err
    assert str(intact.public_id) not in err
    assert "Restore verified" not in out


@pytest.mark.django_db
def test_verify_restore_refuses_a_directory_that_is_no_finished_backup(storage, tmp_path):
    _out, _err, error = verify(str(tmp_path))
    assert error is not None and "not a finished backup" in str(error)
    (tmp_path / "manifest.json").write_text(json.dumps({"format": 99}))
    _out, _err, error = verify(str(tmp_path))
    assert error is not None and "unknown backup format 99" in str(error)


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor == "postgresql", reason="the refusal of databases other than PostgreSQL")
def test_backup_needs_postgresql_and_says_so(storage, tmp_path):
    with pytest.raises(CommandError, match="Backups need PostgreSQL"):
        call_command("backup", "--directory", str(tmp_path), stdout=StringIO())
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["../etc/passwd", "/etc/passwd", "documents/../../x", ""])
def test_a_stored_name_never_leaves_the_backup_directory(tmp_path, name):
    with pytest.raises(backup.BackupError, match="leaves the backup directory"):
        backup._backup_path(tmp_path, name)


def test_a_stored_name_keeps_its_folders_in_the_backup(tmp_path):
    assert backup._backup_path(tmp_path, "documents/ab/abcdef") == tmp_path / "files" / "documents" / "ab" / "abcdef"
