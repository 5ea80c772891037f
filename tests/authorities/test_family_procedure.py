"""A household of three (main applicant § 18b, spouse § 30, child § 32) through the whole procedure:
completeness, approvals, one appointment for the family at the visa office (attendance per person),
the visa decisions, entry and the residence permits decided together by the foreigners' authority;
the child is refused and blocks no one."""

import uuid
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Membership, Role
from applications import household as household_services
from applications import procedure
from applications import services as case_services
from applications.lifecycle import CaseState
from applications.models import Case, CaseAccess, Decision, Relationship, ResidenceTitle
from applications.selectors import household as household_selectors
from authorities import appointments
from authorities import selectors as authority_selectors
from authorities.models import (
    AppointmentBooking,
    AppointmentSlot,
    AuthorityRequest,
    BookingState,
    Outcome,
    RequestState,
)
from authorities.routing import APPROVAL_STEPS
from documents.models import DocumentType
from tests.applications.portal.helpers import pdf_upload
from tests.auth import force_login_with_second_factor, give_totp, reauthenticated
from tests.authorities.conftest import deliver_all
from tests.factories import UserFactory, wsa_caseworker
from tests.procedure import employer_fee_pay, fee_pay, permit_fee_paid, walk

pytestmark = pytest.mark.django_db


def _years_ago(years):
    today = timezone.localdate()
    return date(today.year - years, today.month, min(today.day, 28))


@pytest.fixture
def household(offices, make_case):
    return _household(offices, make_case)


def _household(offices, make_case, *, accelerated=False):
    main = make_case("18b", accelerated=accelerated)
    head_user = main.person.user
    members = {}
    for relationship, name, age in ((Relationship.SPOUSE, "RAVI", 34), (Relationship.CHILD, "MIRA", 7)):
        member = household_services.household_member_add(
            actor=head_user, relationship=relationship, surname="SHARMA", given_names=name,
            birth_date=_years_ago(age), nationality="IND", passport_number=f"Z{age:07d}",
            passport_expiry=date(timezone.localdate().year + 5, 1, 1))
        members[relationship] = household_services.family_case_start(actor=head_user, member=member, main_case=main)
    spouse_case, child_case = members[Relationship.SPOUSE], members[Relationship.CHILD]
    for document_type, case in ((DocumentType.MARRIAGE_CERTIFICATE, spouse_case),
                                (DocumentType.BIRTH_CERTIFICATE, child_case)):
        household_services.family_document_share(actor=head_user, file=pdf_upload(f"{document_type}.pdf"),
                                                  document_type=document_type, cases=[case])
    return {"main": main, "spouse": spouse_case, "child": child_case, "head_user": head_user, "offices": offices}


def _approvals_granted(case):
    AuthorityRequest.objects.filter(case=case, purpose__in=APPROVAL_STEPS).update(
        state=RequestState.ANSWERED, outcome=Outcome.APPROVED, answered_at=timezone.now(), error_code="")


def _abh_staff(offices, role=Role.CASEWORKER):
    user = UserFactory()
    Membership.objects.create(user=user, organisation=offices["abh_be"].organisation, role=role)
    return user


def _refresh(*cases):
    for case in cases:
        case.refresh_from_db()


def _to_the_visa_office(household):
    main, spouse, child = household["main"], household["spouse"], household["child"]
    case_services.case_submit(case=main, actor=household["head_user"])
    _refresh(spouse, child)
    assert (spouse.state, child.state) == (CaseState.SUBMITTED, CaseState.SUBMITTED)
    staff = wsa_caseworker()
    for case in (main, spouse, child):
        procedure.case_send_to_authorities(case=case, actor=staff)
        employer_fee_pay(case)  # in the § 81a procedure the employer's fee comes first
    deliver_all()
    return staff


