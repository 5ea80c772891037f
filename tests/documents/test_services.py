"""documents.services and documents.tasks: what an upload accepts, how it is stored, and how the
check results are recorded, whatever the pipeline does."""

import io

import pytest
from django.core.files.base import ContentFile
from PIL import Image

from applications import services as case_services
from applications.lifecycle import IllegalTransition
from documents import services
from documents.checks.findings import finding
from documents.models import Document, Finding
from documents.tasks import check_document
from tests.factories import PersonFactory

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("L", (8, 8)).save(buffer, format="PNG")
    return buffer.getvalue()


class Result:
    def __init__(self, findings=(), fields=None, document_type="", page_count=1):
        self.content_type = "application/pdf"
        self.page_count = page_count
        self.document_type = document_type
        self.fields = fields or {}
        self.findings = list(findings)


@pytest.fixture(autouse=True)
def storage(settings, tmp_path):
    root = tmp_path / "private"
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(root)}}}
    return root


def files_in(root):
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture
def pipeline(monkeypatch):
    box = {"result": Result()}

    def inspect(data, filename, context):
        if isinstance(box["result"], BaseException):
            raise box["result"]
        return box["result"]

    monkeypatch.setattr("documents.tasks._inspect", inspect)
    return box


# --- pure helpers -----------------------------------------------------------------------------

@pytest.mark.parametrize(("data", "expected"), [
    (PDF, "application/pdf"),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
    (png(), "image/png"),
    (b"<html><body>%PDF-1.4</body></html>", None),
    (b"GIF89a", None),
    (b"PK\x03\x04", None),
    (b"", None),
])
def test_content_type_is_sniffed_from_the_bytes(data, expected):
    assert services.sniff_content_type(data) == expected


@pytest.mark.parametrize(("name", "content_type", "expected"), [
    ("passport.pdf", "application/pdf", "passport.pdf"),
    ("../../etc/passwd", "application/pdf", "passwd.pdf"),
    ("C:\\Users\\me\\scan.JPG", "image/jpeg", "scan.jpg"),
    ("invoice\u202efdp.exe", "application/pdf", "invoicefdp.pdf"),
    ("a\x00b\x07c\u200b.png", "image/png", "abc.png"),
    ("photo.pdf", "image/png", "photo.png"),
    ("...", "application/pdf", "document.pdf"),
    ("  many    spaces .pdf ", "application/pdf", "many spaces.pdf"),
])
def test_original_names_are_sanitised(name, content_type, expected):
    assert services.sanitise_filename(name, content_type=content_type) == expected


def test_long_names_are_shortened_but_keep_their_extension():
    name = services.sanitise_filename("x" * 500 + ".pdf", content_type="application/pdf")
    assert len(name) <= services.MAX_NAME_LENGTH and name.endswith(".pdf")


# --- upload ---------------------------------------------------------------------------------

@pytest.mark.django_db
def test_upload_stores_file_under_a_random_name_and_starts_the_check_on_commit(
        storage, pipeline, django_capture_on_commit_callbacks):
    person = PersonFactory()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        document = services.document_upload(person=person, uploaded_by=person.user,
                                            file=ContentFile(PDF, name="../../secret/../Pass\u202eport.pdf"),
                                            requirement="passport")
    assert len(callbacks) == 1
    document.refresh_from_db()
    assert document.original_name == "Passport.pdf"
    assert document.document_type == "passport"
    assert document.file.name == f"documents/{document.public_id.hex[:2]}/{document.public_id.hex}"
    assert document.sha256 == __import__("hashlib").sha256(PDF).hexdigest() and document.size == len(PDF)
    assert document.state == "passed" and document.extracted == {"requirement": "passport"}
    assert [p.name for p in files_in(storage)] == [document.public_id.hex]


@pytest.mark.django_db
@pytest.mark.parametrize(("data", "code"), [(b"", "empty_file"), (b"<html></html>", "unsupported_type"),
                                           (PDF + b"x" * 100, "file_too_large")])
def test_refused_uploads_raise_a_translated_validation_error_and_store_nothing(storage, settings, data, code):
    settings.WSA_UPLOAD_MAX_BYTES = 100
    person = PersonFactory()
    with pytest.raises(services.DocumentRejected) as refused:
        services.document_upload(person=person, uploaded_by=None, file=ContentFile(data, name="x.pdf"))
    assert refused.value.code == code and refused.value.messages[0]
    assert not Document.objects.exists() and files_in(storage) == []


@pytest.mark.django_db
def test_a_failing_database_write_deletes_the_stored_file(storage, monkeypatch):
    person = PersonFactory()

    def broken_save(self, *args, **kwargs):
        raise RuntimeError("database is gone")

    monkeypatch.setattr(Document, "save", broken_save)
    with pytest.raises(RuntimeError):
        services.document_upload(person=person, uploaded_by=None, file=ContentFile(PDF, name="a.pdf"))
    assert files_in(storage) == []


