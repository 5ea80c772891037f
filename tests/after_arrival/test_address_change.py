"""The holder's report of a new address in Germany: the profile once, the responsible foreigners'
authority (same district or another one), the timeline, the confirmation; bad inputs change nothing."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from accounts.models import OrganisationKind
from applications.after_arrival import changes
from applications.after_arrival import services as after_arrival
from applications.after_arrival.services import AfterArrivalError
from applications.models import Event
from authorities.models import Authority
from tests.factories import OrganisationFactory, PersonFactory

from .conftest import make_title, verified_user

pytestmark = pytest.mark.django_db

URL = reverse("applicant:address_change")


@pytest.fixture
def hamburg(db):
    office = OrganisationFactory(kind=OrganisationKind.FOREIGNERS_AUTHORITY, name="ABH Hamburg")
    return Authority.objects.create(kind=OrganisationKind.FOREIGNERS_AUTHORITY, name="ABH Hamburg",
                                    organisation=office, federal_state="HH")


def reports(case):
    return Event.objects.filter(case=case, kind="after_arrival", payload__what="address_changed")


def test_a_move_within_the_district_updates_the_profile_and_tells_the_authority(client, holder, person, title, abh):
    client.force_login(holder)
    response = client.post(URL, {"street": "Neue Straße 5", "postal_code": "10117", "city": "Berlin",
                                 "state": "BE", "moved_on": date.today().isoformat()}, HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert response.status_code == 200 and "Your new address has been recorded" in html
    assert "ABH Berlin" in html and "Section 17 (1) Federal Registration Act" in html
    person.refresh_from_db()
    assert (person.street, person.postal_code, person.city) == ("Neue Straße 5", "10117", "Berlin")
    [event] = reports(title.case)
    assert event.payload["authority"] == "ABH Berlin" and event.payload["moved_district"] is False
    timeline = client.get(reverse("applicant:case_detail", args=[title.case.public_id]), HTTP_ACCEPT_LANGUAGE="en")
    assert "A new address in Germany was reported: 10117 Berlin" in timeline.content.decode()


def test_a_move_to_another_district_hands_over_to_its_authority(client, holder, person, title, abh, hamburg):
    result = changes.address_change_report(person=person, actor=holder, street="Elbchaussee 1", postal_code="22763",
                                           city="Hamburg", state="HH", moved_on=date.today() - timedelta(days=3))
    assert result.moved_district and result.authority == hamburg and result.previous == abh
    [event] = reports(title.case)
    assert event.payload["authority"] == "ABH Hamburg" and event.payload["previous"] == "ABH Berlin"
    client.force_login(holder)
    timeline = client.get(reverse("applicant:case_detail", args=[title.case.public_id]), HTTP_ACCEPT_LANGUAGE="en")
    assert "is now ABH Hamburg (before: ABH Berlin)" in timeline.content.decode()


def test_no_office_for_the_new_place_is_said_plainly(client, holder, person, title):
    client.force_login(holder)
    response = client.post(URL, {"street": "Marktplatz 1", "postal_code": "80331", "city": "München",
                                 "state": "BY", "moved_on": date.today().isoformat()}, HTTP_ACCEPT_LANGUAGE="en")
    assert "We could not find the foreigners" in response.content.decode()
    assert reports(title.case).count() == 1


@pytest.mark.parametrize("data", [
    {},
    {"street": "   ", "postal_code": "10117", "city": "Berlin", "state": "BE", "moved_on": "2026-01-01"},
    {"street": "Neue Straße 5", "postal_code": "10117", "city": "Berlin", "state": "", "moved_on": "2026-01-01"},
    {"street": "Neue Straße 5", "postal_code": "10117", "city": "Berlin", "state": "XX", "moved_on": "2026-01-01"},
    {"street": "Neue Straße 5", "postal_code": "10117", "city": "Berlin", "state": "BE", "moved_on": "soon"},
])
def test_an_empty_or_bad_address_changes_nothing(client, holder, person, title, data):
    client.force_login(holder)
    response = client.post(URL, data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and "Please check your entries" in response.content.decode()
    person.refresh_from_db()
    assert person.street == "Alte Straße 1" and not reports(title.case).exists()


def test_the_service_refuses_an_empty_address_a_future_move_and_someone_else(holder, person, title):
    with pytest.raises(AfterArrivalError):
        changes.address_change_report(person=person, actor=holder, street="", postal_code="10117", city="Berlin",
                                      state="BE", moved_on=date.today())
    with pytest.raises(AfterArrivalError, match="moved in"):
        changes.address_change_report(person=person, actor=holder, street="A 1", postal_code="10117", city="Berlin",
                                      state="BE", moved_on=date.today() + timedelta(days=1))
    with pytest.raises(PermissionDenied):
        changes.address_change_report(person=person, actor=verified_user(), street="A 1", postal_code="10117",
                                      city="Berlin", state="BE", moved_on=date.today())
    person.refresh_from_db()
    assert person.street == "Alte Straße 1" and not reports(title.case).exists()


def test_without_a_title_there_is_nothing_to_report_to(client):
    user = verified_user()
    person = PersonFactory(user=user, street="Alte Straße 1", postal_code="10115", city="Berlin")
    client.force_login(user)
    page = client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "You have no valid residence title recorded in the portal" in page
    response = client.post(URL, {"street": "Neue Straße 5", "postal_code": "10117", "city": "Berlin", "state": "BE",
                                 "moved_on": date.today().isoformat()}, HTTP_ACCEPT_LANGUAGE="en")
    assert "no valid residence title" in response.content.decode()
    person.refresh_from_db()
    assert person.street == "Alte Straße 1"


def test_a_title_kept_in_force_by_a_certificate_still_counts(holder, person, first_case, organisation, abh):
    expiring = make_title(person, case=first_case, employer=organisation, issued_by=abh,
                          valid_until=date.today())
    after_arrival.title_extension_apply(title=expiring, actor=holder, same_employment=True)
    later = date.today() + timedelta(days=10)  # the title has expired; the certificate keeps it
    result = changes.address_change_report(person=person, actor=holder, street="A 1", postal_code="10117",
                                           city="Berlin", state="BE", moved_on=date.today(), today=later)
    assert result.case == first_case


def test_the_title_s_legal_basis_is_kept_left_to_right_in_arabic(client, holder, title):
    """Right-to-left text would mirror "(§ 18b Abs. 1 AufenthG)"; the page's form fields stand apart."""
    client.force_login(holder)
    page = client.get(URL, HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert f'<bdi dir="ltr">{title.legal_basis}</bdi>' in page
    assert '<form method="post" class="wsa-stack" novalidate>' in page
