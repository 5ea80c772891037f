"""The yearly figures of the rules (thresholds, amounts) as operators keep them, four-eyes.

Writes: `rule_figure_enter` (staff with the add permission), `rule_figure_approve` (staff with the
approve permission, never the person who entered the figure; being a superuser does not change
that), `rule_figure_discard` (a figure not approved yet). Each writes a figure audit entry
(applications.audit.figure_record).

Read: `rule_figures()` gives the rules engine the figures in force as `rules.Figures`, from the
cache: the title finder, the case eligibility and the routing to the authorities pay no query for
them once the cache is warm. An approval changes the cache version, so the next request reads the
new figures.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext

from . import audit
from .models import RuleFigure, RuleFigureAudit
from .rules import BUILT_IN_FIGURES, Figures
from .rules.thresholds import CENT, PENSION_CEILING, SHARES_OF_PENSION_CEILING, to_cents

ENTER_PERMISSION = "applications.add_rulefigure"
APPROVE_PERMISSION = "applications.approve_rulefigure"

_CACHE_VERSION_KEY = "rule_figures:version"
# Invalidation is by version on approval; the timeout only bounds how long another process keeps
# old figures when the cache is per process (local memory, the embedded default without Redis).
_CACHE_SECONDS = 300


class RuleFigureError(ValidationError):
    """A figure that cannot be entered or approved as it is; the message is translated."""


def _may(actor, permission: str) -> bool:
    return bool(actor is not None and actor.is_active and actor.is_staff and actor.has_perm(permission))


# --- Writes ------------------------------------------------------------------------------------


@transaction.atomic
def rule_figure_enter(*, figure: RuleFigure, actor) -> RuleFigure:
    """Saves a new figure, or a changed one not approved yet, as entered by `actor`: whoever typed the
    values last is the one who may not approve them. Raises PermissionDenied or ValidationError."""
    if not _may(actor, ENTER_PERMISSION):
        raise PermissionDenied(gettext("You may not enter figures of the rules."))
    if figure.pk is not None and RuleFigure.objects.filter(pk=figure.pk, approved_at__isnull=False).exists():
        raise RuleFigureError(gettext("This figure is approved and cannot be changed. Enter a correction as a "
                                      "new figure that names it under “corrects”."))
    figure.entered_by = actor
    figure.entered_at = timezone.now()
    figure.approved_by, figure.approved_at = None, None
    figure.full_clean()
    figure.save()
    audit.figure_record(actor=actor, figure=figure, action=RuleFigureAudit.Action.ENTERED)
    return figure


@transaction.atomic
def rule_figure_approve(*, figure: RuleFigure, actor) -> RuleFigure:
    """The second pair of eyes: from now on the rules use the figure (and no longer the one it corrects).
    Raises PermissionDenied (no permission, or the approver entered it) or RuleFigureError (already
    approved, or its period overlaps a figure in force of the same kind)."""
    if not _may(actor, APPROVE_PERMISSION):
        raise PermissionDenied(gettext("You may not approve figures of the rules."))
    # Every figure of the kind under a row lock, in a fixed order: two approvals of overlapping
    # figures at the same time cannot both pass the overlap check.
    list(RuleFigure.objects.select_for_update().filter(kind=figure.kind).order_by("pk").values_list("pk", flat=True))
    figure = RuleFigure.objects.get(pk=figure.pk)
    if figure.approved:
        raise RuleFigureError(gettext("This figure is already approved."))
    if figure.entered_by_id == actor.pk:
        raise PermissionDenied(gettext("You entered this figure: a second person must approve it."))
    overlapping = (RuleFigure.objects.in_force()
                   .filter(kind=figure.kind, valid_from__lte=figure.valid_to, valid_to__gte=figure.valid_from)
                   .exclude(pk=figure.corrects_id).order_by("valid_from").first())
    if overlapping is not None:
        raise RuleFigureError(gettext(
            "%(figure)s overlaps the approved figure %(value)s valid from %(from)s to %(to)s. If that one is "
            "wrong, enter a correction that names it under “corrects”; otherwise let the periods meet "
            "without overlapping.") % {
                "figure": _describe(figure), "value": _amount(overlapping.value),
                "from": date_format(overlapping.valid_from), "to": date_format(overlapping.valid_to)})
    if figure.corrects_id is not None and not RuleFigure.objects.in_force().filter(pk=figure.corrects_id).exists():
        raise RuleFigureError(gettext("The figure this one corrects is not in force (not approved, or corrected "
                                      "already)."))
    RuleFigure.objects.filter(pk=figure.pk, approved_at__isnull=True).update(approved_by=actor,
                                                                             approved_at=timezone.now())
    figure.refresh_from_db()
    audit.figure_record(actor=actor, figure=figure, action=RuleFigureAudit.Action.APPROVED)
    # After the commit: a request that read the new version before then would cache the old figures.
    transaction.on_commit(_rule_figures_changed)
    return figure


@transaction.atomic
def rule_figure_discard(*, figure: RuleFigure, actor) -> None:
    """Deletes a figure that is not approved (a typo caught by the second pair of eyes)."""
    if not (_may(actor, "applications.delete_rulefigure")):
        raise PermissionDenied(gettext("You may not discard figures of the rules."))
    figure = RuleFigure.objects.select_for_update().get(pk=figure.pk)
    if figure.approved:
        raise RuleFigureError(gettext("This figure is approved and cannot be deleted. Enter a correction as a "
                                      "new figure that names it under “corrects”."))
    audit.figure_record(actor=actor, figure=figure, action=RuleFigureAudit.Action.DISCARDED)
    figure.delete()


# --- Checks ------------------------------------------------------------------------------------


def rule_figure_warnings(*, figure: RuleFigure) -> list[str]:
    """What an operator should look at twice, without being stopped: a salary threshold that is not
    its statutory share of the pension ceiling of its year (the BMI sometimes publishes rounded
    amounts, so this warns and does not refuse)."""
    share = SHARES_OF_PENSION_CEILING.get(figure.kind)
    if share is None:
        return []
    ceiling = (RuleFigure.objects.in_force()
               .filter(kind=PENSION_CEILING, valid_from__lte=figure.valid_from, valid_to__gte=figure.valid_from)
               .order_by("-valid_from").first())
    if ceiling is None:
        return [gettext("%(figure)s: no approved pension ceiling covers %(day)s, so the amount could not be "
                        "checked against its statutory share. Enter and approve that year's ceiling too.")
                % {"figure": _describe(figure), "day": date_format(figure.valid_from)}]
    expected = to_cents(ceiling.value * share)
    if abs(figure.value - expected) <= CENT:
        return []
    return [gettext("%(figure)s differs from %(share)s %% of the pension ceiling %(ceiling)s, which is %(expected)s. "
                    "Check the amount against the published notice.")
            % {"figure": _describe(figure), "share": _percent(share),
               "ceiling": _amount(ceiling.value), "expected": _amount(expected)}]


def _percent(share) -> str:
    # 0.453 -> "45.3", 0.50 -> "50" (in the reader's notation)
    percent = Decimal(f"{share * 100:f}".rstrip("0").rstrip("."))
    return number_format(percent, use_l10n=True)


def _amount(value) -> str:
    return number_format(value, decimal_pos=2, use_l10n=True, force_grouping=True)


def _describe(figure: RuleFigure) -> str:
    return gettext("%(kind)s %(value)s (%(from)s to %(to)s)") % {
        "kind": figure.get_kind_display(), "value": _amount(figure.value),
        "from": date_format(figure.valid_from), "to": date_format(figure.valid_to)}


# --- Read --------------------------------------------------------------------------------------


def rule_figures() -> Figures:
    """The figures in force for the rules engine: approved and not replaced by an approved correction.
    Cached; every approval moves the cache to a new version."""
    version = cache.get(_CACHE_VERSION_KEY, 0)
    key = f"rule_figures:{version}"
    figures = cache.get(key)
    if figures is None:
        figures = tuple(row.as_rule_figure() for row in RuleFigure.objects.in_force().order_by("kind", "valid_from"))
        cache.set(key, figures, _CACHE_SECONDS)
    # A database without any approved figure (emptied, or its seed migration not run) answers with what
    # the release ships rather than with no figures at all.
    return Figures(figures or BUILT_IN_FIGURES)


def _rule_figures_changed() -> None:
    # A version rather than a delete: a request that read the table before the approval committed
    # writes its (old) figures under the old version, where nobody looks any more.
    cache.add(_CACHE_VERSION_KEY, 0, None)
    try:
        cache.incr(_CACHE_VERSION_KEY)
    except ValueError:  # evicted between add and incr
        cache.set(_CACHE_VERSION_KEY, 1, None)
