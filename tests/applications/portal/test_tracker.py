"""The applicant's stage tracker on the case page, walked through the real procedure (simulated
offices in-process): each stage done (when), now (who, since, deadline) or next; one stage marked
aria-current; the actions offered only where they still make sense; no codes on the page."""

import re
from datetime import date, timedelta
from html import unescape

import pytest
from django.urls import reverse
from django.utils import formats, timezone, translation

from applications import services
from applications.lifecycle import CaseState
from applications.models import ResidenceTitle, TitleExtension
from applications.models.titles import TitleKind
from applications.selectors.tracker import applicant_case_stages
from authorities.models import AuthorityRequest
from tests.authorities.conftest import attend_appointment, confirm_complete, make_case, offices  # noqa: F401

pytestmark = pytest.mark.django_db

CODES = ("ba_approval", "register_check", "information_needed", "authority_review", "visa_decision",
         "employment_declaration_incomplete", "not_reached", "after_entry", "pre_approval_81a")


@pytest.fixture(autouse=True)
def _simulated(settings):
    settings.WSA_AUTHORITY_SIMULATOR_DELAY = 0


def page_of(client, case, language="en") -> str:
    client.force_login(case.person.user)
    return client.get(reverse("applicant:case_detail", args=[case.public_id]), HTTP_ACCEPT_LANGUAGE=language).text


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def stages(html: str) -> dict[str, str]:
    """{stage key: status} in the order of the list, from the tracker's data attributes."""
    return dict(re.findall(r'data-stage="([a-z_]+)" data-status="([a-z_]+)"', html))


def current(html: str) -> list[str]:
    return re.findall(r'aria-current="step" data-stage="([a-z_]+)"', html)


def long_date(moment) -> str:
    with translation.override("en"):
        return formats.date_format(timezone.localtime(moment) if hasattr(moment, "hour") else moment, "DATE_FORMAT")


def assert_no_codes(html: str):
    text = visible_text(html)
    assert not [code for code in CODES if code in text], text


def test_submitted_case_is_at_the_completeness_check(client, make_case):  # noqa: F811
    case = make_case("18b")
    services.case_submit(case=case, actor=None)
    html = page_of(client, case)
    assert list(stages(html).items()) == [("completeness", "current"), ("approvals", "next"),
                                          ("appointment", "next"), ("decision", "next"), ("after_entry", "next")]
    assert current(html) == ["completeness"]
    text = visible_text(html)
    assert "Who works on it: Work-and-Stay-Agentur (WSA)" in text
    case.refresh_from_db()
    assert f"Deadline: {long_date(case.submitted_at + timedelta(days=14))}" in text
    assert reverse("applicant:case_withdraw", args=[case.public_id]) in html
    assert_no_codes(html)


