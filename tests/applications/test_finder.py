"""The public title finder: step by step, sourced answers, and the answers carried into the wizard."""

from datetime import date

import pytest
from django.urls import reverse

from applications.finder import ANSWERS_SESSION_KEY


@pytest.fixture(autouse=True)
def today(monkeypatch):
    """The finder evaluates on today's date; the tests pin a day whose thresholds are recorded."""
    day = {"value": date(2026, 11, 28)}
    monkeypatch.setattr("applications.views.finder.timezone.localdate", lambda: day["value"])
    return day

QUALIFICATION = {"qualification": "academic", "recognition": "none", "degree_comparable": "on"}
JOB = {"has_job_offer": "yes", "annual_gross_salary_eur": "52000", "occupation_isco": "2512",
       "hours_per_week": "40", "start_date": "2027-03-01"}
LANGUAGES = {"german_level": "A2", "english_level": "B2"}
SITUATION = {}
ABOUT = {"date_of_birth": "1995-04-01", "years_experience": "4", "months_in_germany_last_5_years": "0",
         "monthly_means_eur": "0"}


def walk(client, *answers):
    response = None
    for name, data in zip(["qualification", "job", "languages", "about", "situation"], answers, strict=False):
        response = client.post(reverse("finder:step", args=[name]), data)
    return response


@pytest.mark.django_db
def test_finder_needs_no_login_and_goes_step_by_step(client):
    first = client.get(reverse("finder:start"))
    assert first.status_code == 200
    assert b"Step 1 of 5" in first.content or b"Schritt 1 von 5" in first.content
    response = client.post(reverse("finder:step", args=["qualification"]), QUALIFICATION)
    assert response.url == reverse("finder:step", args=["job"])


