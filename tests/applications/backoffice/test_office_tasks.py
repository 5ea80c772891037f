"""The landing page of an office's caseworker: "open tasks of my office", by legal deadline, exactly
the steps waiting for that office; supervisors also see the decisions awaiting their approval."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Role
from applications.models import Decision
from applications.offices import office_open_tasks
from authorities.models import AppointmentBooking, AppointmentSlot
from authorities.office_time import office_time
from tests.applications.backoffice.conftest import login

pytestmark = pytest.mark.django_db

HOME = reverse("backoffice:home")


def tasks_of(user):
    return [(task.kind, task.case.reference) for task in office_open_tasks(viewer=user)]


def booking_at(case, office, request, *, starts_in):
    starts = timezone.now() + starts_in
    slot = AppointmentSlot.objects.create(authority=office.authority, starts_at=starts,
                                          ends_at=starts + timedelta(minutes=30), booked=1)
    return AppointmentBooking.objects.create(slot=slot, case=case, request=request)


def office_tasks_section(client) -> str:
    page = client.get(HOME).content.decode()
    if 'data-testid="office-tasks"' not in page:
        return ""
    return page.split('data-testid="office-tasks"')[1].split("</table>")[0]


def test_the_ba_sees_its_open_approvals_most_urgent_first_and_nothing_else(client, make_case, make_staff,
                                                                           add_request):
    later, sooner, elsewhere, answered = (make_case("authority_review", surname=f"P{i}") for i in range(4))
    add_request(later, "ba", due_in=timedelta(days=9))
    add_request(sooner, "ba", due_in=timedelta(days=2))
    add_request(elsewhere, "zab", purpose="recognition")
    add_request(answered, "ba", state="answered")
    ba = make_staff("ba")
    assert tasks_of(ba) == [("answer_step", sooner.reference), ("answer_step", later.reference)]
    response = login(client, ba).get(HOME)
    section = office_tasks_section(client)
    assert section.index(sooner.reference) < section.index(later.reference)
    assert elsewhere.reference not in section and answered.reference not in section
    with translation.override(response.headers["Content-Language"]):
        # The task says which request it answers (every one read "Answer the request").
        assert translation.gettext("Answer: %(step)s") % {
            "step": translation.gettext("Approval of the Federal Employment Agency")} in section


def test_the_visa_office_sees_cases_ready_for_its_decision_and_appointments_to_record(client, make_case, make_staff,
                                                                                      add_request, offices):
    ready = make_case("visa_decision", surname="READY")
    add_request(ready, "visa", purpose="visa", state="answered")
    decided = make_case("visa_decision", surname="DRAFTED")
    add_request(decided, "visa", purpose="visa", state="answered")
    drafter = make_staff("visa", name="Anna Schulz")
    Decision.objects.create(case=decided, kind=Decision.Kind.VISA, outcome=Decision.Outcome.REJECTED,
                            status=Decision.Status.AWAITING_APPROVAL, decided_by=drafter, reasons="Passport.")
    waiting = make_case("authority_review", surname="TODAY")
    booking_at(waiting, offices["visa"], add_request(waiting, "visa", purpose="visa", state="acknowledged"),
               starts_in=timedelta(minutes=-30))
    tomorrow = make_case("authority_review", surname="TOMORROW")
    booking_at(tomorrow, offices["visa"], add_request(tomorrow, "visa", purpose="visa", state="acknowledged"),
               starts_in=timedelta(days=1, hours=1))
    attended = make_case("authority_review", surname="CAME")
    booking = booking_at(attended, offices["visa"],
                         add_request(attended, "visa", purpose="visa", state="acknowledged"),
                         starts_in=timedelta(hours=-2))
    AppointmentBooking.objects.filter(pk=booking.pk).update(attended_at=timezone.now())
    caseworker = make_staff("visa", name="Jonas Becker")
    assert sorted(tasks_of(caseworker)) == sorted([("decide_visa", ready.reference),
                                                   ("record_attendance", waiting.reference)])
    # The visa office's open receipts are no "answer" tasks: it answers with the appointment.
    assert all(kind != "answer_step" for kind, _ in tasks_of(caseworker))
    # Another office sees none of it.
    assert tasks_of(make_staff("ba")) == []
    # The supervisor of the visa office sees the rejection awaiting their approval, and the tasks.
    supervisor = make_staff("visa", Role.SUPERVISOR, name="Farid Rahimi")
    page = login(client, supervisor).get(HOME).content.decode()
    assert 'id="approval-heading"' in page and decided.reference in page.split('id="approval-heading"')[1]
    assert ready.reference in office_tasks_section(client)
    # The attendance row names whom the office was to see and when (it showed the reference alone).
    with translation.override("de"):
        when = office_time(AppointmentBooking.objects.get(case=waiting).slot.starts_at, offices["visa"].authority)
    assert f"Erfassen, ob PRIYA TODAY zum Termin am {when} erschienen ist" in office_tasks_section(client)
    # Its deadline column does not repeat the appointment as a deadline; a task without one says so.
    row = office_tasks_section(client).split(waiting.reference)[1].split("</tr>")[0]
    assert "am Tag des Termins" in row and "—" not in office_tasks_section(client)
    # The decider does not approve their own rejection.
    login(client, drafter)
    assert 'id="approval-heading"' not in client.get(HOME).content.decode()


def test_the_foreigners_authority_sees_its_requests_and_the_permits_to_decide(client, make_case, make_staff,
                                                                               add_request):
    entered = make_case("entered", surname="ENTERED")
    add_request(entered, "abh", purpose="residence_permit", state="answered")
    accelerated = make_case("authority_review", surname="FAST")
    add_request(accelerated, "abh", purpose="pre_approval_81a", due_in=timedelta(days=5))
    abh = make_staff("abh")
    assert tasks_of(abh) == [("answer_step", accelerated.reference), ("decide_permit", entered.reference)]
    Decision.objects.create(case=entered, kind=Decision.Kind.RESIDENCE_PERMIT, outcome=Decision.Outcome.GRANTED,
                            status=Decision.Status.ISSUED, decided_by=abh)
    assert tasks_of(abh) == [("answer_step", accelerated.reference)]


def test_the_recognition_body_sees_its_requests(make_case, make_staff, add_request):
    case = make_case("authority_review")
    add_request(case, "zab", purpose="recognition", due_in=None)
    withdrawn = make_case("submitted", surname="GONE")
    add_request(withdrawn, "zab", purpose="recognition")
    from applications import services

    services.case_transition(case=withdrawn, transition="withdraw")
    assert tasks_of(make_staff("zab")) == [("answer_step", case.reference)]


def test_the_wsa_and_a_filtered_queue_show_no_office_tasks(client, make_case, make_staff, add_request):
    case = make_case("authority_review")
    add_request(case, "ba")
    assert tasks_of(make_staff("wsa")) == []
    assert office_tasks_section(login(client, make_staff("wsa", name="Petra Lange"))) == ""
    ba_client = login(client, make_staff("ba"))
    assert case.reference in office_tasks_section(ba_client)
    filtered = ba_client.get(HOME, {"state": "authority_review"}).content.decode()
    assert 'data-testid="office-tasks"' not in filtered


def test_anonymous_viewers_have_no_tasks():
    from django.contrib.auth.models import AnonymousUser

    assert office_open_tasks(viewer=AnonymousUser()) == []


def test_the_visa_office_records_the_attendance_from_its_task_list(client, make_case, make_staff, add_request,
                                                                    offices):
    from accounts.models import OrganisationKind
    from authorities.models import Authority
    from tests.factories import OrganisationFactory

    case = make_case("authority_review", surname="TODAY")
    booking = booking_at(case, offices["visa"], add_request(case, "visa", purpose="visa", state="acknowledged"),
                         starts_in=timedelta(minutes=-10))
    url = reverse("authorities:appointment_attendance", args=[booking.public_id])
    # Another visa office, and another kind of office, cannot record it.
    elsewhere = OrganisationFactory(kind=OrganisationKind.VISA_OFFICE, name="Botschaft Hanoi")
    Authority.objects.create(kind=OrganisationKind.VISA_OFFICE, name="Botschaft Hanoi", organisation=elsewhere)
    stranger = make_staff("ba")
    assert login(client, stranger).post(url).status_code == 403
    from accounts.models import Membership

    other_visa = make_staff("wsa", name="Other Visa")
    Membership.objects.filter(user=other_visa).update(organisation=elsewhere)
    assert login(client, other_visa).post(url).status_code == 404
    booking.refresh_from_db()
    assert booking.attended_at is None
    # The office's own caseworker records it from the task list; the task is done.
    caseworker = make_staff("visa")
    login(client, caseworker)
    assert booking.public_id.hex[:8] in office_tasks_section(client).replace("-", "")
    assert client.post(url).status_code == 302
    booking.refresh_from_db()
    assert booking.attended_at is not None and booking.attended_by == caseworker
    assert ("record_attendance", case.reference) not in tasks_of(caseworker)
    # The case file says the person came, not that the appointment is still "booked".
    section = client.get(reverse("backoffice:case_detail", args=[case.public_id]), HTTP_ACCEPT_LANGUAGE="en")
    section = section.content.decode().split("Appointment at the visa office", 1)[1].split("</ul>", 1)[0]
    assert "attended" in section and "· booked" not in section
    # Too early: an appointment that has not begun is refused with a message, nothing recorded.
    later = make_case("authority_review", surname="LATER")
    early = booking_at(later, offices["visa"], add_request(later, "visa", purpose="visa", state="acknowledged"),
                       starts_in=timedelta(days=2))
    response = client.post(reverse("authorities:appointment_attendance", args=[early.public_id]), follow=True)
    early.refresh_from_db()
    assert early.attended_at is None and response.status_code == 200


def test_decisions_without_a_deadline_come_longest_waiting_application_first(make_case, make_staff, add_request):
    """No period runs for the permit decision after entry: the application submitted first comes first,
    whatever order the cases were created or entered in."""
    recent, waiting_longest = make_case("entered", surname="RECENT"), make_case("entered", surname="LONGEST")
    now = timezone.now()
    type(recent).objects.filter(pk=recent.pk).update(submitted_at=now - timedelta(days=20))
    type(recent).objects.filter(pk=waiting_longest.pk).update(submitted_at=now - timedelta(days=90))
    for case in (recent, waiting_longest):
        add_request(case, "abh", purpose="residence_permit", state="answered")
    assert tasks_of(make_staff("abh")) == [("decide_permit", waiting_longest.reference),
                                           ("decide_permit", recent.reference)]


def test_the_visa_decision_task_shows_the_period_that_runs_from_the_appointment(client, make_case, make_staff,
                                                                                 add_request):
    """§ 31a Abs. 2 AufenthV: in the § 81a procedure the visa is decided normally within three weeks of
    the appointment; the task carries that date (the header of the case file showed it, the list said
    "—") and comes before the decisions no period binds, however long those have waited."""
    regular, fast = make_case("visa_decision", surname="REGULAR"), make_case("visa_decision", surname="FAST")
    type(regular).objects.filter(pk=regular.pk).update(submitted_at=timezone.now() - timedelta(days=90))
    add_request(regular, "visa", purpose="visa", due_in=None)
    visa = add_request(fast, "visa", purpose="visa", due_in=timedelta(days=12))
    caseworker = make_staff("visa")
    tasks = office_open_tasks(viewer=caseworker)
    assert [(t.kind, t.case.reference, t.due_at) for t in tasks] == [
        ("decide_visa", fast.reference, visa.due_at), ("decide_visa", regular.reference, None)]
    login(client, caseworker)
    with translation.override("de"):
        section = office_tasks_section(client)
        row = section.split(fast.reference)[1].split("</tr>")[0]
        assert timezone.localtime(visa.due_at).strftime("%d.%m.%Y") in row


def test_the_permit_after_entry_is_one_task_to_decide_not_also_a_request_to_answer(make_case, make_staff,
                                                                                    add_request):
    """The permit step sent at the entry report stays open until the office decides; the landing shows
    the decision, once, and nothing once the permit is issued. An extension's permit step (sent during
    the authority review) is answered like any other step."""
    entered, issued = make_case("entered", surname="ENTERED"), make_case("entered", surname="ISSUED")
    extension = make_case("authority_review", surname="EXTENDS")
    for case in (entered, issued, extension):
        add_request(case, "abh", purpose="residence_permit")
    type(issued).objects.filter(pk=issued.pk).update(state="permit_issued")
    assert sorted(tasks_of(make_staff("abh"))) == [("answer_step", extension.reference),
                                                   ("decide_permit", entered.reference)]


def test_a_page_full_of_dated_tasks_is_not_followed_by_decisions_without_a_deadline(make_case, make_staff,
                                                                                    add_request,
                                                                                    django_assert_num_queries):
    """Decisions carry no deadline, so they come after every dated step; when the dated steps fill the
    page, the page is the same without reading the decisions, and with one more place it shows them."""
    first, second = (make_case("authority_review", surname=f"DATED{i}") for i in range(2))
    add_request(first, "abh", purpose="pre_approval_81a", due_in=timedelta(days=3))
    add_request(second, "abh", purpose="pre_approval_81a", due_in=timedelta(days=4))
    entered = make_case("entered", surname="ENTERED")
    add_request(entered, "abh", purpose="residence_permit", state="answered")
    abh = make_staff("abh")
    dated = [("answer_step", first.reference), ("answer_step", second.reference)]
    assert [(t.kind, t.case.reference) for t in office_open_tasks(viewer=abh, limit=3)] == [
        *dated, ("decide_permit", entered.reference)]
    abh = type(abh).objects.get(pk=abh.pk)  # a new request: nothing read yet
    with django_assert_num_queries(3):  # memberships, the office, its steps: no decisions read
        assert [(t.kind, t.case.reference) for t in office_open_tasks(viewer=abh, limit=2)] == dated


def _parallel_workers_setting() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        return cursor.fetchone()[0]


@pytest.mark.skipif("not __import__('django.db').db.connection.vendor == 'postgresql'")
@pytest.mark.parametrize("in_a_transaction", [
    True, pytest.param(False, marks=pytest.mark.django_db(transaction=True))])
def test_the_task_list_leaves_the_planner_settings_as_it_found_them(make_case, make_staff, add_request,
                                                                     in_a_transaction):
    """The decisions are read without parallel workers; the setting must not outlive that read, in the
    caller's transaction or in the next statement of a request without one."""
    from django.db import transaction

    entered = make_case("entered", surname="ENTERED")
    add_request(entered, "abh", purpose="residence_permit", state="answered")
    abh = make_staff("abh")
    before = _parallel_workers_setting()
    if in_a_transaction:
        with transaction.atomic():
            assert [t.kind for t in office_open_tasks(viewer=abh)] == ["decide_permit"]
            assert _parallel_workers_setting() == before
    else:
        from django.db import connection

        assert not connection.in_atomic_block  # autocommit, as a view without ATOMIC_REQUESTS
        assert [t.kind for t in office_open_tasks(viewer=abh)] == ["decide_permit"]
    assert _parallel_workers_setting() == before


