"""Data protection: the audit records are append-only, every decision is logged, the retention jobs,
the completeness of the personal-data export, and no secret in the repository."""

import io
import json
import re
import subprocess
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts import services as account_services
from accounts.append_only import AppendOnlyViolation
from accounts.models import ConsentScope, Membership, Role
from applications import retention, services, tasks
from applications.audit import access_record
from applications.lifecycle import CaseState
from applications.models import Case, CaseAccess, Decision, Event, EventKind, Message, Person
from documents.models import Document
from tests.auth import give_totp
from tests.factories import UserFactory
from tests.procedure import offices_done, permit_fee_paid, walk

from .world import build_world

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def world(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}}}
    settings.VAR_DIR = tmp_path / "var"
    return build_world()


# --- Append-only audit records -----------------------------------------------------------------------


def test_access_records_cannot_be_changed_or_deleted_through_the_orm(world):
    record = CaseAccess.objects.first()
    record.role = "forged"
    with pytest.raises(AppendOnlyViolation):
        record.save()
    with pytest.raises(AppendOnlyViolation):
        record.delete()
    with pytest.raises(AppendOnlyViolation):
        CaseAccess.objects.filter(pk=record.pk).update(role="forged")
    with pytest.raises(AppendOnlyViolation):
        CaseAccess.objects.all().delete()
    record.refresh_from_db()
    assert record.role == Role.CASEWORKER
    # Appending still works.
    assert access_record(actor=world.users["supervisor"], case=world.a.case) is not None


def test_an_issued_decision_is_sealed(world):
    decision = world.a.issued_decision
    decision.outcome = "rejected"
    with pytest.raises(AppendOnlyViolation):
        decision.save()
    decision.refresh_from_db()
    decision.reasons = "rewritten"
    with pytest.raises(AppendOnlyViolation):
        decision.save(update_fields=["reasons"])
    with pytest.raises(AppendOnlyViolation):
        decision.delete()
    decision.refresh_from_db()
    assert decision.outcome == "granted" and decision.reasons == ""
    # A draft is not an act yet: it may change.
    pending = world.a.pending_decision
    pending.reasons = "better reasons"
    pending.save()


@pytest.mark.parametrize("model", ["caseaccess", "decision", "event"])
def test_the_admin_cannot_add_change_or_delete_audit_records(world, model):
    client = world.client("admin")
    obj = {"caseaccess": CaseAccess, "decision": Decision, "event": Event}[model].objects.order_by("pk").first()
    before = obj.__class__.objects.filter(pk=obj.pk).values().get()
    base = f"/admin/applications/{model}/"
    assert client.get(base).status_code == 200  # readable
    assert client.get(f"{base}{obj.pk}/change/").status_code == 200  # as a read-only page
    assert client.get(f"{base}add/").status_code == 403
    assert client.post(f"{base}{obj.pk}/change/", {"role": "forged", "outcome": "rejected"}).status_code == 403
    assert client.post(f"{base}{obj.pk}/delete/", {"post": "yes"}).status_code == 403
    assert obj.__class__.objects.filter(pk=obj.pk).values().get() == before


# --- Every decision is logged ----------------------------------------------------------------------


def test_every_step_of_a_decision_writes_a_timeline_entry(world):
    case = world.b.case
    supervisor = give_totp(UserFactory())
    Membership.objects.create(user=supervisor, organisation=world.offices["visa"], role=Role.SUPERVISOR)
    # B's rejection waits for the second pair of eyes: sent back once, then approved and issued.
    pending = world.b.pending_decision
    services.decision_send_back(decision=pending, actor=supervisor, note="please rephrase")
    assert Event.objects.filter(case=case, actor=supervisor, payload__bo="sent_back").exists()
    Decision.objects.filter(pk=pending.pk).update(status=Decision.Status.AWAITING_APPROVAL)
    services.decision_approve(decision=pending, actor=supervisor)
    issued = Event.objects.get(case=case, kind=EventKind.DECISION)
    assert issued.actor == supervisor and issued.payload == {"decision": str(pending.public_id),
                                                             "outcome": "rejected", "kind": "visa"}
    # A grant is issued at once and logged with its decider.
    other = services.case_create(person=Person.objects.create(surname="X", nationality="IND"), title_code="18g")
    walk(other, "submit", "start_completeness_check", "start_authority_review", "refer_to_visa_decision")
    grant = services.decision_create(case=other, actor=supervisor, kind="visa", outcome="granted",
                                     legal_basis="§ 18g AufenthG")
    event = Event.objects.get(case=other, kind=EventKind.DECISION)
    assert event.actor == supervisor and event.payload["decision"] == str(grant.public_id)


# --- Retention: stale drafts ---------------------------------------------------------------------


def _age(case, days):
    Case.objects.filter(pk=case.pk).update(updated_at=timezone.now() - timedelta(days=days))