def test_the_stages_follow_the_case_to_the_residence_permit(client, offices, make_case,  # noqa: F811
                                                            django_capture_on_commit_callbacks):
    case = make_case("18b")
    with django_capture_on_commit_callbacks(execute=True):
        confirm_complete(case)
    html = page_of(client, case)
    # The simulated BA and register approve at once; the visa office waits for the appointment.
    assert stages(html) == {"completeness": "done", "approvals": "done", "appointment": "current",
                            "decision": "next", "after_entry": "next"}
    assert current(html) == ["appointment"]
    text = visible_text(html)
    assert "Approval of the Federal Employment Agency · BA – ZAV: Approved on" in text
    assert "Book your appointment" in text and "Pay now" in text and "Fee: not paid yet." in text
    assert_no_codes(html)

    with django_capture_on_commit_callbacks(execute=True):
        attend_appointment(case)
    case.refresh_from_db()
    assert case.state == CaseState.VISA_DECISION
    html = page_of(client, case)
    assert stages(html)["appointment"] == "done" and current(html) == ["decision"]
    text = visible_text(html)
    assert "Who works on it: Botschaft Neu-Delhi" in text
    assert "Book your appointment" not in text and "Change or cancel" not in text and "Pay now" not in text
    assert reverse("applicant:case_withdraw", args=[case.public_id]) in html

    services.case_transition(case=case, transition="grant_visa")
    html = page_of(client, case)
    assert stages(html) == {"completeness": "done", "approvals": "done", "appointment": "done",
                            "decision": "done", "after_entry": "current"}
    text = visible_text(html)
    assert "Report your entry" in text and "Read and download the decision" in text
    assert reverse("applicant:case_withdraw", args=[case.public_id]) not in html  # decided: nothing to withdraw
    client.force_login(case.person.user)
    response = client.get(reverse("applicant:case_withdraw", args=[case.public_id]), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302

    with django_capture_on_commit_callbacks(execute=True):
        services.case_report_entry(case=case, actor=case.person.user, entry_date=timezone.localdate(),
                                   street="Unter den Linden 1", postal_code="10117", city="Berlin")
    html = page_of(client, case)
    assert stages(html)["after_entry"] == "current" and current(html) == ["after_entry"]
    assert "Who works on it: LEA Berlin" in visible_text(html)
    assert_no_codes(html)


def test_a_refused_approval_leaves_only_the_rejection(client, offices, make_case,  # noqa: F811
                                                      django_capture_on_commit_callbacks):
    case = make_case("18b", hours="10")  # the BA refuses under 20 hours a week
    with django_capture_on_commit_callbacks(execute=True):
        confirm_complete(case)
    case.refresh_from_db()
    assert case.state == CaseState.VISA_DECISION
    html = page_of(client, case)
    assert stages(html) == {"completeness": "done", "approvals": "refused", "appointment": "skipped",
                            "decision": "current", "after_entry": "not_reached"}
    assert "Pay now" not in visible_text(html) and "Book your appointment" not in visible_text(html)
    services.case_transition(case=case, transition="reject")
    html = page_of(client, case)
    assert stages(html)["decision"] == "refused" and current(html) == []
    text = visible_text(html)
    assert "Book your appointment" not in text and "Pay now" not in text
    assert reverse("applicant:case_withdraw", args=[case.public_id]) not in html
    assert_no_codes(html)


def test_information_needed_is_explained_to_the_applicant(client, offices, make_case,  # noqa: F811
                                                          django_capture_on_commit_callbacks):
    case = make_case("18b", employment=False)
    with django_capture_on_commit_callbacks(execute=True):
        confirm_complete(case)
    html = page_of(client, case)
    assert stages(html)["approvals"] == "current"
    text = visible_text(html)
    assert "Needs more information: the details of the job are incomplete" in text
    assert "Work-and-Stay-Agentur (WSA)" in text
    assert_no_codes(html)
    assert_no_codes(page_of(client, case, "de"))


def test_a_withdrawal_stops_the_stage_in_progress(client, offices, make_case,  # noqa: F811
                                                  django_capture_on_commit_callbacks):
    case = make_case("18b")
    with django_capture_on_commit_callbacks(execute=True):
        confirm_complete(case)
    services.case_transition(case=case, transition="withdraw", actor=case.person.user)
    html = page_of(client, case)
    assert stages(html) == {"completeness": "done", "approvals": "done", "appointment": "withdrawn",
                            "decision": "not_reached", "after_entry": "not_reached"}
    text = visible_text(html)
    assert "Book your appointment" not in text and "Pay now" not in text and "Not paid yet" not in text
    assert reverse("applicant:case_withdraw", args=[case.public_id]) not in html
    assert "Appointment: not attended yet" not in text  # nothing is awaited of a withdrawn application


def test_an_extension_has_its_own_shorter_list(client, offices, make_case,  # noqa: F811
                                               django_capture_on_commit_callbacks):
    case = make_case("18b")
    title = ResidenceTitle.objects.create(
        holder=case.person, kind=TitleKind.RESIDENCE_PERMIT, title_code="18b", legal_basis="§ 18b AufenthG",
        valid_from=date(2025, 1, 1), valid_until=timezone.localdate() + timedelta(days=30))
    TitleExtension.objects.create(case=case, title=title, same_employment=True, applied_on=timezone.localdate(),
                                  in_time=True, ba_needed=False)
    with django_capture_on_commit_callbacks(execute=True):
        confirm_complete(case)
    html = page_of(client, case)
    assert list(stages(html)) == ["completeness", "approvals", "decision"]
    text = visible_text(html)
    assert "Decision of the foreigners' authority" in text and "Visa decision" not in text
    assert AuthorityRequest.objects.filter(case=case, purpose="residence_permit").exists()
    assert_no_codes(html)


def test_someone_elses_case_shows_no_tracker(client, make_case):  # noqa: F811
    case = make_case("18b")
    services.case_submit(case=case, actor=None)
    stranger = make_case("18b").person.user
    assert applicant_case_stages(viewer=stranger, case=case)["stages"] == []
    assert applicant_case_stages(viewer=case.person.user, case=case)["stages"]