def test_the_family_through_the_whole_procedure_with_the_child_refused(household):
    main, spouse, child, head_user = household["main"], household["spouse"], household["child"], household["head_user"]
    staff = _to_the_visa_office(household)
    office = AuthorityRequest.objects.get(case=main, purpose="visa").authority
    assert {AuthorityRequest.objects.get(case=c, purpose="visa").authority_id for c in (spouse, child)} == {office.pk}
    office.family_appointments = True
    office.save(update_fields=["family_appointments"])
    # The main applicant sees the family's cases as bookable with theirs.
    assert household_selectors.family_cases_to_book(viewer=head_user, case=main, office=office) == [spouse, child]
    starts = timezone.now() + timedelta(days=3)
    slot = AppointmentSlot.objects.create(authority=office, starts_at=starts, ends_at=starts + timedelta(minutes=30),
                                          capacity=3)
    booking = appointments.appointment_book(case=main, slot_id=slot.public_id, actor=head_user,
                                            family=[spouse, child])
    slot.refresh_from_db()
    assert slot.booked == 3
    bookings = {b.case_id: b for b in AppointmentBooking.objects.filter(slot=slot, state=BookingState.ACTIVE)}
    assert set(bookings) == {main.pk, spouse.pk, child.pk}
    # The day has come: the main applicant and the spouse come, the child does not.
    AppointmentSlot.objects.filter(pk=slot.pk).update(starts_at=timezone.now() - timedelta(minutes=5))
    visa_staff = UserFactory()
    Membership.objects.create(user=visa_staff, organisation=office.organisation, role=Role.CASEWORKER)
    for case in (main, spouse, child):
        _approvals_granted(case)
        fee_pay(case)
    appointments.appointment_attendance_record(booking=booking, actor=visa_staff)
    appointments.appointment_attendance_record(booking=bookings[spouse.pk], actor=visa_staff)
    _refresh(main, spouse, child)
    assert AppointmentBooking.objects.get(pk=bookings[child.pk].pk).attended_at is None
    # The guard holds per case: the child's visa cannot be decided without their attendance.
    assert (main.state, spouse.state, child.state) == (
        CaseState.VISA_DECISION, CaseState.VISA_DECISION, CaseState.AUTHORITY_REVIEW)
    with translation.override("en"), pytest.raises(case_services.BackofficeError, match="not attended"):
        case_services.case_transition(case=child, transition="refer_to_visa_decision", actor=staff)
    # The child comes another day and is refused; the spouse's visa waits for the main applicant's.
    appointments.appointment_attendance_record(booking=bookings[child.pk], actor=visa_staff)
    child.refresh_from_db()
    case_services.case_transition(case=child, transition="reject", actor=staff)
    with pytest.raises(case_services.BackofficeError):
        case_services.case_transition(case=spouse, transition="grant_visa", actor=staff)
    for case in (main, spouse):
        case_services.case_transition(case=case, transition="grant_visa", actor=staff)
        case_services.case_transition(case=case, transition="report_entry", actor=staff)
    # After entry the foreigners' authority decides the family together: one action, a decision and a
    # title each, the main applicant's first.
    abh = _abh_staff(household["offices"])
    granted = {"outcome": Decision.Outcome.GRANTED, "legal_basis": "§ 18b AufenthG"}
    for case in (main, spouse):
        permit_fee_paid(case)  # the permit waits for its fee (§ 45 AufenthV)
    results = household_services.family_permits_decide(actor=abh, main_case=main,
                                                       outcomes={spouse: granted, main: granted})
    _refresh(main, spouse, child)
    assert (main.state, spouse.state, child.state) == (
        CaseState.PERMIT_ISSUED, CaseState.PERMIT_ISSUED, CaseState.REJECTED)
    assert all(isinstance(result, Decision) for result in results.values())
    # Each person has their own title; the child, refused, has none.
    assert ResidenceTitle.objects.filter(case=main).exclude(kind="national_visa").exists()
    assert ResidenceTitle.objects.filter(case=spouse).exclude(kind="national_visa").exists()
    assert not ResidenceTitle.objects.filter(case=child).exists()


