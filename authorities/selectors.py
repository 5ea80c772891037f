"""Reads of the authority hub; every function takes the viewer and returns only what they may see.

Caseworkers of an office see the requests to their office (Authority.organisation and their staff
memberships). The WSA runs the hub: its staff see every request, including those no office could
be found for.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import OrganisationKind, Role
from accounts.selectors import authority_organisations_for_user, organisation_list_for_user

from .models import Authority, AuthorityRequest, RequestState


def viewer_sees_all_requests(*, viewer) -> bool:
    if not viewer.is_authenticated:
        return False
    return viewer.is_superuser or organisation_list_for_user(
        user=viewer, kinds=[OrganisationKind.WSA], roles=Role.staff_roles()
    ).exists()


def authority_list(*, viewer) -> QuerySet[Authority]:
    """The offices whose requests the viewer may see."""
    if not viewer.is_authenticated:
        return Authority.objects.none()
    if viewer_sees_all_requests(viewer=viewer):
        return Authority.objects.all()
    return Authority.objects.filter(organisation__in=authority_organisations_for_user(user=viewer))


def _overdue_q(now) -> Q:
    return Q(state__in=RequestState.open_states(), due_at__lt=now)


def authority_request_list(*, viewer, authority: Authority | int | None = None, state: str | None = None,
                           overdue: bool | None = None) -> QuerySet[AuthorityRequest]:
    """Requests of the viewer's offices; optionally of one office, in one state, (not) overdue."""
    if not viewer.is_authenticated:
        return AuthorityRequest.objects.none()
    requests = AuthorityRequest.objects.select_related("case", "authority")
    if not viewer_sees_all_requests(viewer=viewer):
        requests = requests.filter(authority__in=authority_list(viewer=viewer))
    if authority is not None:
        requests = requests.filter(authority=authority)
    if state:
        requests = requests.filter(state=state)
    if overdue is True:
        requests = requests.filter(_overdue_q(timezone.now()))
    elif overdue is False:
        requests = requests.exclude(_overdue_q(timezone.now()))
    return requests.order_by("due_at", "created_at", "pk")


# The board lists the most urgent requests of each office and counts the rest up to a cap: at
# national scale an office has tens of thousands of open requests (counting them all costs a
# quarter of a second per view; listing them all, megabytes of HTML).
BOARD_ROWS = 10
BOARD_COUNT_CAP = 1000


def authority_board(*, viewer) -> list[dict]:
    """The back-office overview: per office (and "no office" for the hub's staff) the overdue,
    the other open and the failed requests — the BOARD_ROWS most urgent of each, with their counts
    (exact up to BOARD_COUNT_CAP). A constant number of queries however many offices and requests."""
    from django.db import connection

    now = timezone.now()
    offices = list(authority_list(viewer=viewer).order_by("kind", "name"))
    sees_all = viewer_sees_all_requests(viewer=viewer)
    if connection.vendor == "postgresql":
        buckets = _board_buckets_sql(offices=offices, unrouted=sees_all, now=now)
    else:
        buckets = _board_buckets_python(viewer=viewer, now=now)
    ids = [pk for bucket in buckets.values() for _count, rows in bucket.values() for pk in rows]
    loaded = AuthorityRequest.objects.select_related("case", "authority").in_bulk(ids)
    groups: dict[int | None, dict] = {}
    for office in offices:
        groups[office.pk] = _board_group(office, buckets.get(office.pk), loaded)
    board = list(groups.values())
    if sees_all and buckets.get(None) and any(count for count, _rows in buckets[None].values()):
        board.append(_board_group(None, buckets[None], loaded))
    return board


def _board_group(office, bucket, loaded) -> dict:
    group = {"authority": office}
    for name in ("overdue", "open", "failed"):
        count, rows = (bucket or {}).get(name, (0, []))
        group[name] = [loaded[pk] for pk in rows if pk in loaded]
        group[f"{name}_count"] = count
        group[f"{name}_shown"] = f"{BOARD_COUNT_CAP:,}+" if count > BOARD_COUNT_CAP else str(count)
    return group


