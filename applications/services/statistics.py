"""The back office's statistics snapshots (national scale: computed by a beat task, read by the page)."""

from time import monotonic

from django.utils import timezone

from ..models import StatisticsSnapshot
from ..selectors.statistics import STATISTICS_ALL, case_statistics_compute


def statistics_refresh(*, scopes: list[str] | None = None) -> int:
    """Recomputes the statistics snapshots: the given scopes, or "all" and every scope viewed before.
    Run by the beat task `applications.tasks.statistics_refresh`; returns the number refreshed."""
    if scopes is None:
        scopes = sorted({STATISTICS_ALL, *StatisticsSnapshot.objects.values_list("scope", flat=True)})
    for scope in scopes:
        began = monotonic()
        data = case_statistics_compute(scope_key=scope)
        StatisticsSnapshot.objects.update_or_create(scope=scope, defaults={
            "data": data, "computed_at": timezone.now(), "seconds": round(monotonic() - began, 3)})
    return len(scopes)
