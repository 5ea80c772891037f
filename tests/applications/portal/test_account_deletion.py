"""Deleting one's own account (GDPR Art. 17): confirmation and a fresh password, refusal while a case is
under way, drafts and the document library deleted with their files, finished cases kept until the
retention period ends (and anonymised by the purge afterwards), the login ended, the address free
again, an audit record without personal data, and a confirmation e-mail in the holder's language."""

import json
from datetime import timedelta
from urllib.parse import unquote

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.core import mail
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext, ngettext

from accounts.append_only import AppendOnlyViolation
from accounts.models import AccountDeletion, ApiToken, Membership, Role, User
from applications import retention, services
from applications.models import Case, Decision, Event, LanguageSkill, Person, Qualification
from documents.models import Document
from tests.auth import give_totp, reauthenticated
from tests.factories import OrganisationFactory, PersonFactory, UserFactory

from .helpers import minimal_pdf, stored_files, upload_for

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery-staple"  # tests.factories.UserFactory
URL = "/applicant/my-data/delete-account/"


@pytest.fixture
def applicant(applicant_user, person):
    """The signed-in applicant: a confirmed address, a second factor, a profile with extras."""
    EmailAddress.objects.create(user=applicant_user, email=applicant_user.email, verified=True, primary=True)
    give_totp(applicant_user)
    return applicant_user


@pytest.fixture
def case(person):
    """A submitted application: under way."""
    case = services.case_create(person=person, actor=person.user, title_code="18g")
    upload_for(person, case=case, name="passport.pdf", requirement="passport")
    services.case_submit(case=case, actor=person.user)
    return case


@pytest.fixture
def other(db):
    """Somebody else, with a profile, a submitted case and documents: never touched."""
    user = UserFactory(email="someone.else@example.org")
    person = PersonFactory(user=user, surname="OTHER", email="someone.else@example.org", phone="+49 30 1")
    case = services.case_create(person=person, actor=user, title_code="18g")
    upload_for(person, case=case, name="other-passport.pdf")
    upload_for(person, name="other-library.pdf")
    services.case_submit(case=case, actor=user)
    return user


def _other_unchanged(other) -> None:
    other.refresh_from_db()
    assert other.is_active and other.email == "someone.else@example.org" and other.check_password(PASSWORD)
    person = Person.objects.get(user=other)
    assert person.email == "someone.else@example.org" and person.phone == "+49 30 1"
    assert Case.objects.filter(person=person, state="submitted").count() == 1
    assert Document.objects.filter(owner=person).count() == 2
    assert all(d.file.storage.exists(d.file.name) for d in Document.objects.filter(owner=person))


def _delete(client, **extra):
    return client.post(URL, {"confirm": "on"}, **extra)


def _closed_case(person, *, days_ago=10):
    """A submitted case that was withdrawn and closed `days_ago` days ago, with its document and an issued decision."""
    case = services.case_create(person=person, actor=person.user, title_code="18g")
    upload_for(person, case=case, name="passport.pdf", requirement="passport")
    for transition in ("submit", "withdraw", "close"):
        services.case_transition(case=case, transition=transition, actor=person.user)
    Case.objects.filter(pk=case.pk).update(closed_at=timezone.now() - timedelta(days=days_ago))
    decision = Decision.objects.create(
        case=case, kind=Decision.Kind.VISA, outcome=Decision.Outcome.GRANTED, status=Decision.Status.ISSUED,
        decided_by=UserFactory(), issued_at=timezone.now(), verification_code="VERIFYME123", sha256="a" * 64)
    decision.pdf.save("decision.pdf", ContentFile(minimal_pdf("Bescheid")), save=True)
    case.refresh_from_db()
    return case


# --- Only drafts: everything goes -------------------------------------------------------------------