@pytest.mark.django_db
def test_blue_card_eligible_with_sourced_reasons(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = walk(client, QUALIFICATION, JOB, LANGUAGES, ABOUT, SITUATION)
    assert response.url == reverse("finder:result")
    page = client.get(response.url).content.decode()
    assert "§ 18g" in page
    assert "You probably qualify" in page
    assert "?title=18g" in page
    assert "€75.00" in page  # money written the English way (applications/templatetags/money.py)


@pytest.mark.django_db
def test_chancenkarte_shows_points_breakdown(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    walk(client, {"qualification": "academic", "recognition": "partial"}, {"has_job_offer": "no"},
         {"german_level": "B1", "english_level": "C1"},
         {**ABOUT, "monthly_means_eur": "1200", "years_experience": "5"}, SITUATION)
    page = client.get(reverse("finder:result")).content.decode()
    assert "Points:" in page and "§ 20b" in page


@pytest.mark.django_db
def test_job_details_are_required_when_there_is_an_offer(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = client.post(reverse("finder:step", args=["job"]), {"has_job_offer": "yes"})
    assert response.status_code == 200
    assert response.content.count(b"because you have a job offer") == 8  # summary and inline
    assert b'href="#id_annual_gross_salary_eur"' in response.content


@pytest.mark.django_db
def test_result_without_answers_goes_back_to_the_first_missing_step(client):
    client.post(reverse("finder:step", args=["qualification"]), QUALIFICATION)
    assert client.get(reverse("finder:result")).url == reverse("finder:step", args=["job"])


@pytest.mark.django_db
def test_unknown_step_is_404_and_answers_are_kept_for_the_wizard(client):
    assert client.get("/title-finder/questions/nonsense/").status_code == 404
    walk(client, QUALIFICATION, JOB, LANGUAGES, ABOUT, SITUATION)
    assert client.session[ANSWERS_SESSION_KEY]["occupation_isco"] == "2512"
    client.post(reverse("finder:restart"))
    assert ANSWERS_SESSION_KEY not in client.session


@pytest.mark.django_db
def test_a_year_whose_figures_are_not_entered_yet_is_answered_provisionally(client, today):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    walk(client, QUALIFICATION, JOB, LANGUAGES, ABOUT, SITUATION)
    today["value"] = date(2031, 1, 2)
    response = client.get(reverse("finder:result"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "have not been published yet" in page
    assert "provisional" in page
    assert "€50,700.00 (2026 figures, provisional until the new ones are published)" in page
    assert client.session[ANSWERS_SESSION_KEY]["date_of_birth"] == "1995-04-01"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("step", "data", "field"),
    [
        ("job", {**JOB, "annual_gross_salary_eur": "1e400"}, "annual_gross_salary_eur"),
        ("job", {**JOB, "annual_gross_salary_eur": "9" * 40}, "annual_gross_salary_eur"),
        ("about", {**ABOUT, "monthly_means_eur": "1e400"}, "monthly_means_eur"),
        ("about", {**ABOUT, "years_experience": "1e400"}, "years_experience"),
        ("about", {**ABOUT, "date_of_birth": "1850-01-01"}, "date_of_birth"),
        ("qualification", {**QUALIFICATION, "graduation_date": "31/12/2024"}, "graduation_date"),
    ],
)
def test_out_of_range_answers_are_form_errors_not_server_errors(client, step, data, field):
    response = client.post(reverse("finder:step", args=[step]), data)
    assert response.status_code == 200
    assert field in response.context["form"].errors


@pytest.mark.django_db
def test_a_day_before_the_first_recorded_figures_is_explained_not_guessed(client, today):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    walk(client, QUALIFICATION, JOB, LANGUAGES, ABOUT, SITUATION)
    today["value"] = date(2023, 12, 31)
    response = client.get(reverse("finder:result"))
    assert response.status_code == 503
    assert b"have not been recorded" in response.content
    assert client.session[ANSWERS_SESSION_KEY]["date_of_birth"] == "1995-04-01"


@pytest.mark.django_db
def test_one_recommended_route_first_with_the_reason_and_the_rest_folded(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    walk(client, QUALIFICATION, JOB, LANGUAGES, ABOUT, SITUATION)
    response = client.get(reverse("finder:result"))
    assert response.context["recommended"]["title"].code == "18g"
    page = response.content.decode()
    recommendation = page.index("Our recommendation")
    assert page.index("EU Blue Card") > recommendation
    assert "your family joins without German" in page
    assert page.index("titles that do not fit") > page.index("EU Blue Card")
    # Every source links to the statute's text.
    assert 'href="https://www.gesetze-im-internet.de/aufenthg_2004/__18g.html"' in page


@pytest.mark.django_db
def test_occupation_is_chosen_by_name(client):
    page = client.get(reverse("finder:step", args=["job"])).content.decode()
    assert '<datalist id="isco-occupations">' in page
    client.post(reverse("finder:step", args=["job"]),
                {**JOB, "occupation_isco": "251 Software and applications developers and analysts"})
    assert client.session[ANSWERS_SESSION_KEY]["occupation_isco"] == "251"
    response = client.post(reverse("finder:step", args=["job"]), {**JOB, "occupation_isco": "astronaut"})
    assert "occupation_isco" in response.context["form"].errors


@pytest.mark.django_db
def test_a_spouse_joining_a_blue_card_holder_is_recommended_the_family_route(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    walk(client, {"qualification": "none", "recognition": "none"}, {"has_job_offer": "no"},
         {"german_level": "none", "english_level": "A2"}, ABOUT,
         {"joining_relationship": "spouse", "joining_sponsor_title": "18g", "joining_sponsor_since": "2025-05-01"})
    response = client.get(reverse("finder:result"))
    assert response.context["recommended"]["title"].code == "30"
    assert "The portal does not take this application yet" in response.content.decode()


@pytest.mark.django_db
def test_joining_needs_the_family_members_title(client):
    response = client.post(reverse("finder:step", args=["situation"]), {"joining_relationship": "child"})
    assert set(response.context["form"].errors) == {"joining_sponsor_title", "joining_sponsor_since"}


@pytest.mark.django_db
def test_western_balkans_national_with_any_job(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    walk(client, {"qualification": "none", "recognition": "none"}, {**JOB, "occupation_isco": "9112",
                                                                    "annual_gross_salary_eur": "30000"},
         LANGUAGES, ABOUT, {"nationality": "RS"})
    response = client.get(reverse("finder:result"))
    assert response.context["recommended"]["title"].code == "19c1"


@pytest.mark.django_db
def test_a_year_with_its_salary_figures_is_not_called_provisional_for_the_blue_card(client, today):
    # 2026: the salary thresholds are recorded, the study means are not: only the study routes say so.
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    walk(client, QUALIFICATION, JOB, LANGUAGES, ABOUT, SITUATION)
    response = client.get(reverse("finder:result"))
    assert response.context["recommended"]["title"].code == "18g"
    assert response.context["recommended"]["title"].provisional is False
    assert "have not been published yet" not in response.content.decode()
