"""One page of the back-office queue, read by keyset; at national scale from index-ordered lanes."""

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection
from django.db.models import BooleanField, ExpressionWrapper, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.selectors import user_is_staff_member
from authorities.models import Authority, AuthorityRequest

from ..lifecycle import CaseState
from ..models import DUE_LAST, Case, CaseAssignment, DocumentRequest, Person
from .deadlines import COMPLETENESS_CHECK_DAYS, DATED_STATES, DUE_SOON_DAYS, deadline_expression
from .office_requests import WAITING_STATES
from .queue import FAR_PAST, QUEUE_PAGE_SIZE, SORTS, WSA_QUEUE_STATES, QueueFilters, QueuePage, case_list_for_staff
from .staff import StaffScope, staff_scope, viewer_authorities


def _encode_cursor(value: datetime, pk: int) -> str:
    raw = json.dumps([value.isoformat(), pk]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, int] | None:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value, pk = json.loads(raw)
        parsed = datetime.fromisoformat(value)
        if timezone.is_naive(parsed) or not isinstance(pk, int):
            return None
        return parsed, pk
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        return None


def case_queue_page(*, viewer, filters: QueueFilters, limit: int = QUEUE_PAGE_SIZE) -> QueuePage:
    """One page of the queue by keyset: the cursor is (sort value, pk) of the last row; no OFFSET.

    The order and the cases are those of case_list_for_staff(); at national scale they are read
    from index-ordered lanes (see _queue_lanes) instead of sorting every visible case."""
    _, descending = SORTS.get(filters.sort, SORTS["deadline"])
    position = _decode_cursor(filters.cursor) if filters.cursor else None
    term = (filters.q or "").strip()
    if term:
        # A search: its matches come from the trigram index (a few thousand cases for a common
        # surname, one for a reference) and are sorted as they are, in one query.
        return _queue_page_general(viewer=viewer, filters=filters, limit=limit, position=position)
    lanes = _queue_lanes(viewer=viewer, filters=filters)
    if lanes is None:
        return _queue_page_general(viewer=viewer, filters=filters, limit=limit, position=position)
    rows = _merge_lanes(lanes, position=position, limit=limit + 1, descending=descending)
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = _encode_cursor(*rows[-1])
    cases = _queue_cases([pk for _value, pk in rows], viewer=viewer)
    page = []
    for value, pk in rows:
        case = cases.get(pk)
        if case is not None:
            case.sort_value = value
            page.append(case)
    return QueuePage(cases=page, next_cursor=next_cursor, now=timezone.now())