def test_a_task_whose_office_is_unknown_names_the_authority_and_keeps_its_form(rf):
    """An answer can be on record without its office (AuthorityRequest.authority may be empty): the row
    still draws, says "the authority" and offers to send the step again."""
    import uuid
    from types import SimpleNamespace

    from django.middleware.csrf import get_token
    from django.template import Context

    from applications.offices import TASK_INFORMATION_NEEDED, OfficeTask
    from applications.templatetags.queue_rows import office_task_row

    request = rf.get("/")
    case = SimpleNamespace(public_id=uuid.uuid4(), reference="WSA-2026-000001")
    task = OfficeTask(TASK_INFORMATION_NEEDED, case, None, None, request=str(uuid.uuid4()), reason="passport")
    with translation.override("en"):
        row = office_task_row(Context({"csrf_token": get_token(request)}), task, "Information needed")
    assert "Send again to the authority" in row and 'name="csrfmiddlewaretoken"' in row
    assert '<td class="kern-table__cell" data-label="Office">the authority</td>' in row
    # On a phone the rows stack: every cell names its column.
    assert row.count("data-label=") == 4
    assert 'data-label="Deadline"><span class="kern-body--small">no deadline</span>' in row


def test_rows_without_a_form_leave_the_csrf_token_unread(make_case, make_staff, add_request):
    from django.template import Context
    from django.utils.functional import SimpleLazyObject

    from applications.templatetags.queue_rows import office_task_row

    case = make_case("authority_review", surname="PLAIN")
    add_request(case, "ba", due_in=timedelta(days=3))
    task = office_open_tasks(viewer=make_staff("ba"))[0]
    read = []
    token = SimpleLazyObject(lambda: read.append(1) or "token")
    assert "<form" not in office_task_row(Context({"csrf_token": token}), task, "Answer the request")
    assert not read


