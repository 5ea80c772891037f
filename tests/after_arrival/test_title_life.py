"""A residence title's whole life in the portal, in one test (issue #22): visa granted → Blue Card
after entry → reminder before expiry → extension in time → Fiktionsbescheinigung → new title decided
by the foreigners' authority → job change → settlement permit readiness. And the late extension, and a
student's change of purpose to work followed by a move."""

import re
from datetime import date, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, Role
from applications import services
from applications.after_arrival import selectors as after_arrival_selectors
from applications.after_arrival import services as after_arrival
from applications.after_arrival.changes import address_change_report, purpose_change_apply
from applications.models import Decision, FictionCertificate, Qualification, ResidenceTitle, TitleEnd, TitleKind
from applications.rules.after_arrival import settlement_readiness
from applications.titles.reminders import title_reminders_send
from authorities.models import Authority, AuthorityRequest, Outcome, Purpose, RequestState
from tests.factories import UserFactory
from tests.procedure import offices_done, walk

from .conftest import make_title

pytestmark = pytest.mark.django_db


def _answer_the_offices(case):
    """The BA (where asked) and the foreigners' authority answer the extension: approved."""
    offices_done(case)
    AuthorityRequest.objects.filter(case=case, purpose=Purpose.RESIDENCE_PERMIT).update(
        state=RequestState.ANSWERED, outcome=Outcome.APPROVED, answered_at=timezone.now())


def test_a_title_lives_from_the_visa_to_the_settlement_permit(holder, person, first_case, abh):
    # The first application: visa granted, then the Blue Card after entry replaces it.
    walk(first_case, "start_completeness_check", "start_authority_review", "refer_to_visa_decision", "grant_visa",
         actor=holder)
    visa = ResidenceTitle.objects.get(case=first_case, kind=TitleKind.NATIONAL_VISA)
    walk(first_case, "report_entry", "issue_permit", actor=holder)
    blue_card = ResidenceTitle.objects.get(case=first_case, kind=TitleKind.EU_BLUE_CARD)
    visa.refresh_from_db()
    assert visa.end_reason == TitleEnd.REPLACED and blue_card.replaces == visa

    # Two years later the card nears its end: one reminder, 60 days before.
    ResidenceTitle.objects.filter(pk=blue_card.pk).update(
        valid_from=date.today() - timedelta(days=700), valid_until=date.today() + timedelta(days=60))
    blue_card.refresh_from_db()
    mail.outbox.clear()
    assert title_reminders_send(today=date.today()) == 1
    assert title_reminders_send(today=date.today()) == 0  # once only
    [reminder] = mail.outbox
    assert reminder.to == [holder.email]

    # The extension, in time: the certificate at once, the old card continues (§ 81 Abs. 4 AufenthG).
    result = after_arrival.title_extension_apply(title=blue_card, actor=holder, same_employment=True)
    extension_case = result.case
    assert result.certificate is not None and result.certificate.in_force
    walk(extension_case, "start_completeness_check", "start_authority_review", actor=holder)
    assert not AuthorityRequest.objects.filter(case=extension_case, purpose=Purpose.VISA).exists()
    _answer_the_offices(extension_case)
    services.case_transition(case=extension_case, transition="extend_permit", actor=holder)

    # The new card replaces the old one; the certificate ends with the decision.
    blue_card.refresh_from_db()
    new_card = ResidenceTitle.objects.get(case=extension_case)
    assert blue_card.end_reason == TitleEnd.REPLACED and new_card.replaces == blue_card
    assert new_card.kind == TitleKind.EU_BLUE_CARD and new_card.is_valid_on(date.today())
    assert not FictionCertificate.objects.get(case=extension_case).in_force

    # A job change on the new card, within the first months: a report, with its source.
    verdict = after_arrival.job_change_report(title=new_card, actor=holder, employer_name="Neue GmbH",
                                              job_title="Developer", starts_on=date.today() + timedelta(days=30))
    assert verdict.verdict and verdict.source

    # 27 months of Blue Card with German at A1 and as many pension months: the settlement permit (§ 18c Abs. 2).
    ResidenceTitle.objects.filter(pk=blue_card.pk).update(valid_from=date.today() - timedelta(days=830))
    periods = after_arrival_selectors.title_periods(titles=ResidenceTitle.objects.filter(holder=person))
    ready = settlement_readiness(periods=periods, german_level="A1", pension_months=27, today=date.today())
    assert ready.met
    not_yet = settlement_readiness(periods=periods, german_level="A1", pension_months=26, today=date.today())
    assert not not_yet.met
    draft = after_arrival.settlement_apply(person=person, actor=holder)
    assert draft.title_code == "18c" and draft.state == "draft"


def test_a_refused_extension_ends_the_certificate_and_keeps_the_old_title_as_it_was(holder, person, title):
    result = after_arrival.title_extension_apply(title=title, actor=holder, same_employment=True)
    walk(result.case, "start_completeness_check", "start_authority_review", actor=holder)
    services.case_transition(case=result.case, transition="refuse_extension", actor=holder)
    result.certificate.refresh_from_db()
    title.refresh_from_db()
    assert not result.certificate.in_force
    assert title.ended_at is None and not ResidenceTitle.objects.filter(replaces=title).exists()