def test_an_applicant_with_only_drafts_is_deleted_completely(client_in, applicant, person, other, private_storage,
                                                             django_capture_on_commit_callbacks):
    draft = services.case_create(person=person, actor=applicant, title_code="18b")
    upload_for(person, case=draft, name="degree.pdf")
    discarded = services.case_create(person=person, actor=applicant, title_code="18g")
    upload_for(person, case=discarded, name="cv.pdf")
    services.case_transition(case=discarded, transition="withdraw", actor=applicant)  # a discarded draft
    upload_for(person, name="library.pdf")
    own_files = [private_storage / d.file.name for d in Document.objects.filter(owner=person)]
    assert len(own_files) == 3 and all(path.exists() for path in own_files)
    Membership.objects.create(user=applicant, role=Role.APPLICANT)
    address, public_id = applicant.email, applicant.public_id
    second_session = Client()
    second_session.force_login(applicant)

    page = client_in.get(URL)
    assert page.status_code == 200 and "2 draft applications" in page.text and "3 documents" in page.text
    reauthenticated(client_in)
    with django_capture_on_commit_callbacks(execute=True):
        done = _delete(client_in)
    assert done.status_code == 200 and "Your account has been deleted" in done.text

    # Rows and stored files are gone.
    assert not Person.objects.filter(pk=person.pk).exists()
    assert not Case.objects.filter(pk__in=[draft.pk, discarded.pk]).exists()
    assert not Qualification.objects.filter(person_id=person.pk).exists()
    assert not LanguageSkill.objects.filter(person_id=person.pk).exists()
    assert not Document.objects.filter(owner_id=person.pk).exists()
    assert not any(path.exists() for path in own_files)
    # The login is gone; the row keeps nothing personal.
    user = User.objects.get(pk=applicant.pk)
    assert not user.is_active and not user.has_usable_password()
    assert user.email.endswith("@deleted.invalid") and address not in user.email and user.full_name == ""
    assert not EmailAddress.objects.filter(user=user).exists()
    assert not Authenticator.objects.filter(user=user).exists()
    assert not Membership.objects.filter(user=user).exists()
    # Sessions: this one and every other one end.
    assert "_auth_user_id" not in client_in.session
    assert client_in.get("/applicant/").status_code == 302
    assert second_session.get("/applicant/").url.startswith(reverse("account_login"))
    login = Client()
    login.post(reverse("account_login"), {"login": address, "password": PASSWORD})
    assert "_auth_user_id" not in login.session
    # The audit knows who (public id only) and when.
    record = AccountDeletion.objects.get()
    assert record.account == public_id and record.drafts_deleted == 2 and record.documents_deleted == 3
    assert record.cases_retained == 0 and record.retained_until is None
    assert address not in json.dumps(AccountDeletion.objects.values().get(), default=str)
    # The holder is told (in English, their language), the data-protection office no longer is.
    assert [m.to for m in mail.outbox] == [[address]]
    assert mail.outbox[0].subject == "Your account has been deleted"
    assert "register again with the same e-mail address" in mail.outbox[0].body
    _other_unchanged(other)

    # The same address can register again.
    signup = Client()
    response = signup.post(reverse("account_signup"), {"email": address, "password1": "a-new-passphrase-77",
                                                       "password2": "a-new-passphrase-77"})
    assert response.status_code == 302
    again = User.objects.get(email=address)
    assert again.pk != applicant.pk and again.is_active


def test_the_audit_record_is_append_only(client_in, applicant, django_capture_on_commit_callbacks):
    reauthenticated(client_in)
    _delete(client_in)
    record = AccountDeletion.objects.get()
    record.drafts_deleted = 9
    with pytest.raises(AppendOnlyViolation):
        record.save()
    with pytest.raises(AppendOnlyViolation):
        record.delete()
    with pytest.raises(AppendOnlyViolation):
        AccountDeletion.objects.all().delete()


# --- A case under way: refused, nothing changes ----------------------------------------------------