def _board_buckets_sql(*, offices, unrouted: bool, now) -> dict:
    """{office id or None: {bucket: (count up to the cap + 1, [request ids, most urgent first])}} in
    one query: per office and bucket a capped count and a LIMITed list, each written as index range
    scans (authreq_open_due: office, deadline, case; authreq_authority_case; authreq_authority_state)
    so that an office with tens of thousands of open requests costs no more than one with ten."""
    from django.db import connection

    table = AuthorityRequest._meta.db_table
    # Each bucket is a union of parts that the indexes can read in order: (condition, order).
    buckets = {
        "overdue": [("r.state IN ('sent', 'acknowledged') AND r.due_at < %(now)s", "r.due_at, r.case_id, r.id")],
        "open": [
            ("r.state = 'pending' AND r.due_at < %(now)s", "r.due_at, r.case_id, r.id"),
            ("r.state IN ('pending', 'sent', 'acknowledged') AND r.due_at >= %(now)s", "r.due_at, r.case_id, r.id"),
            ("r.state IN ('pending', 'sent', 'acknowledged') AND r.due_at IS NULL", "r.due_at, r.case_id, r.id"),
        ],
        "failed": [("r.state = 'failed'", "r.case_id, r.id")],
    }
    assert set(RequestState.open_states()) == {"sent", "acknowledged"}  # noqa: S101 - the SQL spells them out

    def columns(match: str) -> str:
        out = []
        for name, parts in buckets.items():
            order = parts[0][1].replace("r.", "").replace("due_at", "due_at NULLS LAST")
            counted = " UNION ALL ".join(
                f"(SELECT 1 FROM {table} r WHERE {match} AND {where} LIMIT %(cap)s)"  # noqa: S608
                for where, _order in parts)
            listed = " UNION ALL ".join(
                f"(SELECT r.id, r.due_at, r.case_id FROM {table} r WHERE {match} AND {where} "  # noqa: S608
                f"ORDER BY {part_order} LIMIT %(rows)s)" for where, part_order in parts)
            out.append(f"(SELECT count(*) FROM ({counted}) counted) AS {name}_count")  # noqa: S608
            out.append(f"ARRAY(SELECT id FROM ({listed}) listed ORDER BY {order} LIMIT %(rows)s) "  # noqa: S608
                       f"AS {name}_rows")
        return ", ".join(out)

    # The table name and the conditions are constants of this module; the values are parameters.
    sql = f"SELECT o.id, {columns('r.authority_id = o.id')} FROM unnest(%(offices)s::bigint[]) AS o(id)"  # noqa: S608
    if unrouted:
        sql += f" UNION ALL SELECT NULL, {columns('r.authority_id IS NULL')}"
    params = {"now": now, "cap": BOARD_COUNT_CAP + 1, "rows": BOARD_ROWS,
              "offices": [office.pk for office in offices]}
    result = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for office_id, *values in cursor.fetchall():
            result[office_id] = {name: (values[2 * i], list(values[2 * i + 1] or []))
                                 for i, name in enumerate(buckets)}
    return result


def _board_buckets_python(*, viewer, now) -> dict:
    """The same buckets by reading the waiting requests (SQLite, the embedded default)."""
    waiting = [RequestState.PENDING, *RequestState.open_states(), RequestState.FAILED]
    buckets: dict = {}
    rows = (authority_request_list(viewer=viewer).filter(state__in=waiting).order_by("due_at", "case_id", "pk")
            .values_list("pk", "authority_id", "state", "due_at"))
    for pk, authority_id, state, due_at in rows:
        if state == RequestState.FAILED:
            name = "failed"
        elif due_at and due_at < now and state in RequestState.open_states():
            name = "overdue"
        else:
            name = "open"
        bucket = buckets.setdefault(authority_id, {"overdue": [0, []], "open": [0, []], "failed": [0, []]})
        bucket[name][0] += 1
        if len(bucket[name][1]) < BOARD_ROWS:
            bucket[name][1].append(pk)
    return {office: {name: tuple(value) for name, value in bucket.items()} for office, bucket in buckets.items()}