def test_an_extension_with_a_new_employer_waits_for_the_ba(holder, person, first_case, organisation, abh):
    title = make_title(person, case=first_case, kind="residence_permit", code="18b", employer=organisation,
                       issued_by=abh, valid_from=date.today() - timedelta(days=400))
    result = after_arrival.title_extension_apply(title=title, actor=holder, same_employment=False)
    walk(result.case, "start_completeness_check", "start_authority_review", actor=holder)
    assert AuthorityRequest.objects.filter(case=result.case, purpose=Purpose.BA_APPROVAL).exists()
    with pytest.raises(services.BackofficeError):
        services.case_transition(case=result.case, transition="extend_permit", actor=holder)
    assert result.certificate.in_force
    _answer_the_offices(result.case)
    services.case_transition(case=result.case, transition="extend_permit", actor=holder)
    assert ResidenceTitle.objects.get(case=result.case).replaces == title


def test_the_foreigners_authority_decides_the_extension_with_a_sealed_decision(holder, person, title, abh):
    caseworker = UserFactory()
    Membership.objects.create(user=caseworker, organisation=abh.organisation, role=Role.CASEWORKER)
    result = after_arrival.title_extension_apply(title=title, actor=holder, same_employment=True)
    walk(result.case, "start_completeness_check", "start_authority_review", actor=holder)
    assert services.decision_may_decide(actor=caseworker, case=result.case, kind=Decision.Kind.RESIDENCE_PERMIT)
    decision = services.decision_create(case=result.case, actor=caseworker, kind=Decision.Kind.RESIDENCE_PERMIT,
                                        outcome=Decision.Outcome.GRANTED, legal_basis="§ 18g AufenthG",
                                        valid_until=date.today() + timedelta(days=1460))
    result.case.refresh_from_db()
    assert decision.status == Decision.Status.ISSUED and result.case.state == "permit_issued"
    new_card = ResidenceTitle.objects.get(case=result.case)
    assert new_card.replaces == title and new_card.valid_until == date.today() + timedelta(days=1460)
    assert not FictionCertificate.objects.get(case=result.case).in_force


def test_a_student_switches_to_work_moves_and_the_new_title_follows(holder, person, abh):
    """Studies → change of purpose in time → certificate → the foreigners' authority decides → the
    skilled-worker permit replaces the study permit → a move to another district names the new office."""
    Qualification.objects.create(person=person, kind="academic", title="M.Sc.", country="DE")
    study = make_title(person, kind="residence_permit", code="16b", issued_by=abh,
                       valid_from=date.today() - timedelta(days=900), valid_until=date.today() + timedelta(days=20))
    result = purpose_change_apply(title=study, actor=holder, target="18b", employer_name="Daten AG", job={
        "job_title": "Engineer", "annual_gross_salary": 60000, "weekly_hours": 40, "workplace_state": "BE"})
    assert result.certificate.in_force
    walk(result.case, "start_completeness_check", "start_authority_review", actor=holder)
    assert not AuthorityRequest.objects.filter(case=result.case, purpose=Purpose.VISA).exists()
    with pytest.raises(services.BackofficeError):  # the BA first (§ 39 AufenthG)
        services.case_transition(case=result.case, transition="extend_permit", actor=holder)
    _answer_the_offices(result.case)
    services.case_transition(case=result.case, transition="extend_permit", actor=holder)
    permit = ResidenceTitle.objects.get(case=result.case)
    study.refresh_from_db()
    assert permit.kind == TitleKind.RESIDENCE_PERMIT and permit.title_code == "18b" and permit.replaces == study
    assert study.end_reason == TitleEnd.REPLACED and not FictionCertificate.objects.get(case=result.case).in_force

    hamburg = Authority.objects.create(kind="foreigners_authority", name="ABH Hamburg", federal_state="HH")
    moved = address_change_report(person=person, actor=holder, street="Elbchaussee 1", postal_code="22763",
                                  city="Hamburg", state="HH", moved_on=date.today())
    assert moved.moved_district and moved.authority == hamburg and moved.case == result.case


@pytest.mark.parametrize(("state", "says"), [
    ("visa_granted", "A national visa is not extended."),
    ("entered", "The foreigners' authority is deciding on the residence title for your stay in Germany"),
])
def test_a_national_visa_says_what_follows_it_instead_of_an_extension(client, holder, person, first_case, state,
                                                                       says):
    """The visa's card had no button and no word (the page promises extensions): § 39 S. 1 Nr. 1 AufenthV, the
    title for the stay comes from the foreigners' authority, started by the entry report on the visa's case."""
    type(first_case).objects.filter(pk=first_case.pk).update(state=state)
    make_title(person, case=first_case, kind="national_visa", code="18b")
    client.force_login(holder)
    page = client.get(reverse("applicant:after_arrival"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    text = re.sub(r"<[^>]+>", "", page).replace("&#x27;", "'")
    assert says in text and "§ 39 S. 1 Nr. 1 AufenthV" in text
    assert reverse("applicant:case_detail", args=[first_case.public_id]) in page
    assert "Apply for an extension" not in page