def _snapshot(user):
    user.refresh_from_db()
    person = Person.objects.filter(user=user).values().first()
    return (user.email, user.is_active, user.password, person, list(Case.objects.values("pk", "state")),
            list(Document.objects.values_list("pk", flat=True)), EmailAddress.objects.filter(user=user).count(),
            Authenticator.objects.filter(user=user).count(), AccountDeletion.objects.count())


def test_an_open_case_refuses_the_deletion_and_nothing_changes(client_in, applicant, person, case, private_storage):
    draft = services.case_create(person=person, actor=applicant, title_code="18b")
    before = _snapshot(applicant)
    files = stored_files(private_storage)

    page = client_in.get(URL)
    assert "Your account cannot be deleted yet" in page.text and case.reference in page.text
    assert reverse("applicant:case_withdraw", args=[case.public_id]) in page.text
    assert draft.reference not in page.text and 'name="confirm"' not in page.text

    # A refusal is not turned into a password prompt; with a fresh password it is still a refusal.
    refused = _delete(client_in)
    assert refused.status_code == 302 and refused.url == URL
    reauthenticated(client_in)
    refused = _delete(client_in, follow=True)
    text = refused.content.decode()
    assert f"while your application {case.reference} is under way" in text and "withdraw it first" in text
    assert _snapshot(applicant) == before and stored_files(private_storage) == files
    assert mail.outbox == []
    # Also the service refuses on its own.
    with pytest.raises(services.AccountDeletionRefused):
        services.account_delete(user=applicant)
    assert _snapshot(applicant) == before


def test_an_account_with_employer_access_is_refused(client_in, applicant):
    Membership.objects.create(user=applicant, organisation=OrganisationFactory(), role=Role.EMPLOYER_MEMBER)
    reauthenticated(client_in)
    refused = _delete(client_in, follow=True)
    assert "remove that access first" in refused.content.decode()
    applicant.refresh_from_db()
    assert applicant.is_active and not AccountDeletion.objects.exists()


# --- Re-authentication ------------------------------------------------------------------------------


def test_the_deletion_asks_for_the_password_again_and_then_completes(client_in, applicant, person):
    unconfirmed = client_in.post(URL, {})
    assert unconfirmed.status_code == 200 and "Please confirm" in unconfirmed.text
    prompt = _delete(client_in)
    assert prompt.status_code == 302
    assert prompt.url.startswith(reverse("account_reauthenticate")) and URL in unquote(prompt.url)
    applicant.refresh_from_db()
    assert applicant.is_active and Person.objects.filter(pk=person.pk).exists()
    assert not AccountDeletion.objects.exists()
    # A wrong password does nothing; the right one carries out the suspended request.
    assert client_in.post(prompt.url, {"password": "wrong"}).status_code == 200
    assert not AccountDeletion.objects.exists()
    done = client_in.post(prompt.url, {"password": PASSWORD})
    assert done.status_code == 200 and "Your account has been deleted" in done.content.decode()
    applicant.refresh_from_db()
    assert not applicant.is_active and not Person.objects.filter(pk=person.pk).exists()


# --- A finished case: kept for the retention period, then anonymised -------------------------------


