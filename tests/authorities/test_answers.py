"""Answers: recorded with an Event (codes, not texts) and moving the case to the visa decision."""

import pytest
from django.utils import translation

from applications import procedure
from applications import services as case_services
from applications.lifecycle import CaseState
from applications.models import Case, Event
from authorities import services
from authorities.models import AuthorityRequest, Outbox, OutboxState, RequestState, SimulatedSubmission
from tests.authorities.conftest import attend_appointment, confirm_complete, deliver_all, submit
from tests.factories import UserFactory
from tests.procedure import employer_fee_pay


def authority_events(case):
    return list(Event.objects.filter(case=case, kind="authority").order_by("pk"))


@pytest.mark.django_db
def test_simulated_offices_answer_in_the_laws_order_and_the_case_goes_to_the_visa_decision(
        offices, make_case, django_capture_on_commit_callbacks):
    case = make_case("18a", accelerated=True)
    with django_capture_on_commit_callbacks(execute=True):
        submit(case)
    # Nothing goes to another office before the WSA's completeness check.
    assert not AuthorityRequest.objects.filter(case=case).exists()
    assert SimulatedSubmission.objects.count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        procedure.case_send_to_authorities(case=case, actor=UserFactory())
    # § 81a: the foreigners' authority is asked once the employer has paid the procedure's fee.
    assert not AuthorityRequest.objects.filter(case=case, purpose="pre_approval_81a").exists()
    with django_capture_on_commit_callbacks(execute=True):
        employer_fee_pay(case)
    requests = {r.purpose: r for r in AuthorityRequest.objects.filter(case=case)}
    assert set(requests) == {"ba_approval", "pre_approval_81a", "visa", "register_check"}
    assert SimulatedSubmission.objects.count() == 4
    # The approvals are decided at once; the visa office only confirms receipt and asks for a booking.
    assert {p: (r.state, r.outcome) for p, r in requests.items() if p != "visa"} == {
        p: (RequestState.ANSWERED, "approved") for p in ("ba_approval", "pre_approval_81a", "register_check")}
    assert (requests["visa"].state, requests["visa"].outcome) == (RequestState.ACKNOWLEDGED, "")
    ba = requests["ba_approval"]
    assert ba.conditions == {"employer": "Muster GmbH", "employer_ba_number": "12345678",
                             "occupation": "Software Developer", "occupation_isco": "2512", "duration_months": 48,
                             "weekly_hours": "40.0"}
    # The visa office assigns no slot: it asks the applicant to book one (authorities.appointments.appointment_book).
    assert requests["visa"].response_body["bookAppointment"] is True
    assert "appointment" not in requests["visa"].response_body
    # Every approval is in, but the applicant has not come to the visa office yet.
    assert Case.objects.get(pk=case.pk).state == CaseState.AUTHORITY_REVIEW
    with django_capture_on_commit_callbacks(execute=True):
        attend_appointment(case)
    assert Case.objects.get(pk=case.pk).state == CaseState.VISA_DECISION
    answered = [e for e in authority_events(case) if e.payload["status"] == "answered"]
    assert sorted((e.payload["purpose"], e.payload["outcome"], e.internal) for e in answered) == [
        ("ba_approval", "approved", False), ("pre_approval_81a", "approved", False),
        ("register_check", "approved", False), ("visa", "approved", False)]
    # The visa office answered after the attendance, never before.
    attended = next(e for e in authority_events(case) if e.payload["status"] == "appointment_attended")
    visa_answer = next(e for e in answered if e.payload["purpose"] == "visa")
    assert visa_answer.pk > attended.pk
    sent = [e for e in authority_events(case) if e.payload["status"] == "sent"]
    assert len(sent) == 4 and all(e.internal for e in sent)


@pytest.mark.django_db
def test_the_last_approval_and_the_attendance_move_a_case_in_authority_review(offices, make_case):
    case = make_case("18b")
    confirm_complete(case)
    assert case.state == CaseState.AUTHORITY_REVIEW
    deliver_all()
    ba, register = (AuthorityRequest.objects.get(case=case, purpose=p) for p in ("ba_approval", "register_check"))
    services.authority_request_record_answer(request=ba, outcome="approved", conditions={"employer": "Muster GmbH"})
    assert Case.objects.get(pk=case.pk).state == CaseState.AUTHORITY_REVIEW
    attend_appointment(case)
    # Attended, but the register has not answered: the case waits.
    assert Case.objects.get(pk=case.pk).state == CaseState.AUTHORITY_REVIEW
    services.authority_request_record_answer(request=register, outcome="approved")
    assert Case.objects.get(pk=case.pk).state == CaseState.VISA_DECISION
    transitions = Event.objects.filter(case=case, kind="transition").values_list("payload__transition", flat=True)
    assert list(transitions)[-1] == "refer_to_visa_decision"


@pytest.mark.django_db
def test_approvals_without_the_attended_appointment_keep_the_case_in_review(offices, make_case):
    case = make_case("18b")
    confirm_complete(case)
    deliver_all()
    for purpose in ("ba_approval", "register_check"):
        services.authority_request_record_answer(
            request=AuthorityRequest.objects.get(case=case, purpose=purpose), outcome="approved")
    assert Case.objects.get(pk=case.pk).state == CaseState.AUTHORITY_REVIEW
    # Neither the sweep nor a caseworker can move it on.
    services.deadlines_sweep_run()
    assert Case.objects.get(pk=case.pk).state == CaseState.AUTHORITY_REVIEW
    with translation.override("en"), pytest.raises(case_services.BackofficeError, match="not attended"):
        case_services.case_transition(case=case, transition="refer_to_visa_decision")
    assert Case.objects.get(pk=case.pk).state == CaseState.AUTHORITY_REVIEW


