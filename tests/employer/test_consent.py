"""What the employer sees follows the candidate's consent, in the portal, the CSV export and the API;
other organisations see nothing at all."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from applications import services
from applications.employer import services as employer_services
from applications.employer.selectors import case_consent_scope
from applications.models import Person

from .conftest import bearer


def _set_personal_data(case):
    Person.objects.filter(pk=case.person_id).update(birth_date=date(1994, 3, 14), nationality="IND",
                                                     passport_number="Z1234567")


@pytest.mark.django_db
def test_without_full_consent_employer_sees_reference_state_next_step_only(client, member, accepted_case):
    case = accepted_case("status")
    _set_personal_data(case)
    client.force_login(member)
    page = client.get(reverse("employer:case_detail", args=[case.public_id])).content.decode()
    assert case.reference in page
    assert "Sharma" not in page and "priya.sharma@example.org" not in page and "1994" not in page
    assert "Z1234567" not in page
    dashboard = client.get(reverse("employer:home")).content.decode()
    assert case.reference in dashboard and "Sharma" not in dashboard
    export = b"".join(client.get(reverse("employer:export_csv")).streaming_content).decode()
    assert case.reference in export and "Sharma" not in export and "priya.sharma" not in export


@pytest.mark.django_db
def test_full_consent_shows_personal_data_and_revocation_hides_it_at_once(client, member, accepted_case,
                                                                           candidate_user, api_token):
    case = accepted_case("full")
    _set_personal_data(case)
    _token, raw = api_token()
    client.force_login(member)
    url = reverse("employer:case_detail", args=[case.public_id])
    assert "Sharma" in client.get(url).content.decode()
    assert client.get(f"/api/v1/cases/{case.public_id}", **bearer(raw)).json()["candidate"]["surname"] == "Sharma"

    candidate = client.__class__()
    candidate.force_login(candidate_user)
    response = candidate.post(reverse("invitation:consent", args=[case.public_id]), {"action": "revoke"})
    assert response.status_code == 302

    page = client.get(url).content.decode()
    assert "Sharma" not in page and "1994" not in page
    api_case = client.get(f"/api/v1/cases/{case.public_id}", **bearer(raw)).json()
    assert api_case["candidate"] is None and api_case["consent"] == ""
    assert "Sharma" not in b"".join(client.get(reverse("employer:export_csv")).streaming_content).decode()


@pytest.mark.django_db
def test_candidate_changes_scope_on_the_consent_page(client, accepted_case, candidate_user):
    case = accepted_case("status")
    client.force_login(candidate_user)
    page = client.get(reverse("invitation:consent", args=[case.public_id]))
    assert page.status_code == 200
    client.post(reverse("invitation:consent", args=[case.public_id]), {"action": "set", "scope": "full"})
    assert case_consent_scope(case=case) == "full"
    assert case.consents.count() == 2 and case.consents.filter(revoked_at__isnull=True).count() == 1


@pytest.mark.django_db
def test_only_the_candidate_can_change_consent(client, member, accepted_case):
    case = accepted_case("status")
    client.force_login(member)
    assert client.post(reverse("invitation:consent", args=[case.public_id]),
                       {"action": "set", "scope": "full"}).status_code == 404
    with pytest.raises(PermissionDenied):
        services.case_consent_set(case=case, actor=member, scope="full")
    assert case_consent_scope(case=case) == "status"


@pytest.mark.django_db
def test_name_search_only_where_consented(client, member, accepted_case, start_case):
    consented = accepted_case("full")
    hidden, _inv = start_case(email="someone@example.org")
    client.force_login(member)
    page = client.get(reverse("employer:home"), {"q": "Sharma"}).content.decode()
    assert consented.reference in page and hidden.reference not in page
    assert hidden.reference in client.get(reverse("employer:home"), {"q": hidden.reference}).content.decode()


@pytest.mark.django_db
def test_other_organisation_gets_404_everywhere(client, other_owner, accepted_case, api_token, other_organisation):
    case = accepted_case("full")
    client.force_login(other_owner)
    for name in ("employer:case_detail", "employer:case_employment", "employer:case_accelerated"):
        assert client.get(reverse(name, args=[case.public_id])).status_code == 404
    assert client.post(reverse("employer:case_message", args=[case.public_id]), {"body": "hi"}).status_code == 404
    assert case.reference not in client.get(reverse("employer:home")).content.decode()
    assert case.reference not in b"".join(client.get(reverse("employer:export_csv")).streaming_content).decode()
    _token, raw = api_token(org=other_organisation, actor=other_owner)
    assert client.get(f"/api/v1/cases/{case.public_id}", **bearer(raw)).status_code == 404
    assert client.get(f"/api/v1/cases/{case.public_id}/events", **bearer(raw)).status_code == 404


@pytest.mark.django_db
def test_messages_without_full_consent_show_only_the_employer_thread(client, owner, member, accepted_case,
                                                                     candidate_user):
    case = accepted_case("status")
    services.message_post(case=case, author=candidate_user, body="My passport expires soon")
    services.message_post(case=case, author=owner, body="Internal staff note", internal=True)
    client.force_login(member)
    client.post(reverse("employer:case_message", args=[case.public_id]), {"body": "When can she start?"})
    employer_services.case_team_reply_to_employer(case=case, author=owner, body="Reply to the employer")
    page = client.get(reverse("employer:case_detail", args=[case.public_id])).content.decode()
    assert "When can she start?" in page and "Reply to the employer" in page
    assert "My passport expires soon" not in page and "Internal staff note" not in page
    # With full consent the whole public thread is shown, internal notes never.
    services.case_consent_set(case=case, actor=candidate_user, scope="full")
    page = client.get(reverse("employer:case_detail", args=[case.public_id])).content.decode()
    assert "My passport expires soon" in page and "Internal staff note" not in page


@pytest.mark.django_db
def test_timeline_without_consent_has_state_changes_only(client, member, accepted_case, api_token, candidate_user):
    case = accepted_case("status")
    services.message_post(case=case, author=candidate_user, body="hello")
    services.case_submit(case=case, actor=candidate_user)
    _token, raw = api_token()
    events = client.get(f"/api/v1/cases/{case.public_id}/events", **bearer(raw)).json()
    assert [e["kind"] for e in events] == ["created", "transition"]
    services.case_consent_set(case=case, actor=candidate_user, scope="full")
    events = client.get(f"/api/v1/cases/{case.public_id}/events", **bearer(raw)).json()
    assert "message" in [e["kind"] for e in events]


@pytest.mark.django_db
def test_a_message_that_is_too_long_or_empty_says_why_and_keeps_the_text(client, member, accepted_case):
    case = accepted_case("status")
    client.force_login(member)
    client.cookies["django_language"] = "en"
    url = reverse("employer:case_message", args=[case.public_id])
    too_long = "Start date? " * 500
    response = client.post(url, {"body": too_long})
    page = response.content.decode()
    assert response.status_code == 400
    assert "Ensure this value has at most 5000 characters" in page and "Please write a message" not in page
    assert too_long.strip()[:200] in page  # nothing the person wrote is lost
    assert not case.messages.exists()
    response = client.post(url, {"body": "   "})
    assert response.status_code == 400 and "Please write a message." in response.content.decode()


@pytest.mark.django_db
def test_the_candidate_finds_the_consent_page_from_the_application(client, accepted_case, candidate_user):
    case = accepted_case("status")
    client.force_login(candidate_user)
    page = client.get(reverse("applicant:case_detail", args=[case.public_id])).content.decode()
    assert f'href="{reverse("invitation:consent", args=[case.public_id])}"' in page
    own = services.case_create(person=case.person, actor=candidate_user, title_code="18g")
    page = client.get(reverse("applicant:case_detail", args=[own.public_id])).content.decode()
    assert "/invitation/consent/" not in page  # no employer, nothing to consent to


@pytest.mark.django_db
def test_employer_page_lists_the_timeline_newest_first_and_the_api_in_order(client, member, accepted_case,
                                                                             api_token):
    import re

    case = accepted_case("full")
    client.force_login(member)
    client.post(reverse("employer:case_message", args=[case.public_id]), {"body": "Start date confirmed."})
    page = client.get(reverse("employer:case_detail", args=[case.public_id])).content.decode()
    section = page[page.index('id="timeline-heading"'):]
    times = re.findall(r'<time datetime="([^"]+)"', section[:section.index("</section>")])
    assert len(times) >= 2 and times == sorted(times, reverse=True)
    _token, raw = api_token()
    stamps = [e["created_at"] for e in client.get(f"/api/v1/cases/{case.public_id}/events", **bearer(raw)).json()]
    assert len(stamps) >= 2 and stamps == sorted(stamps)
