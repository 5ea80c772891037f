"""Routing: the steps of each title come from the rules engine, the offices from the case."""

import pytest

from applications.figures import rule_figures
from applications.models import WorkExperience
from authorities import routing
from authorities.models import Authority, AuthorityKind

STEPS = [
    # (title, case options, steps on submit in order, office of each step)
    ("18a", {}, ["visa", "ba_approval", "register_check"], ["visa_ind", "ba", "register"]),
    ("18a", {"recognition": "none", "isco": "3221"}, ["recognition", "visa", "ba_approval", "register_check"],
     ["nurses", "visa_ind", "ba", "register"]),
    ("18a", {"accelerated": True}, ["ba_approval", "pre_approval_81a", "visa", "register_check"],
     ["ba", "abh_be", "visa_ind", "register"]),
    ("18b", {}, ["visa", "ba_approval", "register_check"], ["visa_ind", "ba", "register"]),
    ("18b", {"comparable": False, "recognition": "none"}, ["recognition", "visa", "ba_approval", "register_check"],
     ["zab", "visa_ind", "ba", "register"]),
    ("18g", {"salary": "60000"}, ["visa", "register_check"], ["visa_ind", "register"]),
    ("18g", {"salary": "47000"}, ["visa", "ba_approval", "register_check"], ["visa_ind", "ba", "register"]),
    ("18g", {"salary": "47000", "accelerated": True, "nationality": "VNM"},
     ["ba_approval", "pre_approval_81a", "visa", "register_check"], ["ba", "abh_be", "visa_vnm", "register"]),
    ("19c", {"isco": "7411"}, ["visa", "ba_approval", "register_check"], ["visa_ind", "ba", "register"]),
    ("20a", {"employment": False}, ["visa", "register_check"], ["visa_ind", "register"]),
    ("16d1", {}, ["visa", "ba_approval", "register_check"], ["visa_ind", "ba", "register"]),
    ("16d1", {"employment": False}, ["visa", "register_check"], ["visa_ind", "register"]),
    ("16d3", {}, ["visa", "ba_approval", "register_check"], ["visa_ind", "ba", "register"]),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("title", "options", "steps", "office_keys"), STEPS,
                         ids=[f"{s[0]}-{'-'.join(f'{k}={v}' for k, v in s[1].items()) or 'default'}" for s in STEPS])
def test_steps_and_offices_for_each_title(offices, make_case, title, options, steps, office_keys):
    case = make_case(title, **options)
    routes = routing.case_route(case, figures=rule_figures(), exclude=routing.AFTER_ENTRY)
    assert [route.purpose for route in routes] == steps
    assert [route.authority for route in routes] == [offices[key] for key in office_keys]
    assert all(route.error == "" for route in routes)


@pytest.mark.django_db
@pytest.mark.parametrize(("title", "after_entry"), [("18a", True), ("18g", True), ("19c", True), ("16d3", True),
                                                    ("20a", False)])
def test_residence_permit_after_entry_goes_to_the_workplace_authority(offices, make_case, title, after_entry):
    case = make_case(title, state="BY", city="München")
    routes = routing.case_route(case, figures=rule_figures(), purposes=routing.AFTER_ENTRY)
    assert [(r.purpose, r.authority) for r in routes] == (
        [("residence_permit", offices["abh_muc"])] if after_entry else [])


@pytest.mark.django_db
def test_the_land_authority_serves_places_without_their_own(offices, make_case):
    case = make_case("18a", accelerated=True, state="BY", city="Nürnberg")
    assert routing.office_for(case, "pre_approval_81a") == offices["abh_by"]


@pytest.mark.django_db
def test_visa_office_follows_residence_before_nationality(offices, make_case):
    case = make_case("18b", nationality="NPL", residence="VNM")
    assert routing.office_for(case, "visa") == offices["visa_vnm"]
    case.person.country_of_residence = "BRA"
    assert routing.office_for(case, "visa") == offices["visa_ind"]  # nobody serves BRA: the nationality's


@pytest.mark.django_db
def test_recognition_body_by_the_longest_isco_prefix_and_work_experience(offices, make_case):
    case = make_case("18a", recognition="none", employment=False)
    with pytest.raises(routing.RoutingError, match="occupation"):
        routing.office_for(case, "recognition")
    WorkExperience.objects.create(person=case.person, employer="Hospital", job_title="Nurse", occupation_isco="3221",
                                  started_on="2019-01-01")
    assert routing.office_for(case, "recognition") == offices["nurses"]
    WorkExperience.objects.create(person=case.person, employer="Garage", job_title="Mechanic", occupation_isco="7231",
                                  started_on="2021-01-01")
    assert routing.office_for(case, "recognition") == offices["ihk"]


@pytest.mark.django_db
@pytest.mark.parametrize(("purpose", "missing", "message"), [
    ("visa", AuthorityKind.VISA_OFFICE, "No visa office serves IND"),
    ("ba_approval", AuthorityKind.BA, "No Federal Employment Agency"),
    ("register_check", AuthorityKind.REGISTER, "No register authority"),
    ("pre_approval_81a", AuthorityKind.FOREIGNERS_AUTHORITY, "federal state BE"),
])
def test_a_missing_office_is_a_clear_routing_error(offices, make_case, purpose, missing, message):
    case = make_case("18a", accelerated=True)
    Authority.objects.filter(kind=missing).delete()
    with pytest.raises(routing.RoutingError, match=message):
        routing.office_for(case, purpose)
    route = next(r for r in routing.case_route(case, figures=rule_figures()) if r.purpose == purpose)
    assert route.authority is None and message in route.error


@pytest.mark.django_db
def test_foreigners_authority_needs_the_workplace(offices, make_case):
    case = make_case("18a", accelerated=True, employment=False)
    with pytest.raises(routing.RoutingError, match="workplace"):
        routing.office_for(case, "pre_approval_81a")