def test_a_closed_case_is_kept_but_the_login_and_the_profile_extras_go(client_in, applicant, person, other,
                                                                       private_storage, settings,
                                                                       django_capture_on_commit_callbacks):
    closed = _closed_case(person)
    case_document = Document.objects.get(case=closed)
    library = upload_for(person, name="library.pdf")
    ApiToken.objects.create(organisation=OrganisationFactory(), name="old", prefix="abcd1234", token_hash="0" * 64,
                            created_by=applicant)
    until = closed.closed_at + timedelta(days=settings.WSA_CLOSED_CASE_RETENTION_DAYS)
    with translation.override("en"):
        until_text = formats.date_format(timezone.localtime(until), "DATE_FORMAT")

    page = client_in.get(URL)
    assert "What is kept, and why" in page.text and closed.reference in page.text
    assert f"kept until {until_text}" in page.text
    assert f"{settings.WSA_CLOSED_CASE_RETENTION_DAYS} days" in page.text
    reauthenticated(client_in)
    with django_capture_on_commit_callbacks(execute=True):
        done = _delete(client_in)
    assert closed.reference in done.text and f"kept until {until_text}" in done.text

    closed.refresh_from_db()
    assert closed.person_id == person.pk and closed.state == "closed"
    person.refresh_from_db()
    assert (person.surname, person.passport_number, person.nationality) == ("SHARMA", "Z1234567", "IND")
    assert (person.email, person.phone, person.street, person.postal_code, person.city) == ("", "", "", "", "")
    assert not person.qualifications.exists() and not person.languages.exists()
    assert Document.objects.filter(pk=case_document.pk).exists()
    assert not Document.objects.filter(pk=library.pk).exists()
    assert not (private_storage / library.file.name).exists()
    assert client_in.get(reverse("decision_verify", args=["VERIFYME123"])).status_code == 200
    assert ApiToken.objects.get(prefix="abcd1234").revoked_at is not None
    applicant.refresh_from_db()
    assert not applicant.is_active and applicant.email.endswith("@deleted.invalid")
    record = AccountDeletion.objects.get()
    assert record.cases_retained == 1 and record.retained_until == until
    assert closed.reference in mail.outbox[0].body and until_text in mail.outbox[0].body
    _other_unchanged(other)

    # When the period ends the purge anonymises the case and deletes what was left of the profile.
    Case.objects.filter(pk=closed.pk).update(
        closed_at=timezone.now() - timedelta(days=settings.WSA_CLOSED_CASE_RETENTION_DAYS + 1))
    with django_capture_on_commit_callbacks(execute=True):
        report = retention.purge_closed_cases()
    assert report.counts["closed_cases"] == 1 and report.counts["deleted_account_profiles"] == 1
    assert not Person.objects.filter(pk=person.pk).exists()
    closed.refresh_from_db()
    assert closed.person.surname == "" and closed.person.user is None and closed.created_by is None
    assert not Event.objects.filter(actor=applicant).exists()
    assert not Document.objects.filter(pk=case_document.pk).exists()
    assert not (private_storage / case_document.file.name).exists()
    assert not Person.objects.filter(passport_number="Z1234567").exists()
    assert not Person.objects.filter(surname="SHARMA").exists()
    assert client_in.get(reverse("decision_verify", args=["VERIFYME123"])).status_code == 200
    _other_unchanged(other)


# --- Languages -------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["de", "en"])
def test_pages_messages_and_e_mail_are_in_the_holders_language(client, applicant, person, settings, language,
                                                               django_capture_on_commit_callbacks):
    client.force_login(applicant)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    applicant.preferred_language = language
    applicant.save(update_fields=["preferred_language"])
    case = services.case_create(person=person, actor=applicant, title_code="18g")
    services.case_submit(case=case, actor=applicant)
    with translation.override(language):
        heading = gettext("Your account cannot be deleted yet")
        state = gettext("Submitted")
        refusal = escape(ngettext(
            "Your account cannot be deleted while your application %(references)s is under way. "
            "Please withdraw it first, or wait until it is closed.",
            "Your account cannot be deleted while your applications %(references)s are under way. "
            "Please withdraw them first, or wait until they are closed.", 1) % {"references": case.reference})
        done_title = gettext("Your account has been deleted")
    page = client.get(URL)
    assert page["Content-Language"] == language
    assert heading in page.text and state in page.text
    reauthenticated(client)
    assert refusal in _delete(client, follow=True).content.decode()

    services.case_transition(case=case, transition="withdraw", actor=applicant)
    reauthenticated(client)
    with django_capture_on_commit_callbacks(execute=True):
        done = _delete(client)
    assert done["Content-Language"] == language and done_title in done.text
    assert mail.outbox[-1].subject == done_title
    if language == "en":
        assert "Your account has been deleted" in done.text and "kept until" in mail.outbox[-1].body
