"""Hostile uploads, end to end: every file of the generated corpus (documents/testing/hostile.py:
bombs, active PDFs, executables in disguise, polyglots, hostile names, ...) goes through the real
applicant upload view and the real check task (in its sandbox). Each ends in a clear, translated
message; nothing answers 500; a refused file leaves no row and no byte behind; the worker survives;
and no download is ever rendered inline.

The virus-scanner hook (documents/scanning.py) is tested against a tiny clamd on loopback.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import time
from html import unescape
from pathlib import Path

import pytest
from allauth.mfa.models import Authenticator
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from accounts.models import Membership, OrganisationKind, Role
from applications import services as case_services
from documents import scanning, services
from documents.checks import limits, sandbox
from documents.checks.findings import CATALOGUE, finding
from documents.models import Document
from documents.tasks import check_document
from documents.testing import hostile
from documents.testing.clamd import FakeClamd
from tests.factories import CaseFactory, OrganisationFactory, PersonFactory, UserFactory

LIBRARY = "applicant:documents"
BY_KEY = {item.key: item for item in hostile.CORPUS}
# Codes whose messages are new in this change: the lead adds their translations to locale/.
PENDING_TRANSLATION = {"virus_found", "scanner_unavailable"}


@pytest.fixture(autouse=True)
def _no_login_lockout_bookkeeping(settings):
    """These tests sign in with force_login (no client address); django-axes is not what they test."""
    settings.AXES_ENABLED = False


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):
    root = tmp_path / "private"
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(root)}}}
    return root


def stored_files(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture
def applicant(db):
    user = UserFactory(preferred_language="en")
    return PersonFactory(user=user, surname="SHARMA", given_names="PRIYA")


@pytest.fixture
def client_in(client, applicant):
    client.force_login(applicant.user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def upload(client, item, data=None):
    data = item.make() if data is None else data
    return client.post(reverse(LIBRARY), {
        "document_type": "other", "files": [SimpleUploadedFile(item.filename, data, content_type="application/pdf")],
    })


def message_for(code: str) -> str:
    """The start of the code's message as the user reads it (up to the first placeholder)."""
    return CATALOGUE[code].msgid.split("%(")[0].strip()


def page_text(response) -> str:
    return unescape(response.content.decode())


# --- the corpus through the view and the task --------------------------------------------------


def test_the_corpus_is_large_and_generated():
    assert len(hostile.CORPUS) >= 25
    assert len({item.key for item in hostile.CORPUS}) == len(hostile.CORPUS)
    for item in hostile.CORPUS:
        assert isinstance(item.make(), bytes)


@pytest.mark.django_db
@pytest.mark.parametrize("item", hostile.CORPUS, ids=lambda item: item.key)
def test_a_hostile_upload_ends_in_a_clear_message_and_never_in_a_500(
        client_in, applicant, private_storage, django_capture_on_commit_callbacks, item):
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):  # the check task runs (eagerly, sandboxed)
        response = upload(client_in, item)
    assert response.status_code in (200, 302)
    assert time.monotonic() - started < 30, "an upload and its check must not hang"
    documents = list(Document.objects.filter(owner=applicant))

    if item.outcome == "refused":
        assert response.status_code == 200
        text = page_text(response)
        assert message_for(item.code) in text
        assert "kern-error" in text and "data-error-summary" in text
        assert documents == [] and stored_files(private_storage) == []  # nothing half-stored
        return

    assert response.status_code == 302
    assert len(documents) == 1 and len(stored_files(private_storage)) == 1
    document = documents[0]
    # Stored under its random id, never under anything the user typed.
    (path,) = stored_files(private_storage)
    assert path.name == document.public_id.hex
    assert document.content_type in ("application/pdf", "image/jpeg", "image/png")
    # The check ended: a final state, one attempt, the worker (this process) alive.
    assert document.state in ("passed", "needs_attention", "rejected")
    assert document.check_attempts == 1 and document.checked_at is not None
    codes = set(document.findings.values_list("code", flat=True))
    assert "check_failed" not in codes, "a hostile file must be judged, not crash the checker"
    if item.outcome == "rejected":
        assert document.state == "rejected"
        assert item.code in codes
        fragment = page_text(client_in.get(reverse("documents:status", args=[document.public_id])))
        assert message_for(item.code) in fragment and "Rejected" in fragment
    download = client_in.get(reverse("documents:download", args=[document.public_id]))
    assert_attachment(download, document.content_type)


