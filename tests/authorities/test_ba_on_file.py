"""A BA approval already on file: the WSA records it during the completeness check and the hub does
not ask the BA again — the BA's pre-approval (§ 36 Abs. 3 BeschV, six months) or its global approval
for a designated occupation with the employer's assurance (§ 39 Abs. 2a AufenthG)."""

from datetime import timedelta

import pytest
from allauth.mfa.models import Authenticator
from django.utils import timezone, translation

from accounts.models import Membership, OrganisationKind, Role
from applications import services as case_services
from applications.models import BaApprovalOnFile
from applications.rules import authority_steps
from applications.rules.title_terms import add_months
from applications.services.ba_approvals import ba_approval_on_file_record
from applications.services.backoffice import BackofficeError
from applications.timeline import case_timeline
from authorities import routing
from authorities.models import AuthorityRequest, BaGlobalApproval
from tests.authorities.conftest import submit
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def staff(kind, role=Role.CASEWORKER):
    user = UserFactory()
    Membership.objects.create(user=user, organisation=OrganisationFactory(kind=kind), role=role)
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "x"})
    return user


@pytest.fixture
def wsa():
    return staff(OrganisationKind.WSA)


def in_check(case, wsa):
    submit(case)
    case_services.case_transition(case=case, transition="start_completeness_check", actor=wsa)
    return case


def send(case, wsa):
    case_services.case_transition(case=case, transition="start_authority_review", actor=wsa)
    return set(AuthorityRequest.objects.filter(case=case).values_list("purpose", flat=True))


def test_the_rules_leave_out_the_ba_when_its_approval_is_on_file():
    assert "ba_approval" in {s.purpose for s in authority_steps("18b")}
    assert "ba_approval" not in {s.purpose for s in authority_steps("18b", ba_on_file=True)}
    accelerated = {s.purpose for s in authority_steps("18b", accelerated=True, ba_on_file=True)}
    assert "ba_approval" not in accelerated and "pre_approval_81a" in accelerated
    assert {s.purpose for s in authority_steps("18b", extension=True, ba_on_file=True)} == {"residence_permit"}


def test_a_pre_approval_recorded_through_the_back_office_spares_the_ba(client, offices, make_case, wsa):
    case = in_check(make_case("18b"), wsa)
    client.force_login(wsa)
    url = f"/backoffice/cases/{case.public_id}/ba-approval/"
    assert client.get(url, HTTP_ACCEPT_LANGUAGE="en").status_code == 200
    response = client.post(url, {"ground": "pre_approval", "reference": "ZAV-2026-4711",
                                 "issued_on": (TODAY - timedelta(days=30)).isoformat()})
    assert response.status_code == 302
    on_file = BaApprovalOnFile.objects.get(case=case)
    assert on_file.valid_until == add_months(TODAY - timedelta(days=30), 6)
    purposes = send(case, wsa)
    assert "ba_approval" not in purposes and "visa" in purposes
    entry = next(e for e in case_timeline(case=case) if e.kind == "ba_approval_on_file")
    assert entry.authority_kind == "ba" and entry.extra["ground"] == "pre_approval"


def test_the_timeline_says_in_words_that_the_ba_is_not_asked_again(offices, make_case, wsa):
    case = in_check(make_case("18b"), wsa)
    ba_approval_on_file_record(case=case, actor=wsa, ground="pre_approval", reference="ZAV-1",
                               issued_on=TODAY - timedelta(days=1))
    event = case.events.filter(kind="authority").latest("pk")
    with translation.override("en"):
        text = event.text
    assert "already on file" in text and "ZAV-1" in text and "not asked again" in text
    assert "pre_approval" not in text


