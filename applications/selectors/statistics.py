"""The back office's statistics.

At national scale the figures cannot be aggregated on every view (a million cases, ten million
events). They are computed per scope by services.statistics_refresh() — a beat task every few
minutes, and once on the first view of a scope — and stored in StatisticsSnapshot; the page reads
that one row. On PostgreSQL the figures come from SQL aggregates (window functions and
percentile_cont); elsewhere (SQLite, the embedded default) from the same walk in Python."""

import statistics
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Count, QuerySet
from django.utils import timezone

from accounts.selectors import user_is_staff_member
from authorities.models import Authority, AuthorityRequest

from ..lifecycle import CaseState
from ..models import Case, DocumentRequest, Event, StatisticsSnapshot
from .deadlines import COMPLETENESS_CHECK_DAYS
from .office_requests import WAITING_STATES, cases_requested_from_q
from .staff import staff_scope

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
    requested = cases_requested_from_q(office_ids)
    return Case.objects.filter(requested) if requested is not None else Case.objects.none()


def _median_days(seconds: list[float]) -> float | None:
    return round(statistics.median(seconds) / 86400, 1) if seconds else None


def case_statistics_compute(*, scope_key: str) -> dict:
    """The raw figures of a scope (codes, counts, medians in days), as stored in the snapshot."""
    cases = _statistics_cases(scope_key)
    now = timezone.now()
    per_state = {state: n for state, n in cases.values_list("state").annotate(n=Count("pk")).order_by()}
    if connection.vendor == "postgresql":
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
            "overdue_documents": overdue_documents, "completeness_overdue": completeness_overdue}


def _statistics_sql(scope_key: str, cases: QuerySet[Case], now) -> tuple[dict, list]:
    """Step medians and per-office figures in three aggregate queries (PostgreSQL)."""
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
            """, [WAITING_STATES, WAITING_STATES, now] + (list(case_params) if scoped else []))  # noqa: S608
        authorities = [[name or "—", total, open_, overdue, round(float(median) / 86400, 1) if median else None]
                       for name, total, open_, overdue, median in cursor.fetchall()]
    return steps, authorities


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
    per_office: dict[str, dict] = {}
    requests = AuthorityRequest.objects.filter(case__in=cases)
    for row in requests.values("authority__name", "state", "created_at", "answered_at", "due_at"):
        entry = per_office.setdefault(row["authority__name"] or "—", {"total": 0, "open": 0, "overdue": 0, "secs": []})
        entry["total"] += 1
        is_open = row["state"] in WAITING_STATES
        entry["open"] += is_open
        if is_open and row["due_at"] and row["due_at"] < now:
            entry["overdue"] += 1
        if row["answered_at"] and row["created_at"]:
            entry["secs"].append((row["answered_at"] - row["created_at"]).total_seconds())
    authorities = [[name, e["total"], e["open"], e["overdue"], _median_days(e["secs"])]
                   for name, e in sorted(per_office.items())]
    return steps, authorities


def statistics_snapshot_get(*, scope_key: str):
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
        "computed_at": computed_at,
    }
