"""axe-core (WCAG 2.1 A/AA) over the main pages of every portal in German, English and Arabic, and a
keyboard-only walk through the application wizard."""

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from accounts.models import User
from applications.models import Case

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
LANGUAGES = ["de", "en", "ar"]


@pytest.fixture
def demo(db):
    call_command("seed_demo", quiet=True)
    applicant_case = Case.objects.filter(person__user__email="applicant@demo.wsa.example").first()
    employer_case = Case.objects.filter(employer__isnull=False).order_by("pk").first()
    queue_case = Case.objects.filter(state="completeness_check").order_by("pk").first()
    return {"applicant_case": applicant_case, "employer_case": employer_case, "queue_case": queue_case}


def sign_in(page, live_server, email, language):
    client = Client()
    client.force_login(User.objects.get(email=email))
    page.context.clear_cookies()
    page.context.add_cookies([
        {"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
         "url": live_server.url},
        {"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url},
    ])


def pages_by_login(demo):
    applicant, employer, queue = demo["applicant_case"], demo["employer_case"], demo["queue_case"]
    return {
        "applicant@demo.wsa.example": [
            "/applicant/", "/applicant/profile/", "/applicant/documents/", "/applicant/my-data/",
            f"/applicant/cases/{applicant.public_id}/", f"/applicant/cases/{applicant.public_id}/messages/",
            "/applicant/apply/?title=18b",
        ],
        "employer.owner@demo.wsa.example": [
            "/employer/", "/employer/cases/new/", "/employer/cases/bulk/", "/employer/organisation/",
            f"/employer/cases/{employer.public_id}/",
        ],
        "supervisor.wsa@demo.wsa.example": [
            "/backoffice/", f"/backoffice/cases/{queue.public_id}/", "/backoffice/statistics/",
            "/backoffice/authorities/",
        ],
    }


@pytest.mark.parametrize("language", LANGUAGES)
def test_main_pages_of_every_portal_pass_axe(live_server, page, axe_violations, demo, language):
    found = {}
    for email, paths in pages_by_login(demo).items():
        sign_in(page, live_server, email, language)
        for path in paths:
            response = page.goto(live_server.url + path)
            assert response.status == 200, f"{email} {path}: {response.status}"
            assert page.locator("html").get_attribute("lang") == language
            assert page.locator("html").get_attribute("dir") == ("rtl" if language == "ar" else "ltr")
            violations = axe_violations(page)
            if violations:
                found[path] = violations
    assert found == {}


def focus_by_tab(page, selector, limit=80):
    """Presses Tab until the element matching `selector` has the focus: proof it is in the tab order."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("sel => document.activeElement && document.activeElement.matches(sel)", selector):
            return
    raise AssertionError(f"{selector} cannot be reached with the Tab key")


def test_wizard_by_keyboard_alone(live_server, page, demo):
    sign_in(page, live_server, "applicant@demo.wsa.example", "en")
    page.goto(live_server.url + "/applicant/apply/?title=18b")
    focus_by_tab(page, "a[href*='/apply/new/']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/apply/new/")
    # Radios: Tab into the group, then the arrow keys choose, as in every native form.
    focus_by_tab(page, "input[name=title_code]")
    page.keyboard.press("Space")
    focus_by_tab(page, "input[name=procedure_language]")
    page.keyboard.press("Space")
    focus_by_tab(page, "main button[name=continue]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/personal/")
    focus_by_tab(page, "input[name=p-surname]")
    assert page.evaluate("document.activeElement.value") == "SHARMA"  # once-only: the profile prefills
    # Every field of the step is reachable; the prefilled profile lets the person go straight on.
    focus_by_tab(page, "main button[name=continue]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/qualification/")
    focus_by_tab(page, "main button[name=continue]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/languages/")
    focus_by_tab(page, "select[name=german_level]")
    focus_by_tab(page, "main button[name=continue]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/employment/")
    # Visible focus: the focused control draws an outline.
    focus_by_tab(page, "input[name=job_title]")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("", "none")
