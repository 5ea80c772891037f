"""Who may open what in the back office: a matrix per role and office."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, OrganisationKind, Role
from applications import services
from applications.selectors.case_file import case_messages
from applications.selectors.queue import case_list_for_staff
from applications.selectors.visibility import case_get, case_list, case_timeline
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

from .conftest import login

pytestmark = pytest.mark.django_db


def detail(case):
    return reverse("backoffice:case_detail", args=[case.public_id])


@pytest.mark.parametrize("path", ["/backoffice/", "/backoffice/statistics/"])
def test_applicants_and_employers_get_403(client, make_case, offices, path):
    applicant = UserFactory()
    case = make_case(user=applicant)
    employer = MembershipFactory(role=Role.EMPLOYER_OWNER, organisation=offices["employer"]).user
    assert client.get(path).status_code == 302  # anonymous: to the login
    for user in (applicant, employer):
        login(client, user)
        assert client.get(path).status_code == 403
        assert client.get(detail(case)).status_code == 403


@pytest.mark.parametrize(("office", "role", "sees"), [
    ("wsa", Role.CASEWORKER, {"none", "ba", "visa"}),
    ("wsa", Role.SUPERVISOR, {"none", "ba", "visa"}),
    ("ba", Role.CASEWORKER, {"ba"}),
    ("ba", Role.SUPERVISOR, {"ba"}),
    ("visa", Role.CASEWORKER, {"visa"}),
    ("abh", Role.CASEWORKER, set()),
    ("zab", Role.CASEWORKER, set()),
])
def test_case_file_matrix(client, make_case, make_staff, add_request, office, role, sees):
    cases = {"none": make_case("completeness_check"), "ba": make_case("authority_review"),
             "visa": make_case("authority_review")}
    add_request(cases["ba"], "ba")
    add_request(cases["visa"], "visa", purpose="visa")
    login(client, make_staff(office, role))
    for key, case in cases.items():
        expected = 200 if key in sees else 404
        assert client.get(detail(case)).status_code == expected, (office, role, key)


def test_ba_caseworker_cannot_open_a_case_without_a_request_to_the_ba(client, make_case, make_staff, add_request):
    case = make_case("authority_review")
    add_request(case, "visa", purpose="visa")
    caseworker = make_staff("ba")
    login(client, caseworker)
    assert client.get(detail(case)).status_code == 404
    with pytest.raises(Exception) as excinfo:
        case_get(viewer=caseworker, public_id=case.public_id)
    assert excinfo.typename == "Http404"
    # ... nor its documents, decisions or any action on it
    assert client.post(reverse("backoffice:case_note", args=[case.public_id]), {"note-body": "x"}).status_code == 404
    assert client.post(reverse("backoffice:case_claim", args=[case.public_id])).status_code == 404


def test_admin_sees_everything(client, make_case, offices):
    admin = UserFactory(is_superuser=True, is_staff=True)
    from allauth.mfa.models import Authenticator

    Authenticator.objects.create(user=admin, type=Authenticator.Type.TOTP, data={"secret": "x"})
    case = make_case("authority_review")
    assert login(client, admin).get(detail(case)).status_code == 200


def test_staff_of_an_employer_organisation_sees_no_foreign_case(make_case, settings):
    """A caseworker membership in a non-authority organisation grants nothing."""
    employer = OrganisationFactory(kind=OrganisationKind.EMPLOYER)
    user = MembershipFactory(role=Role.CASEWORKER, organisation=employer).user
    make_case("submitted")
    assert case_list(viewer=user).count() == 0
    assert list(case_list_for_staff(viewer=user)) == []


def test_applicant_and_employer_visibility_unchanged(make_case, offices):
    applicant = UserFactory()
    own = make_case(user=applicant)
    other = make_case(with_employer=False)
    employer = MembershipFactory(role=Role.EMPLOYER_MEMBER, organisation=offices["employer"]).user
    assert list(case_list(viewer=applicant)) == [own]
    assert set(case_list(viewer=employer)) == {own}
    assert other not in case_list(viewer=employer)


@pytest.mark.parametrize(("office", "role", "expected"), [
    ("wsa", Role.CASEWORKER, 403), ("ba", Role.CASEWORKER, 403), ("wsa", Role.SUPERVISOR, 200),
    ("visa", Role.SUPERVISOR, 200), ("wsa", Role.ADMIN, 200),
])
def test_statistics_only_for_supervisors_and_admins(client, make_case, make_staff, office, role, expected):
    make_case("submitted")
    login(client, make_staff(office, role))
    assert client.get(reverse("backoffice:statistics")).status_code == expected


def test_the_note_and_the_message_to_the_applicant_are_separate_fields(client, make_case, make_staff):
    """Clicking the note's label must put the cursor into the note, never into the message to the applicant."""
    case = make_case()
    login(client, make_staff("wsa"))
    page = client.get(detail(case)).content.decode()
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
    labels = dict(re.findall(r'<label class="kern-label" for="([^"]+)">(?:<span>)?([^<]+)', page))
    assert labels["id_message-body"].strip() == "Nachricht an die antragstellende Person"
    assert labels["id_note-body"].strip() == "Interner Vermerk (nur für Mitarbeitende)"
    assert 'name="note-body"' in page and 'name="message-body"' in page

    # A note sent with the message's field name is refused and becomes nothing, least of all a message.
    response = client.post(reverse("backoffice:case_note", args=[case.public_id]), {"message-body": "internal!"})
    assert response.status_code == 400
    assert not case.messages.exists()
    client.post(reverse("backoffice:case_note", args=[case.public_id]), {"note-body": "internal!"})
    assert [(m.body, m.internal) for m in case.messages.all()] == [("internal!", True)]


