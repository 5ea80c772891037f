"""Extension of a title (§ 81 Abs. 1, 4 AufenthG) with the digital Fiktionsbescheinigung (§ 81 Abs. 5)."""

import hashlib
from datetime import date, timedelta
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from applications import services
from applications.after_arrival import services as after_arrival
from applications.models import Case, Event, FictionCertificate, TitleExtension
from authorities.models import AuthorityRequest

from .conftest import make_title

pytestmark = pytest.mark.django_db


def test_extension_in_time_issues_a_verifiable_certificate(client, holder, title, abh):
    client.force_login(holder)
    response = client.post(reverse("applicant:title_extend", args=[title.public_id]),
                           {"same_employment": "yes", "declaration": "on"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    extension = TitleExtension.objects.get(title=title)
    case = extension.case
    assert extension.in_time and case.state == "submitted" and case.title_code == "18g"
    assert case.employment.workplace_state == "BE"  # once-only: taken over from the title's case
    certificate = FictionCertificate.objects.get(case=case)
    assert certificate.in_force and certificate.title == title

    listing = client.get(reverse("applicant:after_arrival"), HTTP_ACCEPT_LANGUAGE="en")
    assert "Download the certificate (PDF)" in listing.content.decode()
    download = client.get(reverse("applicant:certificate_download", args=[certificate.public_id]))
    pdf = b"".join(download.streaming_content) if download.streaming else download.content
    assert hashlib.sha256(pdf).hexdigest() == certificate.sha256
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)
    assert "Fiktionsbescheinigung" in text and "Erwerbstätigkeit" in text  # German, authoritative
    assert "permission to work" in text  # and English
    assert certificate.verification_code in text

    with translation.override("en"):
        check = client.get(reverse("certificate_verify", args=[certificate.verification_code]),
                           HTTP_ACCEPT_LANGUAGE="en")
    assert check.status_code == 200
    assert "It is in force." in check.content.decode()
    assert "Employment permitted only as stated in the conditions" in check.content.decode()


def test_the_certificate_ends_with_the_decision(holder, title):
    result = after_arrival.title_extension_apply(title=title, actor=holder, same_employment=True)
    assert after_arrival.fiction_certificate_end(case=result.case)
    result.certificate.refresh_from_db()
    assert not result.certificate.in_force


def test_late_extension_gets_no_certificate_and_a_clear_message(client, holder, person, first_case, organisation):
    expired = make_title(person, case=first_case, employer=organisation,
                         valid_from=date.today() - timedelta(days=400), valid_until=date.today() - timedelta(days=1))
    client.force_login(holder)
    page = client.get(reverse("applicant:title_extend", args=[expired.public_id]), HTTP_ACCEPT_LANGUAGE="en")
    assert "may still order that the title continues" in page.content.decode()
    response = client.post(reverse("applicant:title_extend", args=[expired.public_id]),
                           {"same_employment": "yes", "declaration": "on"}, HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert "no certificate can be issued" in response.content.decode()
    extension = TitleExtension.objects.get(title=expired)
    assert not extension.in_time
    assert not FictionCertificate.objects.exists()
    assert extension.case.state == "submitted"  # the application itself is taken


def test_address_change_updates_the_profile_once(client, holder, title, person):
    client.force_login(holder)
    response = client.post(reverse("applicant:title_extend", args=[title.public_id]), {
        "same_employment": "yes", "declaration": "on", "address_changed": "on", "street": "Neue Straße 5",
        "postal_code": "10117", "city": "Berlin"})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.street == "Neue Straße 5"


def test_address_change_without_an_address_is_refused(client, holder, title):
    client.force_login(holder)
    response = client.post(reverse("applicant:title_extend", args=[title.public_id]),
                           {"same_employment": "yes", "declaration": "on", "address_changed": "on"},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "Please enter your new address." in response.content.decode()
    assert not TitleExtension.objects.exists()


def test_a_second_extension_is_refused(holder, title):
    after_arrival.title_extension_apply(title=title, actor=holder, same_employment=True)
    with pytest.raises(after_arrival.AfterArrivalError):
        after_arrival.title_extension_apply(title=title, actor=holder, same_employment=True)
    assert Case.objects.filter(extension__title=title).count() == 1


def test_nothing_is_filed_without_an_answer_and_the_declaration(client, holder, title, abh):
    """The submit files the application and issues the certificate at once: the answer about the job is not
    given in advance, and the declaration (§ 95 AufenthG) is asked as at the first application."""
    client.force_login(holder)
    url = reverse("applicant:title_extend", args=[title.public_id])
    form = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "checked" not in form.split('name="same_employment"', 1)[1].split("</fieldset>", 1)[0]
    assert "§ 95 AufenthG" in form
    empty = client.post(url, {}, HTTP_ACCEPT_LANGUAGE="en")
    assert empty.status_code == 200
    assert "Please confirm the declaration to submit your application." in empty.content.decode()
    answered = client.post(url, {"same_employment": "yes"}, HTTP_ACCEPT_LANGUAGE="en")
    assert answered.status_code == 200 and not TitleExtension.objects.exists()
    assert not FictionCertificate.objects.exists()


def test_a_national_visa_is_not_extended_here(client, holder, person):
    visa = make_title(person, kind="national_visa")
    client.force_login(holder)
    response = client.post(reverse("applicant:title_extend", args=[visa.public_id]),
                           {"same_employment": "yes", "declaration": "on"})
    assert response.status_code == 302
    assert not TitleExtension.objects.exists()


def test_someone_elses_title_is_404(client, title):
    from .conftest import verified_user

    stranger = verified_user()
    client.force_login(stranger)
    assert client.get(reverse("applicant:title_extend", args=[title.public_id])).status_code == 404
    assert client.post(reverse("applicant:title_extend", args=[title.public_id]),
                       {"same_employment": "yes", "declaration": "on"}).status_code == 404
    assert not TitleExtension.objects.exists()


def test_the_extension_goes_to_the_issuing_foreigners_authority_without_the_ba(holder, person, first_case,
                                                                                organisation, abh):
    """§ 18b with the same employer for over two years: § 9 Abs. 1 Nr. 1 BeschV, no BA step."""
    old = make_title(person, case=first_case, kind="residence_permit", code="18b", employer=organisation,
                     issued_by=abh, valid_from=date.today() - timedelta(days=800))
    result = after_arrival.title_extension_apply(title=old, actor=holder, same_employment=True)
    assert not result.extension.ba_needed
    for transition in ("start_completeness_check", "start_authority_review"):
        services.case_transition(case=result.case, transition=transition)
    requests = list(AuthorityRequest.objects.filter(case=result.case).values_list("purpose", "authority"))
    assert requests == [("residence_permit", abh.pk)]


def test_a_new_employer_keeps_the_ba_step(holder, person, first_case, organisation, abh):
    old = make_title(person, case=first_case, kind="residence_permit", code="18b", employer=organisation,
                     issued_by=abh, valid_from=date.today() - timedelta(days=400))
    result = after_arrival.title_extension_apply(title=old, actor=holder, same_employment=False)
    assert result.extension.ba_needed
    for transition in ("start_completeness_check", "start_authority_review"):
        services.case_transition(case=result.case, transition=transition)
    purposes = set(AuthorityRequest.objects.filter(case=result.case).values_list("purpose", flat=True))
    assert purposes == {"ba_approval", "residence_permit"}


def test_the_timeline_tells_the_holder(holder, title):
    result = after_arrival.title_extension_apply(title=title, actor=holder, same_employment=True)
    with translation.override("en"):
        texts = [e.text for e in Event.objects.filter(case=result.case, kind="after_arrival")]
    assert any("before it expired" in t for t in texts)
    assert any("continues until the foreigners' authority decides" in t for t in texts)


def test_unknown_certificate_code_is_404(client):
    assert client.get(reverse("certificate_verify", args=["nope"])).status_code == 404
