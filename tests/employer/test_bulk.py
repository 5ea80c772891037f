"""Bulk hiring from a CSV file: all or nothing, with every error by row and column."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import CandidateInvitation
from applications.employer.forms import BULK_COLUMNS, bulk_template_csv
from applications.models import Case

START = (date.today() + timedelta(days=90)).isoformat()
HEADER = ("given_names,surname,email,job_title,occupation_isco,duties,required_qualification,annual_gross_salary,"
          "weekly_hours,start_date,workplace_street,workplace_postal_code,workplace_city,workplace_state,"
          "collective_agreement,title_code,accelerated")


def row(email, **overrides):
    values = {"given_names": "A", "surname": "B", "email": email, "job_title": "Developer", "occupation_isco": "2512",
              "duties": "Code", "required_qualification": "academic", "annual_gross_salary": "55000",
              "weekly_hours": "40", "start_date": START, "workplace_street": "Str 1", "workplace_postal_code": "10115",
              "workplace_city": "Berlin", "workplace_state": "BE", "collective_agreement": "no", "title_code": "18g",
              "accelerated": "no"}
    values.update(overrides)
    return ",".join(values[name] for name in HEADER.split(","))


def upload(client, text, name="candidates.csv"):
    return client.post(reverse("employer:bulk"), {"file": SimpleUploadedFile(name, text.encode(), "text/csv")},
                       HTTP_ACCEPT_LANGUAGE="en")


@pytest.mark.django_db
def test_page_documents_columns_and_offers_template(client, member):
    client.force_login(member)
    page = client.get(reverse("employer:bulk")).content.decode()
    for column in BULK_COLUMNS:
        assert f"<code>{column}</code>" in page
    template = client.get(reverse("employer:bulk_template"))
    assert template.status_code == 200 and template["Content-Type"].startswith("text/csv")
    assert template.content.decode().lstrip("\ufeff").split("\r\n")[0] == ",".join(BULK_COLUMNS)


@pytest.mark.django_db
def test_template_itself_is_a_valid_upload(client, member, organisation, django_capture_on_commit_callbacks):
    client.force_login(member)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, bulk_template_csv())
    assert response.status_code == 200, response.content.decode()[-2000:]
    assert Case.objects.filter(employer=organisation).count() == 1
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_bad_rows_are_reported_by_row_and_column_and_nothing_is_created(client, member, organisation):
    client.force_login(member)
    text = "\n".join([
        HEADER,
        row("good@example.org"),
        row("not-an-email", annual_gross_salary="lots"),
        row("c@example.org", start_date="2001-01-01", workplace_postal_code="123"),
        row("good@example.org"),
        row("d@example.org", accelerated="maybe", title_code="20a"),
    ])
    response = upload(client, text)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Row 3, column “email”" in page
    assert "Row 3, column “annual_gross_salary”" in page
    assert "Row 4, column “start_date”: The start date cannot be in the past." in page
    assert "Row 4, column “workplace_postal_code”" in page
    assert "Row 5, column “email”: The same e-mail address is already in row 2." in page
    assert "Row 6, column “accelerated”: Enter yes or no." in page
    assert "Row 2," not in page
    assert not Case.objects.filter(employer=organisation).exists()
    assert not CandidateInvitation.objects.exists()


@pytest.mark.django_db
def test_errors_come_in_the_users_language(client, member):
    client.force_login(member)
    response = client.post(reverse("employer:bulk"), {"file": SimpleUploadedFile(
        "c.csv", "\n".join([HEADER, row("x@example.org", weekly_hours="viel")]).encode(), "text/csv")},
        HTTP_ACCEPT_LANGUAGE="de")
    assert "Zeile 2" in response.content.decode() or "Row 2" in response.content.decode()


@pytest.mark.django_db
def test_header_problems_are_reported(client, member):
    client.force_login(member)
    page = upload(client, "surname,email,salary\nB,b@example.org,1\n").content.decode()
    assert "Row 1, column “salary”: Unknown column" in page
    assert "Row 1, column “job_title”: This column is missing." in page
    assert "file is empty" in upload(client, "").content.decode()
    assert "not a CSV text file" in upload(client, "a\x00b").content.decode()


@pytest.mark.django_db
def test_semicolons_german_numbers_and_dates(client, member, organisation):
    client.force_login(member)
    start = (date.today() + timedelta(days=60)).strftime("%d.%m.%Y")
    text = "\n".join([HEADER.replace(",", ";"),
                      row("s@example.org", annual_gross_salary="55.000,50", start_date=start,
                          collective_agreement="ja").replace(",", ";")])
    response = upload(client, text.replace("55.000;50", "55.000,50"))
    assert response.status_code == 200, response.content.decode()[-3000:]
    case = Case.objects.get(employer=organisation)
    assert str(case.employment.annual_gross_salary) == "55000.50" and case.employment.collective_agreement


@pytest.mark.django_db
def test_row_limit(client, member, settings):
    settings.WSA_BULK_MAX_ROWS = 2
    client.force_login(member)
    text = "\n".join([HEADER] + [row(f"{i}@example.org") for i in range(3)])
    response = upload(client, text)
    assert response.status_code == 400 and "at most 2" in response.content.decode()
