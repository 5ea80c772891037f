"""The back-office queue: its filters and order, as one queryset, and the choices of its filter form."""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.core.cache import cache
from django.db import connection
from django.db.models import DateTimeField, F, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Organisation, OrganisationKind, Role, User
from accounts.selectors import user_is_staff_member

from ..lifecycle import CaseState
from ..models import DUE_LAST, Case, Person, search_normalise
from .deadlines import DUE_SOON_DAYS, deadline_expression
from .office_requests import cases_requested_from_q, waiting_requests
from .staff import staff_scope

QUEUE_PAGE_SIZE = 25
WSA_QUEUE_STATES = (CaseState.SUBMITTED, CaseState.COMPLETENESS_CHECK, CaseState.DOCUMENTS_REQUESTED)
FAR_PAST = datetime(1900, 1, 1, tzinfo=UTC)

SORTS = {
    # name: (annotation, descending)
    "deadline": ("deadline_at", False),
    "submitted": ("submitted_at", False),
    "-submitted": ("submitted_at", True),
}


@dataclass
class QueueFilters:
    state: str = ""          # "" = the role's default queue, "all" = every visible case
    title: str = ""
    country: str = ""
    office: int | None = None
    assignee: str = ""       # "", "me", "none" or a user's public id
    due: str = ""            # "", "overdue", "soon"
    q: str = ""
    sort: str = "deadline"
    cursor: str = ""


@dataclass
class QueuePage:
    cases: list
    next_cursor: str | None
    now: datetime


def case_list_for_staff(*, viewer, filters: QueueFilters | None = None) -> QuerySet[Case]:
    """The back-office queue of `viewer`, filtered, annotated with `deadline_at` and `sort_value`, sorted.

    WSA staff: cases waiting for the completeness check; authority staff: cases with a request to
    their office. Nothing at all for anyone else.
    """
    filters = filters or QueueFilters()
    if not user_is_staff_member(user=viewer):
        return Case.objects.none()
    scope = staff_scope(viewer=viewer)
    if scope.sees_all:
        cases = Case.objects.all()
    else:
        requested = cases_requested_from_q(scope.office_ids)
        if requested is None:
            return Case.objects.none()
        cases = Case.objects.filter(requested)
    if filters.state == "all":
        pass
    elif filters.state in CaseState.values:
        cases = cases.filter(state=filters.state)
    elif scope.sees_all:
        cases = cases.filter(state__in=WSA_QUEUE_STATES)
    else:
        open_requests = waiting_requests().filter(authority__organisation__in=list(scope.office_ids))
        cases = cases.filter(pk__in=open_requests.values("case"))
    if filters.title:
        cases = cases.filter(title_code=filters.title)
    if filters.country:
        cases = cases.filter(person__nationality=filters.country.upper())
    if filters.office:
        requested = cases_requested_from_q({filters.office})
        cases = cases.filter(requested) if requested is not None else cases.none()
    if filters.assignee == "me":
        cases = cases.filter(assignment__user=viewer)
    elif filters.assignee == "none":
        cases = cases.filter(assignment__isnull=True)
    elif filters.assignee:
        cases = cases.filter(assignment__user__public_id=filters.assignee)
    if filters.q and filters.q.strip():
        cases = cases.filter(_search_q(filters.q.strip()))
    now = timezone.now()
    cases = cases.annotate(deadline_at=deadline_expression(scope=scope))
    if filters.due == "overdue":
        cases = cases.filter(deadline_at__lt=now)
    elif filters.due == "soon":
        cases = cases.filter(deadline_at__gte=now, deadline_at__lt=now + timedelta(days=DUE_SOON_DAYS))
    field_name, descending = SORTS.get(filters.sort, SORTS["deadline"])
    sentinel = Value(FAR_PAST if descending else DUE_LAST, output_field=DateTimeField())
    sort_value = Coalesce(F(field_name), sentinel, output_field=DateTimeField())
    if filters.q and filters.q.strip() and _narrowed(filters):
        # A search within a state (the default queue) or another filter: its matches, sorted, cost
        # less than walking the WSA's deadline index (case_due_sort) until 25 of them turn up, which
        # PostgreSQL expects soon (it takes them for spread evenly) but whose first rows are mostly
        # other states' cases. The repeated column only makes the order differ from the index's
        # (PostgreSQL keeps it, where it drops a repeated constant).
        sort_value = Coalesce(F(field_name), F(field_name), sentinel, output_field=DateTimeField())
    cases = cases.annotate(sort_value=sort_value)
    cases = cases.select_related("person", "employer", "assignment__user")
    if descending:
        return cases.order_by("-sort_value", "-pk")
    return cases.order_by("sort_value", "pk")


