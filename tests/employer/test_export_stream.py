"""The employer's CSV export is streamed: read page by page by keyset, sent in chunks, the same file
as when it was built in memory (header, every case once, newest first)."""

import csv
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from applications.employer import selectors as employer_selectors
from applications.employer import services as employer_services
from applications.employer.selectors import EMPLOYER_EXPORT_HEADER, employer_cases, employer_export_rows
from applications.models import Case

pytestmark = pytest.mark.django_db


def _start(organisation, owner, n):
    for i in range(n):
        employer_services.employer_case_start(
            organisation=organisation, actor=owner, given_names="", surname=f"Candidate{i}",
            email=f"c{i}@example.org", details={"employer_reference": f"HR-{i}"},
            employment={"job_title": f"Developer {i}", "annual_gross_salary": Decimal("50000"),
                        "weekly_hours": Decimal("40")})


def test_the_export_is_streamed_page_by_page_with_every_case_once(client, owner, organisation, monkeypatch):
    _start(organisation, owner, 7)
    cases = Case.objects.filter(employer=organisation)
    # Several cases created in the same instant: the keyset must neither skip nor repeat them.
    cases.filter(pk__in=list(cases.values_list("pk", flat=True)[:4])).update(created_at=cases.first().created_at)

    monkeypatch.setattr(employer_selectors, "EXPORT_CHUNK_SIZE", 2)
    client.force_login(owner)
    with CaptureQueriesContext(connection) as before:
        response = client.get(reverse("employer:export_csv"))
    assert isinstance(response, StreamingHttpResponse) and response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="wsa-cases-')
    assert not any("applications_case" in q["sql"] and "LIMIT 2" in q["sql"] for q in before.captured_queries)
    with CaptureQueriesContext(connection) as during:
        body = b"".join(response.streaming_content).decode("utf-8")
    pages = [q for q in during.captured_queries if q["sql"].startswith("SELECT") and "LIMIT 2" in q["sql"]]
    assert len(pages) == 4  # 2 + 2 + 2 + 1 cases: read while the file is sent

    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0] == EMPLOYER_EXPORT_HEADER
    monkeypatch.setattr(employer_selectors, "EXPORT_CHUNK_SIZE", 1000)  # the whole list at once, as before streaming
    with translation.override(response["Content-Language"]):
        whole = list(employer_export_rows(cases=employer_cases(organisations=[organisation])))
    assert rows[1:] == whole
    assert sorted(row[0] for row in rows[1:]) == sorted(cases.values_list("reference", flat=True))


def test_an_empty_export_is_the_header_alone(client, owner):
    client.force_login(owner)
    body = b"".join(client.get(reverse("employer:export_csv")).streaming_content).decode("utf-8")
    assert body == "\ufeff" + ",".join(EMPLOYER_EXPORT_HEADER) + "\r\n"
