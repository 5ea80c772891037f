"""Legal deadlines from the rules engine, overdue marks and the BA's deemed approval."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from applications import procedure
from applications.lifecycle import CaseState
from applications.models import Case, Event
from applications.selectors.deadlines import COMPLETENESS_CHECK_DAYS, case_due_expression
from authorities import services
from authorities.models import AuthorityRequest, RequestState
from tests.authorities.conftest import attend_appointment, confirm_complete, deliver_all, submit


def due(days: int):
    return timezone.make_aware(datetime.combine(timezone.localdate() + timedelta(days=days), time(23, 59, 59)))


def add_months(months: int):
    from applications.rules.catalogue import Deadline

    return timezone.make_aware(datetime.combine(Deadline(months, "months", "").due(timezone.localdate()),
                                                time(23, 59, 59)))


def expected_deadlines(accelerated: bool) -> dict:
    """Computed when the test runs, not when it is collected: a run that passes midnight in Berlin
    between the two would otherwise expect yesterday's deadlines."""
    if not accelerated:
        return {"recognition": (add_months(3), "§ 6 Abs. 3 BQFG", False),
                "ba_approval": (due(14), "§ 36 Abs. 2 S. 1 BeschV", True),
                "visa": (None, "", False), "register_check": (None, "", False)}
    return {"recognition": (add_months(2), "§ 14a BQFG", False),
            "ba_approval": (due(7), "§ 36 Abs. 2 S. 2 BeschV", True),
            "pre_approval_81a": (None, "", False),
            # § 31a Abs. 2 AufenthV: the decision period runs from the complete application made in person
            # at the appointment, not from delivery (test_the_visa_decision_period_runs_from_the_appointment).
            "visa": (None, "§ 31a AufenthV", False), "register_check": (None, "", False)}


@pytest.mark.django_db
@pytest.mark.parametrize("accelerated", [False, True])
def test_delivery_starts_the_legal_deadline(offices, make_case, accelerated):
    case = make_case("18a", accelerated=accelerated, recognition="none", isco="3221")
    confirm_complete(case)
    assert all(r.due_at is None for r in AuthorityRequest.objects.filter(case=case))  # not before delivery
    deliver_all()
    got = {r.purpose: (r.due_at, r.deadline_source, r.deemed_approval_on_silence)
           for r in AuthorityRequest.objects.filter(case=case)}
    assert got == expected_deadlines(accelerated)


def stored_and_computed_due(case):
    """Case.due_at as stored, and as the rule computes it from the case's requests now."""
    return Case.objects.annotate(rule=case_due_expression()).values_list("due_at", "rule").get(pk=case.pk)


@pytest.mark.django_db
def test_the_case_deadline_follows_its_requests(offices, make_case):
    """The WSA's deadline stored on the case (the back office's order) is written by the hub's own
    updates: the deliveries that start the offices' periods and the answers that end them."""
    case = submit(make_case("18b"))
    target = case.submitted_at + timedelta(days=COMPLETENESS_CHECK_DAYS)
    assert stored_and_computed_due(case) == (target, target)
    assert deliver_all() == []  # the WSA's own check comes first: no office has anything yet
    assert stored_and_computed_due(case) == (target, target)
    procedure.case_send_to_authorities(case=case)
    deliver_all()
    ba = AuthorityRequest.objects.get(case=case, purpose="ba_approval")
    assert ba.due_at is not None
    assert stored_and_computed_due(case) == (ba.due_at, ba.due_at)
    services.authority_request_acknowledge(request=ba)
    assert stored_and_computed_due(case) == (ba.due_at, ba.due_at)
    services.authority_request_record_answer(request=ba, outcome="approved")
    assert stored_and_computed_due(case) == (None, None)  # the register check runs without a period
    register = AuthorityRequest.objects.get(case=case, purpose="register_check")
    services.authority_request_record_answer(request=register, outcome="approved")
    attend_appointment(case)
    assert case.state == CaseState.VISA_DECISION
    assert stored_and_computed_due(case) == (None, None)


@pytest.mark.django_db
def test_a_delivery_during_the_authority_review_sets_the_case_deadline(offices, make_case):
    case = confirm_complete(make_case("18b"))  # before the relay ran: no office's period runs yet
    assert stored_and_computed_due(case) == (None, None)
    deliver_all()
    ba = AuthorityRequest.objects.get(case=case, purpose="ba_approval")
    assert ba.due_at is not None
    assert stored_and_computed_due(case) == (ba.due_at, ba.due_at)


