"""Reads of the case store. Every function takes the acting user and returns only what they may see."""

import base64
import binascii
import json
import re
import statistics
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from importlib import import_module

from django.apps import apps
from django.db.models import Case as DbCase
from django.db.models import (
    Count,
    DateTimeField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy

from accounts.models import Membership, OrganisationKind, Role
from accounts.selectors import organisation_list_for_user, user_is_employer, user_is_staff_member
from wsa.observability.context import bind_case

from .figures import rule_figures
from .lifecycle import CaseState
from .models import (
    DUE_LAST,
    Case,
    CaseAccess,
    CaseAssignment,
    Decision,
    DocumentRequest,
    DocumentRequestReason,
    Event,
    Message,
    search_normalise,
)


def case_visibility_filter(*, viewer) -> Q | None:
    """The cases `viewer` may read, as a filter; None means none at all.

    WSA staff and admins see every case; caseworkers of an authority office (BA, visa office,
    foreigners' authority, recognition body) only the cases with a request to their office.
    """
    if not viewer.is_authenticated:
        return None
    if user_is_staff_member(user=viewer):
        scope = staff_scope(viewer=viewer)
        if scope.sees_all:
            return Q()
        staff_visible = _cases_requested_from_q(scope.office_ids)
    else:
        staff_visible = None
    visible = Q(person__user=viewer)
    if staff_visible is not None:
        visible |= staff_visible
    employers = organisation_list_for_user(
        user=viewer, kinds=[OrganisationKind.EMPLOYER], roles=Role.employer_roles()
    )
    visible |= Q(employer__in=employers)
    return visible


def case_list(*, viewer, state: str | None = None) -> QuerySet[Case]:
    visible = case_visibility_filter(viewer=viewer)
    if visible is None:
        return Case.objects.none()
    cases = Case.objects.filter(visible).select_related("person", "employer")
    if state:
        cases = cases.filter(state=state)
    return cases


def case_get(*, viewer, public_id) -> Case:
    """One case by its public id, or 404 for a case that does not exist or is not the viewer's."""
    try:
        return bind_case(case_list(viewer=viewer).get(public_id=public_id))
    except (Case.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def case_timeline(*, viewer, case: Case) -> QuerySet[Event]:
    events = case.events.select_related("actor")
    if not user_is_staff_member(user=viewer):
        events = events.filter(internal=False)
    return events


# --- Back office: who the staff member is --------------------------------------------------------


@dataclass(frozen=True)
class StaffScope:
    """What a staff member may see and do: their offices and roles, read once per request."""

    user_id: int | None
    sees_all: bool = False
    is_admin: bool = False
    # (organisation id, organisation name, organisation kind, role) for every staff membership.
    memberships: tuple[tuple[int, str, str, str], ...] = ()
    office_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def office_kinds(self) -> frozenset[str]:
        return frozenset(kind for _, _, kind, _ in self.memberships)

    @property
    def is_wsa(self) -> bool:
        return OrganisationKind.WSA in self.office_kinds or self.is_admin

    def has_kind(self, kind: str) -> bool:
        return kind in self.office_kinds

    def is_supervisor_of_kind(self, kind: str) -> bool:
        """A supervisor in an office of this kind: the second pair of eyes on its decisions. The admin is
        not one: an admin administers, never decides."""
        return any(k == kind and r == Role.SUPERVISOR for _, _, k, r in self.memberships)

    @property
    def is_supervisor(self) -> bool:
        return self.is_admin or any(r == Role.SUPERVISOR for *_, r in self.memberships)

    def primary(self) -> tuple[int | None, str, str]:
        """(organisation id, name, role) to record as the "why" of an access."""
        if self.memberships:
            ranked = sorted(self.memberships, key=lambda m: (m[2] != OrganisationKind.WSA, m[3] != Role.SUPERVISOR))
            org_id, name, _, role = ranked[0]
            return org_id, name, role
        return None, "", Role.ADMIN if self.is_admin else ""

    def offices_of_kind(self, kind: str) -> frozenset[int]:
        return frozenset(org for org, _, k, _ in self.memberships if k == kind)


def staff_scope(*, viewer) -> StaffScope:
    """The staff scope of `viewer`, cached on the user object for the rest of the request."""
    cached = getattr(viewer, "_wsa_staff_scope", None)
    if cached is not None:
        return cached
    if not viewer.is_authenticated:
        return StaffScope(user_id=None)
    rows = tuple(
        Membership.objects.filter(user=viewer, organisation__isnull=False, role__in=Role.staff_roles(),
                                  organisation__kind__in=OrganisationKind.authority_kinds())
        .order_by("organisation__name", "role")
        .values_list("organisation_id", "organisation__name", "organisation__kind", "role")
    )
    is_admin = viewer.is_superuser or any(role == Role.ADMIN for *_, role in rows)
    sees_all = is_admin or any(kind == OrganisationKind.WSA for _, _, kind, _ in rows)
    offices = frozenset(org for org, _, kind, _ in rows if kind != OrganisationKind.WSA)
    scope = StaffScope(user_id=viewer.pk, sees_all=sees_all, is_admin=is_admin, memberships=rows,
                       office_ids=offices)
    viewer._wsa_staff_scope = scope
    return scope


# --- Back office: the authorities app, read defensively -------------------------------------------
# The authorities app (AuthorityRequest) is built alongside; these helpers find its fields by their
# type so that the back office keeps working (and fails closed) whatever their exact names are.


@dataclass(frozen=True)
class _RequestSchema:
    model: type
    case: str               # FK to Case
    office: str             # lookup path to the Organisation id
    authority: str | None   # FK to authorities.Authority, when there is one
    due: str | None         # legal deadline field
    open_q: Q               # filter for requests still waiting for an answer
    answered_at: str | None
    public_id: str


@cache
def _request_schema() -> _RequestSchema | None:
    try:
        model = apps.get_model("authorities", "AuthorityRequest")
    except LookupError:
        return None
    fields = {f.name: f for f in model._meta.get_fields() if getattr(f, "concrete", False)}
    case_fk = next((n for n, f in fields.items() if f.many_to_one and f.related_model is Case), None)
    organisation_model = apps.get_model("accounts", "Organisation")
    office = authority = None
    for name, f in fields.items():
        if f.many_to_one and f.related_model is not None and f.related_model._meta.label == "authorities.Authority":
            authority, office = name, f"{name}__organisation"
            break
    if office is None:
        office = next((n for n, f in fields.items() if f.many_to_one and f.related_model is organisation_model), None)
    if case_fk is None or office is None:
        return None
    due = next((n for n in ("due_at", "deadline", "due_on") if n in fields), None)
    answered_at = next((n for n in ("answered_at", "completed_at", "closed_at") if n in fields), None)
    if answered_at:
        open_q = Q(**{f"{answered_at}__isnull": True})
    elif "outcome" in fields:
        open_q = Q(outcome="") | (Q(outcome__isnull=True) if fields["outcome"].null else Q(pk__in=[]))
    else:
        open_q = Q()
    request_states = getattr(import_module(model.__module__), "RequestState", None)
    if "state" in fields and hasattr(request_states, "open_states"):
        # The authorities app says which states owe an answer (sent, acknowledged); a request that
        # is still on its way (pending) is already the office's to answer in the back office.
        waiting = list(request_states.open_states()) + ([request_states.PENDING] if hasattr(
            request_states, "PENDING") else [])
        open_q = Q(state__in=waiting)
    elif "state" in fields:
        closed = {"answered", "approved", "rejected", "deemed_approved", "cancelled", "closed", "done", "completed",
                  "failed", "withdrawn"}
        choices = {value for value, _ in (fields["state"].choices or [])}
        closed_here = closed & choices if choices else closed
        if closed_here:
            open_q &= ~Q(state__in=closed_here)
    public_id = "public_id" if "public_id" in fields else "pk"
    return _RequestSchema(model=model, case=case_fk, office=office, authority=authority, due=due, open_q=open_q,
                          answered_at=answered_at, public_id=public_id)


def _cases_requested_from_q(office_ids) -> Q | None:
    """Cases with a request to one of `office_ids`; None when there is no such case (fail closed)."""
    schema = _request_schema()
    if schema is None or not office_ids:
        return None
    requests = schema.model.objects.filter(**{f"{schema.office}__in": list(office_ids)}).values(schema.case)
    return Q(pk__in=requests)


def authority_requests_available() -> bool:
    return _request_schema() is not None


# --- Back office: the queue ------------------------------------------------------------------------

# Service target of the WSA for the completeness check after submission. The law sets none for the
# WSA itself; the accelerated procedure expects receipt/completeness confirmations within 2–4 weeks
# (DOMAIN.md §1.4, [V lexcada]); we aim for the short end. Move to applications/rules (deadlines).
COMPLETENESS_CHECK_DAYS = 14
DUE_SOON_DAYS = 3
QUEUE_PAGE_SIZE = 25
WSA_QUEUE_STATES = (CaseState.SUBMITTED, CaseState.COMPLETENESS_CHECK, CaseState.DOCUMENTS_REQUESTED)
_FAR_FUTURE = DUE_LAST
_FAR_PAST = datetime(1900, 1, 1, tzinfo=UTC)

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


# The states in which a case has a deadline in the WSA's view (case_due_expression).
DATED_STATES = (CaseState.SUBMITTED, CaseState.COMPLETENESS_CHECK, CaseState.DOCUMENTS_REQUESTED,
                CaseState.AUTHORITY_REVIEW)


def case_due_expression(*, state: str | None = None, submitted_at: datetime | None = None):
    """The WSA's deadline of a case as an SQL expression over its row and its requests: the rule
    behind Case.due_at. For the state in the row, or for `state` when a transition writes the state
    in the same UPDATE (whose SET still sees the old row), with the submission time it sets."""
    if state is not None:
        return _due_in_state(state, submitted_at=submitted_at)
    return DbCase(*[When(state=dated, then=_due_in_state(dated)) for dated in DATED_STATES],
                  default=Value(None, output_field=DateTimeField()), output_field=DateTimeField())


def _due_in_state(state: str, *, submitted_at: datetime | None = None):
    """Submitted / completeness check: submitted_at + COMPLETENESS_CHECK_DAYS; documents requested:
    the earliest open request for documents; authority review: the earliest open authority request
    with a due date; any other state: none."""
    if state in (CaseState.SUBMITTED, CaseState.COMPLETENESS_CHECK):
        if submitted_at is not None:
            return Value(submitted_at + timedelta(days=COMPLETENESS_CHECK_DAYS), output_field=DateTimeField())
        return ExpressionWrapper(F("submitted_at") + timedelta(days=COMPLETENESS_CHECK_DAYS),
                                 output_field=DateTimeField())
    if state == CaseState.DOCUMENTS_REQUESTED:
        return Subquery(DocumentRequest.objects.filter(case=OuterRef("pk"), fulfilled_at__isnull=True)
                        .order_by("due_at").values("due_at")[:1], output_field=DateTimeField())
    if state == CaseState.AUTHORITY_REVIEW:
        request_due = _request_due_expression(office_ids=None)
        if request_due is not None:
            return request_due
    return Value(None, output_field=DateTimeField())


def _request_due_expression(*, office_ids):
    """The earliest due date of the case's open authority requests (to `office_ids`, or to any
    office); None without an authorities app that records due dates."""
    schema = _request_schema()
    if schema is None or not schema.due:
        return None
    # A request without a due date (not yet delivered) has none to offer (and NULL must not win
    # the ORDER BY, as it would on SQLite).
    requests = schema.model.objects.filter(schema.open_q, **{schema.case: OuterRef("pk"),
                                                             f"{schema.due}__isnull": False})
    if office_ids is not None:
        requests = requests.filter(**{f"{schema.office}__in": list(office_ids)})
    return Subquery(requests.order_by(schema.due).values(schema.due)[:1], output_field=DateTimeField())


def _deadline_expression(*, scope: StaffScope):
    """The legal (or service) deadline that matters to this viewer, as an annotation: the WSA's is
    stored on the case (Case.due_at), an office's is its earliest open request to that office."""
    if scope.sees_all:
        return F("due_at")
    request_due = _request_due_expression(office_ids=scope.office_ids)
    return request_due if request_due is not None else Value(None, output_field=DateTimeField())


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
        requested = _cases_requested_from_q(scope.office_ids)
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
        schema = _request_schema()
        open_requests = schema.model.objects.filter(
            schema.open_q, **{f"{schema.office}__in": list(scope.office_ids)}).values(schema.case)
        cases = cases.filter(pk__in=open_requests)
    if filters.title:
        cases = cases.filter(title_code=filters.title)
    if filters.country:
        cases = cases.filter(person__nationality=filters.country.upper())
    if filters.office:
        requested = _cases_requested_from_q({filters.office})
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
    cases = cases.annotate(deadline_at=_deadline_expression(scope=scope))
    if filters.due == "overdue":
        cases = cases.filter(deadline_at__lt=now)
    elif filters.due == "soon":
        cases = cases.filter(deadline_at__gte=now, deadline_at__lt=now + timedelta(days=DUE_SOON_DAYS))
    field_name, descending = SORTS.get(filters.sort, SORTS["deadline"])
    sentinel = Value(_FAR_PAST if descending else _FAR_FUTURE, output_field=DateTimeField())
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


def _queue_cases(pks: list[int], *, viewer) -> dict[int, Case]:
    """The page's cases with what the queue shows (deadline, person, claim), in one query."""
    if not pks:
        return {}
    scope = staff_scope(viewer=viewer)
    cases = (Case.objects.filter(pk__in=pks).annotate(deadline_at=_deadline_expression(scope=scope))
             .select_related("person", "employer", "assignment__user"))
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


def _fast_queue_schema() -> bool:
    schema = _request_schema()
    return (schema is not None and schema.model._meta.label == "authorities.AuthorityRequest"
            and schema.authority == "authority" and schema.due == "due_at")


@dataclass
class _QueueContext:
    viewer: object
    scope: StaffScope
    filters: QueueFilters
    authorities: list[int]          # the viewer's own offices (authority ids)
    office_authorities: list[int]   # the office chosen in the filter (authority ids)
    open_states: list[str]


def _queue_context(*, viewer, scope: StaffScope, filters: QueueFilters) -> _QueueContext:
    from authorities.models import Authority

    authorities = [] if scope.sees_all else _viewer_authority_ids(viewer=viewer, scope=scope)
    office_authorities = list(Authority.objects.filter(organisation_id=filters.office).values_list(
        "pk", flat=True)) if filters.office else []
    return _QueueContext(viewer=viewer, scope=scope, filters=filters, authorities=authorities,
                         office_authorities=office_authorities,
                         open_states=_open_request_states())


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


def _queue_case_q(ctx: _QueueContext, *, with_state: bool = True, scope_implied: bool = False) -> Q:
    """Every condition of the queue on the case except its deadline and a search (searches never reach
    the lanes: case_queue_page reads them in one query), as one Q on Case.
    `with_state=False` leaves the state to the lane; `scope_implied` when the lane reads the
    viewer's own offices' requests anyway."""
    from authorities.models import AuthorityRequest

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
            q &= _any(AuthorityRequest.objects.filter(case_id=OuterRef("pk"), state__in=ctx.open_states,
                                                      authority_id__in=ctx.authorities))
    if filters.title:
        q &= Q(title_code=filters.title)
    if filters.country:
        from .models import Person

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
    if not _fast_queue_schema():
        return None
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
    from django.db import connection

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
    from django.db import connection

    from authorities.models import AuthorityRequest

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
            cursor.execute(sql, [ctx.authorities, ctx.open_states, *inner_params, n])
            return list(cursor.fetchall())

    return fetch


def _wsa_deadline_lanes(ctx: _QueueContext) -> list[_Lane]:

    from authorities.models import AuthorityRequest

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
        first = AuthorityRequest.objects.filter(case_id=OuterRef("case_id"), state__in=ctx.open_states,
                                                due_at__isnull=False)
        requests = _first_per_case(AuthorityRequest.objects.filter(state__in=ctx.open_states, due_at__isnull=False),
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
            case_id=OuterRef("pk"), state__in=ctx.open_states, due_at__isnull=False))
    rest = Case.objects.filter(case_q).filter(undated)

    def undated_lane(after, n):
        rows = rest.filter(pk__gt=after[1]) if after is not None else rest
        return [(None, pk) for pk in rows.order_by("pk").values_list("pk", flat=True)[:n]]

    lanes.append(_Lane(undated_lane, undated=True))
    return lanes


def _office_deadline_lanes(ctx: _QueueContext) -> list[_Lane]:
    """Office staff: the deadline is their offices' earliest open request of the case (index
    authreq_open_due); the cases without one come last, read from the offices' requests by case."""

    from authorities.models import AuthorityRequest

    low, high = _due_window(ctx.filters, timezone.now())
    default_queue = _default_queue(ctx.filters)
    case_q = _queue_case_q(ctx, scope_implied=True, with_state=not default_queue)
    mine = AuthorityRequest.objects.filter(authority_id__in=ctx.authorities)
    first = mine.filter(case_id=OuterRef("case_id"), state__in=ctx.open_states, due_at__isnull=False)
    requests = _first_per_case(mine.filter(state__in=ctx.open_states, due_at__isnull=False), first)
    requests = _of_cases(requests, case_q)
    lanes = [_Lane(_request_lane(_within(requests, "due_at", low, high)))]
    if ctx.filters.due:
        return lanes
    rest = _of_cases(mine, case_q)
    if default_queue:
        rest = rest.filter(state__in=ctx.open_states)
    rest = rest.filter(_none(AuthorityRequest.objects.filter(
        case_id=OuterRef("case_id"), authority_id__in=ctx.authorities, state__in=ctx.open_states,
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
    from django.db.models import BooleanField

    found = correlated.annotate(_found=Value(True, output_field=BooleanField())).values("_found")[:1]
    return Q(Subquery(found, output_field=BooleanField()))


def _none(correlated) -> Q:
    """There is no row of `correlated`."""
    from django.db.models import BooleanField

    found = correlated.annotate(_found=Value(False, output_field=BooleanField())).values("_found")[:1]
    return Q(Coalesce(Subquery(found, output_field=BooleanField()), Value(True), output_field=BooleanField()))


def _first_per_case(rows, first):
    """Only the row that comes first (by due date, then id) among `first` (the same kind of rows of
    its case): the case's deadline."""
    from django.db.models import BooleanField, ExpressionWrapper

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
    """The authorities (offices) of the viewer's organisations, read once per request."""
    cached = getattr(viewer, "_wsa_authority_ids", None)
    if cached is None:
        from authorities.models import Authority

        cached = list(Authority.objects.filter(organisation_id__in=list(scope.office_ids)).values_list("pk", flat=True))
        viewer._wsa_authority_ids = cached
    return cached


def _merge_lanes(lanes: list[_Lane], *, position, limit: int, descending: bool) -> list[tuple[datetime, int]]:
    """The first `limit` rows after `position` of the lanes merged by (sort value, pk)."""
    sentinel = _FAR_PAST if descending else _FAR_FUTURE
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


def queue_filter_options(*, viewer) -> dict:
    """Choices for the queue's filter form: the residence titles and nationalities on record (two
    index skip scans on PostgreSQL, whatever the number of cases), the offices and the colleagues."""
    from .models import Person

    scope = staff_scope(viewer=viewer)
    titles, countries = _distinct_values([(Case, "title_code"), (Person, "nationality")])
    from accounts.models import Organisation, User

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
    from django.db import connection

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


def deadline_status(*, deadline, now=None) -> str:
    """'overdue', 'soon' or '' for a deadline, for the badge (text plus colour)."""
    if deadline is None or deadline >= _FAR_FUTURE - timedelta(days=1):
        return ""
    now = now or timezone.now()
    if deadline < now:
        return "overdue"
    if deadline < now + timedelta(days=DUE_SOON_DAYS):
        return "soon"
    return ""


# --- Back office: the case file ------------------------------------------------------------------


def case_get_for_staff(*, viewer, public_id) -> Case:
    """One case for the back office (404 when the staff member may not see it)."""
    if not user_is_staff_member(user=viewer):
        raise Http404
    visible = case_visibility_filter(viewer=viewer)
    if visible is None:
        raise Http404
    try:
        return bind_case(Case.objects.filter(visible)
                         .select_related("person", "employer", "employment", "assignment__user")
                         .get(public_id=public_id))
    except (Case.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def case_documents(*, viewer, case: Case):
    """The documents handed in with a case, with their findings. A document of the person's library is
    the case's only once it was handed in with it (documents.services.document_reuse copies it)."""
    from documents.models import Document

    if case_visibility_filter(viewer=viewer) is None:
        return Document.objects.none()
    return Document.objects.filter(case=case).prefetch_related("findings").order_by("-created_at", "-pk")


def case_document_get(*, viewer, case: Case, public_id):
    try:
        return case_documents(viewer=viewer, case=case).get(public_id=public_id)
    except Exception as exc:  # DoesNotExist, ValidationError on a malformed id
        raise Http404 from exc


def case_messages(*, viewer, case: Case) -> QuerySet[Message]:
    """Messages of a case; internal notes only for staff."""
    messages = case.messages.select_related("author")
    if not user_is_staff_member(user=viewer):
        messages = messages.filter(internal=False)
    return messages


def case_decisions(*, viewer, case: Case) -> QuerySet[Decision]:
    decisions = case.decisions.select_related("decided_by", "approved_by")
    if not user_is_staff_member(user=viewer):
        decisions = decisions.filter(status=Decision.Status.ISSUED)
    return decisions


def case_decision_get(*, viewer, case: Case, public_id) -> Decision:
    try:
        return case_decisions(viewer=viewer, case=case).get(public_id=public_id)
    except Exception as exc:
        raise Http404 from exc


def case_document_requests(*, viewer, case: Case) -> QuerySet[DocumentRequest]:
    return case.document_requests.select_related("requested_by")


def case_authority_steps(*, viewer, case: Case) -> list:
    """Every authority request of the case (the case file is shared by all offices that work it)."""
    schema = _request_schema()
    if schema is None:
        return []
    related = [schema.authority] if schema.authority else []
    requests = schema.model.objects.filter(**{schema.case: case}).select_related(*related)
    scope = staff_scope(viewer=viewer)
    # Which of them still wait for an answer, in the same query (not one per request).
    requests = requests.annotate(wsa_open=DbCase(When(schema.open_q, then=Value(True)), default=Value(False)))
    steps = []
    for request in requests.order_by("pk"):
        office_id = _request_office_id(request, schema)
        request.wsa_answerable = office_id in scope.office_ids and request.wsa_open
        request.wsa_office_id = office_id
        request.wsa_public_id = getattr(request, schema.public_id)
        request.wsa_conditions = conditions_text(getattr(request, "conditions", None))
        request.wsa_office_name = str(getattr(request, schema.authority) or "") if schema.authority else ""
        steps.append(request)
    return steps


CONDITION_LABELS = {
    "employer": gettext_lazy("employer"), "occupation": gettext_lazy("occupation"),
    "duration_months": gettext_lazy("duration (months)"), "other": gettext_lazy("other"),
}


def conditions_text(conditions) -> str:
    """Conditions of an authority answer (text, list or dict) as one readable line."""
    if not conditions:
        return ""
    if isinstance(conditions, dict):
        return "; ".join(f"{CONDITION_LABELS.get(k, k)}: {v}" for k, v in conditions.items() if v not in ("", None))
    if isinstance(conditions, list | tuple):
        return "; ".join(str(c) for c in conditions if c)
    return str(conditions)


def _request_office_id(request, schema: _RequestSchema):
    if schema.authority:
        authority = getattr(request, schema.authority)
        return authority.organisation_id if authority else None
    return getattr(request, f"{schema.office}_id", None)


def case_authority_step_get(*, viewer, case: Case, public_id):
    """An open request of this case to one of the viewer's offices, or 404."""
    schema = _request_schema()
    scope = staff_scope(viewer=viewer)
    if schema is None or not scope.office_ids:
        raise Http404
    try:
        return schema.model.objects.get(**{schema.case: case, schema.public_id: public_id,
                                           f"{schema.office}__in": list(scope.office_ids)})
    except Exception as exc:
        raise Http404 from exc


def case_access_list(*, viewer, case: Case) -> QuerySet[CaseAccess]:
    """Who read the case file, its documents and decisions: for the applicant (their own case) and staff."""
    allowed = (case.person.user_id is not None and case.person.user_id == viewer.pk) or (
        user_is_staff_member(user=viewer) and case_list(viewer=viewer).filter(pk=case.pk).exists())
    if not allowed:
        return CaseAccess.objects.none()
    return case.accesses.select_related("actor", "organisation")


def decision_get_by_verification_code(*, code: str) -> Decision | None:
    """The public verification page: an issued decision by its code, or None. No viewer: the code is the key."""
    if not code or len(code) > 32:
        return None
    return (Decision.objects.filter(verification_code=code, status=Decision.Status.ISSUED)
            .select_related("case", "decided_by", "approved_by").first())


def decisions_awaiting_approval(*, viewer) -> QuerySet[Decision]:
    """Rejections waiting for a second pair of eyes, for a supervisor of the deciding kind of office."""
    scope = staff_scope(viewer=viewer)
    kinds = []
    if scope.is_supervisor_of_kind(OrganisationKind.VISA_OFFICE):
        kinds.append(Decision.Kind.VISA)
    if scope.is_supervisor_of_kind(OrganisationKind.FOREIGNERS_AUTHORITY):
        kinds.append(Decision.Kind.RESIDENCE_PERMIT)
    visible = case_visibility_filter(viewer=viewer)
    if not kinds or visible is None:
        return Decision.objects.none()
    return (Decision.objects.filter(status=Decision.Status.AWAITING_APPROVAL, kind__in=kinds,
                                    case__in=Case.objects.filter(visible))
            .exclude(decided_by=viewer).select_related("case", "decided_by"))


# --- Back office: statistics ---------------------------------------------------------------------
# At national scale the figures cannot be aggregated on every view (a million cases, ten million
# events). They are computed per scope by services.statistics_refresh() — a beat task every few
# minutes, and once on the first view of a scope — and stored in StatisticsSnapshot; the page reads
# that one row. On PostgreSQL the figures come from SQL aggregates (window functions and
# percentile_cont); elsewhere (SQLite, the embedded default) from the same walk in Python.

STATISTICS_ALL = "all"


def statistics_scope(*, viewer) -> str | None:
    """The snapshot key of what `viewer` may see: "all" for the WSA and admins, else their offices."""
    if not user_is_staff_member(user=viewer):
        return None
    scope = staff_scope(viewer=viewer)
    if scope.sees_all:
        return STATISTICS_ALL
    if not scope.office_ids:
        return None
    return "offices:" + ",".join(str(pk) for pk in sorted(scope.office_ids))


def _statistics_cases(scope_key: str) -> QuerySet[Case]:
    if scope_key == STATISTICS_ALL:
        return Case.objects.all()
    office_ids = {int(pk) for pk in scope_key.removeprefix("offices:").split(",") if pk}
    requested = _cases_requested_from_q(office_ids)
    return Case.objects.filter(requested) if requested is not None else Case.objects.none()


def _median_days(seconds: list[float]) -> float | None:
    return round(statistics.median(seconds) / 86400, 1) if seconds else None


def case_statistics_compute(*, scope_key: str) -> dict:
    """The raw figures of a scope (codes, counts, medians in days), as stored in the snapshot."""
    from django.db import connection

    cases = _statistics_cases(scope_key)
    now = timezone.now()
    per_state = {state: n for state, n in cases.values_list("state").annotate(n=Count("pk")).order_by()}
    schema = _request_schema()
    if connection.vendor == "postgresql" and schema is not None and schema.authority:
        steps, authorities = _statistics_sql(scope_key, cases, now)
    else:
        steps, authorities = _statistics_python(cases, now)
    overdue_documents = DocumentRequest.objects.filter(case__in=cases, fulfilled_at__isnull=True,
                                                       case__state=CaseState.DOCUMENTS_REQUESTED,
                                                       due_at__lt=now).count()
    completeness_overdue = cases.filter(
        state__in=[CaseState.SUBMITTED, CaseState.COMPLETENESS_CHECK],
        submitted_at__lt=now - timedelta(days=COMPLETENESS_CHECK_DAYS)).count()
    return {"states": per_state, "steps": steps, "authorities": authorities,
            "overdue_documents": overdue_documents, "completeness_overdue": completeness_overdue,
            "authorities_available": schema is not None}


def _statistics_sql(scope_key: str, cases: QuerySet[Case], now) -> tuple[dict, list]:
    """Step medians and per-office figures in three aggregate queries (PostgreSQL)."""
    from django.db import connection, transaction

    from authorities.models import Authority, AuthorityRequest

    case_sql, case_params = cases.values("pk").query.sql_with_params()
    scoped = scope_key != STATISTICS_ALL
    event_table, request_table = Event._meta.db_table, AuthorityRequest._meta.db_table
    steps = {}
    with transaction.atomic(), connection.cursor() as cursor:
        # One sort over the moves of every case: give it memory for this transaction only.
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute(
            f"""
            SELECT prev_state, count(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY secs)
            FROM (
                SELECT to_state,
                       lag(to_state) OVER w AS prev_state,
                       extract(epoch FROM created_at - lag(created_at) OVER w) AS secs
                FROM {event_table}
                WHERE kind IN ('created', 'transition') {"AND case_id IN (" + case_sql + ")" if scoped else ""}
                WINDOW w AS (PARTITION BY case_id ORDER BY created_at, id)
            ) moves
            WHERE prev_state IS NOT NULL AND prev_state <> to_state
            GROUP BY prev_state
            """, list(case_params) if scoped else [])  # noqa: S608 - table names and a Django-built subquery
        for state, n, median in cursor.fetchall():
            steps[state] = [n, round(float(median) / 86400, 1) if median is not None else None]
        open_states = _open_request_states()
        cursor.execute(
            f"""
            SELECT coalesce(a.name, ''), count(*),
                   count(*) FILTER (WHERE r.state = ANY(%s)),
                   count(*) FILTER (WHERE r.state = ANY(%s) AND r.due_at < %s),
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM r.answered_at - r.created_at))
                       FILTER (WHERE r.answered_at IS NOT NULL)
            FROM {request_table} r LEFT JOIN {Authority._meta.db_table} a ON a.id = r.authority_id
            {"WHERE r.case_id IN (" + case_sql + ")" if scoped else ""}
            GROUP BY 1 ORDER BY 1
            """, [open_states, open_states, now] + (list(case_params) if scoped else []))  # noqa: S608
        authorities = [[name or "—", total, open_, overdue, round(float(median) / 86400, 1) if median else None]
                       for name, total, open_, overdue, median in cursor.fetchall()]
    return steps, authorities


def _open_request_states() -> list[str]:
    """The request states that still owe an answer in the back office (see _request_schema)."""
    schema = _request_schema()
    request_states = getattr(import_module(schema.model.__module__), "RequestState", None)
    states = list(request_states.open_states()) if hasattr(request_states, "open_states") else []
    if hasattr(request_states, "PENDING"):
        states.append(request_states.PENDING)
    return [str(s) for s in states]


def _statistics_python(cases: QuerySet[Case], now) -> tuple[dict, list]:
    """The same figures by walking the events and requests in Python (SQLite; small installations)."""
    durations: dict[str, list[float]] = {}
    entered: dict[int, tuple[str, datetime]] = {}
    events = (Event.objects.filter(case__in=cases, kind__in=["created", "transition"])
              .order_by("case_id", "created_at", "pk").values_list("case_id", "to_state", "created_at"))
    for case_id, to_state, at in events.iterator():
        previous = entered.get(case_id)
        if previous is not None and previous[0] != to_state:
            durations.setdefault(previous[0], []).append((at - previous[1]).total_seconds())
        entered[case_id] = (to_state, at)
    steps = {state: [len(values), _median_days(values)] for state, values in durations.items()}
    authorities = []
    schema = _request_schema()
    if schema is not None:
        name_path = f"{schema.authority}__name" if schema.authority else f"{schema.office}__name"
        rows = schema.model.objects.filter(**{f"{schema.case}__in": cases})
        per_office: dict[str, dict] = {}
        values = [name_path, "created_at"] if "created_at" in {f.name for f in schema.model._meta.fields} else [
            name_path]
        if schema.answered_at:
            values.append(schema.answered_at)
        if schema.due:
            values.append(schema.due)
        open_pks = set(rows.filter(schema.open_q).values_list("pk", flat=True))
        for row in rows.values("pk", *values):
            entry = per_office.setdefault(row[name_path] or "—", {"total": 0, "open": 0, "overdue": 0, "secs": []})
            entry["total"] += 1
            is_open = row["pk"] in open_pks
            entry["open"] += is_open
            due = row.get(schema.due) if schema.due else None
            if is_open and due and due < now:
                entry["overdue"] += 1
            answered = row.get(schema.answered_at) if schema.answered_at else None
            if answered and row.get("created_at"):
                entry["secs"].append((answered - row["created_at"]).total_seconds())
        authorities = [[name, e["total"], e["open"], e["overdue"], _median_days(e["secs"])]
                       for name, e in sorted(per_office.items())]
    return steps, authorities


def statistics_snapshot_get(*, scope_key: str):
    from .models import StatisticsSnapshot

    return StatisticsSnapshot.objects.filter(scope=scope_key).first()


def case_statistics(*, viewer) -> dict | None:
    """The statistics page of `viewer` from its scope's snapshot (one query), or None when the
    snapshot has not been computed yet (the view then has it computed once)."""
    scope_key = statistics_scope(viewer=viewer)
    if scope_key is None:
        return statistics_present({}, computed_at=None)
    snapshot = statistics_snapshot_get(scope_key=scope_key)
    if snapshot is None:
        return None
    return statistics_present(snapshot.data, computed_at=snapshot.computed_at)


def statistics_present(data: dict, *, computed_at) -> dict:
    """What the template shows (labels in the reader's language, shares and bar widths)."""
    per_state = data.get("states", {})
    states = [(value, label, per_state.get(value, 0)) for value, label in CaseState.choices]
    raw_steps = data.get("steps", {})
    steps = [(value, label, raw_steps[value][0], raw_steps[value][1])
             for value, label in CaseState.choices if value in raw_steps]
    authorities = [tuple(row) for row in data.get("authorities", [])]
    total = sum(n for *_, n in states)
    max_median = max([m for *_, m in steps if m] + [m for *_, m in authorities if m] + [0]) or 1
    return {
        "states": [(v, label, n, round(100 * n / (total or 1))) for v, label, n in states],
        "total": total,
        "steps": [(v, label, n, m, round(100 * (m or 0) / max_median)) for v, label, n, m in steps],
        "authorities": [(name, t, o, od, m, round(100 * (m or 0) / max_median)) for name, t, o, od, m in authorities],
        "overdue_documents": data.get("overdue_documents", 0),
        "completeness_overdue": data.get("completeness_overdue", 0),
        "authorities_available": data.get("authorities_available", authority_requests_available()),
        "computed_at": computed_at,
    }


# --- Applicant portal -------------------------------------------------------------------------
# The applicant portal shows only the viewer's own cases (not those they see as an employer).


def person_for_user(*, viewer):
    """The viewer's once-only profile, or None before they first used the portal."""
    from .models import Person

    if not viewer.is_authenticated:
        return None
    return Person.objects.filter(user=viewer).first()


def applicant_case_list(*, viewer) -> QuerySet[Case]:
    if not viewer.is_authenticated:
        return Case.objects.none()
    return Case.objects.filter(person__user=viewer).select_related("person", "employer")


def applicant_case_get(*, viewer, public_id) -> Case:
    """One of the viewer's own cases, or 404 (also for cases they could see as employer or staff)."""
    try:
        return bind_case(applicant_case_list(viewer=viewer).get(public_id=public_id))
    except (Case.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def case_version(*, viewer, public_id, own_only: bool = True) -> int | None:
    """The case's change counter in one cheap query, without loading the case; None if the viewer
    may not see the case. Status fragments build their ETag from it."""
    if own_only:
        if not viewer.is_authenticated:
            return None
        return _own_case_version(viewer_id=viewer.pk, public_id=public_id)
    else:
        visible = case_visibility_filter(viewer=viewer)
        if visible is None:
            return None
        cases = Case.objects.filter(visible)
    try:
        return cases.filter(public_id=public_id).values_list("version", flat=True).first()
    except (ValueError, TypeError):
        return None


def _own_case_version(*, viewer_id: int, public_id) -> int | None:
    """The hot path of every poll (every 5 s per open status page): one statement by the unique
    index on public_id, written out so that no ORM query is compiled per request."""
    from django.core.exceptions import ValidationError
    from django.db import connection

    from .models import Person

    try:
        value = Case._meta.get_field("public_id").get_db_prep_value(public_id, connection)
    except (ValueError, TypeError, AttributeError, ValidationError):
        return None
    sql = (f"SELECT c.version FROM {Case._meta.db_table} c JOIN {Person._meta.db_table} p ON p.id = c.person_id "  # noqa: S608
           "WHERE c.public_id = %s AND p.user_id = %s")
    with connection.cursor() as cursor:
        cursor.execute(sql, [value, viewer_id])
        row = cursor.fetchone()
    return row[0] if row else None


def case_public_messages(*, viewer, case: Case):
    """The message thread of a case; internal notes never reach applicants or employers."""
    messages = case.messages.select_related("author")
    if not user_is_staff_member(user=viewer):
        messages = messages.filter(internal=False)
    return messages.order_by("created_at", "pk")


def case_issued_decisions(*, viewer, case: Case):
    from .models import Decision

    decisions = case.decisions.all()
    if not user_is_staff_member(user=viewer):
        decisions = decisions.filter(status=Decision.Status.ISSUED)
    return decisions.order_by("-issued_at", "-created_at")


def decision_get(*, viewer, public_id):
    """An issued decision of one of the viewer's own cases, or 404."""
    from .models import Decision

    try:
        return Decision.objects.select_related("case").get(
            case__in=applicant_case_list(viewer=viewer), status=Decision.Status.ISSUED, public_id=public_id
        )
    except (Decision.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def applicant_document_request(*, viewer, case: Case) -> dict | None:
    """What the case team asked for while the case waits for documents: the open structured
    requests (reason, note, deadline) and the reason/deadline of the transition that asked."""
    from datetime import date

    from .lifecycle import CaseState

    if case.state != CaseState.DOCUMENTS_REQUESTED:
        return None
    event = (
        case_timeline(viewer=viewer, case=case)
        .filter(kind="transition", to_state=CaseState.DOCUMENTS_REQUESTED)
        .order_by("-created_at", "-pk")
        .first()
    )
    payload = (event.payload if event else {}) or {}
    deadline = payload.get("deadline") or None
    if deadline:
        try:
            deadline = date.fromisoformat(str(deadline)[:10])
        except ValueError:
            pass
    related = getattr(case, "document_requests", None)
    requests = list(related.filter(fulfilled_at__isnull=True).order_by("due_at")) if related is not None else []
    reason = str(payload.get("reason") or payload.get("note") or "")
    if reason in DocumentRequestReason.values:  # a code ("illegible") reads as its label
        reason = str(DocumentRequestReason(reason).label)
    return {
        "reason": reason,
        "deadline": deadline,
        "requested_at": event.created_at if event else None,
        "requests": requests,
    }


_STEP_LABEL_ATTRS = ("get_purpose_display", "purpose_label", "get_step_display", "step", "purpose", "title")
_STEP_STATE_ATTRS = ("get_state_display", "state_label", "state", "status")
_STEP_DEADLINE_ATTRS = ("due_at", "legal_due", "deadline", "due_date", "due_on", "legal_deadline")


def _first_attr(obj, names):
    for name in names:
        value = getattr(obj, name, None)
        if callable(value):
            value = value()
        if value not in (None, ""):
            return value
    return None


def applicant_authority_steps(*, viewer, case: Case) -> list[dict]:
    """The authority steps of the viewer's case (authorities.AuthorityRequest) as plain rows, when
    that app provides them: what, which office, state and legal deadline."""
    related = getattr(case, "authority_requests", None)
    if related is None:
        return []
    try:
        rows = related.all()
        if any(f.name == "authority" for f in rows.model._meta.get_fields()):
            rows = rows.select_related("authority")
        # Not the request and answer documents (JSON, often many kilobytes): this is read on every
        # status page and poll that is not answered from the cache.
        heavy = {"request_body", "response_body", "last_error"} & {f.name for f in rows.model._meta.concrete_fields}
        rows = list(rows.defer(*heavy))
    except Exception:  # the authorities app is built in parallel; its table may not exist yet
        return []
    from django.utils.translation import gettext

    steps = []
    for row in rows:
        authority = getattr(row, "authority", None)
        outcome = getattr(row, "get_outcome_display", None)
        state_value = getattr(row, "state", "") or getattr(row, "status", "")
        # Not yet sent, or a delivery problem the WSA is fixing: nothing the applicant must act on.
        state = gettext("in preparation") if state_value in ("pending", "failed") else (
            _first_attr(row, _STEP_STATE_ATTRS) or "")
        steps.append({
            "label": _first_attr(row, _STEP_LABEL_ATTRS) or "",
            "authority": getattr(authority, "name", "") if authority is not None else "",
            "state": state,
            "state_value": state_value,
            "outcome": outcome() if callable(outcome) else "",
            "deadline": _first_attr(row, _STEP_DEADLINE_ATTRS),
            "deemed_approval": bool(getattr(row, "deemed_approval", False)),
        })
    return steps


def qualification_get(*, viewer, pk):
    from .models import Qualification

    try:
        return Qualification.objects.get(person__user=viewer, pk=int(pk))
    except (Qualification.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def work_experience_get(*, viewer, pk):
    from .models import WorkExperience

    try:
        return WorkExperience.objects.get(person__user=viewer, pk=int(pk))
    except (WorkExperience.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


# --- The application wizard -------------------------------------------------------------------

def title_needs_job_offer(title_code: str, accelerated: bool = False) -> bool:
    """Titles whose mandatory documents include the employment contract need a job offer."""
    from . import rules

    try:
        requirements = rules.required_documents(title_code, accelerated=accelerated)
    except rules.UnknownTitle:
        return False
    return any(r.code == "employment_contract" and r.mandatory for r in requirements)


def case_checklist(*, viewer, case: Case) -> list[dict]:
    """The documents the case's title needs before the visa (rules.required_documents), each with
    the documents of the case uploaded for it. A rejected document does not count."""
    from documents.selectors import document_list, documents_for_display
    from documents.services import REQUIREMENT_KEY

    from . import rules

    try:
        requirements = [
            r for r in rules.required_documents(case.title_code, accelerated=case.accelerated) if r.stage == "visa"
        ]
    except rules.UnknownTitle:
        requirements = []
    documents = documents_for_display(document_list(viewer=viewer, case=case).order_by("created_at"))
    by_code: dict[str, list] = {}
    for document in documents:
        by_code.setdefault((document.extracted or {}).get(REQUIREMENT_KEY, ""), []).append(document)
    rows = []
    for requirement in requirements:
        attached = by_code.pop(requirement.code, [])
        rows.append({
            "code": requirement.code,
            "label": requirement.label,
            "mandatory": requirement.mandatory,
            "condition": requirement.condition_label,
            "documents": attached,
            "satisfied": any(d.state != "rejected" for d in attached),
        })
    others = [d for docs in by_code.values() for d in docs]
    if others:
        from django.utils.translation import gettext_lazy as _

        rows.append({"code": "", "label": _("Other documents"), "mandatory": False, "condition": None,
                     "documents": others, "satisfied": True})
    return rows


def application_missing(*, viewer, case: Case, checklist: list[dict] | None = None) -> dict[str, list[str]]:
    """What a draft still lacks before it can be submitted, by wizard step: {step: [messages]}."""
    from django.utils.translation import gettext as _

    from . import rules

    missing: dict[str, list[str]] = {}

    def add(step, message):
        missing.setdefault(step, []).append(message)

    if case.title_code not in rules.TITLE_CODES:
        add("title", _("Choose the residence title you apply for."))
    person = case.person
    for name, message in [
        ("surname", _("Enter your surname as in your passport.")),
        ("birth_date", _("Enter your date of birth.")),
        ("nationality", _("Enter your nationality.")),
        ("passport_number", _("Enter your passport number.")),
        ("passport_expiry", _("Enter the date until which your passport is valid.")),
        ("city", _("Enter the city where you live.")),
        ("country_of_residence", _("Enter the country where you live.")),
    ]:
        if not getattr(person, name):
            add("personal", message)
    if not person.qualifications.exists():
        add("qualification", _("Add at least one qualification."))
    if title_needs_job_offer(case.title_code, case.accelerated) and not case_has_employment(case=case):
        add("employment", _("Enter the job offer."))
    for row in checklist if checklist is not None else case_checklist(viewer=viewer, case=case):
        if row["mandatory"] and not row["satisfied"]:
            add("documents", _("Upload: %(document)s") % {"document": row["label"]})
    return missing


def case_has_employment(*, case: Case) -> bool:
    from .models import Employment

    return Employment.objects.filter(case=case).exists()


# --- Own data (GDPR Art. 15) ----------------------------------------------------------------------

def _export_value(value):
    from datetime import date, datetime
    from decimal import Decimal
    from uuid import UUID

    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    return value


def _export_row(obj, fields) -> dict:
    return {name: _export_value(getattr(obj, name)) for name in fields}


def applicant_data_export(*, viewer) -> dict:
    """Everything the portal holds about the viewer as an applicant: account, profile, cases with
    their events, messages, decisions and documents (metadata; the files go into the ZIP)."""
    from django.utils import timezone

    from documents.selectors import document_list, finding_message

    person = person_for_user(viewer=viewer)
    data = {
        "exported_at": timezone.now().isoformat(),
        "account": _export_row(viewer, ["public_id", "email", "full_name", "preferred_language", "date_joined"]),
        "person": None,
        "cases": [],
        "documents": [],
    }
    data["account"].update(_export_account_extras(viewer=viewer))
    if person is None:
        return data
    data["person"] = {
        **_export_row(person, ["public_id", "surname", "given_names", "birth_date", "birth_place", "sex",
                               "nationality", "passport_number", "passport_issuing_state", "passport_expiry",
                               "email", "phone", "street", "postal_code", "city", "country_of_residence",
                               "created_at", "updated_at"]),
        "qualifications": [_export_row(q, ["kind", "title", "institution", "country", "completed_on", "recognition",
                                           "comparable"]) for q in person.qualifications.all()],
        "languages": [_export_row(s, ["language", "level", "certificate"]) for s in person.languages.all()],
        "work_experience": [_export_row(w, ["employer", "job_title", "occupation_isco", "started_on", "ended_on"])
                            for w in person.experience.all()],
    }
    for case in applicant_case_list(viewer=viewer).prefetch_related("events", "messages", "decisions"):
        row = _export_row(case, ["public_id", "reference", "title_code", "procedure_language", "accelerated", "state",
                                 "created_at", "submitted_at", "closed_at"])
        row["employer"] = case.employer.name if case.employer else None
        row["employment"] = (
            _export_row(case.employment, ["job_title", "occupation_kldb", "occupation_isco", "duties",
                                          "annual_gross_salary", "weekly_hours", "start_date", "duration_months",
                                          "collective_agreement", "workplace_street", "workplace_postal_code",
                                          "workplace_city", "workplace_state"])
            if case_has_employment(case=case) else None
        )
        row["events"] = [
            {**_export_row(e, ["kind", "from_state", "to_state", "payload", "created_at"]), "text": e.text}
            for e in case_timeline(viewer=viewer, case=case)
        ]
        row["messages"] = [
            {**_export_row(m, ["public_id", "body", "created_at"]), "from_me": m.author_id == viewer.pk}
            for m in case_public_messages(viewer=viewer, case=case)
        ]
        row["decisions"] = [
            _export_row(d, ["public_id", "kind", "outcome", "legal_basis", "reasons", "conditions", "valid_from",
                            "valid_until", "issued_at", "sha256", "verification_code"])
            for d in case_issued_decisions(viewer=viewer, case=case)
        ]
        row.update(_export_case_extras(viewer=viewer, case=case))
        data["cases"].append(row)
    for document in document_list(viewer=viewer):
        data["documents"].append({
            **_export_row(document, ["public_id", "document_type", "original_name", "sha256", "size", "content_type",
                                     "page_count", "state", "extracted", "created_at", "checked_at"]),
            "case": document.case.reference if document.case else None,
            "findings": [{"code": f.code, "severity": f.severity, "message": finding_message(f)}
                         for f in document.findings.all()],
        })
    return data


def _export_account_extras(*, viewer) -> dict:
    """The account's e-mail addresses, second factors (kinds and dates, never secrets) and roles."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    return {
        "email_addresses": [_export_row(e, ["email", "verified", "primary"])
                            for e in EmailAddress.objects.filter(user=viewer).order_by("email")],
        "two_factor": [_export_row(a, ["type", "created_at", "last_used_at"])
                       for a in Authenticator.objects.filter(user=viewer).order_by("pk")],
        "memberships": [{"role": m.role, "organisation": m.organisation.name if m.organisation else None,
                         "since": _export_value(m.created_at)}
                        for m in viewer.memberships.select_related("organisation").order_by("pk")],
    }


def _export_case_extras(*, viewer, case: Case) -> dict:
    """What else the portal holds about one of the viewer's cases: the requests for documents, the
    authority steps, what the employer declared and may see, and who at which office read the case
    file (the access log, Art. 15(1)(c) GDPR)."""
    from accounts.models import CaseConsent, EmployerCaseDetails

    details = EmployerCaseDetails.objects.filter(case=case).first()
    return {
        "document_requests": [_export_row(r, ["reason", "note", "due_at", "created_at", "fulfilled_at"])
                              for r in case.document_requests.order_by("created_at", "pk")],
        "authority_steps": [{k: _export_value(v) for k, v in step.items()}
                            for step in applicant_authority_steps(viewer=viewer, case=case)],
        "employer_declaration": _export_row(details, ["employer_reference", "required_qualification",
                                                      "required_qualification_detail", "working_conditions"])
        if details else None,
        "consents": [{**_export_row(c, ["scope", "granted_at", "revoked_at"]), "employer": c.organisation.name}
                     for c in CaseConsent.objects.filter(case=case).select_related("organisation")
                     .order_by("granted_at", "pk")],
        "access_log": [_export_row(a, ["created_at", "object_kind", "object_label", "action", "role",
                                       "organisation_name"])
                       for a in case_access_list(viewer=viewer, case=case).order_by("created_at", "pk")],
    }


def applicant_data_export_zip(*, viewer):
    """The export as a ZIP file object (spooled to disk when large): ``data.json``, ``documents/``
    and ``decisions/``. Files that cannot be read are listed in ``missing_files`` of data.json."""
    import json
    import tempfile
    import zipfile

    from documents.selectors import document_list
    from documents.services import display_name

    data = applicant_data_export(viewer=viewer)
    data["missing_files"] = []
    archive = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115 - returned open
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
        for document in document_list(viewer=viewer):
            name = f"documents/{document.public_id}-{display_name(document.original_name, limit=80)}"
            try:
                with document.file.open("rb") as handle:
                    zipped.writestr(name, handle.read())
            except (OSError, ValueError):
                data["missing_files"].append(name)
        for case in applicant_case_list(viewer=viewer):
            for decision in case_issued_decisions(viewer=viewer, case=case):
                if not decision.pdf:
                    continue
                name = f"decisions/{case.reference}-{decision.public_id}.pdf"
                try:
                    with decision.pdf.open("rb") as handle:
                        zipped.writestr(name, handle.read())
                except (OSError, ValueError):
                    data["missing_files"].append(name)
        zipped.writestr("data.json", json.dumps(data, ensure_ascii=False, indent=2, default=str))
    archive.seek(0)
    return archive


# --- Own data: account deletion (GDPR Art. 17) ---------------------------------------------------

@dataclass
class RetainedCase:
    case: Case
    until: datetime  # when purge_closed_cases anonymises it


@dataclass
class AccountDeletionOverview:
    """What deleting the viewer's account would do (services.account_delete acts on the same answer)."""

    open_cases: list[Case] = field(default_factory=list)  # under way: they block the deletion
    organisation_access: bool = False  # employer or authority access: blocks it too (ask to be removed first)
    drafts: list[Case] = field(default_factory=list)  # deleted, with their documents
    documents: int = 0  # deleted: the library and the drafts' documents
    retained: list[RetainedCase] = field(default_factory=list)  # closed or withdrawn: kept for the period

    @property
    def blocked(self) -> bool:
        return bool(self.open_cases) or self.organisation_access

    @property
    def retained_until(self) -> datetime | None:
        return max((r.until for r in self.retained), default=None)

    @property
    def refusal(self) -> str:
        """Why the account cannot be deleted now, in the reader's language ("" when it can)."""
        from django.utils.translation import gettext, ngettext

        reasons = []
        if self.open_cases:
            reasons.append(ngettext(
                "Your account cannot be deleted while your application %(references)s is under way. "
                "Please withdraw it first, or wait until it is closed.",
                "Your account cannot be deleted while your applications %(references)s are under way. "
                "Please withdraw them first, or wait until they are closed.",
                len(self.open_cases)) % {"references": ", ".join(c.reference for c in self.open_cases)})
        if self.organisation_access:
            reasons.append(gettext(
                "Your account also gives access to an employer's or an authority's cases. Please ask the "
                "organisation's owner or your administrator to remove that access first."))
        return " ".join(reasons)


def account_deletion_overview(*, viewer) -> AccountDeletionOverview:
    """Sorts the viewer's cases for the deletion of their account: never submitted (drafts and discarded
    drafts) → deleted; finished (closed, or withdrawn after submission) → kept until the retention period
    ends; anything else is still under way and must be withdrawn first."""
    from documents.models import Document

    from .retention import case_retained_until

    overview = AccountDeletionOverview(
        organisation_access=user_is_staff_member(user=viewer) or user_is_employer(user=viewer))
    for case in applicant_case_list(viewer=viewer).order_by("created_at", "pk"):
        if case.never_submitted:
            overview.drafts.append(case)
        elif case.state in (CaseState.CLOSED, CaseState.WITHDRAWN):
            overview.retained.append(RetainedCase(case=case, until=case_retained_until(case)))
        else:
            overview.open_cases.append(case)
    overview.documents = Document.objects.filter(owner__user=viewer).filter(
        Q(case__isnull=True) | Q(case__in=[c.pk for c in overview.drafts])).count()
    return overview


# --- Employer portal and HR API (issue 5) ------------------------------------------------------
# What an employer may read of the cases of its organisation. The candidate's consent decides:
#   no consent / "status": reference, state, next step (who must do what, by when) and the state
#       history; the employer's own declaration (employment) and its own § 81a uploads;
#   "full": also the candidate's personal data, their documents, the whole message thread and the
#       eligibility verdict with its reasons.
# Consent is read on every request, so a revocation takes effect at once.

EMPLOYER_PAGE_SIZE = 50
CONSENT_NONE = ""


@dataclass
class EmployerCaseFilters:
    state: str = ""
    title: str = ""
    q: str = ""


def _employer_organisations(viewer):
    from accounts.selectors import employer_organisations_for_user

    return employer_organisations_for_user(user=viewer)


def _consent_scope_subquery():
    from accounts.models import CaseConsent

    return Subquery(CaseConsent.objects.filter(case=OuterRef("pk"), organisation=OuterRef("employer"),
                                               revoked_at__isnull=True).values("scope")[:1])


def _authority_request_model():
    """authorities.AuthorityRequest when that app provides it (it is built alongside)."""
    try:
        return apps.get_model("authorities", "AuthorityRequest")
    except LookupError:
        return None


def employer_cases(*, organisations, filters: EmployerCaseFilters | None = None) -> QuerySet[Case]:
    """Cases of the given employer organisations, annotated with `consent_scope`, filtered, newest first."""
    from django.db.models import Prefetch

    from accounts.models import CandidateInvitation

    filters = filters or EmployerCaseFilters()
    cases = (Case.objects.filter(employer__in=organisations)
             .annotate(consent_scope=Coalesce(_consent_scope_subquery(), Value(CONSENT_NONE)))
             .select_related("person", "employer", "employer_details", "employment"))
    if filters.state in CaseState.values:
        cases = cases.filter(state=filters.state)
    if filters.title:
        cases = cases.filter(title_code=filters.title)
    term = (filters.q or "").strip()
    if term:
        # Names are searched only where the candidate shared them (full consent).
        cases = cases.filter(
            Q(reference__icontains=term) | Q(employer_details__employer_reference__icontains=term)
            | (Q(consent_scope="full") & (Q(person__surname__icontains=term) | Q(person__given_names__icontains=term)))
        )
    prefetch = [Prefetch("candidate_invitations", queryset=CandidateInvitation.objects.order_by("-created_at")),
                Prefetch("document_requests", queryset=DocumentRequest.objects.filter(fulfilled_at__isnull=True)
                         .order_by("due_at"))]
    if _authority_request_model() is not None:
        prefetch.append("authority_requests__authority")
    return cases.prefetch_related(*prefetch).order_by("-created_at", "-pk")


def employer_case_list(*, viewer, filters: EmployerCaseFilters | None = None) -> QuerySet[Case]:
    """Every case of the viewer's employer organisations (none for anybody else)."""
    return employer_cases(organisations=_employer_organisations(viewer), filters=filters)


def employer_case_get(*, viewer, public_id) -> Case:
    """A case of one of the viewer's employer organisations, or 404 (also for other organisations' cases)."""
    try:
        return bind_case(employer_case_list(viewer=viewer).get(public_id=public_id))
    except (Case.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    except Exception as exc:  # ValidationError of a malformed id
        from django.core.exceptions import ValidationError

        if isinstance(exc, ValidationError):
            raise Http404 from exc
        raise


def case_consent_scope(*, case: Case) -> str:
    """"full", "status" or "" (no consent in force) for the employer of the case."""
    if hasattr(case, "consent_scope"):
        return case.consent_scope or CONSENT_NONE
    from accounts.selectors import case_consent_in_force

    consent = case_consent_in_force(case=case)
    return consent.scope if consent else CONSENT_NONE


@dataclass(frozen=True)
class Need:
    """What is needed from whom for the case to move on, and by when."""

    who: str          # "candidate" | "employer" | "wsa" | "authority" | "nobody"
    who_label: str
    text: str
    due: datetime | None = None


_WHO = {
    "candidate": gettext_lazy("Candidate"),
    "employer": gettext_lazy("Your organisation"),
    "wsa": gettext_lazy("Work-and-Stay-Agentur"),
    "authority": gettext_lazy("Authority"),
}


def _need(who: str, text, due=None, label=None) -> Need:
    return Need(who=who, who_label=str(label or _WHO[who]), text=str(text), due=due)


def _latest_invitation(case: Case):
    invitations = list(case.candidate_invitations.all())
    if not invitations:
        return None
    return max(invitations, key=lambda i: (i.created_at, i.pk))


def case_invitation_status(*, case: Case) -> str:
    """"accepted", "pending", "expired", "declined", "revoked" or "" (no invitation)."""
    if case.person.user_id is not None:
        return "accepted"
    invitation = _latest_invitation(case)
    if invitation is None:
        return ""
    if invitation.accepted_at:
        return "accepted"
    if invitation.declined_at:
        return "declined"
    if invitation.revoked_at:
        return "revoked"
    if invitation.expires_at <= timezone.now():
        return "expired"
    return "pending"


def case_authority_deadlines(*, case: Case) -> list[dict]:
    """Open authority steps of the case with their legal deadlines (empty without the authorities app)."""
    if _authority_request_model() is None:
        return []
    rows = []
    for request in case.authority_requests.all():
        if not getattr(request, "is_open", False):
            continue
        authority = getattr(request, "authority", None)
        rows.append({
            "step": str(request.get_purpose_display()),
            "authority": str(authority) if authority is not None else "",
            "due": getattr(request, "due_at", None),
            "deemed_approval": bool(getattr(request, "deemed_approval_on_silence", False)),
            "source": getattr(request, "deadline_source", ""),
        })
    return sorted(rows, key=lambda r: (r["due"] is None, r["due"] or _FAR_FUTURE))


def case_accelerated_documents(*, case: Case) -> dict[str, list]:
    """The § 81a documents of the case by requirement code (power of attorney, agreement)."""
    from documents.models import Document
    from documents.services import REQUIREMENT_KEY

    found: dict[str, list] = {"power_of_attorney_81a": [], "agreement_81a": []}
    for document in Document.objects.filter(case=case).exclude(state=Document.State.REJECTED).order_by("created_at"):
        code = (document.extracted or {}).get(REQUIREMENT_KEY, "")
        if code in found:
            found[code].append(document)
    return found


def case_needs(*, case: Case, accelerated_documents: dict | None = None) -> list[Need]:
    """What is needed from whom now, first the most pressing. Uses prefetched invitations,
    document requests and authority requests when the case came from employer_cases()."""
    from django.utils.translation import gettext as _

    state = case.state
    needs: list[Need] = []
    if state == CaseState.DRAFT:
        status = case_invitation_status(case=case)
        invitation = _latest_invitation(case)
        if status == "pending":
            needs.append(_need("candidate", _("Accept the invitation and decide what the employer may see."),
                               invitation.expires_at))
        elif status in ("expired", "revoked", ""):
            needs.append(_need("employer", _("Send the candidate a new invitation.")))
        else:
            needs.append(_need("candidate", _("Complete the application and submit it.")))
        if case.accelerated:
            documents = accelerated_documents if accelerated_documents is not None else case_accelerated_documents(
                case=case)
            if not all(documents.values()):
                needs.append(_need("employer", _("Upload the signed power of attorney and the agreement for the "
                                                 "accelerated procedure.")))
    elif state in (CaseState.SUBMITTED, CaseState.COMPLETENESS_CHECK):
        due = case.submitted_at + timedelta(days=COMPLETENESS_CHECK_DAYS) if case.submitted_at else None
        needs.append(_need("wsa", _("Check that the application is complete."), due))
    elif state == CaseState.DOCUMENTS_REQUESTED:
        requests = [r for r in case.document_requests.all() if r.fulfilled_at is None]
        for request in requests:
            if request.reason == "employer_declaration":
                needs.append(_need("employer", _("Complete the employment declaration."), request.due_at))
            else:
                needs.append(_need("candidate", _("Provide the requested documents."), request.due_at))
        if not requests:
            needs.append(_need("candidate", _("Provide the requested documents.")))
    elif state == CaseState.AUTHORITY_REVIEW:
        steps = case_authority_deadlines(case=case)
        for step in steps:
            needs.append(_need("authority", step["step"], step["due"], label=step["authority"] or None))
        if not steps:
            needs.append(_need("authority", _("The authorities review the case.")))
    elif state == CaseState.VISA_DECISION:
        needs.append(_need("authority", _("Decide on the visa."), label=_("Visa office")))
    elif state == CaseState.VISA_GRANTED:
        needs.append(_need("candidate", _("Travel to Germany and report the entry.")))
    elif state == CaseState.ENTERED:
        needs.append(_need("authority", _("Issue the residence permit."), label=_("Foreigners' authority")))
    return needs


def case_next_step(*, case: Case) -> Need | None:
    needs = case_needs(case=case)
    return needs[0] if needs else None


# Eligibility ------------------------------------------------------------------------------------


@dataclass
class CaseEligibility:
    """The rules engine's verdict for a case, from what Person and Employment hold.

    `result` is the verdict for the case's title (or the best title when none is chosen yet);
    `missing` its unmet conditions (each fixable one makes the verdict "eligible_if");
    `missing_inputs` what the profile lacks to evaluate at all; `assumptions` what was assumed."""

    available: bool
    result: object | None = None
    others: list = field(default_factory=list)
    missing_inputs: list[str] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)
    on_date: object | None = None

    @property
    def verdict(self) -> str:
        return self.result.verdict if self.result is not None else ""

    @property
    def missing(self) -> list:
        return list(self.result.missing) if self.result is not None else []


def _years_of_experience(person, today):
    from decimal import Decimal

    window_start = today.replace(year=today.year - 7) if not (today.month == 2 and today.day == 29) else (
        today.replace(year=today.year - 7, day=28))
    days = 0
    for item in person.experience.all():
        start = max(item.started_on, window_start)
        end = min(item.ended_on or today, today)
        if end > start:
            days += (end - start).days
    return min(Decimal(days) / Decimal("365.25"), Decimal(80)).quantize(Decimal("0.1"))


def case_profile(*, case: Case, today=None):
    """(Profile or None, missing inputs, assumptions) for the rules engine, from the case's data."""
    from django.utils.translation import gettext as _

    from . import rules
    from .models import Employment
    from .rules.occupations import IT_SPECIALIST_GROUPS

    today = today or timezone.localdate()
    person = case.person
    missing: list[str] = []
    assumptions: list[str] = []
    if person.birth_date is None:
        missing.append(_("date of birth"))
    qualifications = list(person.qualifications.all())
    academic = [q for q in qualifications if q.kind == "academic"]
    vocational = [q for q in qualifications if q.kind == "vocational"]
    chosen = academic or vocational
    rank = {"full": 0, "partial": 1, "pending": 2, "none": 3}
    best = min(chosen, key=lambda q: rank.get(q.recognition, 3)) if chosen else None
    if best is None:
        missing.append(_("qualification"))
    levels = {s.language: s.level for s in person.languages.all()}
    employment = Employment.objects.filter(case=case).first()
    job_offer = None
    if employment is None:
        missing.append(_("job offer"))
    elif not employment.occupation_isco:
        missing.append(_("occupation code (ISCO-08)"))
    else:
        job_offer = {
            "annual_gross_salary_eur": employment.annual_gross_salary,
            "occupation_isco": employment.occupation_isco,
            "hours_per_week": employment.weekly_hours,
            "start_date": employment.start_date or today,
            "collective_agreement": employment.collective_agreement,
            "contract_months": employment.duration_months,
        }
        if employment.start_date is None:
            assumptions.append(_("The job starts today (no start date given)."))
    if person.birth_date is None:
        return None, missing, assumptions
    assumptions.append(_("No earlier stays in Germany, no spouse applying jointly and no proof of means are "
                         "taken into account."))
    data = {
        "date_of_birth": person.birth_date,
        "qualification": best.kind if best else "none",
        "recognition": best.recognition if best else "none",
        "degree_comparable": any(q.comparable for q in academic),
        "job_offer": job_offer,
        "german_level": levels.get("de", "none") or "none",
        "english_level": levels.get("en", "none") or "none",
        "years_experience": _years_of_experience(person, today),
        "months_in_germany_last_5_years": 0,
        "spouse_eligible": False,
        "monthly_means_eur": 0,
        "it_specialist": bool(employment and employment.occupation_isco.startswith(IT_SPECIALIST_GROUPS)),
        "accelerated_procedure": bool(case.accelerated and job_offer is not None),
    }
    if best is not None and best.kind == "academic" and best.completed_on:
        data["graduation_date"] = best.completed_on
    try:
        return rules.Profile.from_dict(data), missing, assumptions
    except rules.ProfileError as exc:
        missing.append(f"{exc.field}: {exc.message}")
        return None, missing, assumptions


def case_eligibility(*, case: Case, today=None) -> CaseEligibility:
    """The rules engine's verdict for the case, for the candidate and (with full consent) the employer."""
    from . import rules

    _order = {rules.ELIGIBLE: 0, rules.ELIGIBLE_IF: 1, rules.NOT_ELIGIBLE: 2}
    today = today or timezone.localdate()
    profile, missing_inputs, assumptions = case_profile(case=case, today=today)
    if profile is None:
        return CaseEligibility(available=False, missing_inputs=missing_inputs, assumptions=assumptions,
                               on_date=today)
    try:
        figures = rule_figures()
        if case.title_code in rules.TITLE_CODES:
            result = rules.evaluate_title(case.title_code, profile, today, figures=figures)
            others = []
        else:
            ranked = sorted(rules.evaluate(profile, today, figures=figures).titles,
                            key=lambda r: _order.get(r.verdict, 3))
            result, others = (ranked[0], [r for r in ranked[1:] if r.verdict != rules.NOT_ELIGIBLE])
    except rules.ThresholdNotFound:
        return CaseEligibility(available=False, missing_inputs=missing_inputs, assumptions=assumptions,
                               on_date=today)
    return CaseEligibility(available=True, result=result, others=others, missing_inputs=missing_inputs,
                           assumptions=assumptions, on_date=today)


# What an employer reads -------------------------------------------------------------------------


def employer_case_messages(*, viewer, case: Case) -> QuerySet[Message]:
    """The employer's thread: with full consent every public message of the case; otherwise only the
    messages of the employer's thread (its members and the case team's replies to it)."""
    messages = case.messages.filter(internal=False).select_related("author").order_by("created_at", "pk")
    if case_consent_scope(case=case) != "full":
        messages = messages.filter(employer_thread__organisation_id=case.employer_id)
    return messages


def employer_case_documents(*, case: Case):
    """The candidate's documents of the case, only with full consent."""
    from documents.models import Document

    if case_consent_scope(case=case) != "full":
        return Document.objects.none()
    return Document.objects.filter(case=case).order_by("-created_at", "-pk")


def employer_case_document_get(*, viewer, case: Case, public_id):
    """A document the employer may download: with full consent any of the case, otherwise only
    the § 81a documents its own members uploaded."""
    from documents.models import Document

    documents = Document.objects.filter(case=case)
    if case_consent_scope(case=case) != "full":
        from accounts.models import Membership, Role

        members = Membership.objects.filter(organisation_id=case.employer_id, role__in=Role.employer_roles())
        documents = documents.filter(uploaded_by__in=members.values("user_id"))
    try:
        return documents.get(public_id=public_id)
    except Exception as exc:  # DoesNotExist or a malformed id
        raise Http404 from exc


def employer_case_timeline(*, case: Case) -> QuerySet[Event]:
    """Public events; without full consent only the state changes (their payload can hold notes)."""
    events = case.events.filter(internal=False).order_by("created_at", "pk")
    if case_consent_scope(case=case) != "full":
        events = events.filter(kind__in=["created", "transition"])
    return events


def employer_case_candidate(*, case: Case) -> dict | None:
    """The candidate's personal data for the employer: only with full consent."""
    if case_consent_scope(case=case) != "full":
        return None
    person = case.person
    return {
        "given_names": person.given_names, "surname": person.surname, "full_name": person.full_name,
        "email": person.email or (person.user.email if person.user_id else ""),
        "birth_date": person.birth_date, "nationality": person.nationality, "phone": person.phone,
        "city": person.city, "country_of_residence": person.country_of_residence,
    }


EXPORT_CHUNK_SIZE = 500


def _newest_first_in_chunks(cases: QuerySet[Case]):
    """The cases of a queryset ordered newest first ("-created_at", "-pk"), read by keyset in pages of
    EXPORT_CHUNK_SIZE (with their prefetches): memory stays flat whatever the number. Not `iterator()`:
    behind PgBouncer server-side cursors are off, and the driver would then hold the whole result."""
    size, last = EXPORT_CHUNK_SIZE, None
    while True:
        page = cases
        if last is not None:
            page = page.filter(Q(created_at__lt=last.created_at) | Q(created_at=last.created_at, pk__lt=last.pk))
        batch = list(page.order_by("-created_at", "-pk")[:size])
        yield from batch
        if len(batch) < size:
            return
        last = batch[-1]


def employer_export_rows(*, cases: QuerySet[Case]):
    """CSV rows (after a header) for the dashboard export, generated page by page; the candidate's name
    and e-mail only with full consent. Cells that a spreadsheet would run as a formula are neutralised."""
    for case in _newest_first_in_chunks(cases):
        candidate = employer_case_candidate(case=case)
        details = getattr(case, "employer_details", None) if _has_related(case, "employer_details") else None
        employment = case.employment if _has_related(case, "employment") else None
        need = next(iter(case_needs(case=case)), None)
        yield [_csv_cell(v) for v in [
            case.reference, details.employer_reference if details else "", case.get_state_display(),
            f"{need.who_label}: {need.text}" if need else "", need.due.date().isoformat() if need and need.due else "",
            case.title_code, "yes" if case.accelerated else "no",
            employment.job_title if employment else "",
            candidate["full_name"] if candidate else "", candidate["email"] if candidate else "",
            case.consent_scope if hasattr(case, "consent_scope") else case_consent_scope(case=case),
            timezone.localtime(case.created_at).date().isoformat(),
        ]]


EMPLOYER_EXPORT_HEADER = ["reference", "your_reference", "state", "next_step", "next_step_due", "title",
                          "accelerated", "job_title", "candidate_name", "candidate_email", "consent", "created"]


def _has_related(obj, name: str) -> bool:
    from django.core.exceptions import ObjectDoesNotExist

    try:
        return getattr(obj, name) is not None
    except ObjectDoesNotExist:
        return False


def _csv_cell(value) -> str:
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text