@pytest.mark.django_db
@pytest.mark.parametrize(("key", "expected"), [
    ("path_traversal_name", "passwd.pdf"),
    ("windows_traversal_name", "win.ini.pdf"),
    ("rlo_name", "invoicefdp.pdf"),
    ("null_byte_name", "passport.pdf.pdf"),  # the NUL is dropped, ".exe" replaced by the real type
])
def test_hostile_names_are_shown_and_offered_only_in_a_safe_form(client_in, applicant, key, expected):
    assert upload(client_in, BY_KEY[key]).status_code == 302
    document = Document.objects.get(owner=applicant)
    assert document.original_name == expected
    assert not re.search(r"[/\\\x00-\x1f\u202a-\u202e\u2066-\u2069]", document.original_name)
    listing = page_text(client_in.get(reverse(LIBRARY)))
    assert expected in listing and "\u202e" not in listing and "../" not in listing
    download = client_in.get(reverse("documents:download", args=[document.public_id]))
    assert f'filename="{expected}"' in download["Content-Disposition"]


LOCALE = Path(__file__).resolve().parents[2] / "locale"


def test_every_message_a_hostile_file_can_produce_is_translated():
    """Every message a hostile file can produce is a msgid of the German catalogue with a translation
    (the new scanner messages excepted until the translators have them)."""
    polib = pytest.importorskip("polib")
    codes = {item.code for item in hostile.CORPUS if item.code} | {"virus_found", "scanner_unavailable"}
    german = {entry.msgid: entry.msgstr for entry in polib.pofile(str(LOCALE / "de/LC_MESSAGES/django.po"))
              if not entry.obsolete}
    untranslated = [code for code in sorted(codes - PENDING_TRANSLATION) if not german.get(CATALOGUE[code].msgid)]
    assert untranslated == []


@pytest.mark.django_db
def test_a_refusal_is_shown_in_the_users_language(client_in, applicant):
    if not (LOCALE / "de/LC_MESSAGES/django.mo").exists():
        pytest.skip("the catalogues are not compiled (make messages)")
    applicant.user.preferred_language = "de"
    applicant.user.save()
    client_in.defaults["HTTP_ACCEPT_LANGUAGE"] = "de"
    response = upload(client_in, BY_KEY["elf_as_pdf"])
    with translation.override("de"):
        german = gettext(CATALOGUE["unsupported_type"].msgid).split("%(")[0].strip()
    assert german != message_for("unsupported_type") and german in page_text(response)


@pytest.mark.django_db
def test_an_oversized_upload_is_cut_off_by_the_upload_handler(client_in, applicant, settings, private_storage):
    """Only limit + 1 bytes of a file are ever kept (memory or temporary file), whatever is sent."""
    from documents.uploadhandlers import UploadLimitHandler

    settings.WSA_UPLOAD_MAX_BYTES = 1024 * 1024
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024  # the rest goes to a temporary file
    seen = []
    original = UploadLimitHandler.receive_data_chunk

    def spy(self, raw_data, start):
        kept = original(self, raw_data, start)
        seen.append(0 if kept is None else len(kept))
        return kept

    UploadLimitHandler.receive_data_chunk = spy
    try:
        response = upload(client_in, BY_KEY["oversize"], data=hostile.oversize_pdf(8 * 1024 * 1024))
    finally:
        UploadLimitHandler.receive_data_chunk = original
    assert response.status_code == 200
    assert "The file is too large (more than 1.0\xa0MB" in page_text(response) or \
        "The file is too large (more than 1.0 MB" in page_text(response)
    assert sum(seen) == 1024 * 1024 + 1
    assert not Document.objects.exists() and stored_files(private_storage) == []


# --- the memory guard ---------------------------------------------------------------------------

BOMBS = ["pdf_flate_bomb", "pdf_image_bomb", "png_bomb", "jpeg_bomb", "jpeg_progressive_bomb", "png_iccp_bomb",
         "png_ztxt_bomb", "pdf_5000_pages"]


@pytest.mark.parametrize("key", BOMBS)
def test_a_bomb_is_judged_within_300_mb(key):
    """The pipeline runs in a child whose address space may grow by 300 MB at most (RLIMIT_AS);
    each bomb is still judged (a rejecting finding, not a MemoryError or a crash), and the child's
    peak resident memory grows by less than 300 MB."""
    item = BY_KEY[key]
    result = sandbox.inspect_isolated(item.make(), item.filename, memory_mb=300, timeout=60)
    codes = [f.code for f in result.findings]
    assert item.code in codes and "check_failed" not in codes, codes
    grown = result.memory["peak_rss_kb"] - result.memory["start_rss_kb"]
    assert grown < 300 * 1024, f"{key}: {grown // 1024} MB"


