"""Keyboard only, in German and Arabic: the title finder, the sign-in and the application wizard's first
step are walked with key presses alone; after each htmx step the focus lands on the new heading and the
step is announced. And the finder's result reflows at 320 px in German (WCAG 1.4.10)."""

from datetime import date

import pytest
from allauth.account.models import EmailAddress

from tests.factories import UserFactory

from .test_accessibility import demo, focus_by_tab, sign_in  # noqa: F401 - the demo fixture

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def finder_day(monkeypatch):
    monkeypatch.setattr("applications.views.finder.timezone.localdate", lambda: date(2026, 11, 28))


def use_language(page, live_server, language):
    page.context.clear_cookies()
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])


def focused(page, selector):
    return page.evaluate("sel => !!document.activeElement && document.activeElement.matches(sel)", selector)


def continue_by_keyboard(page, step):
    """Enter on the step's Continue button; the next step arrives by htmx (the page is not reloaded)."""
    focus_by_tab(page, "main button[type=submit]")
    page.keyboard.press("Enter")
    # The address may keep a fragment from an error-summary link followed on the step before.
    target = f"/questions/{step}/" if step != "result" else "/result/"
    page.wait_for_url(lambda url: url.split("#")[0].endswith(target))
    page.wait_for_function("document.activeElement && document.activeElement.tagName === 'H1'")
    heading = page.evaluate("document.activeElement.textContent.trim()")
    page.wait_for_function(
        "text => document.getElementById('wsa-live').textContent.includes(text)", arg=heading)


def type_into(page, selector, text):
    focus_by_tab(page, selector)
    page.keyboard.type(text)