@pytest.mark.django_db
def test_ba_silence_becomes_deemed_approval_and_moves_the_case(offices, make_case):
    case = make_case("18b")
    confirm_complete(case)
    procedure.case_send_to_authorities(case=case)
    deliver_all()
    register = AuthorityRequest.objects.get(case=case, purpose="register_check")
    services.authority_request_record_answer(request=register, outcome="approved")
    ba = AuthorityRequest.objects.get(case=case, purpose="ba_approval")
    assert services.deadlines_sweep_run(now=ba.due_at - timedelta(seconds=1))["deemed_approval"] == 0
    counts = services.deadlines_sweep_run(now=ba.due_at + timedelta(seconds=1))
    assert counts["deemed_approval"] == 1
    ba.refresh_from_db()
    assert (ba.state, ba.outcome, ba.deemed_approval) == (RequestState.ANSWERED, "approved", True)
    assert ba.response_body["legalBasis"] == "§ 36 Abs. 2 S. 1 BeschV"
    # The approval took effect when the two weeks ended, not when the sweep noticed.
    assert ba.answered_at == ba.due_at
    event = Event.objects.get(case=case, kind="authority", payload__purpose="ba_approval", payload__status="answered")
    assert (event.payload["outcome"], event.payload["deemed_approval"], event.internal) == ("approved", True, False)
    # Deemed granted, but the visa decision also waits for the applicant at the visa office.
    assert Case.objects.get(pk=case.pk).state == CaseState.AUTHORITY_REVIEW
    attend_appointment(case)
    assert Case.objects.get(pk=case.pk).state == CaseState.VISA_DECISION


@pytest.mark.django_db
def test_other_steps_are_marked_overdue_once(offices, make_case):
    case = make_case("18a", accelerated=True, recognition="none", isco="3221")
    confirm_complete(case)
    deliver_all()
    recognition = AuthorityRequest.objects.get(case=case, purpose="recognition")
    later = recognition.due_at + timedelta(days=1)
    counts = services.deadlines_sweep_run(now=later)
    # The recognition body; the BA is deemed. Not the visa office: its period has not begun before the
    # appointment (§ 31a Abs. 2 AufenthV), so nobody is told it is late.
    assert counts["overdue"] == 1 and counts["deemed_approval"] == 1
    recognition.refresh_from_db()
    assert recognition.state == RequestState.SENT and recognition.overdue_since == later
    assert services.deadlines_sweep_run(now=later + timedelta(days=1))["overdue"] == 0
    overdue = Event.objects.filter(case=case, kind="authority", payload__status="overdue")
    assert sorted(overdue.values_list("payload__purpose", flat=True)) == ["recognition"]
    assert not overdue.filter(internal=True).exists()


@pytest.mark.django_db
def test_sweep_moves_a_case_whose_move_was_missed(offices, make_case):
    case = make_case("18b")
    confirm_complete(case)
    deliver_all()
    for request in AuthorityRequest.objects.filter(case=case, purpose__in=["ba_approval", "register_check"]):
        services.authority_request_record_answer(request=request, outcome="approved")
    Case.objects.filter(pk=case.pk).update(state=CaseState.VISA_DECISION)  # elsewhere: attending moves nothing
    attend_appointment(case)
    Case.objects.filter(pk=case.pk).update(state=CaseState.AUTHORITY_REVIEW)  # moved without the hook
    assert services.deadlines_sweep_run()["advanced"] == 1
    assert Case.objects.get(pk=case.pk).state == CaseState.VISA_DECISION


@pytest.mark.django_db
@pytest.mark.parametrize("accelerated", [False, True])
def test_the_visa_decision_period_runs_from_the_appointment(offices, make_case, accelerated):
    """§ 31a Abs. 2 AufenthV: in the § 81a procedure the mission decides "in der Regel innerhalb von drei
    Wochen ab Stellung des vollständigen Visumantrags", and the application is made in person at the
    appointment: the period starts when the office records the attendance. The regular procedure has none."""
    case = make_case("18a", accelerated=accelerated, recognition="none", isco="3221")
    confirm_complete(case)
    deliver_all()
    visa = AuthorityRequest.objects.get(case=case, purpose="visa")
    assert visa.due_at is None
    for request in AuthorityRequest.objects.filter(case=case).exclude(purpose="visa"):
        services.authority_request_record_answer(request=request, outcome="approved")
    attend_appointment(case)
    visa.refresh_from_db()
    assert visa.due_at == (due(21) if accelerated else None)
    assert visa.deadline_source == ("§ 31a AufenthV" if accelerated else "")
    # Not late the day before its end; late the day after, and the applicant is told so.
    if accelerated:
        assert services.deadlines_sweep_run(now=visa.due_at - timedelta(hours=1))["overdue"] == 0
        assert (visa.state, Case.objects.get(pk=case.pk).state) == (RequestState.SENT, CaseState.VISA_DECISION)
        assert services.deadlines_sweep_run(now=visa.due_at + timedelta(hours=1))["overdue"] == 1
