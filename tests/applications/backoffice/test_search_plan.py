"""The search's order at national scale depends on PostgreSQL being able to read it from an index
(bench/README.md, "the order of a search"): these pin what the planner needs, on PostgreSQL."""

import pytest
from django.db import connection

from applications.selectors.queue import QueueFilters, case_list_for_staff

pytestmark = pytest.mark.django_db


def plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        # A test database is tiny: forbid what the planner prefers for a few rows, so that the plan
        # shows whether the index *can* give the order.
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
            cursor.execute(f"SET LOCAL {setting} = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.fixture
def postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's planner")


def test_a_search_across_all_cases_reads_its_order_from_the_deadline_index(postgresql, make_case, make_staff):
    make_case("submitted", surname="SANTOS")
    make_case("authority_review", surname="SANTOS DIAS")
    staff = make_staff("wsa")
    found = case_list_for_staff(viewer=staff, filters=QueueFilters(state="all", q="SANTOS"))
    assert "case_due_sort" in plan(found.values_list("sort_value", "pk")[:26])
    assert len(found) == 2


def test_a_search_within_the_queue_does_not_walk_the_deadline_index(postgresql, make_case, make_staff):
    make_case("submitted", surname="SANTOS")
    staff = make_staff("wsa")
    found = case_list_for_staff(viewer=staff, filters=QueueFilters(q="SANTOS"))
    assert "case_due_sort" not in plan(found.values_list("sort_value", "pk")[:26])
    assert len(found) == 1


def test_the_planner_samples_the_search_text_finely(postgresql):
    with connection.cursor() as cursor:
        cursor.execute("SELECT attstattarget FROM pg_attribute WHERE attrelid = 'applications_case'::regclass "
                       "AND attname = 'search_text'")
        assert cursor.fetchone()[0] == 1000
