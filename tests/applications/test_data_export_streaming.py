"""The applicant's data export (ZIP, GDPR Art. 15) copies every document into the archive piece by piece:
a web worker never holds a whole document, and the archive goes to disk once it is large."""

import io
import os
import tracemalloc
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from applications.selectors import own_data
from documents.models import Document
from tests.factories import PersonFactory, UserFactory

pytestmark = pytest.mark.django_db

DOCUMENT_BYTES = 16 * 1024 * 1024


@pytest.fixture
def applicant_with_a_large_document(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}}}
    user = UserFactory()
    person = PersonFactory(user=user)
    content = os.urandom(DOCUMENT_BYTES)  # does not deflate: the archive member is as large as the file
    name = default_storage.save("documents/scan.pdf", ContentFile(content))
    Document.objects.create(owner=person, file=name, original_name="scan.pdf", sha256="0" * 64, size=len(content),
                            content_type="application/pdf", state="passed", uploaded_by=user, document_type="other")
    return user, content


def test_a_large_document_reaches_the_archive_whole_without_being_held_in_memory(
        applicant_with_a_large_document, monkeypatch):
    user, content = applicant_with_a_large_document
    # What stays in memory is bounded by the spool size and a piece of the copy, whatever the file's size.
    monkeypatch.setattr(own_data, "EXPORT_SPOOL_BYTES", 1024 * 1024)
    tracemalloc.start()
    try:
        archive = own_data.applicant_data_export_zip(viewer=user)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < DOCUMENT_BYTES / 2, f"{peak:,} bytes traced while exporting a {DOCUMENT_BYTES:,}-byte document"
    with zipfile.ZipFile(io.BytesIO(archive.read())) as zipped:
        [member] = [n for n in zipped.namelist() if n.startswith("documents/")]
        assert zipped.read(member) == content
        assert zipped.testzip() is None


def test_a_document_that_cannot_be_read_is_listed_as_missing(applicant_with_a_large_document):
    import json

    user, _content = applicant_with_a_large_document
    default_storage.delete("documents/scan.pdf")
    with zipfile.ZipFile(own_data.applicant_data_export_zip(viewer=user)) as zipped:
        data = json.loads(zipped.read("data.json"))
        assert len(data["missing_files"]) == 1 and data["missing_files"][0].startswith("documents/")
        assert not [n for n in zipped.namelist() if n.startswith("documents/")]