def test_a_family_member_s_permit_never_comes_before_or_without_the_main_applicant_s(household):
    main, spouse = household["main"], household["spouse"]
    staff = _to_the_visa_office(household)
    for case in (main, spouse):
        _approvals_granted(case)
    walk(main, "refer_to_visa_decision", "grant_visa", "report_entry", actor=staff)
    walk(spouse, "refer_to_visa_decision", "grant_visa", "report_entry", actor=staff)
    for case in (main, spouse):
        permit_fee_paid(case)  # the permit waits for its fee (§ 45 AufenthV)
    abh = _abh_staff(household["offices"])
    granted = {"outcome": Decision.Outcome.GRANTED}
    with translation.override("en"):
        alone = household_services.family_permits_decide(actor=abh, main_case=main, outcomes={spouse: granted})
        assert "main applicant's residence permit" in alone[spouse]
        spouse.refresh_from_db()
        assert spouse.state == CaseState.ENTERED
        # The main applicant's permit is refused (awaiting the four-eyes approval): the spouse's cannot
        # be granted; the refusal itself goes its way.
        results = household_services.family_permits_decide(actor=abh, main_case=main, outcomes={
            main: {"outcome": Decision.Outcome.REJECTED, "reasons": "Livelihood not secured."},
            spouse: granted})
    assert results[main].status == Decision.Status.AWAITING_APPROVAL
    assert isinstance(results[spouse], str)
    _refresh(main, spouse)
    assert (main.state, spouse.state) == (CaseState.ENTERED, CaseState.ENTERED)


def test_one_appointment_for_the_family_only_where_the_office_offers_it_and_has_room(household):
    main, spouse, child, head_user = household["main"], household["spouse"], household["child"], household["head_user"]
    _to_the_visa_office(household)
    office = AuthorityRequest.objects.get(case=main, purpose="visa").authority
    starts = timezone.now() + timedelta(days=3)
    small = AppointmentSlot.objects.create(authority=office, starts_at=starts, capacity=2,
                                           ends_at=starts + timedelta(minutes=30))
    assert household_selectors.family_cases_to_book(viewer=head_user, case=main, office=office) == []
    with pytest.raises(appointments.AppointmentError) as refused:
        appointments.appointment_book(case=main, slot_id=small.public_id, actor=head_user, family=[spouse, child])
    assert refused.value.code == "no_family_appointments"
    office.family_appointments = True
    office.save(update_fields=["family_appointments"])
    with pytest.raises(appointments.AppointmentError) as refused:
        appointments.appointment_book(case=main, slot_id=small.public_id, actor=head_user, family=[spouse, child])
    assert refused.value.code == "family_no_room"
    small.refresh_from_db()
    assert small.booked == 0 and not AppointmentBooking.objects.exists()
    # Two places: the main applicant and the spouse; the child books later on their own case.
    appointments.appointment_book(case=main, slot_id=small.public_id, actor=head_user, family=[spouse])
    assert household_selectors.family_cases_to_book(viewer=head_user, case=main, office=office) == [child]
    assert set(AppointmentBooking.objects.values_list("case_id", flat=True)) == {main.pk, spouse.pk}
    # Another applicant cannot put someone else's case into their booking.
    stranger_case = Case.objects.exclude(pk__in=[main.pk, spouse.pk, child.pk]).first()
    assert stranger_case is None or household_selectors.family_cases_to_book(
        viewer=stranger_case.person.user, case=stranger_case, office=office) == []