def test_the_flate_bomb_really_inflates_to_gigabytes():
    """(So the test above proves something.) Measured in pieces, never held."""
    data = hostile.pdf_flate_bomb()
    start = data.index(b"stream\n") + len(b"stream\n")
    end = data.index(b"\nendstream")
    assert limits.inflated_size(data[start:end], 3 << 30) > 2_000_000_000
    assert len(data) < 3 * 1024 * 1024


def test_without_the_stream_limits_the_renderer_would_die_and_the_sandbox_contains_it(monkeypatch):
    """The renderer (pdfium) aborts the process on the flate bomb once memory runs out: without the
    pre-decode limits only the sandbox stands between such a file and the worker."""
    monkeypatch.setattr(limits, "check_pdf_streams", lambda reader, lim: [])
    result = sandbox.inspect_isolated(hostile.pdf_flate_bomb(), "scan.pdf", memory_mb=300, timeout=60)
    assert [f.code for f in result.findings] == ["check_failed"]
    assert "crashed" in result.findings[0].found or "memory" in result.findings[0].found
    assert os.getpid() > 0  # (still here)


@pytest.mark.parametrize(("behaviour", "found"), [
    ("segfault", "checker crashed (SIGSEGV)"),
    ("abort", "checker crashed (SIGABRT)"),
    ("hang", "timeout"),
    ("memory", "MemoryError"),
])
def test_a_checker_that_crashes_hangs_or_runs_out_of_memory_leaves_the_worker_alive(monkeypatch, behaviour, found):
    from documents.checks import pipeline

    def hostile_check(data, filename, **kwargs):
        if behaviour == "segfault":
            os.kill(os.getpid(), signal.SIGSEGV)
        if behaviour == "abort":
            os.abort()
        if behaviour == "hang":
            time.sleep(60)
        return real(data, filename, **kwargs)

    real = pipeline.inspect_bytes
    if behaviour == "memory":
        monkeypatch.setattr(pipeline, "STEPS", (lambda result, data, ctx, lim: bytearray(2 << 30),))
    else:
        monkeypatch.setattr(pipeline, "inspect_bytes", hostile_check)
    started = time.monotonic()
    timeout = 2 if behaviour == "hang" else 60  # (a loaded machine may take a while to fork and abort)
    result = sandbox.inspect_isolated(hostile.contract_pdf(), "contract.pdf", memory_mb=300, timeout=timeout)
    assert time.monotonic() - started < (15 if behaviour == "hang" else 60)
    assert [(f.code, f.found) for f in result.findings] == [("check_failed", found)]


@pytest.mark.django_db
def test_the_check_task_records_a_crashed_checker_for_a_caseworker(applicant, monkeypatch):
    from documents.checks import pipeline

    monkeypatch.setattr(pipeline, "inspect_bytes", lambda *a, **k: os.abort())
    document = services.document_upload(person=applicant, uploaded_by=applicant.user, file=SimpleUploadedFile(
        "contract.pdf", hostile.contract_pdf()))
    assert check_document.apply(args=[document.pk]).get() == "needs_attention"
    document.refresh_from_db()
    assert list(document.findings.values_list("code", "found")) == [("check_failed", "checker crashed (SIGABRT)")]


@pytest.mark.django_db
def test_a_file_that_keeps_killing_the_worker_is_given_up_after_three_attempts(applicant):
    """acks_late + reject_on_worker_lost redeliver the check of a worker that died; a file that kills
    it every time must not loop for ever."""
    document = services.document_upload(person=applicant, uploaded_by=applicant.user, file=SimpleUploadedFile(
        "contract.pdf", hostile.contract_pdf()))
    Document.objects.filter(pk=document.pk).update(state=Document.State.CHECKING,
                                                   check_attempts=services.MAX_CHECK_ATTEMPTS)
    assert check_document.apply(args=[document.pk]).get() is None
    document.refresh_from_db()
    assert document.state == "needs_attention"
    assert list(document.findings.values_list("code", flat=True)) == ["check_failed"]
    # A duplicate message for a document that is already checked does nothing.
    assert check_document.apply(args=[document.pk]).get() is None


def test_the_check_task_has_time_limits():
    assert check_document.soft_time_limit and check_document.time_limit
    assert check_document.soft_time_limit < check_document.time_limit
    assert check_document.acks_late and check_document.reject_on_worker_lost


# --- nothing is served inline ---------------------------------------------------------------------