def test_an_extension_s_permit_step_is_a_decision_to_take_not_a_request_to_answer():
    """Its answer form only asks for information (the permit is decided by the decision): the task says so."""
    from types import SimpleNamespace

    from django.utils import translation

    from applications.offices import TASK_ANSWER_STEP, OfficeTask
    from applications.views.backoffice import _task_label

    permit_case = SimpleNamespace(title_code="18b")
    with translation.override("en"):
        assert _task_label(OfficeTask(TASK_ANSWER_STEP, permit_case, None, None, step="residence_permit")) == (
            "Decide on the residence permit")
        assert _task_label(OfficeTask(TASK_ANSWER_STEP, permit_case, None, None, step="ba_approval")) == (
            "Answer: Approval of the Federal Employment Agency")


def test_a_blue_card_case_s_permit_task_names_the_eu_blue_card(make_case, make_staff, add_request):
    """§ 18g AufenthG grants an EU Blue Card, a title of its own beside the Aufenthaltserlaubnis (§ 4 Abs. 1
    S. 2 Nr. 2a AufenthG): the foreigners' authority's list must not ask it to decide on a residence permit."""
    from django.utils import translation

    from applications.views.backoffice import _task_label

    blue = make_case("entered", surname="BLUE", title="18g")
    plain = make_case("entered", surname="PLAIN", title="18b")
    for case in (blue, plain):
        add_request(case, "abh", purpose="residence_permit", state="acknowledged")
    tasks = {task.case.pk: task for task in office_open_tasks(viewer=make_staff("abh"))}
    with translation.override("de"):
        assert _task_label(tasks[blue.pk]) == "Über die Blaue Karte EU entscheiden"
        assert _task_label(tasks[plain.pk]) == "Über die Aufenthaltserlaubnis entscheiden"