def test_purge_stale_drafts(world, capsys):
    old_draft = world.a.draft
    draft_document = Document.objects.create(
        owner=old_draft.person, case=old_draft, original_name="cv.pdf", sha256="0" * 64, size=1,
        content_type="application/pdf", file="documents/xx/draft-doc")
    employer_draft = world.b.employer_draft
    placeholder = employer_draft.person
    _age(old_draft, 200)
    _age(employer_draft, 181)
    recent = world.b.draft
    _age(recent, 30)
    submitted = world.a.case
    _age(submitted, 400)

    call_command("purge_stale_drafts", "--dry-run")
    out = capsys.readouterr().out
    assert "dry run" in out and "applicant drafts: 1" in out and "employer drafts: 1" in out
    assert "documents: 1" in out and "oldest" in out and "Nothing was changed" in out
    assert Case.objects.filter(pk=old_draft.pk).exists()

    assert tasks.purge_stale_drafts.delay().get() == 2  # the beat task
    assert not Case.objects.filter(pk__in=[old_draft.pk, employer_draft.pk]).exists()
    assert not Document.objects.filter(pk=draft_document.pk).exists()
    assert not Person.objects.filter(pk=placeholder.pk).exists()  # the employer's candidate record went with it
    assert Person.objects.filter(pk=old_draft.person_id).exists()  # the applicant's profile stays
    assert Case.objects.filter(pk__in=[recent.pk, submitted.pk]).count() == 2
    assert retention.purge_stale_drafts().counts == {}


# --- Retention: closed cases -----------------------------------------------------------------------


def _close(case, *, days_ago):
    for transition in ["grant_visa", "report_entry", "issue_permit", "close"]:
        if transition == "grant_visa":
            offices_done(case)
        if transition == "issue_permit":
            permit_fee_paid(case)
        services.case_transition(case=case, transition=transition, actor=None,
                                 payload={"entry_date": "2026-01-01", "address": {"street": "Secret Str. 1"}}
                                 if transition == "report_entry" else None)
    Case.objects.filter(pk=case.pk).update(closed_at=timezone.now() - timedelta(days=days_ago))
    case.refresh_from_db()
    return case


def test_purge_closed_cases_anonymises_and_keeps_the_verification_record(world, client, capsys,
                                                                         django_capture_on_commit_callbacks):
    case = _close(world.a.case, days_ago=800)
    recent = _close(world.b.case, days_ago=100)
    person, user = case.person, case.person.user
    decision = world.a.issued_decision
    pdf_path = Path(decision.pdf.path)
    document_path = Path(world.a.document.file.path)
    assert pdf_path.exists() and document_path.exists()

    call_command("purge_closed_cases", "--dry-run")
    out = capsys.readouterr().out
    assert "closed cases: 1 (oldest" in out and "decision pdfs: 1" in out and "messages: 1" in out
    assert Message.objects.filter(case=case).exists()

    with django_capture_on_commit_callbacks(execute=True):  # stored files go once the deletion is committed
        assert tasks.purge_closed_cases.delay().get() == 1
    case.refresh_from_db()
    decision.refresh_from_db()
    assert case.person != person and case.person.surname == "" and case.person.user is None
    assert Person.objects.filter(pk=person.pk, user=user).exists()  # the account's profile is the account's
    assert not Document.objects.filter(case=case).exists() and not document_path.exists()
    assert not Message.objects.filter(case=case).exists()
    assert not decision.pdf and not pdf_path.exists() and decision.reasons == ""
    assert decision.sha256 and decision.verification_code and decision.status == Decision.Status.ISSUED
    assert client.get(reverse("decision_verify", args=[decision.verification_code])).status_code == 200
    payloads = json.dumps(list(Event.objects.filter(case=case).values_list("payload", flat=True)))
    assert "Secret Str." not in payloads
    assert not Event.objects.filter(case=case, actor=user).exists()
    assert CaseAccess.objects.filter(case=case).exists()  # the access log stays
    assert case.reference and case.state == CaseState.CLOSED  # statistics stay
    # Idempotent; the recently closed case is untouched.
    assert retention.purge_closed_cases().counts == {}
    assert Message.objects.filter(case=recent).exists()


def test_withdrawn_cases_are_anonymised_after_the_period_too(world):
    case = world.b.case
    services.case_transition(case=case, transition="withdraw", actor=world.users["other_applicant"],
                             payload={"reason": "Found a job at home, call me at +91 98765"})
    Case.objects.filter(pk=case.pk).update(updated_at=timezone.now() - timedelta(days=800))
    report = retention.purge_closed_cases()
    assert report.counts["withdrawn_cases"] == 1
    assert "98765" not in json.dumps(list(Event.objects.filter(case=case).values_list("payload", flat=True)))


# --- The personal data export ----------------------------------------------------------------------