@pytest.mark.django_db
def test_a_question_keeps_the_case_in_review(offices, make_case):
    case = make_case("18b")
    confirm_complete(case)
    deliver_all()
    attend_appointment(case)
    ba, register = (AuthorityRequest.objects.get(case=case, purpose=p) for p in ("ba_approval", "register_check"))
    services.authority_request_record_answer(request=ba, outcome="information_needed")
    services.authority_request_record_answer(request=register, outcome="approved")
    assert Case.objects.get(pk=case.pk).state == CaseState.AUTHORITY_REVIEW
    event = Event.objects.filter(case=case, kind="authority", payload__purpose="ba_approval",
                                 payload__status="answered").get()
    assert (event.payload["outcome"], event.internal) == ("information_needed", False)


@pytest.mark.django_db
def test_a_refused_approval_leads_only_to_a_rejection(offices, make_case):
    case = make_case("18b")
    confirm_complete(case)
    deliver_all()
    ba = AuthorityRequest.objects.get(case=case, purpose="ba_approval")
    services.authority_request_record_answer(request=ba, outcome="rejected")
    # The visa office decides now, without waiting for the appointment: only a rejection is open.
    assert Case.objects.get(pk=case.pk).state == CaseState.VISA_DECISION
    with translation.override("en"), pytest.raises(case_services.BackofficeError, match="refused"):
        case_services.case_transition(case=case, transition="grant_visa")
    case_services.case_transition(case=case, transition="reject")
    assert Case.objects.get(pk=case.pk).state == CaseState.REJECTED


@pytest.mark.django_db
def test_the_first_answer_wins(offices, make_case):
    case = make_case("18b")
    confirm_complete(case)
    deliver_all()
    ba = AuthorityRequest.objects.get(case=case, purpose="ba_approval")
    services.authority_request_record_answer(request=ba, outcome="approved")
    services.authority_request_record_answer(request=ba, outcome="rejected")
    ba.refresh_from_db()
    assert ba.outcome == "approved"
    assert Event.objects.filter(case=case, kind="authority", payload__status="answered").count() == 1


@pytest.mark.django_db
def test_an_answer_to_an_undelivered_request_settles_its_outbox(offices, make_case):
    case = make_case("18b")
    confirm_complete(case)
    ba = AuthorityRequest.objects.get(case=case, purpose="ba_approval")
    services.authority_request_record_answer(request=ba, outcome="approved")
    assert Outbox.objects.get(request=ba).state == OutboxState.DELIVERED
    assert services.outbox_relay_deliver(outbox_id=Outbox.objects.get(request=ba).pk) == "skipped"


@pytest.mark.django_db
def test_back_office_answer_with_actor_and_note(offices, make_case):
    """The shape the back office uses when an office's caseworker answers in the portal."""
    case = make_case("18b")
    confirm_complete(case)
    procedure.case_send_to_authorities(case=case)
    deliver_all()
    caseworker = UserFactory()
    ba = AuthorityRequest.objects.get(case=case, purpose="ba_approval")
    services.authority_request_record_answer(request=ba, actor=caseworker, outcome="approved",
                                             conditions={"employer": "Muster GmbH", "duration_months": 24},
                                             note="Approved for 24 months.")
    ba.refresh_from_db()
    assert ba.response_body == {"note": "Approved for 24 months."}
    assert ba.conditions["duration_months"] == 24
    assert Event.objects.filter(case=case, kind="authority", actor=caseworker).exists()
    with pytest.raises(ValueError):
        services.authority_request_record_answer(request=ba, outcome="maybe")


@pytest.mark.django_db
def test_visa_receipt_asks_the_applicant_to_book_an_appointment(offices, make_case, settings,
                                                                 django_capture_on_commit_callbacks):
    settings.WSA_AUTHORITY_SIMULATOR_DELAY = 3600  # the offices take an hour to decide
    case = make_case("18b")
    with django_capture_on_commit_callbacks(execute=True):
        confirm_complete(case)
    visa = AuthorityRequest.objects.get(case=case, purpose="visa")
    ba = AuthorityRequest.objects.get(case=case, purpose="ba_approval")
    assert (visa.state, ba.state) == (RequestState.ACKNOWLEDGED, RequestState.ACKNOWLEDGED)
    assert visa.response_body["bookAppointment"] is True and "appointment" not in visa.response_body
    booking_requested = Event.objects.get(case=case, kind="authority", payload__status="booking_requested")
    assert booking_requested.internal is False and "appointment" not in booking_requested.payload
    assert not Event.objects.filter(case=case, kind="authority", payload__status="appointment").exists()
    assert Event.objects.get(case=case, kind="authority", payload__status="acknowledged",
                             payload__purpose="ba_approval").internal is True
    # The poll asks again later: still only the receipt, and no second timeline entry for it.
    events = Event.objects.filter(case=case).count()
    assert services.authority_request_fetch_answer(request_id=ba.pk) == "acknowledged"
    assert Event.objects.filter(case=case).count() == events
    assert AuthorityRequest.objects.filter(case=case, state=RequestState.ANSWERED).count() == 0


@pytest.mark.django_db
def test_withdrawn_cases_are_not_sent(offices, make_case):
    case = make_case("18b")
    confirm_complete(case)
    case_services.case_transition(case=case, transition="withdraw")
    assert set(deliver_all()) == {"dead"}
    assert set(AuthorityRequest.objects.filter(case=case).values_list("state", "error_code")) == {
        ("failed", "case_closed")}
