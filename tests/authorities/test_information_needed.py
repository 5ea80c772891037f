"""An office's "information needed" answer is a task for the WSA, not limbo: the WSA sees it on its
landing ("Information needed by <office>: <reason>") with its target date, asks the applicant for
documents (request_documents, also from the authority review then), and the step goes out again to
that office when the WSA confirms the case complete (or at once with "Send again"): a new submission
at the office, whose legal deadline runs from the new receipt. Over both transports."""

from datetime import datetime, time
from decimal import Decimal

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Membership, OrganisationKind, Role
from applications import services as case_services
from applications.lifecycle import CaseState
from applications.models import Employment, Event
from authorities import routing, services
from authorities.models import AuthorityRequest, Outbox, Outcome, RequestState, SimulatedSubmission
from tests.authorities.conftest import confirm_complete
from tests.factories import OrganisationFactory, UserFactory


@pytest.fixture
def make_staff(offices):
    """A caseworker of the WSA ("wsa") or of one of the offices (a key of `offices`), with a second factor."""
    def make(office: str):
        organisation = (OrganisationFactory(kind=OrganisationKind.WSA, name="WSA") if office == "wsa"
                        else offices[office].organisation)
        user = UserFactory()
        Membership.objects.create(user=user, organisation=organisation, role=Role.CASEWORKER)
        Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "x"})
        return user

    return make


@pytest.fixture(params=["simulated", "http"])
def received(request, settings):
    """How many submissions the offices hold (in-process table, or the HTTP simulator's list)."""
    settings.WSA_AUTHORITY_SIMULATOR_DELAY = 0
    if request.param == "http":
        server = request.getfixturevalue("http_transport")
        return lambda: len(server.submissions())
    return SimulatedSubmission.objects.count


def _ba(case) -> AuthorityRequest:
    return AuthorityRequest.objects.select_related("authority").get(case=case, purpose="ba_approval")


def _ba_asks_for_information(make_case, capture):
    """An 18b case without the job's data: the BA (simulated) answers "information needed"."""
    case = make_case("18b", employment=False)
    with capture(execute=True):
        confirm_complete(case)
    ba = _ba(case)
    assert (ba.state, ba.outcome) == (RequestState.ANSWERED, Outcome.INFORMATION_NEEDED)
    assert ba.response_body.get("reason") == "employment_declaration_incomplete"
    case.refresh_from_db()
    assert case.state == CaseState.AUTHORITY_REVIEW
    return case, ba


def _add_the_job(case):
    Employment.objects.create(case=case, job_title="Software Developer", occupation_isco="2512",
                              annual_gross_salary=Decimal("60000"), weekly_hours=Decimal("40"),
                              start_date=timezone.localdate(), workplace_city="Berlin", workplace_state="BE")


@pytest.mark.django_db
def test_the_wsa_asks_the_applicant_and_the_step_goes_out_again(offices, make_case, received,
                                                                django_capture_on_commit_callbacks):
    case, ba = _ba_asks_for_information(make_case, django_capture_on_commit_callbacks)
    before = received()
    first_key = ba.idempotency_key

    # The WSA asks the applicant (the existing request for documents), who answers with the contract.
    wsa = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        case_services.document_request_create(case=case, actor=wsa, reason="other", note="Employment contract",
                                              due_on=timezone.localdate() + timezone.timedelta(days=14))
        case.refresh_from_db()
        assert case.state == CaseState.DOCUMENTS_REQUESTED
        case_services.case_transition(case=case, transition="documents_provided")
    assert received() == before  # nothing went to any office meanwhile
    _add_the_job(case)  # the contract's data, entered by the WSA

    # Confirmed complete again: the BA's step goes out anew, as a new submission at the BA.
    with django_capture_on_commit_callbacks(execute=True):
        case_services.case_transition(case=case, transition="start_authority_review", actor=wsa)
    ba.refresh_from_db()
    assert received() == before + 1
    assert ba.idempotency_key == f"{first_key}:2"
    assert (ba.state, ba.outcome) == (RequestState.ANSWERED, Outcome.APPROVED)
    # The legal deadline ran from the new receipt (§ 36 Abs. 2 BeschV: two weeks from the request).
    step = routing.step_for(case, "ba_approval")
    assert ba.due_at == timezone.make_aware(datetime.combine(step.deadline.due(timezone.localdate(ba.sent_at)),
                                                             time(23, 59, 59)))
    resent = Event.objects.get(case=case, payload__status="resent")
    assert resent.internal is False and resent.payload["previous"]["reason"] == "employment_declaration_incomplete"
    with translation.override("en"):
        assert "sent again to" in resent.text


