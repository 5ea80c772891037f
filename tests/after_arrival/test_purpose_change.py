"""The change of purpose: a holder of a title for studies (§ 16b), training (§ 16a) or job search (§ 20)
applies in Germany for work (§§ 18a, 18b, 18g) or job search (§ 20); like an extension, with the
certificate of § 81 Abs. 4/5 AufenthG, no visa and the new title replacing the old one."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from applications import services
from applications.after_arrival import changes
from applications.after_arrival.services import AfterArrivalError
from applications.models import Case, Employment, FictionCertificate, Qualification, ResidenceTitle, TitleEnd, TitleKind
from authorities.adapters.base import BasePlugin
from authorities.models import AuthorityRequest, Outcome, Purpose, RequestState
from tests.procedure import offices_done, walk

from .conftest import make_title, verified_user

pytestmark = pytest.mark.django_db

JOB = {"job_title": "Data Engineer", "annual_gross_salary": Decimal("62000"), "weekly_hours": Decimal("40"),
       "workplace_city": "Berlin", "workplace_state": "BE"}


@pytest.fixture
def graduate(person):
    Qualification.objects.create(person=person, kind="academic", title="M.Sc. Informatik",
                                 institution="TU Berlin", country="DE", completed_on=date.today() - timedelta(days=30))
    return person


@pytest.fixture
def study_title(graduate, abh):
    return make_title(graduate, kind="residence_permit", code="16b", issued_by=abh,
                      valid_from=date.today() - timedelta(days=700), valid_until=date.today() + timedelta(days=60))


def _decide(case, holder):
    walk(case, "start_completeness_check", "start_authority_review", actor=holder)
    offices_done(case)
    AuthorityRequest.objects.filter(case=case, purpose=Purpose.RESIDENCE_PERMIT).update(
        state=RequestState.ANSWERED, outcome=Outcome.APPROVED, answered_at=timezone.now())
    services.case_transition(case=case, transition="extend_permit", actor=holder)


def test_student_switches_to_the_blue_card_and_the_new_card_replaces_the_study_permit(holder, study_title, abh):
    result = changes.purpose_change_apply(title=study_title, actor=holder, target="18g", employer_name="Daten AG",
                                          job=JOB)
    case = result.case
    assert case.title_code == "18g" and case.state == "submitted" and case.employer is None
    assert case.employment.job_title == "Data Engineer" and case.employment.workplace_state == "BE"
    assert result.extension.purpose_change and result.extension.employer_name == "Daten AG"
    assert result.certificate is not None and result.certificate.in_force  # § 81 Abs. 4 S. 1: in time

    walk(case, "start_completeness_check", "start_authority_review", actor=holder)
    purposes = set(AuthorityRequest.objects.filter(case=case).values_list("purpose", flat=True))
    assert purposes == {Purpose.RESIDENCE_PERMIT}  # no visa, no appointment abroad; salary above the threshold
    request = AuthorityRequest.objects.get(case=case, purpose=Purpose.RESIDENCE_PERMIT)
    assert request.authority == abh  # the office that issued the study permit
    offices_done(case)
    AuthorityRequest.objects.filter(case=case, purpose=Purpose.RESIDENCE_PERMIT).update(
        state=RequestState.ANSWERED, outcome=Outcome.APPROVED, answered_at=timezone.now())
    services.case_transition(case=case, transition="extend_permit", actor=holder)

    study_title.refresh_from_db()
    card = ResidenceTitle.objects.get(case=case)
    assert card.kind == TitleKind.EU_BLUE_CARD and card.title_code == "18g" and card.replaces == study_title
    assert study_title.end_reason == TitleEnd.REPLACED
    assert not FictionCertificate.objects.get(case=case).in_force


def test_switch_to_a_skilled_job_asks_the_federal_employment_agency(holder, study_title):
    result = changes.purpose_change_apply(title=study_title, actor=holder, target="18b", employer_name="Daten AG",
                                          job=JOB)
    walk(result.case, "start_completeness_check", "start_authority_review", actor=holder)
    purposes = set(AuthorityRequest.objects.filter(case=result.case).values_list("purpose", flat=True))
    assert purposes == {Purpose.BA_APPROVAL, Purpose.RESIDENCE_PERMIT}
    ba = AuthorityRequest.objects.get(case=result.case, purpose=Purpose.BA_APPROVAL)
    assert BasePlugin.employer(ba.case) == {"name": "Daten AG"}  # the employer as the holder named it


def test_blue_card_below_the_standard_threshold_asks_the_agency(holder, study_title):
    low = {**JOB, "annual_gross_salary": Decimal("46000")}
    result = changes.purpose_change_apply(title=study_title, actor=holder, target="18g", employer_name="X", job=low)
    walk(result.case, "start_completeness_check", "start_authority_review", actor=holder)
    assert AuthorityRequest.objects.filter(case=result.case, purpose=Purpose.BA_APPROVAL).exists()


def test_job_search_after_studies_needs_no_job_and_issues_a_residence_permit(holder, study_title):
    result = changes.purpose_change_apply(title=study_title, actor=holder, target="20")
    assert not Employment.objects.filter(case=result.case).exists()  # only what the purpose needs
    _decide(result.case, holder)
    permit = ResidenceTitle.objects.get(case=result.case)
    assert permit.kind == TitleKind.RESIDENCE_PERMIT and permit.title_code == "20"
    assert permit.valid_until <= date.today() + timedelta(days=18 * 31)  # § 20 Abs. 2 S. 2: up to 18 months
    assert not AuthorityRequest.objects.filter(case=result.case, purpose=Purpose.BA_APPROVAL).exists()


def test_a_blue_card_cannot_be_switched(holder, title):
    with pytest.raises(AfterArrivalError):
        changes.purpose_change_apply(title=title, actor=holder, target="18b", employer_name="X", job=JOB)
    assert not Case.objects.filter(title_code="18b").exists()


def test_no_switch_after_expiry(holder, graduate, abh):
    expired = make_title(graduate, kind="residence_permit", code="16b", issued_by=abh,
                         valid_from=date.today() - timedelta(days=700), valid_until=date.today() - timedelta(days=1))
    with pytest.raises(AfterArrivalError, match="ended"):
        changes.purpose_change_apply(title=expired, actor=holder, target="20")
    assert not FictionCertificate.objects.exists()


def test_someone_elses_title_is_refused(study_title):
    with pytest.raises(PermissionDenied):
        changes.purpose_change_apply(title=study_title, actor=verified_user(), target="20")


def test_a_target_the_profile_does_not_support_is_refused(holder, study_title):
    with pytest.raises(AfterArrivalError, match="vocational"):  # a degree, no vocational training (§ 18a)
        changes.purpose_change_apply(title=study_title, actor=holder, target="18a", employer_name="X", job=JOB)
    with pytest.raises(AfterArrivalError):
        changes.purpose_change_apply(title=study_title, actor=holder, target="19c", employer_name="X", job=JOB)


def test_work_needs_the_job_offer_and_one_application_at_a_time(holder, study_title):
    with pytest.raises(AfterArrivalError, match="employer"):
        changes.purpose_change_apply(title=study_title, actor=holder, target="18b", employer_name="", job=JOB)
    changes.purpose_change_apply(title=study_title, actor=holder, target="20")
    with pytest.raises(AfterArrivalError, match="already applied"):
        changes.purpose_change_apply(title=study_title, actor=holder, target="18b", employer_name="X", job=JOB)


# --- The pages -----------------------------------------------------------------------------------------

def test_the_page_shows_each_target_with_its_source_and_takes_the_application(client, holder, study_title):
    client.force_login(holder)
    url = reverse("applicant:purpose_change", args=[study_title.public_id])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "§ 16b Abs. 4 AufenthG" in page and "§ 20 Abs. 1 Nr. 1, Abs. 2 AufenthG" in page
    assert "Not open to you" in page  # § 18a without vocational training
    assert "no exemption for graduates of German universities" in page
    assert "Federal Employment Agency: The Federal Employment Agency" not in page  # said once, not twice

    bad = client.post(url, {"target": "18b"}, HTTP_ACCEPT_LANGUAGE="en")
    assert bad.status_code == 200 and "Please fill in the details of your job offer" in bad.content.decode()
    assert not Case.objects.filter(title_code="18b").exists()
    not_offered = client.post(url, {"target": "18a", **JOB, "employer_name": "X"}, HTTP_ACCEPT_LANGUAGE="en")
    assert not_offered.status_code == 200 and not Case.objects.filter(title_code="18a").exists()

    job_offer = {"target": "18b", "employer_name": "Daten AG", "job_title": "Engineer",
                 "annual_gross_salary": "62000", "weekly_hours": "40", "workplace_city": "Berlin",
                 "workplace_state": "BE"}
    undeclared = client.post(url, job_offer, HTTP_ACCEPT_LANGUAGE="en")
    assert undeclared.status_code == 200 and not Case.objects.filter(title_code="18b").exists()
    assert "Please confirm the declaration to submit your application." in undeclared.content.decode()
    response = client.post(url, {**job_offer, "declaration": "on"}, HTTP_ACCEPT_LANGUAGE="en")
    case = Case.objects.get(title_code="18b")
    assert response.status_code == 302 and response["Location"] == reverse("applicant:case_detail",
                                                                           args=[case.public_id])
    listing = client.get(reverse("applicant:after_arrival"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Your change of purpose has been applied for in time" in listing and "Download the certificate" in listing
    detail = client.get(reverse("applicant:case_detail", args=[case.public_id]), HTTP_ACCEPT_LANGUAGE="en")
    detail_text = re.sub(r"<[^>]+>", "", detail.content.decode())  # the citations are isolated in <bdi>
    assert "A change of purpose was applied for: from § 16b Abs. 1 AufenthG to § 18b Abs. 1 AufenthG." in detail_text
    entry = re.search(r"<li><time[^>]*>[^<]*</time> — A change of purpose[^\n]*</li>", detail.content.decode())
    assert entry and '<bdi dir="ltr">§ 18b Abs. 1 AufenthG</bdi>' in entry.group(0)  # kept left to right in Arabic
    # The tracker's note names what was applied for neutrally: this is no extension.
    assert "Your application is decided in Germany by the foreigners' authority" in detail.content.decode()
    assert "extension" not in detail.content.decode().split('data-testid="tracker"', 1)[1].split("</section>", 1)[0]


def test_the_switch_is_offered_only_to_holders_of_such_titles(client, holder, study_title, title):
    client.force_login(holder)
    switch_url = reverse("applicant:purpose_change", args=[study_title.public_id])
    blue_card_url = reverse("applicant:purpose_change", args=[title.public_id])
    for page in ("applicant:after_arrival", "applicant:titles"):
        html = client.get(reverse(page), HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert switch_url in html and blue_card_url not in html
    refused = client.get(blue_card_url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "For your title, ask the foreigners" in refused and "Submit the application" not in refused


def test_another_holders_title_is_a_404(client, study_title):
    client.force_login(verified_user())
    url = reverse("applicant:purpose_change", args=[study_title.public_id])
    assert client.get(url).status_code == 404
    assert client.post(url, {"target": "20"}).status_code == 404
    assert not Case.objects.filter(title_code="20").exists()


def test_the_certificate_names_the_change_of_purpose(holder, study_title):
    from io import BytesIO

    from pypdf import PdfReader
    result = changes.purpose_change_apply(title=study_title, actor=holder, target="20")
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(result.certificate.pdf.read())).pages)
    assert "die Erteilung eines anderen Aufenthaltstitels" in text and "change of purpose" in text


def test_the_settlement_page_counts_two_years_after_a_german_degree(client, holder, graduate, abh):
    make_title(graduate, kind="residence_permit", code="18b", issued_by=abh,
               valid_from=date.today() - timedelta(days=760), valid_until=date.today() + timedelta(days=300))
    client.force_login(holder)
    page = client.get(reverse("applicant:settlement"), {"pension_months": "24"}, HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert "§ 18c Abs. 1 S. 2 AufenthG" in html and "24 of 24 months" in html


def test_the_job_offer_fields_say_that_work_needs_them_instead_of_optional(client, holder, study_title):
    """Every title but the job search refuses the application without them: "optional" would be untrue."""
    client.force_login(holder)
    page = client.get(reverse("applicant:purpose_change", args=[study_title.public_id]),
                      HTTP_ACCEPT_LANGUAGE="en").content.decode()
    marker = r'(?: <span class="kern-label__optional">– ([^<]*)</span>)?'
    labels = dict(re.findall(r'<label class="kern-label" for="id_(\w+)"><span>[^<]*</span>' + marker, page))
    for name in ("employer_name", "job_title", "annual_gross_salary", "weekly_hours", "workplace_state"):
        assert labels[name] == "required for work", (name, labels.get(name))
    assert labels["start_date"] == "optional" and labels["workplace_city"] == "optional"
