"""Every legal and every illegal transition of the case lifecycle, and the Event each one writes."""

from datetime import date

import pytest

from applications import services
from applications.lifecycle import TRANSITIONS, CaseState, IllegalTransition, available_transitions
from applications.models import Case, Event, ResidenceTitle, TitleExtension, TitleKind
from tests.factories import CaseFactory, UserFactory

LEGAL = [(name, source) for name, t in TRANSITIONS.items() for source in sorted(t.sources)]
ILLEGAL = [(name, state) for name, t in TRANSITIONS.items() for state in CaseState if state not in t.sources]


EXTENSION_ONLY = {"extend_permit", "refuse_extension"}


def _extending(case):
    """Makes `case` the application to extend a title of its holder (§ 81 Abs. 4 AufenthG)."""
    title = ResidenceTitle.objects.create(
        holder=case.person, kind=TitleKind.RESIDENCE_PERMIT, title_code="18b", legal_basis="§ 18b AufenthG",
        valid_from=date(2025, 1, 1), valid_until=date(2027, 1, 1))
    TitleExtension.objects.create(case=case, title=title, same_employment=True, applied_on=date(2026, 12, 1),
                                  in_time=True)


@pytest.mark.django_db
@pytest.mark.parametrize("transition", sorted(EXTENSION_ONLY))
def test_only_an_extension_is_decided_from_the_authority_review(transition):
    case = CaseFactory(state=CaseState.AUTHORITY_REVIEW)
    with pytest.raises(services.BackofficeError):
        services.case_transition(case=case, transition=transition, actor=UserFactory())
    assert Case.objects.get(pk=case.pk).state == CaseState.AUTHORITY_REVIEW


def test_table_covers_the_documented_lifecycle():
    reachable = {t.target for t in TRANSITIONS.values()} | {CaseState.DRAFT}
    assert reachable == set(CaseState)
    assert available_transitions(CaseState.CLOSED) == []
    assert {t.name for t in available_transitions(CaseState.VISA_DECISION)} == {"grant_visa", "reject", "withdraw"}
    assert {t.name for t in available_transitions(CaseState.COMPLETENESS_CHECK)} == {
        "request_documents", "start_authority_review", "withdraw"}


@pytest.mark.django_db
@pytest.mark.parametrize(("transition", "source"), LEGAL)
def test_legal_transition_moves_case_and_writes_event(transition, source):
    actor = UserFactory()
    case = CaseFactory(state=source)
    if transition in EXTENSION_ONLY:
        _extending(case)
    version = case.version
    services.case_transition(case=case, transition=transition, actor=actor)
    stored = Case.objects.get(pk=case.pk)
    assert stored.state == TRANSITIONS[transition].target
    assert stored.version > version
    event = Event.objects.get(case=case)
    assert (event.kind, event.from_state, event.to_state, event.actor) == (
        "transition", source, TRANSITIONS[transition].target, actor)
    assert event.payload["transition"] == transition


@pytest.mark.django_db
@pytest.mark.parametrize(("transition", "state"), ILLEGAL)
def test_illegal_transition_raises_and_changes_nothing(transition, state):
    case = CaseFactory(state=state)
    with pytest.raises(IllegalTransition) as error:
        services.case_transition(case=case, transition=transition)
    assert str(CaseState(state).label) in str(error.value)
    stored = Case.objects.get(pk=case.pk)
    assert (stored.state, stored.version) == (state, case.version)
    assert not Event.objects.filter(case=case).exists()


@pytest.mark.django_db
def test_unknown_transition_is_illegal():
    case = CaseFactory()
    with pytest.raises(IllegalTransition):
        services.case_transition(case=case, transition="approve_everything")
    assert Case.objects.get(pk=case.pk).state == CaseState.DRAFT


@pytest.mark.django_db
def test_submit_and_close_stamp_their_times():
    case = CaseFactory()
    services.case_transition(case=case, transition="submit")
    assert case.submitted_at is not None
    services.case_transition(case=case, transition="withdraw")
    services.case_transition(case=case, transition="close")
    assert case.closed_at is not None and case.state == CaseState.CLOSED


@pytest.mark.django_db
def test_a_failing_step_after_the_move_rolls_back_the_transition_and_its_event(monkeypatch):
    case = CaseFactory()

    def broken(**kwargs):
        raise RuntimeError("outbox unavailable")

    monkeypatch.setattr("applications.procedure.after_transition", broken)
    with pytest.raises(RuntimeError):
        services.case_transition(case=case, transition="submit")
    assert Case.objects.get(pk=case.pk).state == CaseState.DRAFT
    assert not Event.objects.filter(case=case).exists()
