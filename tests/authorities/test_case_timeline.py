"""`manage.py case_timeline REF [--json]`: a case walked through the procedure, in order."""

import json
from datetime import datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import Membership, Role
from applications import procedure
from applications import services as case_services
from tests.authorities.conftest import attend_appointment
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _signing_keys_in_tmp(settings, tmp_path_factory):
    settings.VAR_DIR = tmp_path_factory.getbasetemp() / "var"


def timeline(reference, *args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("case_timeline", reference, *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_the_timeline_of_a_case_walked_through_the_procedure(offices, make_case, settings,
                                                             django_capture_on_commit_callbacks):
    settings.WSA_AUTHORITY_SIMULATOR_DELAY = 0
    case = make_case("18a")  # BA approval, register check, visa
    visa_staff = UserFactory()
    Membership.objects.create(user=visa_staff, organisation=offices["visa_ind"].organisation, role=Role.CASEWORKER)
    with django_capture_on_commit_callbacks(execute=True):
        case_services.case_submit(case=case, actor=case.person.user)
        procedure.case_send_to_authorities(case=case)
        attend_appointment(case, actor=visa_staff)
    case_services.decision_create(case=case, actor=visa_staff, kind="visa", outcome="granted",
                                  legal_basis="§ 18a AufenthG")

    lines = timeline(case.reference, "--json").splitlines()
    entries = [json.loads(line) for line in lines]
    moments = [datetime.fromisoformat(e["at"]) for e in entries]
    assert all(m.tzinfo is not None for m in moments) and moments == sorted(moments)
    assert all(e["at"][-6] in "+-" for e in entries)  # an explicit offset, e.g. +01:00
    kinds = [e["kind"] for e in entries]
    # The law's order, read off the timeline.
    for earlier, later in [("submitted", "completeness_confirmed"), ("completeness_confirmed", "request_sent"),
                           ("request_sent", "request_answered"), ("appointment_attended", "referred_to_visa_decision"),
                           ("completeness_confirmed", "fee_paid"), ("fee_paid", "referred_to_visa_decision"),
                           ("referred_to_visa_decision", "visa_granted"), ("visa_granted", "decision_issued")]:
        assert kinds.index(earlier) < kinds.index(later), (earlier, later, kinds)
    assert "request_sent" not in kinds[:kinds.index("completeness_confirmed")]
    answered = {(e["step"], e["authority_kind"], e["outcome"]) for e in entries if e["kind"] == "request_answered"}
    assert answered == {("ba_approval", "ba", "approved"), ("register_check", "register", "approved"),
                        ("visa", "visa_office", "approved")}
    attended = next(e for e in entries if e["kind"] == "appointment_attended")
    assert attended["authority_kind"] == "visa_office" and attended["step"] == "visa"
    issued = next(e for e in entries if e["kind"] == "decision_issued")
    assert (issued["authority_kind"], issued["outcome"], issued["step"]) == ("visa_office", "granted", "visa")
    # No personal data: no names, no e-mail addresses.
    text = "\n".join(lines)
    assert case.person.surname not in text and "@" not in text

    table = timeline(case.reference)
    assert table.splitlines()[0] == f"{case.reference} · visa_granted"
    assert "appointment_attended" in table and "visa_office" in table
    assert len(table.splitlines()) == len(entries) + 2


@pytest.mark.django_db
@pytest.mark.parametrize("reference", ["WSA-1999-000000", "", "  "])
def test_an_unknown_reference_is_one_line_and_exit_status_2(reference):
    with pytest.raises(CommandError) as caught:
        timeline(reference)
    assert caught.value.returncode == 2
    assert "\n" not in str(caught.value) and "No case" in str(caught.value)