def test_the_visa_office_records_that_nobody_came_and_the_applicant_can_book_again(client, make_case, make_staff,
                                                                                   add_request, offices):
    """A missed appointment stayed "booked" for ever: the office's task never left its list, and the applicant's
    booking in the past kept them from booking again ("contact the visa office")."""
    from authorities import selectors as authority_selectors
    from authorities.models import BookingState

    case = make_case("authority_review", surname="MISSED")
    request = add_request(case, "visa", purpose="visa", state="acknowledged")
    booking = booking_at(case, offices["visa"], request, starts_in=timedelta(minutes=-40))  # ended 10 min ago
    url = reverse("authorities:appointment_missed", args=[booking.public_id])
    assert login(client, make_staff("ba")).post(url).status_code == 403  # not a visa office
    caseworker = make_staff("visa")
    login(client, caseworker)
    assert url in office_tasks_section(client)  # the task row's second button
    response = client.post(url, HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert "Recorded: the applicant did not come." in response.content.decode()
    booking.refresh_from_db()
    assert booking.state == BookingState.MISSED and booking.ended_by == caseworker and booking.attended_at is None
    assert ("record_attendance", case.reference) not in tasks_of(caseworker)
    assert client.post(url, HTTP_ACCEPT_LANGUAGE="en", follow=True).status_code == 200  # twice: a message, no change
    # The applicant is told and may book again.
    event = case.events.filter(payload__status="appointment_missed").get()
    assert not event.internal and "nobody came to the appointment" in event.text
    assert authority_selectors.applicant_appointment(viewer=case.person.user, case=case)["booking"] is None
    # An appointment still running cannot be marked as missed.
    running_case = make_case("authority_review", surname="RUNNING")
    running = booking_at(running_case, offices["visa"],
                         add_request(running_case, "visa", purpose="visa", state="acknowledged"),
                         starts_in=timedelta(minutes=-10))
    client.post(reverse("authorities:appointment_missed", args=[running.public_id]))
    running.refresh_from_db()
    assert running.state == BookingState.ACTIVE