@pytest.mark.django_db
def test_send_again_needs_an_information_needed_answer(offices, make_case, django_capture_on_commit_callbacks):
    case = make_case("18b")
    with django_capture_on_commit_callbacks(execute=True):
        confirm_complete(case)
    ba = _ba(case)
    assert ba.outcome == Outcome.APPROVED
    assert services.authority_request_resend(request=ba) is False
    assert Outbox.objects.filter(request=ba).count() == 1
    # A request for documents while the offices work needs such an answer too.
    with translation.override("en"), pytest.raises(case_services.BackofficeError, match="more information"):
        case_services.document_request_create(case=case, actor=None, reason="other", note="",
                                              due_on=timezone.localdate() + timezone.timedelta(days=14))


@pytest.mark.django_db
def test_withdrawn_case_is_not_sent_again(offices, make_case, django_capture_on_commit_callbacks):
    case, ba = _ba_asks_for_information(make_case, django_capture_on_commit_callbacks)
    case_services.case_transition(case=case, transition="withdraw")
    assert services.authority_request_resend(request=ba) is False


@pytest.mark.django_db
def test_the_wsa_landing_shows_the_task_and_sends_again(client, offices, make_case, make_staff,
                                                        django_capture_on_commit_callbacks):
    case, ba = _ba_asks_for_information(make_case, django_capture_on_commit_callbacks)
    wsa = make_staff("wsa")
    client.force_login(wsa)
    page = client.get(reverse("backoffice:home"), HTTP_ACCEPT_LANGUAGE="en").text
    assert f"Information needed by {ba.authority.name}: the details of the job are incomplete" in page
    assert "employment_declaration_incomplete" not in page
    due = timezone.localtime(ba.answered_at + timezone.timedelta(days=14)).date()
    assert f'datetime="{due:%Y-%m-%d}' in page
    assert f"Send again to {ba.authority.name}" in page

    # The case file offers the request for documents in the authority review now.
    url = reverse("backoffice:case_request_documents", args=[case.public_id])
    deadline = (timezone.localdate() + timezone.timedelta(days=10)).isoformat()
    response = client.post(url, {"request-reason": "other", "request-note": "Your employment contract",
                                      "request-deadline": deadline})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.DOCUMENTS_REQUESTED

    # Sent again from the landing (the WSA has the missing data from the file).
    _add_the_job(case)
    resend = reverse("backoffice:step_resend", args=[case.public_id, ba.public_id])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(resend, {"next": "home"})
    assert response.status_code == 302 and response["Location"] == reverse("backoffice:home")
    ba.refresh_from_db()
    assert ba.outcome == Outcome.APPROVED
    # Nothing left to do: the task is gone, and a second post changes nothing.
    assert "Information needed by" not in client.get(reverse("backoffice:home")).text
    assert client.post(resend).status_code == 404


@pytest.mark.django_db
def test_only_the_wsa_sends_again(client, offices, make_case, make_staff, django_capture_on_commit_callbacks):
    case, ba = _ba_asks_for_information(make_case, django_capture_on_commit_callbacks)
    client.force_login(make_staff("ba"))
    resend = reverse("backoffice:step_resend", args=[case.public_id, ba.public_id])
    assert client.post(resend).status_code == 404
    assert "Information needed by" not in client.get(reverse("backoffice:home")).text
    ba.refresh_from_db()
    assert ba.outcome == Outcome.INFORMATION_NEEDED