def test_internal_notes_never_reach_applicant_or_employer(client, make_case, make_staff, offices, settings):
    applicant = UserFactory()
    case = make_case(user=applicant)
    caseworker = make_staff("wsa")
    login(client, caseworker)
    response = client.post(reverse("backoffice:case_note", args=[case.public_id]),
                           {"note-body": "Passport photo looks manipulated - check with BVA"})
    assert response.status_code == 302
    client.post(reverse("backoffice:case_message", args=[case.public_id]), {"message-body": "Hello from the WSA"})
    page = client.get(detail(case)).content.decode()
    assert "Passport photo looks manipulated" in page and "Hello from the WSA" in page

    # The applicant's pages and reads never carry the note.
    login(client, applicant)
    applicant_page = client.get(reverse("applicant:case_detail", args=[case.public_id])).content.decode()
    assert "manipulated" not in applicant_page
    assert "Internal note" not in applicant_page and "Interne Notiz" not in applicant_page
    assert all(not m.internal for m in case_messages(viewer=applicant, case=case))
    assert all(not e.internal for e in case_timeline(viewer=applicant, case=case))
    assert [m.body for m in case_messages(viewer=applicant, case=case)] == ["Hello from the WSA"]

    employer = MembershipFactory(role=Role.EMPLOYER_OWNER, organisation=offices["employer"]).user
    login(client, employer)
    employer_page = client.get(reverse("employer:home")).content.decode()
    assert "manipulated" not in employer_page
    assert all(not m.internal for m in case_messages(viewer=employer, case=case))


def test_only_wsa_writes_to_the_applicant(client, make_case, make_staff, add_request):
    case = make_case("authority_review")
    add_request(case, "ba")
    login(client, make_staff("ba"))
    message_url = reverse("backoffice:case_message", args=[case.public_id])
    assert client.post(message_url, {"message-body": "hi"}).status_code == 403
    assert client.post(reverse("backoffice:case_transition", args=[case.public_id, "refer_to_visa_decision"])
                       ).status_code == 403


def test_claim_and_release(client, make_case, make_staff):
    case = make_case("completeness_check")
    first, second = make_staff("wsa"), make_staff("wsa", name="Jonas Becker")
    supervisor = make_staff("wsa", Role.SUPERVISOR, name="Petra Lange")
    login(client, first).post(reverse("backoffice:case_claim", args=[case.public_id]))
    case.refresh_from_db()
    assert case.assignment.user == first
    with pytest.raises(services.BackofficeError):
        services.case_claim(case=case, actor=second)
    with pytest.raises(services.BackofficeError):
        services.case_release(case=case, actor=second)
    services.case_claim(case=case, actor=supervisor)  # a supervisor may take over
    case.refresh_from_db()
    assert case.assignment.user == supervisor
    login(client, supervisor).post(reverse("backoffice:case_release", args=[case.public_id]))
    case.refresh_from_db()
    assert not hasattr(case, "assignment") or case.assignment is None


def test_membership_counts_only_for_staff_roles(make_case, offices):
    """An applicant membership does not make anyone staff of an office."""
    user = UserFactory()
    Membership.objects.create(user=user, organisation=offices["ba"], role=Role.EMPLOYER_MEMBER)
    make_case("authority_review")
    assert list(case_list_for_staff(viewer=user)) == []


def test_the_date_fields_of_the_case_file_carry_their_value_in_the_format_a_date_picker_reads(client, make_case,
                                                                                              make_staff):
    case = make_case()
    login(client, make_staff("wsa"))
    page = client.get(detail(case)).content.decode()
    due = (timezone.localdate() + timedelta(days=28)).isoformat()
    assert re.search(r'<input type="date" name="request-deadline" value="%s"' % due, page)
