"""Answers: recorded with an Event (codes, not texts) and moving the case to the visa decision."""

import pytest

from applications import services as case_services
from applications.lifecycle import CaseState
from applications.models import Case, Event
from authorities import services
from authorities.models import AuthorityRequest, Outbox, OutboxState, RequestState, SimulatedSubmission
from tests.authorities.conftest import deliver_all, submit
from tests.factories import UserFactory


def authority_events(case):
    return list(Event.objects.filter(case=case, kind="authority").order_by("pk"))


@pytest.mark.django_db
def test_simulated_offices_answer_and_the_case_goes_to_the_visa_decision(offices, make_case,
                                                                         django_capture_on_commit_callbacks):
    case = make_case("18a", accelerated=True)
    with django_capture_on_commit_callbacks(execute=True):
        submit(case)
    requests = {r.purpose: r for r in AuthorityRequest.objects.filter(case=case)}
    assert set(requests) == {"ba_approval", "pre_approval_81a", "visa", "register_check"}
    assert {r.state for r in requests.values()} == {RequestState.ANSWERED}
    assert {r.outcome for r in requests.values()} == {"approved"}
    assert SimulatedSubmission.objects.count() == 4
    ba = requests["ba_approval"]
    assert ba.conditions == {"employer": "Muster GmbH", "employer_ba_number": "12345678",
                             "occupation": "Software Developer", "occupation_isco": "2512", "duration_months": 48,
                             "weekly_hours": "40.0"}
    # The visa office assigns no slot: it asks the applicant to book one (authorities.services.appointment_book).
    assert requests["visa"].response_body["bookAppointment"] is True
    assert "appointment" not in requests["visa"].response_body
    # Answers came in while the case waited for the completeness check: it stays there ...
    assert Case.objects.get(pk=case.pk).state == CaseState.SUBMITTED
    # ... and moves on at once when the back office sends it to the authorities.
    with django_capture_on_commit_callbacks(execute=True):
        services.case_send_to_authorities(case=case, actor=UserFactory())
    assert Case.objects.get(pk=case.pk).state == CaseState.VISA_DECISION
    answered = [e for e in authority_events(case) if e.payload["status"] == "answered"]
    assert sorted((e.payload["purpose"], e.payload["outcome"], e.internal) for e in answered) == [
        ("ba_approval", "approved", False), ("pre_approval_81a", "approved", False),
        ("register_check", "approved", False), ("visa", "approved", False)]
    sent = [e for e in authority_events(case) if e.payload["status"] == "sent"]
    assert len(sent) == 4 and all(e.internal for e in sent)


@pytest.mark.django_db
def test_the_last_approval_moves_a_case_in_authority_review(offices, make_case):
    case = make_case("18b")
    submit(case)
    services.case_send_to_authorities(case=case)
    assert case.state == CaseState.AUTHORITY_REVIEW
    deliver_all()
    ba, register, visa = (AuthorityRequest.objects.get(case=case, purpose=p)
                          for p in ("ba_approval", "register_check", "visa"))
    services.authority_request_record_answer(request=ba, outcome="approved", conditions={"employer": "Muster GmbH"})
    assert Case.objects.get(pk=case.pk).state == CaseState.AUTHORITY_REVIEW
    services.authority_request_record_answer(request=register, outcome="approved")
    # The visa step is the visa procedure itself: it does not hold up the referral.
    assert visa.state == RequestState.SENT
    assert Case.objects.get(pk=case.pk).state == CaseState.VISA_DECISION
    transitions = Event.objects.filter(case=case, kind="transition").values_list("payload__transition", flat=True)
    assert list(transitions)[-1] == "refer_to_visa_decision"


@pytest.mark.django_db
@pytest.mark.parametrize("outcome", ["rejected", "information_needed"])
def test_a_refusal_or_a_question_keeps_the_case_in_review(offices, make_case, outcome):
    case = make_case("18b")
    submit(case)
    services.case_send_to_authorities(case=case)
    deliver_all()
    ba, register = (AuthorityRequest.objects.get(case=case, purpose=p) for p in ("ba_approval", "register_check"))
    services.authority_request_record_answer(request=ba, outcome=outcome)
    services.authority_request_record_answer(request=register, outcome="approved")
    assert Case.objects.get(pk=case.pk).state == CaseState.AUTHORITY_REVIEW
    event = Event.objects.filter(case=case, kind="authority", payload__purpose="ba_approval",
                                 payload__status="answered").get()
    assert (event.payload["outcome"], event.internal) == (outcome, False)


@pytest.mark.django_db
def test_the_first_answer_wins(offices, make_case):
    case = make_case("18b")
    submit(case)
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
    submit(case)
    ba = AuthorityRequest.objects.get(case=case, purpose="ba_approval")
    services.authority_request_record_answer(request=ba, outcome="approved")
    assert Outbox.objects.get(request=ba).state == OutboxState.DELIVERED
    assert services.outbox_relay_deliver(outbox_id=Outbox.objects.get(request=ba).pk) == "skipped"


@pytest.mark.django_db
def test_back_office_answer_with_actor_and_note(offices, make_case):
    """The shape the back office uses when an office's caseworker answers in the portal."""
    case = make_case("18b")
    submit(case)
    services.case_send_to_authorities(case=case)
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
        submit(case)
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
    submit(case)
    case_services.case_transition(case=case, transition="withdraw")
    assert set(deliver_all()) == {"dead"}
    assert set(AuthorityRequest.objects.filter(case=case).values_list("state", "error_code")) == {
        ("failed", "case_closed")}