def assert_attachment(response, content_type=None):
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "text/html" not in response["Content-Type"] and "svg" not in response["Content-Type"]
    if content_type:
        assert response["Content-Type"] in (content_type, "application/octet-stream")
    b"".join(response.streaming_content)


@pytest.fixture
def polyglot_case(db, applicant):
    employer = OrganisationFactory(kind=OrganisationKind.EMPLOYER, name="Muster GmbH")
    case = CaseFactory(person=applicant, employer=employer)
    employer_user = UserFactory()
    Membership.objects.create(user=employer_user, organisation=employer, role=Role.EMPLOYER_OWNER)
    Authenticator.objects.create(user=employer_user, type=Authenticator.Type.TOTP, data={"secret": "x"})
    document = services.document_upload(person=applicant, uploaded_by=employer_user, case=case, file=SimpleUploadedFile(
        "photo.html", hostile.polyglot_jpeg_html(), content_type="text/html"))
    case_services.case_submit(case=case, actor=applicant.user)
    return case, document, employer_user


@pytest.mark.django_db
def test_applicant_back_office_and_employer_downloads_are_attachments(client, polyglot_case):
    case, document, employer_user = polyglot_case
    assert document.content_type == "image/jpeg" and document.original_name == "photo.jpg"
    client.force_login(case.person.user)
    assert_attachment(client.get(reverse("documents:download", args=[document.public_id])), "image/jpeg")

    staff = UserFactory()
    Membership.objects.create(user=staff, organisation=OrganisationFactory(kind=OrganisationKind.WSA),
                              role=Role.CASEWORKER)
    Authenticator.objects.create(user=staff, type=Authenticator.Type.TOTP, data={"secret": "x"})
    client.force_login(staff)
    response = client.get(reverse("backoffice:document_download", args=[case.public_id, document.public_id]))
    assert_attachment(response)
    assert response["Content-Type"] == "application/octet-stream"

    client.force_login(employer_user)
    response = client.get(reverse("employer:case_document", args=[case.public_id, document.public_id]))
    assert_attachment(response, "image/jpeg")


