"""seed_scale: the national data set (PostgreSQL COPY, batches, resumable); refuses SQLite."""

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import F, Q

pytestmark = pytest.mark.django_db


def test_it_refuses_sqlite_with_a_clear_message():
    if connection.vendor == "postgresql":
        pytest.skip("runs on SQLite only")
    with pytest.raises(CommandError, match="needs PostgreSQL"):
        call_command("seed_scale", cases=10, stdout=io.StringIO())


@pytest.mark.slow
def test_it_loads_resumes_and_extends_on_postgresql(settings):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (COPY)")
    from applications import services
    from applications.models import Case, Event, Person, StatisticsSnapshot
    from authorities.models import AuthorityRequest, Outbox
    from documents.models import Document

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    out = io.StringIO()
    call_command("seed_scale", cases=300, batch=100, workers=1, stdout=out)
    seeded = Case.objects.filter(person__email__endswith="@scale.wsa.example")
    assert seeded.count() == 300
    assert Person.objects.filter(email__endswith="@scale.wsa.example").count() == 300
    per_case = {
        "documents": Document.objects.filter(case__in=seeded).count() / 300,
        "requests": AuthorityRequest.objects.filter(case__in=seeded).count() / 300,
        "events": Event.objects.filter(case__in=seeded).count() / 300,
    }
    assert 4 <= per_case["documents"] <= 7 and 2.5 <= per_case["requests"] <= 5 and 8 <= per_case["events"] <= 16
    assert Outbox.objects.filter(request__case__in=seeded).count() == AuthorityRequest.objects.filter(
        case__in=seeded).count()
    assert len(set(seeded.values_list("state", flat=True))) >= 8
    assert StatisticsSnapshot.objects.filter(scope="all").exists()
    # The back-office search finds seeded cases by name and passport number (Case.search_text).
    sample = seeded.select_related("person").first()
    assert sample.search_text == f"{sample.reference} {sample.person.search_text}"
    assert sample in Case.objects.filter(search_text__contains=sample.person.passport_number)
    # Every seeded case carries the deadline its state and requests give it (the search sorts by it).
    from applications.selectors.deadlines import case_due_expression

    dated = seeded.exclude(due_at=None)
    assert dated.exists()
    assert not seeded.annotate(rule=case_due_expression()).exclude(due_at=None, rule=None).filter(
        Q(rule=None) | Q(due_at=None) | ~Q(due_at=F("rule"))).exists()

    # A second run with the same number loads nothing; a larger one only the difference.
    call_command("seed_scale", cases=300, batch=100, workers=1, skip_demo=True, stdout=out)
    assert seeded.count() == 300
    call_command("seed_scale", cases=350, batch=100, workers=1, skip_demo=True, stdout=out)
    assert seeded.count() == 350
    references = list(Case.objects.values_list("reference", flat=True))
    assert len(references) == len(set(references))

    # The application carries on above the seed: ids and references are its own.
    person = Person.objects.create(surname="AFTER", email="after@example.org")
    case = services.case_create(person=person, title_code="18b")
    services.employment_set(case=case, job_title="Developer", annual_gross_salary=Decimal("60000"),
                            weekly_hours=Decimal("40"))
    assert case.reference not in references


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)  # ANALYZE runs on a connection of its own: it must see the rows
def test_the_planner_has_statistics_of_the_loaded_rows_before_the_deadlines_are_computed(monkeypatch, settings):
    """The deadline step joins the freshly loaded requests; PostgreSQL here may run with autovacuum
    off, and planned for empty tables that step took 289 s instead of ~10 s at 1 M."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (COPY)")
    from applications.management.commands import seed_scale
    from authorities.models import AuthorityRequest

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    seen = {}
    original = seed_scale.case_due_refresh

    def observed(*args, **kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s",
                           [AuthorityRequest._meta.db_table])
            seen["estimated"] = cursor.fetchone()[0]
        seen["rows"] = AuthorityRequest.objects.count()
        return original(*args, **kwargs)

    monkeypatch.setattr(seed_scale, "case_due_refresh", observed)
    out = io.StringIO()
    call_command("seed_scale", cases=200, batch=100, workers=1, stdout=out)
    assert seen["rows"] > 400
    assert seen["estimated"] == pytest.approx(seen["rows"], rel=0.1), seen
    assert out.getvalue().index("ANALYZE in") < out.getvalue().index("deadlines of")
