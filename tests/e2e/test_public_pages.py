"""Public pages in Chromium: accessible (axe), usable by keyboard and on a 360-px-wide screen."""

from datetime import date

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PUBLIC_PAGES = ["/", "/accounts/login/", "/accounts/signup/", "/title-finder/"]


@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_pages_have_no_axe_violations(live_server, page, axe_violations, path, language):
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page.goto(live_server.url + path)
    assert page.locator("html").get_attribute("lang") == language
    assert axe_violations(page) == []


def test_title_finder_by_keyboard_on_a_small_screen(live_server, page, monkeypatch):
    monkeypatch.setattr("applications.views.finder.timezone.localdate", lambda: date(2026, 11, 28))
    page.set_viewport_size({"width": 360, "height": 740})
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page.goto(live_server.url + "/title-finder/")
    # The skip link is the first thing a keyboard user reaches.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Skip to main content"
    page.get_by_label("A university degree").check()
    page.get_by_label("No, or I do not know").check()
    page.get_by_role("button", name="Continue").press("Enter")
    page.wait_for_url("**/questions/job/")
    page.get_by_label("Yes").check()
    page.get_by_role("button", name="Continue").click()
    # Missing answers: an error summary that links to the fields.
    summary = page.locator("[data-error-summary]")
    summary.wait_for()
    assert summary.locator("a").count() == 4
    page.get_by_label("Annual gross salary in euros").fill("52000")
    page.get_by_label("Occupation").fill("2512")
    page.get_by_label("Working hours per week").fill("40")
    page.get_by_label("Planned start date").fill("2027-03-01")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/questions/languages/")
    page.get_by_label("Your German level").select_option("A2")
    page.get_by_label("Your English level").select_option("B2")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/questions/about/")
    page.get_by_label("Your date of birth").fill("1995-04-01")
    page.get_by_label("Years of professional experience in your field").fill("4")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/questions/situation/")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/result/")
    assert "Our recommendation" in page.content()
    assert 'href="https://www.gesetze-im-internet.de/aufenthg_2004/__18g.html"' in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