@pytest.mark.django_db
def test_the_back_office_preview_of_a_rejected_file_is_refused_and_others_are_sandboxed(client, polyglot_case):
    case, document, _ = polyglot_case
    staff = UserFactory()
    Membership.objects.create(user=staff, organisation=OrganisationFactory(kind=OrganisationKind.WSA),
                              role=Role.CASEWORKER)
    Authenticator.objects.create(user=staff, type=Authenticator.Type.TOTP, data={"secret": "x"})
    client.force_login(staff)
    url = reverse("backoffice:document_preview", args=[case.public_id, document.public_id])
    preview = client.get(url)
    assert preview.status_code == 200
    assert preview["Content-Type"] == "image/jpeg" and preview["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in preview["Content-Security-Policy"] and "script-src" not in preview["Content-Security-Policy"]
    Document.objects.filter(pk=document.pk).update(state=Document.State.REJECTED)
    assert client.get(url).status_code == 404


# --- the virus scanner ------------------------------------------------------------------------------


@pytest.fixture
def clamd(settings):
    with FakeClamd() as server:
        settings.WSA_CLAMD_ADDRESS = f"tcp://127.0.0.1:{server.port}"
        settings.WSA_CLAMD_TIMEOUT_SECONDS = 5
        yield server


def test_scanning_is_off_without_an_address(settings):
    settings.WSA_CLAMD_ADDRESS = ""
    assert scanning.scan(hostile.EICAR).status == scanning.Status.OFF


def test_the_instream_protocol_is_spoken(clamd):
    data = os.urandom(200_000)  # several chunks
    assert scanning.scan(data) == scanning.ScanResult(scanning.Status.CLEAN)
    assert clamd.received == [data] and clamd.commands == [b"zINSTREAM\0"]
    found = scanning.scan(hostile.pdf_with_eicar())
    assert (found.status, found.signature) == (scanning.Status.INFECTED, "Eicar-Test-Signature")


@pytest.mark.django_db
def test_an_infected_upload_is_refused_and_nothing_is_stored(client_in, applicant, clamd, private_storage):
    response = client_in.post(reverse(LIBRARY), {"document_type": "other", "files": [
        SimpleUploadedFile("invoice.pdf", hostile.pdf_with_eicar()),
        SimpleUploadedFile("cv.pdf", hostile.contract_pdf()),
    ]})
    assert response.status_code == 200
    text = page_text(response)
    assert "invoice.pdf: " + message_for("virus_found") in text and "Eicar-Test-Signature" in text
    assert list(Document.objects.values_list("original_name", flat=True)) == ["cv.pdf"]
    assert len(stored_files(private_storage)) == 1


@pytest.mark.django_db
@pytest.mark.parametrize("failure", ["closed_port", "error_reply", "silent", "unix_socket_missing"])
def test_a_scanner_that_cannot_vouch_for_the_file_refuses_it(client_in, applicant, settings, private_storage, failure,
                                                          tmp_path):
    settings.WSA_CLAMD_TIMEOUT_SECONDS = 1
    if failure == "closed_port":
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        settings.WSA_CLAMD_ADDRESS = f"127.0.0.1:{port}"  # nobody listens there
        response = upload(client_in, BY_KEY["path_traversal_name"])
    elif failure == "unix_socket_missing":
        settings.WSA_CLAMD_ADDRESS = f"unix://{tmp_path}/clamd.ctl"
        response = upload(client_in, BY_KEY["path_traversal_name"])
    else:
        reply = b"INSTREAM size limit exceeded. ERROR\0" if failure == "error_reply" else None
        with FakeClamd(reply=reply, silent=failure == "silent") as server:
            settings.WSA_CLAMD_ADDRESS = f"tcp://127.0.0.1:{server.port}"
            response = upload(client_in, BY_KEY["path_traversal_name"])
    assert response.status_code == 200
    assert message_for("scanner_unavailable") in page_text(response)
    assert not Document.objects.exists() and stored_files(private_storage) == []


def test_the_scanner_over_a_unix_socket(tmp_path, settings):
    path = str(tmp_path / "clamd.ctl")
    with FakeClamd(unix_path=path):
        assert scanning.scan(b"hello", address=f"unix://{path}").status == scanning.Status.CLEAN
        assert scanning.scan(hostile.EICAR, address=path).status == scanning.Status.INFECTED


@pytest.mark.parametrize(("address", "expected"), [
    ("tcp://127.0.0.1:3310", (socket.AF_INET, ("127.0.0.1", 3310))),
    ("localhost:3310", (socket.AF_INET, ("localhost", 3310))),
    ("unix:///run/clamav/clamd.ctl", (socket.AF_UNIX, "/run/clamav/clamd.ctl")),
    ("/run/clamav/clamd.ctl", (socket.AF_UNIX, "/run/clamav/clamd.ctl")),
])
def test_scanner_addresses(address, expected):
    assert scanning.parse_address(address) == expected


def test_a_misconfigured_address_fails_closed(settings):
    settings.WSA_CLAMD_ADDRESS = "clamd-without-port"
    assert scanning.scan(b"x").status == scanning.Status.ERROR


def test_finding_messages_for_the_scanner_render():
    with translation.override("en"):
        assert "Eicar" in finding("virus_found", found="Eicar").text()
        assert finding("scanner_unavailable").text().startswith("The file could not be checked for viruses")


@pytest.mark.django_db
def test_the_sweep_checks_documents_whose_check_never_started(applicant, monkeypatch):
    with monkeypatch.context() as patch:  # the broker was down: stored, never queued
        patch.setattr(services, "_queue_check", lambda document_id, **options: None)
        stuck = services.document_upload(person=applicant, uploaded_by=applicant.user, file=SimpleUploadedFile(
            "contract.pdf", hostile.contract_pdf()))
        fresh = services.document_upload(person=applicant, uploaded_by=applicant.user, file=SimpleUploadedFile(
            "cv.pdf", hostile.contract_pdf()))
    Document.objects.filter(pk=stuck.pk).update(created_at=stuck.created_at - services.SWEEP_UPLOADED_AFTER)
    assert services.document_check_sweep_run() == 1  # the fresh one may still be in the queue
    stuck.refresh_from_db()
    fresh.refresh_from_db()
    assert stuck.state in ("passed", "needs_attention") and stuck.check_attempts == 1
    assert fresh.state == "uploaded"


def test_the_sandbox_works_after_the_parent_used_opencvs_thread_pool():
    """A forked child must not touch a thread pool the parent started (cv2.setNumThreads hangs)."""
    import cv2
    import numpy as np

    image = np.full((3000, 3000), 200, np.uint8)
    cv2.GaussianBlur(image, (15, 15), 0)  # starts OpenCV's pool in this process
    item = BY_KEY["png_bomb"]
    result = sandbox.inspect_isolated(item.make(), item.filename, memory_mb=300, timeout=20)
    assert [f.code for f in result.findings] == ["image_too_large"]
