"""Logs as an operator reads them: one JSON object per line with request id, case reference and trace
id, and never the applicant's name, passport number or e-mail address, through the real flows."""

import logging
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from accounts.models import User
from applications import rules
from applications.models import Person
from documents.models import Document
from documents.testing import passports
from tests.applications.portal.helpers import upload_for
from tests.factories import wsa_caseworker
from tests.logcapture import captured_json_log
from wsa.observability.context import trace_id_for

EMAIL = "priya.sharma@example.org"
PASSWORD = "a long and unusual passphrase 42"
SURNAME, GIVEN_NAMES, PASSPORT_NUMBER = "SHARMA", "PRIYA", "Z1234567"
TRACEPARENT = re.compile(r"00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]")


def personal_data_in(text: str) -> list[str]:
    lowered = text.lower()
    return [value for value in (EMAIL, "priya.sharma", SURNAME, GIVEN_NAMES, PASSPORT_NUMBER, "P<IND")
            if value.lower() in lowered]


@pytest.fixture
def request_log(settings):
    settings.WSA_LOG_REQUESTS = True
    with captured_json_log() as log:
        yield log


def request_lines(log) -> dict[str, dict]:
    return {record["request_id"]: record for record in log.records if record["logger"] == "wsa.request"}


@pytest.mark.django_db(transaction=True)
def test_sign_up_failed_login_passport_upload_submit_and_delivery_log_ids_but_no_personal_data(
        request_log, client, make_case, http_transport, settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}}}
    settings.WSA_AUTHORITY_SIMULATOR_DELAY = 0

    signup = client.post(reverse("account_signup"), {"email": EMAIL, "password1": PASSWORD, "password2": PASSWORD})
    assert signup.status_code == 302
    failed = Client(HTTP_ACCEPT_LANGUAGE="en").post(reverse("account_login"),
                                                    {"login": EMAIL, "password": "not the passphrase 42"})
    assert failed.status_code == 200 and "not correct" in failed.text

    # The signed-up applicant's draft, complete but for the passport, which is uploaded as a scan with its MRZ.
    user = User.objects.get(email=EMAIL)
    case = make_case("18b")
    Person.objects.filter(user=user).delete()
    Person.objects.filter(pk=case.person.pk).update(user=user, surname=SURNAME, given_names=GIVEN_NAMES,
                                                    passport_number=PASSPORT_NUMBER, email=EMAIL, city="Bengaluru")
    person = Person.objects.get(pk=case.person.pk)
    codes = [r.code for r in rules.required_documents("18b") if r.mandatory and r.stage == "visa"]
    for code in codes:
        if code != "passport":
            upload_for(person, case=case, name=f"{code}.pdf", requirement=code)
    # Stand-ins for real certificates: the checks would rightly find a one-line PDF wanting.
    Document.objects.filter(case=case).update(state=Document.State.PASSED)
    scan = passports.make_passport(passports.PassportData(
        SURNAME, GIVEN_NAMES, "IND", PASSPORT_NUMBER, person.birth_date, "F", person.passport_expiry, "IND"))
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    step = reverse("applicant:apply_step", args=[case.public_id, "documents"])
    upload = client.post(step, {"action": "upload", "requirement": "passport", "files": [
        SimpleUploadedFile(f"{GIVEN_NAMES}_{SURNAME}_passport.png", scan.data, content_type="image/png")]})
    assert upload.status_code == 302, upload.content

    submit = client.post(reverse("applicant:apply_step", args=[case.public_id, "check"]), {"declaration": "on"})
    assert submit.status_code == 302
    assert submit.url == reverse("applicant:apply_done", args=[case.public_id])
    case.refresh_from_db()
    assert case.state == "submitted"

    # The WSA caseworker confirms completeness and sends the case on: the requests reach the offices
    # within that request (Celery eager, as in development).
    staff = Client(HTTP_ACCEPT_LANGUAGE="en")
    staff.force_login(wsa_caseworker())
    for transition in ("start_completeness_check", "start_authority_review"):
        sent = staff.post(reverse("backoffice:case_transition", args=[case.public_id, transition]))
        assert sent.status_code == 302

    records = request_log.records
    assert records and all({"time", "level", "logger", "message", "request_id", "case", "trace_id"} <= r.keys()
                           for r in records)
    assert personal_data_in(request_log.text) == []
    lines = request_lines(request_log)
    for response in (signup, failed, upload, submit, sent):
        assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])
        assert lines[response["X-Request-ID"]]["trace_id"] == response["X-Request-ID"]
    assert lines[signup["X-Request-ID"]]["case"] == lines[failed["X-Request-ID"]]["case"] == ""
    assert lines[upload["X-Request-ID"]]["case"] == lines[submit["X-Request-ID"]]["case"] == case.reference
    assert lines[sent["X-Request-ID"]]["case"] == case.reference
    assert lines[submit["X-Request-ID"]]["message"].startswith(
        "POST /applicant/apply/<uuid:public_id>/<slug:step>/ 302 ")

    # The offices were reached with the sending request's id and a traceparent of its trace.
    seen = [headers for headers in http_transport.trace_headers_seen if headers != ("", "")]
    assert len(seen) >= 4
    for traceparent, request_id in seen:
        match = TRACEPARENT.fullmatch(traceparent)
        assert match and request_id == sent["X-Request-ID"]
        assert match.group(1) == trace_id_for(sent["X-Request-ID"]) and match.group(2) != "0" * 16