def _queue_page_general(*, viewer, filters: QueueFilters, limit: int, position) -> QueuePage:
    """The queue as one sorted query: for searches, for small installations and for the rare
    combination the lanes do not serve."""
    cases = case_list_for_staff(viewer=viewer, filters=filters)
    _, descending = SORTS.get(filters.sort, SORTS["deadline"])
    if position is not None:
        value, pk = position
        if descending:
            cases = cases.filter(Q(sort_value__lt=value) | Q(sort_value=value, pk__lt=pk))
        else:
            cases = cases.filter(Q(sort_value__gt=value) | Q(sort_value=value, pk__gt=pk))
    # First the order (sort value and id only, no joins), then the page's cases with what they show.
    rows = list(cases.values_list("sort_value", "pk")[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = _encode_cursor(*rows[-1])
    found = _queue_cases([pk for _value, pk in rows], viewer=viewer)
    page = []
    for value, pk in rows:
        case = found.get(pk)
        if case is not None:
            case.sort_value = value
            page.append(case)
    return QueuePage(cases=page, next_cursor=next_cursor, now=timezone.now())


# What a row of the queue shows (templates/backoffice/home.html): whole case rows with their search text,
# person and employer cost more to build than the query to read them.
_QUEUE_ROW_COLUMNS = ("public_id", "reference", "title_code", "state", "submitted_at", "person__surname",
                      "person__given_names", "person__nationality", "assignment__user__full_name",
                      "assignment__user__email")


def _queue_cases(pks: list[int], *, viewer) -> dict[int, Case]:
    """The page's cases with what the queue shows (deadline, person, claim), in one query."""
    if not pks:
        return {}
    scope = staff_scope(viewer=viewer)
    cases = (Case.objects.filter(pk__in=pks).annotate(deadline_at=deadline_expression(scope=scope))
             .select_related("person", "assignment__user").only(*_QUEUE_ROW_COLUMNS))
    return {case.pk: case for case in cases}


# --- Back office: the queue at national scale -------------------------------------------------------
# case_list_for_staff() says what the queue is as one queryset: its deadline is computed per case
# (a CASE over the state with subqueries), so sorting by it reads and sorts every visible case.
# case_queue_page() reads the same order from a few lanes, each ordered by an index and read by
# keyset, and merges them (k-way merge of at most a page + 1 rows per lane):
#   WSA staff, by deadline: submitted / completeness check by submitted_at (+ the 14-day target),
#       documents requested by their earliest open request for documents, authority review by the
#       earliest open authority request, and last the cases without a deadline by id;
#   office staff, by deadline: their office's earliest open request per case by due date, then the
#       cases without one by id (read from the office's requests);
#   by submission date (either direction): submitted_at, then the cases never submitted by id.
# Indexes: migration applications/0003 (partial indexes on the open requests) — see bench/README.md.

_COMPLETENESS_OFFSET = timedelta(days=COMPLETENESS_CHECK_DAYS)


@dataclass
class _Lane:
    """One index-ordered source of (sort value, case pk): `fetch(after, n)` returns the next n rows
    after the keyset position `after` (None: from the start); `undated` lanes carry the sentinel."""

    fetch: object
    undated: bool = False


@dataclass
class _QueueContext:
    viewer: object
    scope: StaffScope
    filters: QueueFilters
    authorities: list[int]          # the viewer's own offices (authority ids)
    office_authorities: list[int]   # the office chosen in the filter (authority ids)


def _queue_context(*, viewer, scope: StaffScope, filters: QueueFilters) -> _QueueContext:
    authorities = [] if scope.sees_all else _viewer_authority_ids(viewer=viewer, scope=scope)
    office_authorities = list(Authority.objects.filter(organisation_id=filters.office).values_list(
        "pk", flat=True)) if filters.office else []
    return _QueueContext(viewer=viewer, scope=scope, filters=filters, authorities=authorities,
                         office_authorities=office_authorities)


def _queue_case_q(ctx: _QueueContext, *, with_state: bool = True, scope_implied: bool = False) -> Q:
    """Every condition of the queue on the case except its deadline and a search (searches never reach
    the lanes: case_queue_page reads them in one query), as one Q on Case.
    `with_state=False` leaves the state to the lane; `scope_implied` when the lane reads the
    viewer's own offices' requests anyway."""
    filters, scope = ctx.filters, ctx.scope
    q = Q()
    if not scope.sees_all and not scope_implied:
        q &= _any(AuthorityRequest.objects.filter(case_id=OuterRef("pk"), authority_id__in=ctx.authorities))
    if with_state:
        if filters.state == "all":
            pass
        elif filters.state in CaseState.values:
            q &= Q(state=filters.state)
        elif scope.sees_all:
            q &= Q(state__in=WSA_QUEUE_STATES)
        else:
            q &= _any(AuthorityRequest.objects.filter(case_id=OuterRef("pk"), state__in=WAITING_STATES,
                                                      authority_id__in=ctx.authorities))
    if filters.title:
        q &= Q(title_code=filters.title)
    if filters.country:
        q &= _any(Person.objects.filter(pk=OuterRef("person_id"), nationality=filters.country.upper()))
    if filters.office:
        q &= _any(AuthorityRequest.objects.filter(case_id=OuterRef("pk"), authority_id__in=ctx.office_authorities))
    claims = CaseAssignment.objects.filter(case_id=OuterRef("pk"))
    if filters.assignee == "me":
        q &= _any(claims.filter(user=ctx.viewer))
    elif filters.assignee == "none":
        q &= _none(claims)
    elif filters.assignee:
        q &= _any(claims.filter(user__public_id=filters.assignee))
    return q


def _after(field_name: str, pk_name: str, after, *, descending: bool, offset=timedelta(0)) -> Q:
    """Keyset condition (field, pk) after the position; the extra bound lets the index start there."""
    if after is None:
        return Q()
    value, pk = after
    value = value - offset
    if descending:
        return Q(**{f"{field_name}__lte": value}) & (Q(**{f"{field_name}__lt": value}) | Q(**{f"{pk_name}__lt": pk}))
    return Q(**{f"{field_name}__gte": value}) & (Q(**{f"{field_name}__gt": value}) | Q(**{f"{pk_name}__gt": pk}))


def _due_window(filters: QueueFilters, now) -> tuple[datetime | None, datetime | None]:
    if filters.due == "overdue":
        return None, now
    if filters.due == "soon":
        return now, now + timedelta(days=DUE_SOON_DAYS)
    return None, None


def _wanted_states(filters: QueueFilters, scope: StaffScope) -> list[str] | None:
    """The case states the queue may show (None: any)."""
    if filters.state in CaseState.values:
        return [filters.state]
    if filters.state == "all" or not scope.sees_all:
        return None
    return list(WSA_QUEUE_STATES)


def _queue_lanes(*, viewer, filters: QueueFilters) -> list[_Lane] | None:
    """The lanes of the viewer's queue, [] for nobody, None when the general query must serve it."""
    if not user_is_staff_member(user=viewer):
        return []
    scope = staff_scope(viewer=viewer)
    if not scope.sees_all and not scope.office_ids:
        return []
    field_name, descending = SORTS.get(filters.sort, SORTS["deadline"])
    if field_name == "submitted_at" and filters.due:
        return None  # a deadline filter with a date order: the general query
    ctx = _queue_context(viewer=viewer, scope=scope, filters=filters)
    if not scope.sees_all and not ctx.authorities:
        return []
    if filters.office and not ctx.office_authorities:
        return []
    if field_name == "submitted_at":
        return _submitted_lanes(ctx, descending=descending)
    if scope.sees_all:
        return _wsa_deadline_lanes(ctx)
    return _office_deadline_lanes(ctx)


def _submitted_lanes(ctx: _QueueContext, *, descending: bool) -> list[_Lane]:
    """By submission date: per state for a few states (index state, submitted_at, id), else one lane
    over every case (index submitted_at, id); the cases never submitted come last, by id."""
    order = ("-submitted_at", "-pk") if descending else ("submitted_at", "pk")
    states = _wanted_states(ctx.filters, ctx.scope)
    base = Case.objects.filter(_queue_case_q(ctx, with_state=states is None))
    groups = [[state] for state in states] if states else [None]
    lanes = []
    for group in groups:
        cases = base.filter(state__in=group) if group else base

        def submitted(after, n, cases=cases):
            rows = (cases.filter(submitted_at__isnull=False)
                    .filter(_after("submitted_at", "pk", after, descending=descending))
                    .order_by(*order).values_list("submitted_at", "pk")[:n])
            return list(rows)

        lanes.append(_Lane(submitted))
    never = base.filter(state__in=states) if states else base

    def never_submitted(after, n):
        rows = never.filter(submitted_at__isnull=True)
        if after is not None:
            rows = rows.filter(pk__lt=after[1]) if descending else rows.filter(pk__gt=after[1])
        return [(None, pk) for pk in rows.order_by(*order).values_list("pk", flat=True)[:n]]

    lanes.append(_Lane(never_submitted, undated=True))

    if not ctx.scope.sees_all and states is None and _default_queue(ctx.filters) and connection.vendor == "postgresql":
        lanes[0] = _Lane(_office_open_cases_by_submission(ctx, base, descending=descending))
    return lanes


def _default_queue(filters: QueueFilters) -> bool:
    return filters.state not in CaseState.values and filters.state != "all"


def _office_open_cases_by_submission(ctx: _QueueContext, base, *, descending: bool):
    """Office staff's own queue by submission date. Its cases are recent, so reading every case by
    submission date and testing each for an open request would first pass the (many) old ones;
    instead the open requests' cases are collected once (index-only, MATERIALIZED) and sorted.
    Cost grows with the office's open requests (see bench/README.md), not with all cases."""
    def fetch(after, n):
        cases = base.filter(submitted_at__isnull=False).filter(
            _after("submitted_at", "pk", after, descending=descending))
        inner, inner_params = cases.values("submitted_at", "pk").query.sql_with_params()
        direction = "DESC" if descending else "ASC"
        table = AuthorityRequest._meta.db_table
        sql = (f"WITH open_cases AS MATERIALIZED (SELECT DISTINCT case_id FROM {table} "  # noqa: S608
               f"WHERE authority_id = ANY(%s) AND state = ANY(%s)) "
               f"SELECT c.submitted_at, c.pk FROM ({inner}) c JOIN open_cases o ON o.case_id = c.pk "
               f"ORDER BY c.submitted_at {direction}, c.pk {direction} LIMIT %s")
        with connection.cursor() as cursor:
            cursor.execute(sql, [ctx.authorities, WAITING_STATES, *inner_params, n])
            return list(cursor.fetchall())

    return fetch


def _wsa_deadline_lanes(ctx: _QueueContext) -> list[_Lane]:

    low, high = _due_window(ctx.filters, timezone.now())
    states = _wanted_states(ctx.filters, ctx.scope) or list(CaseState.values)
    case_q = _queue_case_q(ctx, with_state=False)
    lanes = []
    for state in [s for s in (CaseState.SUBMITTED, CaseState.COMPLETENESS_CHECK) if s in states]:
        # The WSA's own target: submitted_at + COMPLETENESS_CHECK_DAYS (index state, submitted_at, id).
        cases = Case.objects.filter(case_q, state=state, submitted_at__isnull=False)
        if low is not None:
            cases = cases.filter(submitted_at__gte=low - _COMPLETENESS_OFFSET)
        if high is not None:
            cases = cases.filter(submitted_at__lt=high - _COMPLETENESS_OFFSET)

        def completeness(after, n, cases=cases):
            rows = (cases.filter(_after("submitted_at", "pk", after, descending=False, offset=_COMPLETENESS_OFFSET))
                    .order_by("submitted_at", "pk").values_list("submitted_at", "pk")[:n])
            return [(at + _COMPLETENESS_OFFSET, pk) for at, pk in rows]

        lanes.append(_Lane(completeness))
    if CaseState.DOCUMENTS_REQUESTED in states:
        # The earliest open request for documents of each case (index docrequest_open_due).
        first = DocumentRequest.objects.filter(case_id=OuterRef("case_id"), fulfilled_at__isnull=True)
        documents = _first_per_case(DocumentRequest.objects.filter(fulfilled_at__isnull=True), first)
        documents = _of_cases(documents, Q(case_q, state=CaseState.DOCUMENTS_REQUESTED))
        lanes.append(_Lane(_request_lane(_within(documents, "due_at", low, high))))
    if CaseState.AUTHORITY_REVIEW in states:
        # The earliest open authority request of each case (index authreq_open_due_any).
        first = AuthorityRequest.objects.filter(case_id=OuterRef("case_id"), state__in=WAITING_STATES,
                                                due_at__isnull=False)
        requests = _first_per_case(AuthorityRequest.objects.filter(state__in=WAITING_STATES, due_at__isnull=False),
                                   first)
        requests = _of_cases(requests, Q(case_q, state=CaseState.AUTHORITY_REVIEW))
        lanes.append(_Lane(_request_lane(_within(requests, "due_at", low, high))))
    if ctx.filters.due:
        return lanes
    # The cases without a deadline: other states, and the dated states' cases that lack one.
    undated = Q(state__in=[s for s in states if s not in DATED_STATES])
    waiting = [s for s in (CaseState.SUBMITTED, CaseState.COMPLETENESS_CHECK) if s in states]
    if waiting:
        undated |= Q(state__in=waiting, submitted_at__isnull=True)
    if CaseState.DOCUMENTS_REQUESTED in states:
        undated |= Q(state=CaseState.DOCUMENTS_REQUESTED) & _none(DocumentRequest.objects.filter(
            case_id=OuterRef("pk"), fulfilled_at__isnull=True))
    if CaseState.AUTHORITY_REVIEW in states:
        undated |= Q(state=CaseState.AUTHORITY_REVIEW) & _none(AuthorityRequest.objects.filter(
            case_id=OuterRef("pk"), state__in=WAITING_STATES, due_at__isnull=False))
    rest = Case.objects.filter(case_q).filter(undated)

    def undated_lane(after, n):
        rows = rest.filter(pk__gt=after[1]) if after is not None else rest
        return [(None, pk) for pk in rows.order_by("pk").values_list("pk", flat=True)[:n]]

    lanes.append(_Lane(undated_lane, undated=True))
    return lanes


def _office_deadline_lanes(ctx: _QueueContext) -> list[_Lane]:
    """Office staff: the deadline is their offices' earliest open request of the case (index
    authreq_open_due); the cases without one come last, read from the offices' requests by case."""

    low, high = _due_window(ctx.filters, timezone.now())
    default_queue = _default_queue(ctx.filters)
    case_q = _queue_case_q(ctx, scope_implied=True, with_state=not default_queue)
    mine = AuthorityRequest.objects.filter(authority_id__in=ctx.authorities)
    first = mine.filter(case_id=OuterRef("case_id"), state__in=WAITING_STATES, due_at__isnull=False)
    requests = _first_per_case(mine.filter(state__in=WAITING_STATES, due_at__isnull=False), first)
    requests = _of_cases(requests, case_q)
    lanes = [_Lane(_request_lane(_within(requests, "due_at", low, high)))]
    if ctx.filters.due:
        return lanes
    rest = _of_cases(mine, case_q)
    if default_queue:
        rest = rest.filter(state__in=WAITING_STATES)
    rest = rest.filter(_none(AuthorityRequest.objects.filter(
        case_id=OuterRef("case_id"), authority_id__in=ctx.authorities, state__in=WAITING_STATES,
        due_at__isnull=False)))

    def undated_lane(after, n):
        rows = rest.filter(case_id__gt=after[1]) if after is not None else rest
        ids = rows.order_by("case_id").values_list("case_id", flat=True).distinct()[:n]
        return [(None, pk) for pk in ids]

    lanes.append(_Lane(undated_lane, undated=True))
    return lanes


# The lanes read rows in index order and stop after a page. Conditions on other rows are written as
# correlated scalar subqueries that yield a boolean: PostgreSQL neither turns them into joins (which
# would first collect every matching row of the other table) nor takes them for rare (it assumes
# half of the rows pass), so it keeps reading in index order and probes an index per row read.


def _any(correlated) -> Q:
    """There is a row of `correlated` (a queryset with OuterRefs to the row read)."""
    found = correlated.annotate(_found=Value(True, output_field=BooleanField())).values("_found")[:1]
    return Q(Subquery(found, output_field=BooleanField()))


def _none(correlated) -> Q:
    """There is no row of `correlated`."""
    found = correlated.annotate(_found=Value(False, output_field=BooleanField())).values("_found")[:1]
    return Q(Coalesce(Subquery(found, output_field=BooleanField()), Value(True), output_field=BooleanField()))


def _first_per_case(rows, first):
    """Only the row that comes first (by due date, then id) among `first` (the same kind of rows of
    its case): the case's deadline."""
    is_me = ExpressionWrapper(Q(pk=OuterRef("pk")), output_field=BooleanField())
    first_is_me = first.order_by("due_at", "pk").annotate(_is_me=is_me).values("_is_me")[:1]
    return rows.filter(Subquery(first_is_me, output_field=BooleanField()))


def _of_cases(rows, case_q: Q):
    """Rows (requests) of the cases that meet `case_q`, checked per row read."""
    if not case_q:
        return rows
    return rows.filter(_any(Case.objects.filter(case_q, pk=OuterRef("case_id"))))


def _within(rows, field_name: str, low, high):
    if low is not None:
        rows = rows.filter(**{f"{field_name}__gte": low})
    if high is not None:
        rows = rows.filter(**{f"{field_name}__lt": high})
    return rows


def _request_lane(rows):
    """A lane over requests (for documents or to an authority) whose due date is the case's deadline."""

    def fetch(after, n):
        selected = rows.filter(_after("due_at", "case_id", after, descending=False))
        return list(selected.order_by("due_at", "case_id").values_list("due_at", "case_id")[:n])

    return fetch


def _viewer_authority_ids(*, viewer, scope: StaffScope) -> list[int]:
    """The ids of the viewer's authorities (offices), read once per request."""
    return [office.pk for office in viewer_authorities(viewer=viewer, scope=scope)]


def _merge_lanes(lanes: list[_Lane], *, position, limit: int, descending: bool) -> list[tuple[datetime, int]]:
    """The first `limit` rows after `position` of the lanes merged by (sort value, pk)."""
    sentinel = FAR_PAST if descending else DUE_LAST
    in_undated = position is not None and position[0] == sentinel
    rows: list[tuple[datetime, int]] = []
    if not in_undated:
        for lane in lanes:
            if not lane.undated:
                rows += [(value, pk) for value, pk in lane.fetch(position, limit) if value is not None]
    rows.sort(reverse=descending)
    merged, seen = [], set()
    for value, pk in rows:
        if pk not in seen:
            seen.add(pk)
            merged.append((value, pk))
    merged = merged[:limit]
    if len(merged) < limit:
        after = (sentinel, position[1]) if in_undated else None
        for lane in lanes:
            if lane.undated:
                for _value, pk in lane.fetch(after, limit - len(merged)):
                    if pk not in seen:
                        seen.add(pk)
                        merged.append((sentinel, pk))
    return merged[:limit]