def test_the_export_holds_everything_the_portal_keeps_about_the_applicant(world):
    client = world.client("applicant")
    access_record(actor=world.users["ba"], case=world.a.case)
    response = client.get(reverse("applicant:data_export"))
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    data = json.loads(archive.read("data.json"))
    account = data["account"]
    assert account["email_addresses"] == [{"email": "applicant@matrix.example", "verified": True, "primary": True}]
    assert "memberships" in account and "two_factor" in account
    case = next(c for c in data["cases"] if c["reference"] == world.a.case.reference)
    assert {"document_requests", "authority_steps", "consents", "access_log", "employer_declaration"} <= set(case)
    assert case["consents"][0]["scope"] == ConsentScope.FULL and case["consents"][0]["employer"]
    assert {row["organisation_name"] for row in case["access_log"]} >= {"Office wsa", "Office ba"}
    assert len(case["authority_steps"]) == 4
    assert case["messages"][0]["body"] == "Hello case team"
    assert any(name.startswith("decisions/") for name in archive.namelist())
    # Nothing of the other applicant.
    assert world.b.case.reference not in json.dumps(data)
    assert "secret" not in json.dumps(account["two_factor"])


# --- Secrets ------------------------------------------------------------------------------------------

SECRET_PATTERNS = {
    "private key": re.compile(r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED )?PRIVATE KEY-----"),
    "AWS access key": re.compile(r"\bAKIA[0-9A-Z]{16}\b"),
    "Slack token": re.compile(r"\bxox[baprs]-[0-9A-Za-z-]{10,}"),
    "Stripe/live key": re.compile(r"\b(?:sk|rk)_live_[0-9A-Za-z]{16,}"),
    "GitHub token": re.compile(r"\bgh[pousr]_[0-9A-Za-z]{36}\b"),
    "Google API key": re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"),
    "password in a URL": re.compile(r"\b(?:postgres|postgresql|redis|amqp|mysql|smtp\+tls|smtp)://[^:/\s@]+:"
                                    r"(?!pw@|password@|\$|\{)[^@\s]{6,}@(?!host\b)"),
    "hard-coded Django SECRET_KEY": re.compile(r"^\s*SECRET_KEY\s*=\s*['\"]", re.MULTILINE),
}


def tracked_text_files():
    names = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    for name in names:
        path = ROOT / name
        if path.suffix in {".png", ".jpg", ".jpeg", ".pdf", ".woff", ".woff2", ".ico", ".mo", ".lock"} or \
                not path.is_file() or path.stat().st_size > 2_000_000:
            continue
        try:
            yield name, path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue


def test_no_secret_is_committed():
    found = [f"{name}: {kind}" for name, text in tracked_text_files() for kind, pattern in SECRET_PATTERNS.items()
             if pattern.search(text)]
    assert found == [], "secrets belong in the environment, never in the repository:\n" + "\n".join(found)


def test_no_local_secret_file_is_tracked():
    names = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    bad = [n for n in names if n == ".env" or n.endswith((".pem", ".key", ".p12")) or n.startswith("var/")]
    assert bad == []
    ignored = (ROOT / ".gitignore").read_text()
    assert ".env" in ignored and "var/" in ignored


def test_production_takes_its_secrets_from_the_environment():
    """settings: SECRET_KEY from the environment (production refuses the development key; see
    tests/wsa/test_settings.py), the callback and webhook keys default to derivations of it."""
    settings_text = (ROOT / "wsa" / "settings.py").read_text()
    assert 'SECRET_KEY = env.str("SECRET_KEY"' in settings_text
    assert "if PRODUCTION and (not SECRET_KEY or SECRET_KEY == _DEVELOPMENT_SECRET_KEY)" in settings_text
    for name in ("WSA_AUTHORITY_CALLBACK_SECRET", "WSA_WEBHOOK_ENCRYPTION_KEY", "AWS_SECRET_ACCESS_KEY"):
        assert f'= env.str("{name}"' in settings_text or name not in settings_text.split("env.str(")[0]


def test_demo_employer_owner_has_a_second_factor():
    call_command("seed_demo", quiet=True)
    from allauth.mfa.models import Authenticator

    owner = Membership.objects.filter(role=Role.EMPLOYER_OWNER, user__email__endswith="@demo.wsa.example").first()
    assert owner and Authenticator.objects.filter(user=owner.user, type=Authenticator.Type.TOTP).exists()
    member = Membership.objects.get(role=Role.EMPLOYER_MEMBER, user__email__endswith="@demo.wsa.example")
    assert not Authenticator.objects.filter(user=member.user).exists()


def test_webhook_secrets_and_tokens_are_not_stored_in_clear(world):
    from accounts.models import ApiToken, WebhookEndpoint

    raw = world.a.api_token_raw
    assert not ApiToken.objects.filter(token_hash__contains=raw.split("_", 2)[2]).exists()
    endpoint, secret = account_services.webhook_endpoint_create(
        organisation=world.a.organisation, actor=world.users["owner"], url="https://hr.example.com/x")
    assert secret not in WebhookEndpoint.objects.get(pk=endpoint.pk).secret_encrypted