def test_an_expired_pre_approval_is_refused_and_the_ba_is_asked(client, offices, make_case, wsa):
    case = in_check(make_case("18b"), wsa)
    client.force_login(wsa)
    response = client.post(f"/backoffice/cases/{case.public_id}/ba-approval/",
                           {"ground": "pre_approval", "reference": "ZAV-OLD",
                            "issued_on": (TODAY - timedelta(days=200)).isoformat()}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and "expired on" in response.content.decode()
    assert not BaApprovalOnFile.objects.exists()
    assert "ba_approval" in send(case, wsa)


@pytest.mark.parametrize("data, message", [
    ({"ground": "pre_approval", "reference": "", "issued_on": ""}, "Enter the BA"),
    ({"ground": "pre_approval", "reference": "X", "issued_on": (TODAY + timedelta(days=3)).isoformat()},
     "cannot be in the future"),
    ({"ground": "global_approval"}, "no global approval"),
])
def test_bad_inputs_say_what_is_wrong(client, offices, make_case, wsa, data, message):
    case = in_check(make_case("18b"), wsa)
    client.force_login(wsa)
    response = client.post(f"/backoffice/cases/{case.public_id}/ba-approval/", data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and message in response.content.decode()
    assert not BaApprovalOnFile.objects.exists()


def test_a_pre_approval_that_runs_out_before_the_requests_go_out_does_not_count(offices, make_case, wsa,
                                                                                 monkeypatch):
    case = in_check(make_case("18b"), wsa)
    ba_approval_on_file_record(case=case, actor=wsa, ground="pre_approval", reference="ZAV-2",
                               issued_on=TODAY - timedelta(days=170))
    monkeypatch.setattr(routing, "today", lambda: TODAY + timedelta(days=30))
    assert "ba_approval" in send(case, wsa)


def test_a_global_approval_needs_the_designation_and_the_employers_assurance(offices, make_case, wsa):
    case = in_check(make_case("18b"), wsa)
    case.employment.occupation_kldb = "43412"
    case.employment.save()
    with pytest.raises(BackofficeError):
        ba_approval_on_file_record(case=case, actor=wsa, ground="global_approval", employer_assurance=True)
    BaGlobalApproval.objects.create(occupation_kldb_prefix="9", valid_from=TODAY - timedelta(days=10),
                                    valid_until=TODAY + timedelta(days=300), reference="other occupations")
    with pytest.raises(BackofficeError):
        ba_approval_on_file_record(case=case, actor=wsa, ground="global_approval", employer_assurance=True)
    designation = BaGlobalApproval.objects.create(
        occupation_kldb_prefix="434", valid_from=TODAY - timedelta(days=10), valid_until=TODAY + timedelta(days=300),
        reference="BA-Weisung 2026/12")
    with translation.override("en"), pytest.raises(BackofficeError, match="assurance"):
        ba_approval_on_file_record(case=case, actor=wsa, ground="global_approval", employer_assurance=False)
    on_file = ba_approval_on_file_record(case=case, actor=wsa, ground="global_approval", employer_assurance=True)
    assert on_file.global_approval == designation and on_file.valid_until == designation.valid_until
    assert "ba_approval" not in send(case, wsa)


def test_only_the_wsa_records_it_and_only_before_the_requests_go_out(client, offices, make_case, wsa):
    case = in_check(make_case("18b"), wsa)
    ba = staff(OrganisationKind.BA)
    with pytest.raises(BackofficeError):
        ba_approval_on_file_record(case=case, actor=ba, ground="pre_approval", reference="X",
                                   issued_on=TODAY - timedelta(days=1))
    send(case, wsa)
    client.force_login(wsa)
    response = client.post(f"/backoffice/cases/{case.public_id}/ba-approval/",
                           {"ground": "pre_approval", "reference": "X",
                            "issued_on": (TODAY - timedelta(days=1)).isoformat()})
    assert response.status_code == 302
    assert not BaApprovalOnFile.objects.exists()


def test_withdrawing_it_has_the_ba_asked_after_all(client, offices, make_case, wsa):
    case = in_check(make_case("18b"), wsa)
    ba_approval_on_file_record(case=case, actor=wsa, ground="pre_approval", reference="ZAV-3",
                               issued_on=TODAY - timedelta(days=1))
    client.force_login(wsa)
    client.post(f"/backoffice/cases/{case.public_id}/ba-approval/", {"remove": "1"})
    assert not BaApprovalOnFile.objects.exists()
    assert "ba_approval" in send(case, wsa)
