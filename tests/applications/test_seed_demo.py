import pytest
from django.core.management import call_command

from accounts.models import Membership, Organisation, Role, User
from applications.lifecycle import CaseState
from applications.management.commands.seed_demo import STAGE_TITLES, STAGES
from applications.models import Case, Decision, Event, Person
from applications.timeline import case_timeline
from authorities.models import Authority


def snapshot():
    return {
        "users": sorted(User.objects.values_list("email", flat=True)),
        "organisations": sorted(Organisation.objects.values_list("name", flat=True)),
        "memberships": Membership.objects.count(),
        "authorities": Authority.objects.count(),
        "persons": Person.objects.count(),
        "cases": sorted(Case.objects.values_list("reference", "state")),
        "events": Event.objects.count(),
    }


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_covers_every_role_and_state():
    call_command("seed_demo", quiet=True)
    first = snapshot()
    call_command("seed_demo", quiet=True)
    assert snapshot() == first
    assert {state for _, state in first["cases"]} == set(CaseState.values)
    assert len(first["cases"]) >= 20
    roles = set(Membership.objects.values_list("role", flat=True))
    assert roles == set(Role.values)


@pytest.mark.django_db
def test_seed_demo_prints_working_logins(client, capsys):
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "applicant@demo.wsa.example" in out and "caseworker.ba@demo.wsa.example" in out
    # The role names in the README's language, whatever the portal's default language is.
    assert "Caseworker ·" in out and "Sachbearbeit" not in out and "Antragsteller" not in out
    password = out.split("password for all: ")[1].split(")")[0]
    response = client.post("/accounts/login/", {"login": "applicant@demo.wsa.example", "password": password})
    assert response.status_code == 302
    assert client.get(response.url, follow=True).status_code == 200


@pytest.mark.django_db
def test_seed_demo_refuses_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(Exception, match="never runs in production"):
        call_command("seed_demo", quiet=True)


@pytest.mark.django_db
def test_seed_demo_leaves_every_employment_title_at_every_stage():
    """Read off each case's timeline (manage.py case_timeline): for every title with a job, a case
    waiting for the BA, one waiting for the appointment, a granted visa, a rejection after the
    four-eyes check, and one after entry; the demo applicant has a decision to download."""
    call_command("seed_demo", quiet=True)
    assert {"18a", "18b", "18g", "19c"} <= set(STAGE_TITLES)
    cases = Case.objects.filter(person__email__startswith="stage-").select_related("person")
    by_stage = {tuple(case.person.email.split("@")[0].split("-")[1:]): case for case in cases}
    applicant_cases = Case.objects.filter(person__user__email="applicant@demo.wsa.example")
    by_stage.update({(case.title_code, stage): case for case in applicant_cases
                     for stage in STAGES if (case.title_code, stage) not in by_stage
                     and case.state == {"granted": "visa_granted", "rejected": "rejected",
                                        "appointment": "authority_review"}.get(stage)})
    for title in STAGE_TITLES:
        for stage in STAGES:
            case = by_stage[(title, stage)]
            kinds = [entry.kind for entry in case_timeline(case=case)]
            answered = {(e.step, e.outcome) for e in case_timeline(case=case) if e.kind == "request_answered"}
            assert "completeness_confirmed" in kinds, (title, stage)
            if stage == "ba":
                assert case.state == CaseState.AUTHORITY_REVIEW
                assert ("ba_approval", "") not in answered and not any(step == "ba_approval" for step, _ in answered)
                assert case.authority_requests.filter(purpose="ba_approval", state="sent").exists(), title
            elif stage == "appointment":
                assert case.state == CaseState.AUTHORITY_REVIEW
                assert "appointment_requested" in kinds and "appointment_booked" not in kinds
                assert not case.authority_requests.filter(purpose__in=["ba_approval", "recognition", "register_check",
                                                                       "pre_approval_81a"]).exclude(
                    state="answered", outcome="approved").exists()
            elif stage == "granted":
                assert kinds.index("appointment_attended") < kinds.index("visa_granted")
                assert "decision_issued" in kinds
            elif stage == "rejected":
                assert kinds.index("decision_awaiting_approval") < kinds.index("rejected")
                decision = case.decisions.get(status=Decision.Status.ISSUED)
                assert decision.approved_by_id and decision.approved_by_id != decision.decided_by_id
            else:
                assert case.state == CaseState.ENTERED and "entry_reported" in kinds
    downloads = Decision.objects.filter(case__in=applicant_cases, status=Decision.Status.ISSUED).exclude(pdf="")
    assert downloads.exists()
    assert len({case.state for case in applicant_cases}) >= 3
