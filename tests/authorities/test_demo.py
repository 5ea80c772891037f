"""The demo's authority requests: consistent with every case's state, and idempotent."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from applications.demo_procedure import seed_authority_requests
from applications.lifecycle import CaseState
from applications.models import Case, Event
from authorities import selectors as authority_selectors
from authorities import services
from authorities.models import AuthorityRequest, ErrorCode, Outbox, OutboxState, RequestState


@pytest.mark.django_db
def test_demo_requests_match_the_case_states_and_seeding_is_idempotent():
    call_command("seed_demo", quiet=True)  # seeds the authority requests too
    assert AuthorityRequest.objects.exists()
    snapshot = (AuthorityRequest.objects.count(), Event.objects.count(), list(Outbox.objects.values_list("state")))
    assert seed_authority_requests() == 0
    assert (AuthorityRequest.objects.count(), Event.objects.count(), list(Outbox.objects.values_list("state"))) == \
        snapshot

    assert not AuthorityRequest.objects.filter(error_code=ErrorCode.NO_OFFICE).exists()
    assert not Outbox.objects.filter(state=OutboxState.PENDING).exists()
    # Only cases the WSA found complete have requests; nothing went out before the completeness check.
    before = Case.objects.filter(state__in=[CaseState.DRAFT, CaseState.SUBMITTED, CaseState.COMPLETENESS_CHECK,
                                            CaseState.DOCUMENTS_REQUESTED, CaseState.WITHDRAWN])
    assert before.exists() and not AuthorityRequest.objects.filter(case__in=before).exists()
    reviewed = Case.objects.exclude(pk__in=before)
    assert reviewed.exists() and all(case.authority_requests.exists() for case in reviewed)
    past_review = AuthorityRequest.objects.filter(
        case__state__in=[CaseState.VISA_DECISION, CaseState.VISA_GRANTED, CaseState.CLOSED],
        purpose__in=["ba_approval", "register_check", "pre_approval_81a", "recognition"])
    assert set(past_review.values_list("state", "outcome")) == {(RequestState.ANSWERED, "approved")}
    # Every case past the authority review had its appointment attended, or a refused approval.
    for case in Case.objects.filter(state__in=[CaseState.VISA_DECISION, CaseState.VISA_GRANTED, CaseState.CLOSED]):
        assert authority_selectors.case_appointment_attended(case=case)
    # The lifecycle's rejected case (the demo stages' rejections are the visa office's own, after four-eyes).
    rejected = Case.objects.get(state=CaseState.REJECTED, person__email="p09@demo.wsa.example")
    assert authority_selectors.case_approvals_state(case=rejected) == "refused"

    # In review, the BA's silence is overdue: the deadlines sweep applies the deemed approval.
    # (The demo stages' cases waiting for the BA were sent three days ago: still inside the deadline.)
    overdue_ba = AuthorityRequest.objects.get(case__state=CaseState.AUTHORITY_REVIEW, purpose="ba_approval",
                                              due_at__lt=timezone.now())
    counts = services.deadlines_sweep_run()
    assert counts["deemed_approval"] == 1
    overdue_ba.refresh_from_db()
    # Deemed granted; the visa decision now waits for the applicant's appointment at the visa office.
    assert overdue_ba.deemed_approval and overdue_ba.case.state == CaseState.AUTHORITY_REVIEW


@pytest.mark.django_db
def test_demo_visa_offices_publish_slots_and_ask_for_a_booking_instead_of_assigning_one():
    from applications.demo_procedure import seed_appointment_slots
    from authorities.models import AppointmentSlot, Authority, AuthorityKind

    call_command("seed_demo", quiet=True)
    offices = Authority.objects.filter(kind=AuthorityKind.VISA_OFFICE)
    assert offices.exists()
    for office in offices:
        slots = AppointmentSlot.objects.filter(authority=office)
        assert slots.count() > 100 and all(s.starts_at.weekday() < 5 for s in slots[:50])
    count = AppointmentSlot.objects.count()
    assert seed_appointment_slots() == 0 and AppointmentSlot.objects.count() == count  # idempotent
    assert not Event.objects.filter(kind="authority", payload__status="appointment").exists()
    asked = Event.objects.filter(kind="authority", payload__status="booking_requested")
    assert asked.exists() and not asked.filter(internal=True).exists()
