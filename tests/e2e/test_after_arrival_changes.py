"""A graduate of a German university switches from the study permit to work, and reports a move, in the
browser at desktop and phone width: the pages pass axe and need no horizontal scrolling."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import OrganisationKind
from applications.models import Case, Event, Qualification, ResidenceTitle, TitleKind
from authorities.models import Authority
from tests.factories import OrganisationFactory, PersonFactory, UserFactory

from .test_accessibility import sign_in
from .test_share_code_check import no_horizontal_scroll

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1280, 360])
def test_a_graduate_switches_to_work_and_reports_a_move(live_server, page, axe_violations, width):
    person = PersonFactory(user=UserFactory(email="student@e2e.example"), street="Alte Straße 1", postal_code="10115",
                           city="Berlin")
    Qualification.objects.create(person=person, kind="academic", title="M.Sc. Informatik", country="DE")
    office = Authority.objects.create(
        kind="foreigners_authority", name="ABH Berlin", federal_state="BE",
        organisation=OrganisationFactory(kind=OrganisationKind.FOREIGNERS_AUTHORITY, name="ABH Berlin"))
    today = timezone.localdate()
    ResidenceTitle.objects.create(holder=person, kind=TitleKind.RESIDENCE_PERMIT, title_code="16b",
                                  legal_basis="§ 16b Abs. 1 AufenthG", issued_by=office,
                                  valid_from=today - timedelta(days=700), valid_until=today + timedelta(days=40))

    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, live_server, "student@e2e.example", "en")
    page.goto(live_server.url + "/applicant/after-arrival/")
    page.get_by_role("link", name="Switch from studies or training to work or job search").click()
    assert "§ 16b Abs. 4 AufenthG" in page.locator("main").inner_text()
    assert no_horizontal_scroll(page)
    assert axe_violations(page) == []
    page.get_by_label("Skilled worker with academic training (§ 18b Abs. 1 AufenthG)").check()
    page.get_by_label("Employer of the job offer").fill("Daten AG")
    page.get_by_label("Job title").fill("Data Engineer")
    page.get_by_label("Annual gross salary (EUR)").fill("62000")
    page.get_by_label("Weekly working hours").fill("40")
    page.get_by_label("Federal state of the workplace").select_option("BE")
    page.get_by_label("I declare that the information I have given is correct and complete", exact=False).check()
    page.get_by_role("button", name="Submit the application").click()
    page.wait_for_url("**/applicant/cases/**")
    case = Case.objects.get(title_code="18b", person=person)
    assert case.reference in page.locator("main").inner_text()

    page.goto(live_server.url + "/applicant/after-arrival/address/")
    assert no_horizontal_scroll(page)
    assert axe_violations(page) == []
    page.get_by_label("New street and number").fill("Neue Straße 5")
    page.get_by_label("New postal code").fill("10117")
    page.get_by_label("New city").fill("Berlin")
    page.get_by_label("Federal state").select_option("BE")
    page.get_by_label("Moved in on").fill(today.isoformat())
    page.get_by_role("button", name="Send the report").click()
    assert "Your new address has been recorded" in page.locator("main").inner_text()
    assert Event.objects.filter(payload__what="address_changed").count() == 1
    assert axe_violations(page) == []
