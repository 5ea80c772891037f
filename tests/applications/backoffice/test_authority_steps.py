"""Answering an authority step for the viewer's office, through the authorities service."""

import pytest
from django.urls import reverse

from tests.procedure import fee_pay

from .conftest import login

pytestmark = pytest.mark.django_db


def test_ba_approves_with_conditions_and_the_case_moves_on(client, make_case, make_staff, add_request):
    case = make_case("authority_review")
    request = add_request(case, "ba", purpose="ba_approval")
    fee_pay(case)
    login(client, make_staff("ba", name="Mehmet Yilmaz"))
    url = reverse("backoffice:step_answer", args=[case.public_id, request.public_id])
    assert client.get(url).status_code == 200
    assert client.post(url, {"outcome": "rejected", "note": ""}).status_code == 400  # reasons needed
    response = client.post(url, {"outcome": "approved", "limit_employer": "on", "limit_occupation": "on",
                                 "limit_months": "24", "note": ""})
    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.state, request.outcome) == ("answered", "approved")
    assert request.conditions == {"employer": "Muster Software GmbH",
                                  "occupation": "Software Developer (ISCO 2512)", "duration_months": 24}
    case.refresh_from_db()
    assert case.state == "visa_decision"  # the only approval step is in: the hub moves the case on
    html = client.get(reverse("backoffice:case_detail", args=[case.public_id])).content.decode()
    assert "Muster Software GmbH" in html and "24" in html
    # Answered once: the form is gone.
    assert client.get(url).status_code == 302


def test_after_the_two_weeks_the_ba_s_silence_is_the_answer_and_a_late_refusal_is_not_taken(
        client, make_case, make_staff, add_request):
    """§ 36 Abs. 2 BeschV: the approval is deemed given when the BA has not answered within the period. Until
    the deadline sweep ran, the answer form still offered "Reject" after it."""
    from datetime import timedelta

    from django.utils import formats, timezone, translation

    from authorities.models import AuthorityRequest

    case = make_case("authority_review")
    request = add_request(case, "ba", purpose="ba_approval", due_in=timedelta(days=-6))
    AuthorityRequest.objects.filter(pk=request.pk).update(deemed_approval_on_silence=True,
                                                           deadline_source="§ 36 Abs. 2 S. 1 BeschV")
    login(client, make_staff("ba"))
    workspace = client.get(reverse("backoffice:case_detail", args=[case.public_id])).content.decode()
    url = reverse("backoffice:step_answer", args=[case.public_id, request.public_id])
    assert url not in workspace  # nothing to answer
    response = client.post(url, {"outcome": "rejected", "note": "Zu spät abgelehnt."}, follow=True)
    request.refresh_from_db()
    assert (request.state, request.outcome, request.deemed_approval) == ("answered", "approved", True)
    assert request.answered_at == request.due_at
    with translation.override("de"):
        written = formats.date_format(timezone.localtime(request.due_at), "DATE_FORMAT")
    page = response.content.decode()
    assert written in page and "§ 36 Abs. 2 S. 1 BeschV" in page


def test_information_needed_keeps_the_case_in_review(client, make_case, make_staff, add_request):
    case = make_case("authority_review")
    request = add_request(case, "ba")
    login(client, make_staff("ba"))
    client.post(reverse("backoffice:step_answer", args=[case.public_id, request.public_id]),
                {"outcome": "information_needed", "note": "Bitte Arbeitsvertrag nachreichen."})
    request.refresh_from_db()
    case.refresh_from_db()
    assert request.outcome == "information_needed" and case.state == "authority_review"


def test_an_office_cannot_answer_for_another(client, make_case, make_staff, add_request):
    case = make_case("authority_review")
    ba_request = add_request(case, "ba")
    add_request(case, "visa", purpose="visa")
    login(client, make_staff("visa"))
    url = reverse("backoffice:step_answer", args=[case.public_id, ba_request.public_id])
    assert client.get(url).status_code == 404
    assert client.post(url, {"outcome": "approved"}).status_code == 404
    ba_request.refresh_from_db()
    assert ba_request.state == "sent"
    # WSA staff see the step but answer for no office.
    login(client, make_staff("wsa"))
    assert client.get(url).status_code == 404


def test_the_visa_step_is_decided_by_the_decision_and_its_answer_form_only_asks_for_information(
        client, make_case, make_staff, add_request):
    """One button per decision: 'Answer: National visa' (approve or reject) beside 'Decide on the visa' let the
    visa office record 'approved' without a decision, or a refusal without the four-eyes rule."""
    from applications import services
    from applications.services import BackofficeError

    case = make_case("visa_decision")
    request = add_request(case, "visa", purpose="visa")
    login(client, make_staff("visa"))
    html = client.get(reverse("backoffice:case_detail", args=[case.public_id]), HTTP_ACCEPT_LANGUAGE="en")
    html = html.content.decode()
    assert "Ask for information: National visa" in html and "Answer: National visa" not in html
    assert "Decide on the visa" in html
    url = reverse("backoffice:step_answer", args=[case.public_id, request.public_id])
    form = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'value="information_needed"' in form
    assert 'value="approved"' not in form and 'value="rejected"' not in form and "limit_employer" not in form
    for outcome in ("approved", "rejected"):
        assert client.post(url, {"outcome": outcome, "note": "x"}).status_code == 400
        with pytest.raises(BackofficeError):
            services.authority_step_answer(request=request, actor=None, outcome=outcome, note="x")
    request.refresh_from_db()
    assert request.state == "sent"
    answered = client.post(url, {"outcome": "information_needed", "note": "Bitte Reisepass nachreichen."})
    assert answered.status_code == 302
    request.refresh_from_db()
    assert request.outcome == "information_needed"


def test_the_recognition_body_answers_whether_the_qualification_is_equivalent(client, make_case, make_staff,
                                                                               add_request):
    case = make_case("authority_review")
    request = add_request(case, "zab", purpose="recognition")
    login(client, make_staff("zab"))
    url = reverse("backoffice:step_answer", args=[case.public_id, request.public_id])
    form = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Equivalent: the qualification is recognised" in form and "Not equivalent" in form
    assert "limit_employer" not in form and "limit_months" not in form  # the BA's limits of an approval
    assert "required to reject or to ask" in form  # the reasons field is not simply "optional"
    assert client.post(url, {"outcome": "approved", "note": ""}).status_code == 302
    request.refresh_from_db()
    assert (request.state, request.outcome) == ("answered", "approved")
