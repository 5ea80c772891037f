"""``{% state_badge case %}``, ``{% deadline_badge deadline status %}``, ``{{ moment|date_element }}``: the
case's state and a deadline as KERN badges (the words carry the meaning, the colour only supports it),
and a date as a ``<time>`` element. Python rather than included templates: they are drawn on every row
of the queues, where an include per row cost more than the rest of the row."""

from datetime import date, datetime
from functools import lru_cache

from django import template
from django.utils import formats
from django.utils.html import format_html
from django.utils.timezone import is_aware, localtime
from django.utils.translation import get_language, gettext

from ..lifecycle import CaseState

register = template.Library()

_STATE_COLOURS = {
    CaseState.REJECTED: "danger", CaseState.WITHDRAWN: "danger",
    CaseState.VISA_GRANTED: "success", CaseState.PERMIT_ISSUED: "success", CaseState.CLOSED: "success",
    CaseState.ENTERED: "success",
    CaseState.DOCUMENTS_REQUESTED: "warning", CaseState.DRAFT: "warning",
}
_ICON = '<span class="kern-icon kern-icon--{} kern-icon--small" aria-hidden="true"></span>'


# The state's label from one dict: Model.get_state_display() rebuilds its choices on every call (50 µs a row).
_STATE_LABELS = dict(CaseState.choices)


@register.simple_tag
def state_badge(case) -> str:
    return format_html('<span class="kern-badge kern-badge--{}">\n  <span class="kern-label kern-label--small">{}'
                       '</span>\n</span>', _STATE_COLOURS.get(case.state, "info"),
                       _STATE_LABELS.get(case.state, case.state))


@register.filter
def date_element(moment) -> str:
    """The date in the reader's short format, the exact moment (in the portal's zone) for machines."""
    if not moment:
        return ""
    local = localtime(moment) if isinstance(moment, datetime) and is_aware(moment) else moment
    day = local.date() if isinstance(local, datetime) else local
    return format_html('<time datetime="{}">{}</time>', local.isoformat(), _short_date(day, get_language()))


# SHORT_DATE_FORMAT names only the day's parts in every shipped language; the same few hundred
# deadlines and submission days fill every queue page, and Django's date formatting costs ~30 µs.
@lru_cache(maxsize=8192)
def _short_date(day: date, language: str | None) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT")


@register.simple_tag
def deadline_badge(deadline, status: str = "") -> str:
    if not deadline:
        return format_html('<span class="kern-body--small">{}</span>', gettext("no deadline"))
    badge = ""
    if status in ("overdue", "soon"):
        kind, label = ("danger", gettext("Overdue")) if status == "overdue" else ("warning", gettext("Due soon"))
        badge = format_html(' <span class="kern-badge kern-badge--{}">' + _ICON +
                            '<span class="kern-label kern-label--small">{}</span></span>', kind, kind, label)
    return format_html("{}{}", date_element(deadline), badge)