def _narrowed(filters: QueueFilters) -> bool:
    """Whether a filter other than the search term narrows the cases."""
    return bool(filters.state != "all" or filters.title or filters.country or filters.office
                or filters.assignee or filters.due)


# A whole reference (services.reference_allocate) names one case: its unique index finds it at once,
# where the trigrams it shares with every other reference ("WSA", "-20") would read long lists.
WHOLE_REFERENCE = re.compile(r"WSA-\d{4}-\d{6,}")


def _search_q(term: str) -> Q:
    """Reference, surname, given names or passport number contain `term` (case-insensitive): one
    LIKE on Case.search_text, served by its trigram index (migration 0005) in the same rows that
    the queue's state and dates come from."""
    term = search_normalise(term)
    if WHOLE_REFERENCE.fullmatch(term):
        return Q(reference=term)
    return Q(search_text__contains=term)


# The filter's choices change when a title or a nationality first appears or a colleague joins: a minute
# late is harmless, and reading them took three statements on every queue page.
FILTER_OPTIONS_SECONDS = 60


def queue_filter_options(*, viewer) -> dict:
    """Choices for the queue's filter form: the residence titles and nationalities on record (two
    index skip scans on PostgreSQL, whatever the number of cases), the offices and the colleagues;
    kept for FILTER_OPTIONS_SECONDS per set of offices the viewer works for."""
    scope = staff_scope(viewer=viewer)
    key = filter_options_key(scope)
    options = cache.get(key)
    if options is None:
        options = _filter_options(scope)
        cache.set(key, options, FILTER_OPTIONS_SECONDS)
    return options


def filter_options_key(scope) -> str:
    """The cache key of the filter's choices: one set per set of offices (and the viewer's organisations)."""
    return "queue-filter-options:" + ("all" if scope.sees_all else ",".join(map(str, sorted(scope.office_ids)))) + (
        ":" + ",".join(str(org) for org in sorted({org for org, *_ in scope.memberships})))


def _filter_options(scope) -> dict:
    titles, countries = _distinct_values([(Case, "title_code"), (Person, "nationality")])

    offices = Organisation.objects.filter(kind__in=OrganisationKind.authority_kinds()).exclude(
        kind=OrganisationKind.WSA)
    if not scope.sees_all:
        offices = offices.filter(pk__in=scope.office_ids)
    colleague_orgs = [org for org, *_ in scope.memberships]
    colleagues = User.objects.filter(memberships__organisation__in=colleague_orgs,
                                     memberships__role__in=Role.staff_roles()).distinct().order_by("full_name")
    return {"titles": titles, "countries": countries, "offices": list(offices.values_list("pk", "name")),
            "colleagues": list(colleagues.values_list("public_id", "full_name", "email"))}


def _distinct_values(columns: list[tuple[type, str]]) -> list[list[str]]:
    """The distinct non-empty values of indexed columns, sorted, in one query. PostgreSQL has no skip
    scan, so each is a recursive query that jumps from value to value through the column's index
    (one index probe per distinct value instead of reading every row)."""
    quote = connection.ops.quote_name
    parts = []
    for position, (model, column) in enumerate(columns):
        table, col = quote(model._meta.db_table), quote(model._meta.get_field(column).column)
        if connection.vendor == "postgresql":
            parts.append(f"""SELECT {position}, value FROM (
                WITH RECURSIVE walk(value) AS (
                    (SELECT {col} FROM {table} WHERE {col} > '' ORDER BY {col} LIMIT 1)
                    UNION ALL
                    SELECT (SELECT {col} FROM {table} WHERE {col} > walk.value ORDER BY {col} LIMIT 1)
                    FROM walk WHERE walk.value IS NOT NULL
                ) SELECT value FROM walk WHERE value IS NOT NULL) walked""")  # noqa: S608 - quoted names only
        else:
            parts.append(f"SELECT * FROM (SELECT DISTINCT {position}, {col} FROM {table} WHERE {col} > '')")  # noqa: S608
    values: list[list[str]] = [[] for _ in columns]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts))  # quoted model table and column names only
        for position, value in cursor.fetchall():
            values[position].append(value)
    return [sorted(found) for found in values]
