"""The queue: per role and office, filters, search, deadline badges, keyset pagination, query count."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from applications import services
from applications.models import DocumentRequest
from applications.selectors.deadlines import deadline_status
from applications.selectors.queue import QueueFilters, case_list_for_staff
from applications.selectors.queue_page import case_queue_page

from .conftest import login

pytestmark = pytest.mark.django_db


def queue(client, **params):
    response = client.get(reverse("backoffice:home"), params)
    assert response.status_code == 200
    return response


def references(response):
    return [case.reference for case, _status in response.context["rows"]]


def test_wsa_queue_shows_cases_waiting_for_the_completeness_check(client, make_case, make_staff):
    waiting = [make_case("submitted"), make_case("completeness_check"), make_case("documents_requested")]
    later = make_case("authority_review")
    login(client, make_staff("wsa"))
    shown = references(queue(client))
    assert set(shown) == {c.reference for c in waiting}
    assert later.reference in references(queue(client, state="all"))
    assert references(queue(client, state="authority_review")) == [later.reference]


def test_every_queue_cell_names_its_column_in_the_viewer_s_language(client, make_case, make_staff):
    """On a phone the queue's rows stack (wsa-stacked-table): each value stands under its column's name, as in the
    office's task list; the table scrolled sideways at 360 px."""
    case = make_case("submitted")
    login(client, make_staff("wsa"))
    for language, labels in (("en", ["Reference", "Applicant", "Nationality", "Residence title", "Status",
                                     "Submitted", "Deadline", "Assigned to"]),
                             ("de", ["Aktenzeichen", "Antragsteller/in", "Staatsangehörigkeit", "Aufenthaltstitel",
                                     "Status", "Eingereicht", "Frist", "Zugewiesen an"])):
        page = client.get(reverse("backoffice:home"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
        table = page.split('data-testid="queue"')[1].split("</table>")[0]
        assert 'class="kern-table wsa-stacked-table"' in page
        row = table.split(case.reference)[0].rsplit("<tr", 1)[1] + table.split(case.reference)[1].split("</tr>")[0]
        assert [label for label in labels if f'data-label="{label}"' in row] == labels, language


def test_authority_queue_shows_only_open_requests_to_the_office(client, make_case, make_staff, add_request):
    mine, answered, other = make_case("authority_review"), make_case("authority_review"), make_case("authority_review")
    add_request(mine, "ba")
    add_request(answered, "ba", state="answered")
    add_request(other, "visa", purpose="visa")
    login(client, make_staff("ba"))
    assert references(queue(client)) == [mine.reference]
    assert set(references(queue(client, state="all"))) == {mine.reference, answered.reference}


def test_filters_and_search(client, make_case, make_staff, add_request):
    indian = make_case("submitted", nationality="IND", surname="IYER")
    vietnamese = make_case("completeness_check", nationality="VNM", surname="NGUYEN", title="18a")
    add_request(vietnamese, "ba")
    login(client, make_staff("wsa"))
    assert references(queue(client, country="VNM")) == [vietnamese.reference]
    assert references(queue(client, title="18a")) == [vietnamese.reference]
    assert references(queue(client, q="iye")) == [indian.reference]
    assert references(queue(client, q=indian.person.passport_number.lower())) == [indian.reference]
    # The reference's running number: its last four digits could also sit in a factory passport number.
    assert references(queue(client, q=vietnamese.reference[-6:])) == [vietnamese.reference]
    office = vietnamese.authority_requests.get().authority.organisation_id
    assert references(queue(client, office=office)) == [vietnamese.reference]
    assert references(queue(client, assignee="none")) != []
    assert references(queue(client, assignee="me")) == []


def test_a_search_in_the_work_list_says_so_and_links_the_same_search_over_all_cases(client, make_case, make_staff):
    """A name outside the work list was answered "No cases." with no word that only the work list was searched."""
    from django.utils import translation

    later = make_case("authority_review", surname="SHARMA")
    login(client, make_staff("wsa"))
    response = queue(client, q="sharma")
    assert references(response) == []
    page = response.content.decode()
    with translation.override("de"):
        assert "Gesucht in: Mein Arbeitsvorrat" in page
    link = response.context["search_elsewhere"]["query"]
    assert "state=all" in link and "q=sharma" in link
    everywhere = client.get(reverse("backoffice:home") + "?" + link)
    assert references(everywhere) == [later.reference]
    assert everywhere.context["search_elsewhere"] is None  # already over all cases: nothing to offer
    assert queue(client).context["search_elsewhere"] is None  # no search: no line


def test_search_follows_the_profile_and_forgets_anonymised_cases(client, make_case, make_staff, settings):
    from applications import services
    from applications.retention import purge_closed_cases

    case = make_case("submitted", surname="OKONKWO")
    login(client, make_staff("wsa"))
    assert references(queue(client, q="  okonkwo ")) == [case.reference]
    services.person_update(person=case.person, surname="Adeyemi-Okafor")  # married name, new passport
    assert references(queue(client, q="okonkwo")) == []
    assert references(queue(client, q="adeyemi-oka")) == [case.reference]
    assert references(queue(client, q=f"{case.reference[-6:]}")) == [case.reference]
    # Past its retention period a closed case is anonymised: no longer found by the person's name.
    type(case).objects.filter(pk=case.pk).update(state="closed", closed_at=timezone.now() - timedelta(days=3000))
    settings.WSA_CLOSED_CASE_RETENTION_DAYS = 30
    purge_closed_cases()
    assert references(queue(client, q="adeyemi", state="all")) == []
    assert references(queue(client, q=case.reference, state="all")) == [case.reference]


def test_deadline_badges_and_due_filters(client, make_case, make_staff, add_request):
    overdue, soon, later = (make_case("authority_review") for _ in range(3))
    add_request(overdue, "ba", due_in=timedelta(days=-1))
    add_request(soon, "ba", due_in=timedelta(days=1))
    add_request(later, "ba", due_in=timedelta(days=20))
    login(client, make_staff("ba"))
    response = queue(client)
    assert references(response) == [overdue.reference, soon.reference, later.reference]  # by deadline
    html = response.content.decode()
    assert "kern-badge--danger" in html and "kern-badge--warning" in html
    statuses = dict((c.reference, status) for c, status in response.context["rows"])
    assert statuses == {overdue.reference: "overdue", soon.reference: "soon", later.reference: ""}
    assert references(queue(client, due="overdue")) == [overdue.reference]
    assert references(queue(client, due="soon")) == [soon.reference]


def test_wsa_deadlines_come_from_document_requests_and_the_completeness_target(make_case, make_staff):
    requested = make_case("documents_requested")
    # Already overdue (the back office only sets future deadlines): written directly.
    DocumentRequest.objects.create(case=requested, reason="missing", due_at=timezone.now() - timedelta(hours=1))
    services.case_due_refresh(case_ids=[requested.pk])
    fresh = make_case("submitted")
    rows = {c.pk: deadline_status(deadline=c.deadline_at)
            for c in case_list_for_staff(viewer=make_staff("wsa"))}
    assert rows[requested.pk] == "overdue"
    assert rows[fresh.pk] == ""


def test_keyset_pagination_walks_every_case_once(make_case, make_staff):
    staff = make_staff("wsa")
    cases = [make_case("submitted") for _ in range(7)]
    for sort in ("deadline", "submitted", "-submitted"):
        seen, cursor = [], ""
        for _ in range(10):
            page = case_queue_page(viewer=staff, filters=QueueFilters(sort=sort, cursor=cursor), limit=3)
            seen += [c.pk for c in page.cases]
            if not page.next_cursor:
                break
            cursor = page.next_cursor
        assert sorted(seen) == sorted(c.pk for c in cases), sort
        assert len(seen) == len(set(seen))
    # A broken cursor starts again from the top instead of failing.
    page = case_queue_page(viewer=staff, filters=QueueFilters(cursor="%%%garbage"), limit=3)
    assert len(page.cases) == 3


def test_pagination_links(client, make_case, make_staff, monkeypatch):
    monkeypatch.setattr("applications.views.backoffice.QUEUE_PAGE_SIZE", 2)
    for _ in range(3):
        make_case("submitted")
    login(client, make_staff("wsa"))
    first = queue(client, sort="submitted")
    assert len(first.context["rows"]) == 2 and first.context["next_query"]
    second = client.get(reverse("backoffice:home") + "?" + first.context["next_query"])
    assert len(second.context["rows"]) == 1 and not second.context["next_query"]


@pytest.mark.parametrize("office", ["wsa", "ba"])
def test_queue_query_count_is_constant(client, make_case, make_staff, add_request, django_assert_max_num_queries,
                                       office):
    user = make_staff(office)
    login(client, user)

    def add(n):
        for _ in range(n):
            case = make_case("submitted" if office == "wsa" else "authority_review")
            add_request(case, "ba")
            from applications import services

            services.case_claim(case=case, actor=user)

    add(2)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        queue(client)
    add(20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = queue(client)
    assert len(response.context["rows"]) == 22


def test_the_filter_choices_are_read_once_a_minute_per_set_of_offices(make_case, make_staff,
                                                                      django_assert_num_queries):
    from django.core.cache import cache

    from applications.selectors.queue import queue_filter_options
    from applications.selectors.staff import staff_scope

    make_case("submitted")
    wsa, ba = make_staff("wsa"), make_staff("ba")
    first = queue_filter_options(viewer=wsa)
    staff_scope(viewer=wsa)
    with django_assert_num_queries(0):
        assert queue_filter_options(viewer=wsa) == first
    # Another office has its own choices (its own offices and colleagues), never the WSA's.
    staff_scope(viewer=ba)
    assert queue_filter_options(viewer=ba)["offices"] != first["offices"]
    cache.clear()
    with django_assert_num_queries(3):
        queue_filter_options(viewer=wsa)


def test_the_cached_filter_fields_follow_language_query_choices_and_office(client, make_case, make_staff):
    """The filter's fields are drawn once per language, query and set of choices: a German page after an
    English one is German, the value asked for is the one selected, an invalid value shows its error, a
    nationality that appears is offered once the choices are read again, and an office's caseworker
    never gets the WSA's fields."""
    from django.core.cache import cache

    from applications.selectors.queue import filter_options_key
    from applications.selectors.staff import staff_scope

    cache.clear()
    make_case("submitted", nationality="IND")
    wsa = make_staff("wsa")
    login(client, wsa)

    def filters(language="en", **params):
        response = client.get(reverse("backoffice:home"), params, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200
        return response.content.decode().split('class="wsa-queue-filters"')[1].split("</form>")[0]

    english = filters()
    assert "Nationality" in english and "My queue: completeness check" in english
    german = filters("de")
    assert "Staatsangehörigkeit" in german and "Nationality" not in german
    assert 'value="all" selected' in filters(state="all") and 'value="all" selected' not in filters()
    assert "kern-error" in filters(q="ab") and "kern-error" not in filters(q="abc")
    make_case("submitted", nationality="ISL")
    assert 'value="ISL"' not in filters()  # the choices are kept a minute (queue_filter_options) ...
    cache.delete(filter_options_key(staff_scope(viewer=wsa)))  # ... then read again: the fields follow them
    assert 'value="ISL"' in filters()
    login(client, make_staff("ba"))
    office = filters()
    assert "My queue: open requests to my office" in office and "My queue: completeness check" not in office


def test_the_queue_names_a_title_by_its_section_never_by_the_portal_s_code(client, make_case, make_staff):
    make_case("completeness_check", title="18g")
    login(client, make_staff("wsa"))
    html = queue(client, state="all").content.decode()
    table = html.split("<tbody", 1)[1]
    assert '<bdi dir="ltr">§ 18g AufenthG</bdi>' in table and ">18g<" not in table
    assert 'value="18g">Blaue Karte EU (§ 18g AufenthG)</option>' in html  # German by default
