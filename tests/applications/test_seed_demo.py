import pytest
from django.core.management import call_command

from accounts.models import Membership, Organisation, Role, User
from applications.lifecycle import CaseState
from applications.models import Case, Event, Person
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
    password = out.split("password for all: ")[1].split(")")[0]
    response = client.post("/accounts/login/", {"login": "applicant@demo.wsa.example", "password": password})
    assert response.status_code == 302
    assert client.get(response.url, follow=True).status_code == 200


@pytest.mark.django_db
def test_seed_demo_refuses_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(Exception, match="never runs in production"):
        call_command("seed_demo", quiet=True)