@pytest.mark.django_db
def test_upload_refuses_a_case_of_another_person():
    case = case_services.case_create(person=PersonFactory())
    with pytest.raises(ValueError):
        services.document_upload(person=PersonFactory(), uploaded_by=None, file=ContentFile(PDF, name="a.pdf"),
                                 case=case)


@pytest.mark.django_db
def test_providing_documents_is_all_or_nothing(storage):
    person = PersonFactory()
    case = case_services.case_create(person=person)  # a draft: nobody asked for documents
    with pytest.raises(IllegalTransition):
        case_services.case_documents_provide(case=case, actor=None, file=ContentFile(PDF, name="a.pdf"))
    assert not Document.objects.exists() and files_in(storage) == []


@pytest.mark.django_db
def test_delete_removes_the_file_after_commit(storage, django_capture_on_commit_callbacks):
    person = PersonFactory()
    document = services.document_upload(person=person, uploaded_by=None, file=ContentFile(PDF, name="a.pdf"))
    with django_capture_on_commit_callbacks(execute=True):
        services.document_delete(document=document, actor=None)
    assert not Document.objects.exists() and files_in(storage) == []


# --- the check task -------------------------------------------------------------------------

def stored(person, case=None, name="scan.pdf", **kwargs):
    return services.document_upload(person=person, uploaded_by=None, file=ContentFile(PDF, name=name), case=case,
                                    **kwargs)


@pytest.mark.django_db
@pytest.mark.parametrize(("findings", "state"), [
    ([], "passed"),
    ([finding("pages_not_checked", expected=3, found=5)], "passed"),
    ([finding("name_mismatch", expected="A", found="B")], "needs_attention"),
    ([finding("mrz_check_digit", field="birth_date")], "needs_attention"),
    ([finding("pdf_encrypted")], "rejected"),
])
def test_the_check_sets_the_state_from_the_findings(pipeline, findings, state):
    document = stored(PersonFactory())
    pipeline["result"] = Result(findings=findings, fields={"surname": "SHARMA", "birth_date": __import__(
        "datetime").date(1994, 3, 14)}, document_type="passport")
    assert check_document(document.pk) == state
    document.refresh_from_db()
    assert document.state == state and document.checked_at is not None
    assert document.extracted["birth_date"] == "1994-03-14"
    assert document.document_type == "passport"  # it was unknown; the checks recognised it
    assert Finding.objects.filter(document=document).count() == len(findings)


@pytest.mark.django_db
@pytest.mark.parametrize("error", [ValueError("bad xref"), MemoryError(), RecursionError(), ImportError()])
def test_hostile_bytes_never_crash_the_check(pipeline, error):
    document = stored(PersonFactory())
    pipeline["result"] = error
    assert check_document(document.pk) == "needs_attention"
    assert Finding.objects.get(document=document).code == "check_failed"


@pytest.mark.django_db
def test_a_timed_out_check_is_recorded_for_a_caseworker(pipeline):
    from celery.exceptions import SoftTimeLimitExceeded

    document = stored(PersonFactory())
    pipeline["result"] = SoftTimeLimitExceeded()
    assert check_document(document.pk) == "needs_attention"
    assert Finding.objects.get(document=document).found == "timeout"


@pytest.mark.django_db
def test_a_check_of_a_deleted_document_does_nothing(pipeline):
    assert check_document(999_999) is None


@pytest.mark.django_db
def test_the_check_of_a_case_document_appends_an_event_and_keeps_the_requirement(pipeline):
    person = PersonFactory()
    case = case_services.case_create(person=person)
    version = case.version
    document = stored(person, case=case, requirement="cv")
    pipeline["result"] = Result(fields={"text_language": "en"})
    check_document(document.pk)
    document.refresh_from_db()
    assert document.extracted == {"text_language": "en", "requirement": "cv"}
    event = case.events.get(kind="document")
    assert event.payload["state"] == "passed" and event.payload["name"] == "scan.pdf"
    case.refresh_from_db()
    assert case.version > version


@pytest.mark.django_db
def test_the_check_compares_with_the_profile(pipeline, monkeypatch):
    seen = {}
    monkeypatch.setattr("documents.tasks._inspect", lambda data, name, context: seen.update(context) or Result())
    person = PersonFactory(surname="NGUYEN", nationality="VNM")
    check_document(stored(person, document_type="passport").pk)
    assert seen["surname"] == "NGUYEN" and seen["nationality"] == "VNM"
    assert seen["expected_document_type"] == "passport"


@pytest.mark.django_db
def test_reuse_copies_file_and_findings_into_the_case(storage, pipeline):
    person = PersonFactory()
    original = stored(person, name="degree.pdf")
    pipeline["result"] = Result(findings=[finding("degree_not_found")])
    check_document(original.pk)
    case = case_services.case_create(person=person, title_code="18b")
    copy = services.document_reuse(document=Document.objects.get(pk=original.pk), case=case, actor=None,
                                   requirement="degree_certificate")
    assert copy.case == case and copy.document_type == "degree_certificate"
    assert list(copy.findings.values_list("code", flat=True)) == ["degree_not_found"]
    assert len(files_in(storage)) == 2
