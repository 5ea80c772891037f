"""An employer checks a candidate's right to work with a share code, at desktop and phone width: the
holder makes the code in the portal, the employer enters it on the public check page, the holder sees
the check."""

from datetime import timedelta

import pytest
from django.utils import timezone

from applications.models import ResidenceTitle, TitleKind, WorkPermission
from tests.factories import OrganisationFactory, PersonFactory, UserFactory

from .test_accessibility import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")


@pytest.mark.parametrize("width", [1280, 360])
def test_an_employer_checks_the_right_to_work(live_server, page, browser, axe_violations, width):
    person = PersonFactory(user=UserFactory(email="holder@e2e.example"), surname="SHARMA", given_names="PRIYA")
    today = timezone.localdate()
    ResidenceTitle.objects.create(
        holder=person, kind=TitleKind.EU_BLUE_CARD, title_code="18g", legal_basis="§ 18g AufenthG",
        work_permission=WorkPermission.AS_CONDITIONED, employer=OrganisationFactory(name="Muster Software GmbH"),
        occupation="Software Developer", valid_from=today - timedelta(days=30), valid_until=today + timedelta(days=700))

    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, live_server, "holder@e2e.example", "en")
    page.goto(live_server.url + "/applicant/")
    page.get_by_role("link", name="My residence titles").click()
    page.wait_for_url("**/applicant/titles/")  # measured on the new page, not mid-navigation
    assert no_horizontal_scroll(page)
    page.get_by_role("link", name="Make a share code").click()
    page.get_by_label("Right to work (for an employer)").check()
    page.get_by_label("30 days").check()
    page.get_by_role("button", name="Make the code").click()
    code = page.locator("[data-share-code]").inner_text().strip()
    assert len(code) == 15 and code.count("-") == 3
    assert no_horizontal_scroll(page)

    employer = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True, locale="en-GB",
                                   extra_http_headers={"Accept-Language": "en"})
    check = employer.new_page()
    response = check.goto(live_server.url + "/check/")
    assert response.status == 200 and response.headers["x-robots-tag"] == "noindex"
    check.get_by_label("Right to work (for an employer)").check()
    check.get_by_label("Share code").fill(code.lower())
    check.get_by_label("Your organisation").fill("Muster Software GmbH")
    check.get_by_role("button", name="Check").click()
    result = check.locator("main")
    assert "Right to work: confirmed" in result.inner_text()
    assert "PRIYA SHARMA" in result.inner_text() and "Software Developer" in result.inner_text()
    assert no_horizontal_scroll(check)
    assert axe_violations(check) == []
    employer.close()

    page.goto(live_server.url + "/applicant/titles/")
    assert "Muster Software GmbH" in page.locator("main").inner_text()
