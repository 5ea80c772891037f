"""The employer's report of an early end (§ 4a Abs. 5 S. 3 Nr. 3 AufenthG) in the portal and the HR API,
the holder's job change report, and the settlement readiness page."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import translation

from applications.models import Case, Event, LanguageSkill

from .conftest import bearer, make_title

pytestmark = pytest.mark.django_db


def _reports(case):
    return list(Event.objects.filter(case=case, kind="after_arrival", payload__what="employment_end"))


def test_employer_reports_in_the_portal_and_the_holder_sees_it(client, owner, holder, title, first_case):
    client.force_login(owner)
    detail = client.get(reverse("employer:case_detail", args=[first_case.public_id]), HTTP_ACCEPT_LANGUAGE="en")
    assert reverse("employer:employment_end", args=[first_case.public_id]) in detail.content.decode()
    ended = date.today() - timedelta(days=3)
    response = client.post(reverse("employer:employment_end", args=[first_case.public_id]),
                           {"ended_on": ended.isoformat(), "reason": "Resigned"}, HTTP_ACCEPT_LANGUAGE="en",
                           follow=True)
    assert "Your report has been recorded and passed on" in response.content.decode()
    [event] = _reports(first_case)
    assert event.payload["late"] is False and event.payload["ended_on"] == ended.isoformat()
    assert not event.internal  # the holder and the back office read it on the case timeline
    client.force_login(holder)
    with translation.override("en"):
        page = client.get(reverse("applicant:case_detail", args=[first_case.public_id]), HTTP_ACCEPT_LANGUAGE="en")
    assert "reported that the employment ended early" in page.content.decode()


def test_a_report_after_four_weeks_is_taken_and_marked_late(client, owner, title, first_case):
    client.force_login(owner)
    ended = date.today() - timedelta(weeks=4, days=1)
    response = client.post(reverse("employer:employment_end", args=[first_case.public_id]),
                           {"ended_on": ended.isoformat()}, HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert "marked as late" in response.content.decode()
    assert _reports(first_case)[0].payload["late"] is True
    with translation.override("en"):
        assert "later than four weeks" in _reports(first_case)[0].text


def test_exactly_four_weeks_is_in_time(client, owner, title, first_case):
    client.force_login(owner)
    client.post(reverse("employer:employment_end", args=[first_case.public_id]),
                {"ended_on": (date.today() - timedelta(weeks=4)).isoformat()})
    assert _reports(first_case)[0].payload["late"] is False


def test_a_future_end_date_is_refused(client, owner, title, first_case):
    client.force_login(owner)
    response = client.post(reverse("employer:employment_end", args=[first_case.public_id]),
                           {"ended_on": (date.today() + timedelta(days=2)).isoformat()}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and "cannot lie in the future" in response.content.decode()
    assert not _reports(first_case)


def test_no_title_naming_the_employer_no_report(client, owner, person, first_case):
    make_title(person, case=first_case, employer=None)
    client.force_login(owner)
    page = client.get(reverse("employer:employment_end", args=[first_case.public_id]), HTTP_ACCEPT_LANGUAGE="en")
    assert "nothing to report" in page.content.decode()
    client.post(reverse("employer:employment_end", args=[first_case.public_id]),
                {"ended_on": date.today().isoformat()})
    assert not _reports(first_case)


def test_another_organisation_cannot_report(client, other_owner, title, first_case):
    client.force_login(other_owner)
    assert client.get(reverse("employer:employment_end", args=[first_case.public_id])).status_code == 404
    response = client.post(reverse("employer:employment_end", args=[first_case.public_id]),
                           {"ended_on": date.today().isoformat()})
    assert response.status_code == 404
    assert not _reports(first_case)


def test_api_report_own_case(client, api_token, title, first_case):
    _token, raw = api_token()
    ended = date.today() - timedelta(days=40)
    response = client.post(f"/api/v1/cases/{first_case.public_id}/employment-end",
                           {"ended_on": ended.isoformat(), "reason": "Probation"}, content_type="application/json",
                           **bearer(raw))
    assert response.status_code == 201, response.content
    assert response.json() == {"ended_on": ended.isoformat(), "late": True}
    assert _reports(first_case)[0].payload["reason"] == "Probation"


def test_api_other_organisation_is_404_and_read_scope_403(client, api_token, title, first_case, other_organisation,
                                                          other_owner):
    _token, foreign = api_token(org=other_organisation, actor=other_owner)
    url = f"/api/v1/cases/{first_case.public_id}/employment-end"
    body = {"ended_on": date.today().isoformat()}
    assert client.post(url, body, content_type="application/json", **bearer(foreign)).status_code == 404
    _token, read_only = api_token(scopes=("cases:read",))
    assert client.post(url, body, content_type="application/json", **bearer(read_only)).status_code == 403
    assert client.post(url, body, content_type="application/json").status_code == 401
    assert not _reports(first_case)


def test_api_refusals_are_422(client, api_token, person, first_case):
    make_title(person, case=first_case)  # names no employer
    _token, raw = api_token()
    response = client.post(f"/api/v1/cases/{first_case.public_id}/employment-end",
                           {"ended_on": date.today().isoformat()}, content_type="application/json", **bearer(raw))
    assert response.status_code == 422


# --- Job change ------------------------------------------------------------------------------------

def test_blue_card_holder_in_first_year_must_notify(client, holder, person, first_case, organisation):
    title = make_title(person, case=first_case, employer=organisation, valid_from=date.today() - timedelta(days=60))
    client.force_login(holder)
    page = client.get(reverse("applicant:job_change", args=[title.public_id]), HTTP_ACCEPT_LANGUAGE="en")
    assert "Report needed" in page.content.decode() and "§ 18g Abs. 4 AufenthG" in page.content.decode()
    response = client.post(reverse("applicant:job_change", args=[title.public_id]), {
        "employer_name": "Neue GmbH", "job_title": "Data Engineer",
        "starts_on": (date.today() + timedelta(days=30)).isoformat()}, HTTP_ACCEPT_LANGUAGE="en")
    assert "Your report has been recorded." in response.content.decode()
    assert "30 days" in response.content.decode()
    event = Event.objects.get(case=first_case, payload__what="job_change")
    assert event.payload["verdict"] == "notify"


def test_employer_bound_residence_permit_needs_permission(client, holder, person, first_case, organisation):
    title = make_title(person, case=first_case, kind="residence_permit", code="18b", employer=organisation)
    client.force_login(holder)
    page = client.get(reverse("applicant:job_change", args=[title.public_id]), HTTP_ACCEPT_LANGUAGE="en")
    assert "Permission needed first" in page.content.decode()
    assert "§ 4a Abs. 3 S. 3 AufenthG" in page.content.decode()


def test_job_change_form_errors(client, holder, title):
    client.force_login(holder)
    response = client.post(reverse("applicant:job_change", args=[title.public_id]), {"employer_name": ""},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert "Please check your entries" in response.content.decode()
    assert not Event.objects.filter(payload__what="job_change").exists()


# --- Settlement --------------------------------------------------------------------------------------

def test_settlement_page_shows_what_is_missing_and_offers_the_application_when_met(client, holder, person,
                                                                                   first_case):
    make_title(person, case=first_case, valid_from=date.today() - timedelta(days=27 * 31),
               valid_until=date.today() + timedelta(days=200))
    client.force_login(holder)
    page = client.get(reverse("applicant:settlement"), {"pension_months": "20"}, HTTP_ACCEPT_LANGUAGE="en")
    body = page.content.decode()
    assert "§ 18c Abs. 2 AufenthG" in body and "20 of 27 months" in body
    assert "Apply for the settlement permit" not in body
    assert client.post(reverse("applicant:settlement") + "?pension_months=20").status_code == 403

    page = client.get(reverse("applicant:settlement"), {"pension_months": "27"}, HTTP_ACCEPT_LANGUAGE="en")
    assert "Apply for the settlement permit" in page.content.decode()
    response = client.post(reverse("applicant:settlement") + "?pension_months=27", follow=True,
                           HTTP_ACCEPT_LANGUAGE="en")
    case = Case.objects.get(person=person, title_code="18c")
    assert case.state == "draft"
    assert response.status_code == 200 and response.redirect_chain  # on into the wizard, no dead end


def test_settlement_with_b1_counts_21_months(client, holder, person, first_case):
    LanguageSkill.objects.filter(person=person).update(level="B1")
    make_title(person, case=first_case, valid_from=date.today() - timedelta(days=22 * 31))
    client.force_login(holder)
    page = client.get(reverse("applicant:settlement"), {"pension_months": "21"}, HTTP_ACCEPT_LANGUAGE="en")
    assert "Apply for the settlement permit" in page.content.decode()


def test_settlement_bad_input_is_shown(client, holder, person):
    client.force_login(holder)
    page = client.get(reverse("applicant:settlement"), {"pension_months": "-3"}, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and "Please check your entries" in page.content.decode()
