"""Who sees which requests (selector and /backoffice/authorities/), and the admin's dead-letter action."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import OrganisationKind, Role
from authorities import selectors
from authorities.models import Authority, AuthorityKind, AuthorityRequest, Outbox, OutboxState, RequestState
from tests.authorities.conftest import confirm_complete, deliver_all
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory


@pytest.fixture
def world(offices, make_case, settings):
    settings.WSA_STAFF_MFA_REQUIRED = False
    settings.WSA_AUTHORITY_SIMULATOR_DELAY = 3600  # requests stay open
    Authority.objects.filter(kind=AuthorityKind.REGISTER).delete()
    first, second = make_case("18b"), make_case("18a", nationality="VNM")
    confirm_complete(first)
    confirm_complete(second)
    deliver_all()
    overdue = AuthorityRequest.objects.get(case=second, purpose="ba_approval")
    AuthorityRequest.objects.filter(pk=overdue.pk).update(due_at=timezone.now() - timedelta(days=1))
    users = {
        "ba": MembershipFactory(organisation=offices["ba"].organisation, role=Role.CASEWORKER).user,
        "visa": MembershipFactory(organisation=offices["visa_vnm"].organisation, role=Role.SUPERVISOR).user,
        "wsa": MembershipFactory(organisation=OrganisationFactory(kind=OrganisationKind.WSA),
                                 role=Role.CASEWORKER).user,
        "employer": MembershipFactory(role=Role.EMPLOYER_OWNER).user,
    }
    return {"cases": (first, second), "users": users, "overdue": overdue}


@pytest.mark.django_db
def test_caseworkers_see_the_requests_of_their_offices(world, offices):
    first, second = world["cases"]
    users = world["users"]
    ba = selectors.authority_request_list(viewer=users["ba"])
    assert {(r.case, r.purpose) for r in ba} == {(first, "ba_approval"), (second, "ba_approval")}
    assert [r.case for r in selectors.authority_request_list(viewer=users["visa"])] == [second]
    assert list(selectors.authority_request_list(viewer=users["employer"])) == []
    everything = selectors.authority_request_list(viewer=users["wsa"])
    assert everything.count() == AuthorityRequest.objects.count() == 6  # incl. two without an office
    assert list(selectors.authority_request_list(viewer=users["ba"], overdue=True)) == [world["overdue"]]
    assert list(selectors.authority_request_list(viewer=users["ba"], overdue=False)) == [
        AuthorityRequest.objects.get(case=first, purpose="ba_approval")]
    assert selectors.authority_request_list(viewer=users["wsa"], state=RequestState.FAILED).count() == 2
    assert selectors.authority_request_list(viewer=users["wsa"], authority=offices["visa_ind"]).count() == 1


def count_queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.django_db
def test_board_page_per_office(client, world, make_case, django_assert_max_num_queries):
    users = world["users"]
    client.force_login(users["ba"])
    url = reverse("authorities:board")
    before = count_queries(client, url)
    for _ in range(3):
        confirm_complete(make_case("18b"))
    deliver_all()
    assert count_queries(client, url) == before <= 12  # one query for the requests, however many
    with django_assert_max_num_queries(12):
        response = client.get(url)
    page = response.content.decode()
    assert "BA – ZAV" in page and "Botschaft Hanoi" not in page
    overdue_row = page.split(world["overdue"].case.reference)[1].split("</tr>")[0]
    assert "kern-badge--danger" in overdue_row  # flagged overdue
    client.force_login(users["wsa"])
    page = client.get(reverse("authorities:board")).content.decode()
    assert "Botschaft Hanoi" in page and "No register authority" in page


@pytest.mark.django_db
def test_board_is_for_staff_only(client, world):
    assert client.get("/backoffice/authorities/").status_code == 302
    client.force_login(world["users"]["employer"])
    assert client.get("/backoffice/authorities/").status_code == 403


@pytest.mark.django_db
def test_admin_retries_dead_letters(client, offices, make_case, settings, http_transport):
    settings.WSA_STAFF_MFA_REQUIRED = False
    settings.WSA_OUTBOX_MAX_ATTEMPTS = 1
    http_transport.inject("500", times=2)
    case = make_case("18g")
    confirm_complete(case)
    deliver_all()
    dead = list(Outbox.objects.filter(state=OutboxState.DEAD))
    assert len(dead) == 2
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.post(reverse("admin:authorities_outbox_changelist"),
                           {"action": "retry_dead_letters", "_selected_action": [row.pk for row in dead]})
    assert response.status_code == 302
    assert set(Outbox.objects.values_list("state", "attempts")) == {(OutboxState.PENDING, 0)}
    assert set(AuthorityRequest.objects.values_list("state", flat=True)) == {RequestState.PENDING}
    assert set(deliver_all()) == {"delivered"}