@pytest.mark.django_db
def test_a_callers_request_id_is_kept_and_echoed_a_bad_one_replaced(request_log, client):
    response = client.get(reverse("home"), HTTP_X_REQUEST_ID="lb-2026-12-05.0001")
    assert response["X-Request-ID"] == "lb-2026-12-05.0001"
    assert request_lines(request_log)["lb-2026-12-05.0001"]["trace_id"] == trace_id_for("lb-2026-12-05.0001")
    for bad in ("evil\nFAKE LOG LINE", "priya.sharma@example.org", "Z1234567", "short", "x" * 65, "quote\"d-id-1"):
        response = client.get(reverse("home"), HTTP_X_REQUEST_ID=bad)
        assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"]), bad
    assert personal_data_in(request_log.text) == [] and "FAKE LOG LINE" not in request_log.text


def test_personal_data_in_messages_extras_and_tracebacks_is_blanked():
    logger = logging.getLogger("wsa.test")
    with captured_json_log() as log:
        logger.warning("login failed for %s", EMAIL)
        logger.warning("MRZ read: P<INDSHARMA<<PRIYA<<<<<<<<<<<<<<<<<<<<<<<<<<< / Z1234567<4IND9403148F3106303<<<<<")
        logger.info("passport %s checked", PASSPORT_NUMBER, extra={"surname": SURNAME, "email": EMAIL,
                                                                   "note": f"sent to {EMAIL}", "attempts": 3})
        try:
            raise ValueError(f"duplicate key (email)=({EMAIL})")
        except ValueError:
            logger.exception("could not save")
        logger.info({"event": "dict message", "passport_number": PASSPORT_NUMBER, "to": EMAIL})
    first, mrz, passport, error, structured = log.records
    assert first["message"] == "login failed for [email]"
    assert mrz["message"] == "MRZ read: [mrz] / [mrz]"
    assert passport["message"] == "passport [document-number] checked"
    assert (passport["surname"], passport["email"], passport["note"], passport["attempts"]) == (
        "[redacted]", "[redacted]", "sent to [email]", 3)
    assert "ValueError: duplicate key (email)=([email])" in error["exc_info"]
    assert (structured["passport_number"], structured["to"]) == ("[redacted]", "[email]")
    assert personal_data_in(log.text) == []


def test_ids_that_are_not_personal_data_are_left_alone():
    logger = logging.getLogger("wsa.test")
    with captured_json_log() as log:
        logger.info("case WSA-2026-000123, document 3f2a9c1b-1234-4abc-8def-0123456789ab, route cases/<uuid:pk>/")
    assert log.records[0]["message"] == (
        "case WSA-2026-000123, document 3f2a9c1b-1234-4abc-8def-0123456789ab, route cases/<uuid:pk>/")


def test_development_logs_are_readable_text_with_the_ids(capsys, settings):
    import logging.config

    from wsa.observability.context import case_reference_var, request_id_var
    from wsa.observability.logs import logging_config

    logging.config.dictConfig(logging_config(json=False))
    request, case = request_id_var.set("0123456789abcdef0123456789abcdef"), case_reference_var.set("WSA-2026-000123")
    try:
        logging.getLogger("wsa.test").warning("mail to %s bounced", EMAIL)
    finally:
        request_id_var.reset(request), case_reference_var.reset(case)
        logging.config.dictConfig(settings.LOGGING)
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert line.endswith("WARNING wsa.test [0123456789abcdef0123456789abcdef WSA-2026-000123] mail to [email] bounced")