def test_the_booking_page_offers_the_family_and_books_it(client, household):
    main, spouse, child, head_user = household["main"], household["spouse"], household["child"], household["head_user"]
    _to_the_visa_office(household)
    office = AuthorityRequest.objects.get(case=main, purpose="visa").authority
    office.family_appointments = True
    office.save(update_fields=["family_appointments"])
    starts = timezone.now() + timedelta(days=3)
    slot = AppointmentSlot.objects.create(authority=office, starts_at=starts, capacity=3,
                                          ends_at=starts + timedelta(minutes=30))
    client.force_login(head_user)
    url = reverse("applicant:case_appointment", args=[main.public_id])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Book the same appointment for your family" in page and "RAVI" in page and "MIRA" in page
    response = client.post(url, {"slot": str(slot.public_id), "family": [str(spouse.public_id)]},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    assert set(AppointmentBooking.objects.values_list("case_id", flat=True)) == {main.pk, spouse.pk}
    # A forged id of a case the applicant may not act for is ignored.
    assert child.pk not in set(AppointmentBooking.objects.values_list("case_id", flat=True))


def test_the_foreigners_authority_sees_the_family_as_one_task_and_decides_it_in_one_step(client, household):
    main, spouse, child = household["main"], household["spouse"], household["child"]
    staff = _to_the_visa_office(household)
    for case in (main, spouse, child):
        _approvals_granted(case)
        walk(case, "refer_to_visa_decision", "grant_visa", "report_entry", actor=staff)
        permit_fee_paid(case)  # the permit waits for its fee (§ 45 AufenthV)
    abh = give_totp(_abh_staff(household["offices"]))
    # The family's permits go to the main applicant's foreigners' authority.
    assert set(AuthorityRequest.objects.filter(purpose="residence_permit").values_list("authority", flat=True)) == {
        household["offices"]["abh_be"].pk}
    force_login_with_second_factor(client, abh)
    home = client.get(reverse("backoffice:home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Decide on the family&#x27;s residence permits together" in home and "(3 persons)" in home
    assert home.count("Decide on the residence permit<") == 0
    url = reverse("backoffice:family_permits", args=[spouse.public_id])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    text = page.content.decode()
    assert "§ 81 Abs. 6 AufenthG" in text and "§ 30 Abs. 1 AufenthG" in text and "§ 32 Abs. 1 AufenthG" in text
    assert CaseAccess.objects.filter(actor=abh, case__in=[main, spouse, child]).count() >= 3
    data = {}
    for case, outcome in ((main, "granted"), (spouse, "granted"), (child, "rejected")):
        prefix = str(case.public_id)
        data |= {f"{prefix}-outcome": outcome, f"{prefix}-legal_basis": "§ 18b AufenthG" if case is main else
                 ("§ 30 Abs. 1 AufenthG" if case is spouse else "§ 32 Abs. 1 AufenthG")}
    reauthenticated(client, abh)
    # A refusal without reasons is sent back with nothing decided.
    refused = client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 400 and not Decision.objects.exists()
    data[f"{child.public_id}-reasons"] = "The child no longer lives with the parents."
    assert client.post(url, data, HTTP_ACCEPT_LANGUAGE="en").status_code == 302
    _refresh(main, spouse, child)
    assert (main.state, spouse.state, child.state) == (
        CaseState.PERMIT_ISSUED, CaseState.PERMIT_ISSUED, CaseState.ENTERED)
    assert Decision.objects.get(case=child).status == Decision.Status.AWAITING_APPROVAL
    # Nothing left to decide together: the page is refused, the task list has the child's approval only.
    assert client.get(url).status_code == 403


def test_the_family_is_included_in_the_employers_81a_procedure_and_the_employer_sees_only_names_and_states(
        client, offices, make_case):
    household = _household(offices, make_case, accelerated=True)
    main, spouse, child = household["main"], household["spouse"], household["child"]
    _to_the_visa_office(household)
    _refresh(spouse, child)
    assert spouse.accelerated and child.accelerated
    # One procedure at the office of the workplace: the family's pre-approval comes from the same
    # foreigners' authority (§ 81a Abs. 4 AufenthG, § 31 Abs. 4 AufenthV).
    abh = offices["abh_be"].pk
    for case in (main, spouse, child):
        assert AuthorityRequest.objects.get(case=case, purpose="pre_approval_81a").authority_id == abh
    # The § 81a fee is the skilled worker's case's only (§ 47 Abs. 1 Nr. 15 AufenthV).
    assert "pre_approval_81a" not in {r.purpose for r in AuthorityRequest.objects.filter(case=main, state="failed")}
    hr = give_totp(UserFactory())
    Membership.objects.create(user=hr, organisation=main.employer, role=Role.EMPLOYER_MEMBER)
    force_login_with_second_factor(client, hr)
    page = client.get(reverse("employer:case_detail", args=[main.public_id]), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Family members included (<bdi dir=\"ltr\">§ 81a Abs. 4 AufenthG</bdi>)" in text
    assert "RAVI SHARMA" in text and "MIRA SHARMA" in text and "Spouse or registered partner" in text
    # Nothing else of theirs: no passport number, no date of birth, no document.
    assert spouse.person.passport_number not in text and child.person.passport_number not in text
    assert "marriage_certificate" not in text and "birth_certificate" not in text
    assert client.get(reverse("applicant:household_case", args=[spouse.public_id])).status_code in (403, 404)


def test_where_the_office_sees_each_person_apart_the_head_books_the_child_s_appointment_from_its_page(
        client, household):
    """A child has no login of its own: without family appointments (the default) its appointment is booked
    from its page in the household — before, nobody could book it and its visa step waited for ever."""
    main, spouse, child, head_user = household["main"], household["spouse"], household["child"], household["head_user"]
    _to_the_visa_office(household)
    office = AuthorityRequest.objects.get(case=main, purpose="visa").authority
    assert not office.family_appointments
    starts = timezone.now() + timedelta(days=3)
    slot = AppointmentSlot.objects.create(authority=office, starts_at=starts, capacity=3,
                                          ends_at=starts + timedelta(minutes=30))
    client.force_login(head_user)
    child_page_url = reverse("applicant:household_case_appointment", args=[child.public_id])
    main_page = client.get(reverse("applicant:case_appointment", args=[main.public_id]),
                           HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Book the same appointment for your family" not in main_page
    assert "This booking is for you alone; book one for each member of your family as well" in main_page
    assert child_page_url in main_page
    assert reverse("applicant:household_case_appointment", args=[spouse.public_id]) in main_page

    child_case_page = client.get(reverse("applicant:household_case", args=[child.public_id]),
                                 HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "The visa office needs to see MIRA" in child_case_page and child_page_url in child_case_page
    page = client.get(child_page_url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Appointment at the visa office for MIRA" in page and "You are booking for MIRA" in page
    assert str(slot.public_id) in page and "Book this appointment" in page

    response = client.post(child_page_url, {"slot": str(slot.public_id)}, HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert response.redirect_chain[-1][0] == reverse("applicant:household_case", args=[child.public_id])
    booking = AppointmentBooking.objects.get(case=child, state=BookingState.ACTIVE)
    assert booking.booked_by == head_user and booking.slot == slot
    assert not AppointmentBooking.objects.filter(case__in=[main, spouse]).exists()  # each person apart
    shown = response.content.decode()
    assert "The appointment for MIRA" in shown and "is booked" in shown
    assert "Change or cancel the appointment" in shown
    slot.refresh_from_db()
    assert slot.booked == 1

    cancelled = client.post(reverse("applicant:household_case_appointment_cancel", args=[child.public_id]),
                            {"booking": str(booking.public_id)}, HTTP_ACCEPT_LANGUAGE="en", follow=True)
    booking.refresh_from_db()
    assert booking.state == BookingState.CANCELLED
    assert "The appointment for MIRA" in cancelled.content.decode() and "was cancelled" in cancelled.content.decode()


def test_nobody_outside_the_household_books_or_sees_a_family_member_s_appointment(client, household, make_case):
    main, child = household["main"], household["child"]
    _to_the_visa_office(household)
    office = AuthorityRequest.objects.get(case=main, purpose="visa").authority
    starts = timezone.now() + timedelta(days=3)
    slot = AppointmentSlot.objects.create(authority=office, starts_at=starts, capacity=3,
                                          ends_at=starts + timedelta(minutes=30))
    stranger = make_case("18b").person.user
    client.force_login(stranger)
    url = reverse("applicant:household_case_appointment", args=[child.public_id])
    assert client.get(url).status_code == 404
    assert client.post(url, {"slot": str(slot.public_id)}).status_code == 404
    assert client.post(reverse("applicant:household_case_appointment_cancel", args=[child.public_id]),
                       {"booking": str(uuid.uuid4())}).status_code == 404
    assert not AppointmentBooking.objects.exists()
    # The hub's selectors answer nothing for another person's case unless the caller found it in the household.
    request = AuthorityRequest.objects.get(case=child, purpose="visa")
    assert authority_selectors.applicant_appointment(viewer=stranger, case=child) is None
    assert authority_selectors.applicant_slot_week(viewer=stranger, case=child, request=request)["slots"] == []
