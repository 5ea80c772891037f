"""Writes to the case store. Views, tasks and commands change cases only through these functions."""

from collections.abc import Callable
from datetime import date

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .lifecycle import CaseState, transition_for
from .models import Case, Employment, Event, EventKind, Message, Person, ProcedureLanguage, ReferenceCounter

# Hooks other apps register to act inside the transaction of a transition (e.g. the authorities
# hub writes its outbox rows on "submit"). Keyed by transition name.
_transition_hooks: dict[str, list[Callable]] = {}


def on_transition(name: str):
    """Registers `hook(case=..., actor=..., payload=...)` to run inside the transaction of `name`."""

    def register(hook):
        _transition_hooks.setdefault(name, []).append(hook)
        return hook

    return register


def reference_allocate(*, today: date | None = None) -> str:
    """The next human reference of the year, e.g. WSA-2026-000123; gap-free under a row lock."""
    year = (today or timezone.localdate()).year
    with transaction.atomic():
        ReferenceCounter.objects.get_or_create(year=year)
        counter = ReferenceCounter.objects.select_for_update().get(year=year)
        counter.last_number += 1
        counter.save(update_fields=["last_number"])
    return f"WSA-{year}-{counter.last_number:06d}"


def event_append(*, case: Case, kind: str, actor=None, payload=None, internal=False,
                 from_state: str = "", to_state: str = "") -> Event:
    event = Event.objects.create(
        case=case, kind=kind, actor=actor, payload=payload or {}, internal=internal,
        from_state=from_state, to_state=to_state,
    )
    if not internal:
        Case.objects.filter(pk=case.pk).update(version=F("version") + 1, updated_at=timezone.now())
        transaction.on_commit(lambda: _notify(event.pk))
    return event


def _notify(event_id: int) -> None:
    from .tasks import notify_event

    notify_event.delay(event_id)


@transaction.atomic
def case_create(*, person: Person, actor=None, employer=None, title_code: str = "",
                procedure_language: str = ProcedureLanguage.GERMAN, accelerated: bool = False) -> Case:
    case = Case.objects.create(
        reference=reference_allocate(), person=person, employer=employer, title_code=title_code,
        procedure_language=procedure_language, accelerated=accelerated, created_by=actor,
    )
    event_append(case=case, kind=EventKind.CREATED, actor=actor, to_state=case.state)
    return case


@transaction.atomic
def case_transition(*, case: Case, transition: str, actor=None, payload: dict | None = None) -> Case:
    """Applies one transition of the lifecycle table, or raises IllegalTransition and changes nothing."""
    locked = Case.objects.select_for_update().get(pk=case.pk)
    move = transition_for(transition, locked.state)
    from_state = locked.state
    locked.state = move.target
    now = timezone.now()
    if move.target == CaseState.SUBMITTED:
        locked.submitted_at = now
    if move.target == CaseState.CLOSED:
        locked.closed_at = now
    locked.save(update_fields=["state", "submitted_at", "closed_at", "updated_at"])
    event_append(
        case=locked, kind=EventKind.TRANSITION, actor=actor, from_state=from_state, to_state=move.target,
        payload={"transition": transition, **(payload or {})},
    )
    for hook in _transition_hooks.get(transition, []):
        hook(case=locked, actor=actor, payload=payload or {})
    locked.refresh_from_db()
    case.__dict__.update({k: v for k, v in locked.__dict__.items() if not k.startswith("_")})
    return case


@transaction.atomic
def employment_set(*, case: Case, actor=None, **fields) -> Employment:
    employment, _ = Employment.objects.update_or_create(case=case, defaults=fields)
    Case.objects.filter(pk=case.pk).update(version=F("version") + 1)
    return employment


@transaction.atomic
def message_post(*, case: Case, author, body: str, internal: bool = False) -> Message:
    message = Message.objects.create(case=case, author=author, body=body.strip(), internal=internal)
    event_append(
        case=case, kind=EventKind.NOTE if internal else EventKind.MESSAGE, actor=author, internal=internal,
        payload={"message": str(message.public_id)},
    )
    return message
