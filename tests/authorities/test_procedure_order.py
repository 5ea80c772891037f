"""The law's order as invariants, for every title the portal takes applications for and both
transports (the in-process simulated offices and the HTTP simulator over loopback):

- no office receives anything before the WSA confirms completeness (`start_authority_review`);
- the visa is neither referred to the decision nor granted before every required approval (the
  BA's where the title needs it) is granted and the applicant attended the appointment; the
  simulated visa office itself answers only after both;
- a refused approval leaves only the rejection;
- every legal deadline runs from the request's receipt by the office.
"""

from datetime import datetime, time

import pytest
from django.utils import timezone, translation

from applications import procedure
from applications import services as case_services
from applications.figures import rule_figures
from applications.lifecycle import CaseState
from applications.models import Case, Event
from applications.rules import APPLICATION_TITLE_CODES
from authorities import routing, services
from authorities.models import AuthorityRequest, Outcome, RequestState, SimulatedSubmission
from tests.authorities.conftest import attend_appointment

CAN_BE_ANSWERED = {RequestState.SENT, RequestState.ACKNOWLEDGED, RequestState.ANSWERED}


@pytest.fixture(params=["simulated", "http"])
def transport(request, settings):
    settings.WSA_AUTHORITY_SIMULATOR_DELAY = 0
    if request.param == "http":
        server = request.getfixturevalue("http_transport")
        return lambda: len(server.submissions())
    return SimulatedSubmission.objects.count


def case_for(make_case, title):
    # The Chancenkarte (20a) is applied for without a job; every other title with one.
    return make_case(title, employment=title != "20a", employer=title != "20a")


def received_by_offices(case, count_received) -> int:
    return count_received() + AuthorityRequest.objects.filter(case=case).exclude(sent_at=None).count()


def event_index(case, **payload) -> list[int]:
    return list(Event.objects.filter(case=case, **{f"payload__{k}": v for k, v in payload.items()})
                .order_by("pk").values_list("pk", flat=True))


def assert_visa_cannot_be_decided(case, match):
    for transition in ("refer_to_visa_decision", "grant_visa"):
        with translation.override("en"), pytest.raises(case_services.BackofficeError, match=match):
            if transition == "grant_visa" and case.state == CaseState.AUTHORITY_REVIEW:
                procedure.visa_decision_guard(case=case, granting=True)  # the guard of the move that is not yet open
            else:
                case_services.case_transition(case=case, transition=transition)


@pytest.mark.django_db
@pytest.mark.parametrize("title", APPLICATION_TITLE_CODES)
def test_every_title_follows_the_laws_order(title, offices, make_case, transport,
                                            django_capture_on_commit_callbacks):
    case = case_for(make_case, title)
    steps = {step.purpose for step in routing.case_steps(case, figures=rule_figures())}
    assert "visa" in steps and steps & routing.APPROVAL_STEPS

    # 1. Submitted, in the completeness check, documents asked for: no office has anything.
    with django_capture_on_commit_callbacks(execute=True):
        case_services.case_submit(case=case, actor=None)
        case_services.case_transition(case=case, transition="start_completeness_check")
        case_services.case_transition(case=case, transition="request_documents")
        case_services.case_transition(case=case, transition="documents_provided")
    assert not AuthorityRequest.objects.filter(case=case).exists()
    assert received_by_offices(case, transport) == 0

    # 2. The WSA confirms completeness: every pre-entry step goes out, in parallel.
    with django_capture_on_commit_callbacks(execute=True):
        case_services.case_transition(case=case, transition="start_authority_review")
    requests = {r.purpose: r for r in AuthorityRequest.objects.filter(case=case)}
    assert set(requests) == steps - routing.AFTER_ENTRY
    assert transport() == len(requests)  # the offices (in-process or over HTTP) received each once
    assert all(r.state in CAN_BE_ANSWERED for r in requests.values()), {p: r.state for p, r in requests.items()}
    completeness = event_index(case, transition="start_authority_review")[0]
    assert all(pk > completeness for pk in event_index(case, status="sent"))

    # Deadlines run from each request's receipt: the end of the last day of the period after it.
    for request in requests.values():
        step = routing.step_for(case, request.purpose)
        if step.deadline is None:
            assert request.due_at is None
            continue
        last_day = step.deadline.due(timezone.localdate(request.sent_at))
        assert request.due_at == timezone.make_aware(datetime.combine(last_day, time(23, 59, 59)))

    # The approvals are granted (the simulated offices decide on the data), the visa office waits.
    approvals = {p: r for p, r in requests.items() if p in routing.APPROVAL_STEPS}
    assert {(r.state, r.outcome) for r in approvals.values()} == {(RequestState.ANSWERED, Outcome.APPROVED)}
    visa = requests["visa"]
    assert (visa.state, visa.outcome) == (RequestState.ACKNOWLEDGED, "")
    case.refresh_from_db()
    assert case.state == CaseState.AUTHORITY_REVIEW
    assert_visa_cannot_be_decided(case, "not attended")

    # 3. The applicant comes to the appointment: the visa office decides, the case is referred.
    with django_capture_on_commit_callbacks(execute=True):
        attend_appointment(case)
    visa.refresh_from_db()
    assert (visa.state, visa.outcome) == (RequestState.ANSWERED, Outcome.APPROVED)
    case.refresh_from_db()
    assert case.state == CaseState.VISA_DECISION
    referred = event_index(case, transition="refer_to_visa_decision")[0]
    attended = event_index(case, status="appointment_attended")[0]
    approvals_answered = event_index(case, status="answered", purpose__in=list(approvals))
    assert len(approvals_answered) == len(approvals)
    assert max(approvals_answered) < referred and attended < referred
    assert event_index(case, status="answered", purpose="visa")[0] > attended
    case_services.case_transition(case=case, transition="grant_visa")
    assert Case.objects.get(pk=case.pk).state == CaseState.VISA_GRANTED