@pytest.mark.parametrize("language", ["de", "ar"])
def test_title_finder_by_keyboard_alone(live_server, page, finder_day, language):
    use_language(page, live_server, language)
    page.goto(live_server.url + "/title-finder/")
    marker = page.evaluate("window.wsaMarker = 1")  # survives htmx swaps, not a reload
    focus_by_tab(page, "input[name=qualification][value=academic]")
    page.keyboard.press("Space")
    focus_by_tab(page, "input[name=recognition]")
    page.keyboard.press("Space")
    assert page.evaluate("document.querySelector('input[name=recognition]:checked') !== null")
    continue_by_keyboard(page, "job")
    # Missing answers: the summary takes focus, and its link for the radio group leads to the first radio.
    focus_by_tab(page, "main button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_function("document.activeElement && document.activeElement.matches('[data-error-summary]')")
    focus_by_tab(page, "[data-error-summary] a[href='#id_has_job_offer_0']")
    page.keyboard.press("Enter")
    focus_by_tab(page, "input[name=has_job_offer][value=yes]")
    page.keyboard.press("Space")
    type_into(page, "input[name=annual_gross_salary_eur]", "52000")
    type_into(page, "input[name=occupation_isco]", "2512")
    type_into(page, "input[name=hours_per_week]", "40")
    focus_by_tab(page, "input[name=start_date]")
    page.keyboard.type("03012027")  # the picker's segments take the digits in the browser's order
    continue_by_keyboard(page, "languages")
    focus_by_tab(page, "select[name=german_level]")
    page.keyboard.type("A2")
    focus_by_tab(page, "select[name=english_level]")
    page.keyboard.type("B2")
    assert page.evaluate("document.querySelector('select[name=english_level]').value") == "B2"
    continue_by_keyboard(page, "about")
    focus_by_tab(page, "input[name=date_of_birth]")
    page.keyboard.type("04011995")  # the picker's segments take the digits in the browser's order
    type_into(page, "input[name=years_experience]", "4")
    continue_by_keyboard(page, "situation")
    continue_by_keyboard(page, "result")
    assert page.evaluate("window.wsaMarker") == marker  # all of it happened by htmx, in one page
    assert page.locator("html").get_attribute("dir") == ("rtl" if language == "ar" else "ltr")
    # The first recommendation's "Apply" button is reachable by keyboard.
    focus_by_tab(page, "main a.kern-btn--primary[href*='apply']", limit=200)


@pytest.mark.parametrize("language", ["de", "ar"])
def test_sign_in_by_keyboard_alone(live_server, page, language):
    user = UserFactory(email=f"keyboard.{language}@example.org")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    use_language(page, live_server, language)
    page.goto(live_server.url + "/accounts/login/")
    focus_by_tab(page, "input[name=login]")
    page.keyboard.type(user.email)
    page.keyboard.press("Tab")
    assert focused(page, "input[name=password]"), "Tab from the e-mail must go to the password"
    page.keyboard.type("not the password")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    # The failed sign-in is announced: its summary (role=alert) has the focus.
    page.wait_for_function("document.activeElement && document.activeElement.matches('[data-error-summary]')")
    assert page.locator("[data-error-summary]").get_attribute("role") == "alert"
    focus_by_tab(page, "input[name=password]")
    page.keyboard.type("correct-horse-battery-staple")
    page.keyboard.press("Tab")
    assert not focused(page, "a[href*='/password/reset/']"), "'Forgot your password?' comes after the form"
    focus_by_tab(page, "main button[type=submit]")
    # The way out of signing in is still there, after the button.
    assert page.evaluate(
        "document.activeElement.compareDocumentPosition(document.querySelector(\"main a[href*='/password/reset/']\"))"
        " & Node.DOCUMENT_POSITION_FOLLOWING") != 0
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


@pytest.mark.parametrize("language", ["de", "ar"])
def test_wizard_first_step_by_keyboard_alone(live_server, page, demo, language):  # noqa: F811
    sign_in(page, live_server, "applicant@demo.wsa.example", language)
    page.goto(live_server.url + "/applicant/apply/?title=18b")
    focus_by_tab(page, "a[href*='/apply/new/']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/apply/new/")
    focus_by_tab(page, "input[name=title_code]")
    page.keyboard.press("Space")
    focus_by_tab(page, "input[name=procedure_language]")
    page.keyboard.press("Space")
    focus_by_tab(page, "main button[name=continue]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/personal/")
    assert page.locator("html").get_attribute("dir") == ("rtl" if language == "ar" else "ltr")


def test_finder_result_reflows_at_320_px_in_german(live_server, page, finder_day):
    use_language(page, live_server, "de")
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(live_server.url + "/title-finder/")
    page.locator("input[name=qualification][value=academic]").check()
    page.locator("input[name=recognition][value=none]").check()
    page.locator("input[name=degree_comparable]").check()
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/questions/job/")
    page.locator("input[name=has_job_offer][value=yes]").check()
    page.locator("input[name=annual_gross_salary_eur]").fill("52000")
    page.locator("input[name=occupation_isco]").fill("2512")
    page.locator("input[name=hours_per_week]").fill("40")
    page.locator("input[name=start_date]").fill("2027-03-01")
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/questions/languages/")
    page.locator("select[name=german_level]").select_option("A2")
    page.locator("select[name=english_level]").select_option("B2")
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/questions/about/")
    page.locator("input[name=date_of_birth]").fill("1995-04-01")
    page.locator("input[name=years_experience]").fill("4")
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/questions/situation/")
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/result/")
    # Open every folded group, so that every title's buttons are laid out.
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    # Whatever sticks out, named by its text (the innermost elements, so the culprit is clear).
    overflowing = page.evaluate("""() => Array.from(document.querySelectorAll('body *'))
        .filter(el => el.getClientRects().length && !el.closest('.wsa-table-wrap'))
        .filter(el => { const box = el.getBoundingClientRect(); return box.left < -0.5 || box.right > 320.5; })
        .filter((el, _, all) => !all.some(other => other !== el && el.contains(other)))
        .map(el => `${el.tagName}.${el.className}: ${el.textContent.trim().slice(0, 50)}`)""")
    assert overflowing == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
