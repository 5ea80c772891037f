"""The once-only profile: personal data, address, qualifications, languages, work experience."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from applications import services
from applications.models import LanguageSkill, Person, Qualification, WorkExperience

pytestmark = pytest.mark.django_db


def test_a_first_visit_writes_nothing_and_every_page_renders(client_in, applicant_user):
    with CaptureQueriesContext(connection) as queries:
        assert client_in.get(reverse("applicant:home")).status_code == 200
        assert client_in.get(reverse("applicant:profile")).status_code == 200
        for name in ("profile_personal", "profile_contact", "profile_languages", "qualification_add",
                     "experience_add", "documents", "apply_start", "apply_new", "my_data", "account_delete"):
            response = client_in.get(reverse(f"applicant:{name}"))
            assert response.status_code == 200, name
            assert "<main" in response.text
    # The session is the visitor's own (the wizard keeps the title finder's answers there).
    writes = [query["sql"] for query in queries
              if query["sql"].split(None, 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}
              and "django_session" not in query["sql"]]
    assert writes == []
    assert not Person.objects.filter(user=applicant_user).exists()


def test_the_first_saved_form_creates_the_profile(client_in, applicant_user):
    response = client_in.post(reverse("applicant:profile_contact"), {
        "email": "", "phone": "+49 30 1234567", "street": "", "postal_code": "", "city": "Lagos",
        "country_of_residence": "NGA"})
    assert response.status_code == 302
    person = Person.objects.get(user=applicant_user)
    assert (person.city, person.phone) == ("Lagos", "+49 30 1234567")


def test_personal_details_are_saved_and_reused_by_new_applications(client_in, applicant_user):
    response = client_in.post(reverse("applicant:profile_personal"), {
        "surname": "Okafor", "given_names": "Chinedu", "birth_date": "1992-05-09", "nationality": "nga",
        "passport_number": "a1234567",
    })
    assert response.url == reverse("applicant:profile")
    person = Person.objects.get(user=applicant_user)
    assert (person.surname, person.nationality, person.passport_number, person.birth_date) == (
        "Okafor", "NGA", "A1234567", date(1992, 5, 9))
    case = services.case_create(person=person, actor=applicant_user, title_code="18b")
    page = client_in.get(reverse("applicant:apply_step", args=[case.public_id, "personal"]))
    assert 'value="Okafor"' in page.text and 'value="A1234567"' in page.text


def test_profile_form_errors_are_inline(client_in, applicant_user):
    response = client_in.post(reverse("applicant:profile_contact"), {"email": "not-an-email", "phone": "call me"})
    assert response.status_code == 200
    assert "data-error-summary" in response.text and 'aria-invalid="true"' in response.text


def test_qualifications_and_experience_can_be_added_changed_and_removed(client_in, person):
    client_in.post(reverse("applicant:qualification_add"), {"kind": "vocational", "title": "Diploma in Nursing",
                                                            "recognition": "pending"})
    nursing = Qualification.objects.get(person=person, title="Diploma in Nursing")
    client_in.post(reverse("applicant:qualification_edit", args=[nursing.pk]),
                   {"kind": "vocational", "title": "Diploma in Nursing", "recognition": "full"})
    nursing.refresh_from_db()
    assert nursing.recognition == "full"
    assert "Remove this qualification?" in client_in.get(
        reverse("applicant:qualification_remove", args=[nursing.pk])).text
    client_in.post(reverse("applicant:qualification_remove", args=[nursing.pk]))
    assert not Qualification.objects.filter(pk=nursing.pk).exists()

    bad = client_in.post(reverse("applicant:experience_add"), {"employer": "Infosys", "job_title": "Developer",
                                                               "started_on": "2020-01-01", "ended_on": "2019-01-01"})
    assert bad.status_code == 200 and "must be after the start date" in bad.text
    client_in.post(reverse("applicant:experience_add"), {"employer": "Infosys", "job_title": "Developer",
                                                         "occupation_isco": "2512", "started_on": "2019-01-01"})
    experience = WorkExperience.objects.get(person=person)
    client_in.post(reverse("applicant:experience_remove", args=[experience.pk]))
    assert not WorkExperience.objects.filter(person=person).exists()


def test_languages_are_set_and_cleared(client_in, person):
    client_in.post(reverse("applicant:profile_languages"), {"german_level": "A2", "german_certificate": "Goethe A2",
                                                            "english_level": "none"})
    assert dict(LanguageSkill.objects.filter(person=person).values_list("language", "level")) == {"de": "A2"}


def test_someone_elses_profile_entries_are_not_found(client_in, person, other_person):
    theirs = Qualification.objects.create(person=other_person, kind="academic", title="Their degree")
    for name in ("qualification_edit", "qualification_remove"):
        assert client_in.get(reverse(f"applicant:{name}", args=[theirs.pk])).status_code == 404
    assert client_in.post(reverse("applicant:qualification_remove", args=[theirs.pk])).status_code == 404
    assert Qualification.objects.filter(pk=theirs.pk).exists()


def test_next_parameter_only_returns_to_this_site(client_in, person):
    response = client_in.post(reverse("applicant:profile_languages") + "?next=https://evil.example/",
                              {"german_level": "B1", "english_level": "B2"})
    assert response.url == reverse("applicant:profile")


def test_applicant_pages_need_a_login(client):
    response = client.get(reverse("applicant:profile"))
    assert response.status_code == 302 and "/accounts/login/" in response.url