@pytest.mark.django_db
@pytest.mark.parametrize("title", APPLICATION_TITLE_CODES)
def test_without_the_approvals_nothing_moves_even_after_the_appointment(title, offices, make_case, settings,
                                                                        django_capture_on_commit_callbacks):
    """The offices take an hour: the applicant attended, but the approvals (the BA's included) are open."""
    settings.WSA_AUTHORITY_SIMULATOR_DELAY = 3600
    case = case_for(make_case, title)
    with django_capture_on_commit_callbacks(execute=True):
        case_services.case_submit(case=case, actor=None)
        procedure.case_send_to_authorities(case=case)
        attend_appointment(case)
    case.refresh_from_db()
    assert case.state == CaseState.AUTHORITY_REVIEW
    visa = AuthorityRequest.objects.get(case=case, purpose="visa")
    assert visa.state == RequestState.ACKNOWLEDGED  # the visa office waits for the approvals too
    assert_visa_cannot_be_decided(case, "not every required approval")
    services.deadlines_sweep_run()  # before any deadline: nothing is deemed, nothing moves
    assert Case.objects.get(pk=case.pk).state == CaseState.AUTHORITY_REVIEW


@pytest.mark.django_db
@pytest.mark.parametrize("title", APPLICATION_TITLE_CODES)
def test_a_refused_approval_leads_only_to_a_rejection(title, offices, make_case,
                                                      django_capture_on_commit_callbacks):
    # A passport number on the simulated register's watch list: the security consultation refuses.
    case = make_case(title, employment=title != "20a", employer=title != "20a", passport_number="SIS1234567")
    with django_capture_on_commit_callbacks(execute=True):
        case_services.case_submit(case=case, actor=None)
        procedure.case_send_to_authorities(case=case)
    register = AuthorityRequest.objects.get(case=case, purpose="register_check")
    assert register.outcome == Outcome.REJECTED
    case.refresh_from_db()
    assert case.state == CaseState.VISA_DECISION  # no appointment needed for a rejection
    visa = AuthorityRequest.objects.get(case=case, purpose="visa")
    assert (visa.state, visa.outcome) == (RequestState.ANSWERED, Outcome.REJECTED)
    assert visa.response_body.get("reason") == "approval_refused"
    with translation.override("en"), pytest.raises(case_services.BackofficeError, match="refused"):
        case_services.case_transition(case=case, transition="grant_visa")
    case_services.case_transition(case=case, transition="reject")
    assert Case.objects.get(pk=case.pk).state == CaseState.REJECTED
