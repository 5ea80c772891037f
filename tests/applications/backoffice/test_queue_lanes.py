"""The queue page reads its order from index-ordered lanes (selectors.queue_page._queue_lanes) at national scale.
Whatever the data, filters and order, walking its pages must give exactly the cases, in exactly the
order, of the queue's definition as one query (selectors.queue.case_list_for_staff)."""

import random
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from applications import services
from applications.lifecycle import CaseState
from applications.models import CaseAssignment, DocumentRequest
from applications.selectors.queue import QueueFilters, case_list_for_staff
from applications.selectors.queue_page import case_queue_page
from tests.factories import CaseFactory, PersonFactory

pytestmark = pytest.mark.django_db

STATES = [CaseState.DRAFT, CaseState.SUBMITTED, CaseState.COMPLETENESS_CHECK, CaseState.DOCUMENTS_REQUESTED,
          CaseState.AUTHORITY_REVIEW, CaseState.VISA_DECISION, CaseState.CLOSED]


@pytest.fixture
def messy_cases(offices, make_staff):
    """Cases in many states with requests for documents and to offices in every shape: several open
    ones per case, equal deadlines, no deadline, answered ones, cases without any."""
    from authorities.models import AuthorityRequest

    rng = random.Random(11)
    now = timezone.now()
    staff = make_staff("wsa")
    cases = []
    for i in range(40):
        state = STATES[i % len(STATES)]
        person = PersonFactory(surname=rng.choice(["SHARMA", "NGUYEN", "SILVA"]),
                               nationality=rng.choice(["IND", "VNM"]))
        submitted = None if state == CaseState.DRAFT or i % 11 == 0 else now - timedelta(days=rng.randrange(0, 30))
        case = CaseFactory(person=person, state=state, submitted_at=submitted, title_code=rng.choice(["18a", "18g"]))
        cases.append(case)
        same_day = now + timedelta(days=rng.randrange(-5, 5))
        for _ in range(rng.randrange(0, 3)):
            DocumentRequest.objects.create(
                case=case, reason="missing", due_at=same_day if rng.random() < 0.3 else now + timedelta(
                    days=rng.randrange(-10, 20)),
                fulfilled_at=now if rng.random() < 0.3 else None)
        for _ in range(rng.randrange(0, 4)):
            office = rng.choice(["ba", "visa", "abh"])
            due = rng.choice([None, same_day, now + timedelta(days=rng.randrange(-10, 20))])
            AuthorityRequest.objects.create(
                case=case, authority=offices[office].authority, purpose="ba_approval",
                state=rng.choice(["pending", "sent", "acknowledged", "answered", "failed"]),
                idempotency_key=uuid.uuid4().hex, due_at=due)
        if rng.random() < 0.3:
            CaseAssignment.objects.create(case=case, user=staff)
    services.case_due_refresh()  # the rows above were written directly, not by the services
    return cases


def walk(viewer, filters: QueueFilters, limit: int) -> list[int]:
    seen, cursor = [], ""
    for _ in range(200):
        page = case_queue_page(viewer=viewer, filters=QueueFilters(**{**filters.__dict__, "cursor": cursor}),
                                         limit=limit)
        seen += [case.pk for case in page.cases]
        if not page.next_cursor:
            return seen
        cursor = page.next_cursor
    raise AssertionError("the queue did not end")


FILTERS = [
    {}, {"state": "all"}, {"state": "documents_requested"}, {"state": "authority_review"}, {"state": "closed"},
    {"sort": "submitted"}, {"sort": "-submitted"}, {"state": "all", "sort": "submitted"},
    {"state": "all", "sort": "-submitted"}, {"due": "overdue"}, {"due": "soon"}, {"state": "all", "due": "overdue"},
    {"country": "VNM"}, {"title": "18a", "state": "all"}, {"assignee": "none"}, {"state": "all", "q": "SHAR"},
    {"state": "all", "assignee": "none", "sort": "-submitted"},
]


@pytest.mark.parametrize("office", ["wsa", "ba", "visa"])
@pytest.mark.parametrize("params", FILTERS, ids=lambda p: "&".join(f"{k}={v}" for k, v in p.items()) or "default")
def test_the_pages_walk_the_queue_in_its_defined_order(messy_cases, make_staff, offices, office, params):
    viewer = make_staff(office)
    filters = QueueFilters(**params)
    expected = [case.pk for case in case_list_for_staff(viewer=viewer, filters=filters)]
    for limit in (1, 3, 25):
        assert walk(viewer, filters, limit) == expected, (office, params, limit)


def test_office_filter_and_search_by_reference(messy_cases, make_staff, offices):
    viewer = make_staff("wsa")
    for filters in [QueueFilters(state="all", office=offices["visa"].pk),
                    QueueFilters(q=messy_cases[3].reference[-6:]),
                    QueueFilters(state="all", q=messy_cases[5].person.passport_number.lower())]:
        expected = [case.pk for case in case_list_for_staff(viewer=viewer, filters=filters)]
        assert walk(viewer, filters, 2) == expected
        assert expected

