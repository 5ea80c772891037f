"""The yearly figures as data operators keep: seeded from the release, entered by one admin, approved by
another, used by the rules engine from the approval on (through the cache), never changed afterwards."""

import importlib
from datetime import date
from decimal import Decimal

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from accounts.append_only import AppendOnlyViolation
from accounts.models import Membership, OrganisationKind, Role
from applications import rules
from applications.figures import RuleFigureError, rule_figure_approve, rule_figure_enter, rule_figures
from applications.models import RuleFigure, RuleFigureAudit
from applications.rules.thresholds import BLUE_CARD_REDUCED, BLUE_CARD_STANDARD, PENSION_CEILING
from tests.applications.test_finder import ABOUT, JOB, LANGUAGES, QUALIFICATION, walk
from tests.auth import give_totp
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

DAY_IN_2027 = date(2027, 3, 1)
# Invented 2027 figures (the real ones are not published yet): the shares of a ceiling of 105,000.
CEILING_2027 = Decimal("105000.00")
STANDARD_2027 = Decimal("52500.00")
REDUCED_2027 = Decimal("47565.00")
PROFILE = {"age": 32, "qualification": "academic", "recognition": "none",
           "degree_comparable": True,
           "job_offer": {"annual_gross_salary_eur": 60000, "occupation_isco": "2512", "shortage_occupation": True,
                         "hours_per_week": 40, "start_date": "2027-04-01"},
           "german_level": "A2", "english_level": "C1", "years_experience": 4, "months_in_germany_last_5_years": 0,
           "spouse_eligible": False, "monthly_means_eur": 1200, "it_specialist": True}


@pytest.fixture(autouse=True)
def _shipped_figures(db):
    """A transactional test that ran before may have emptied the database (it is flushed after such a
    test): put back what the seed migration writes on a fresh installation."""
    from applications.models import RuleFigure

    if not RuleFigure.objects.exists():
        importlib.import_module("applications.migrations.0010_seed_rule_figures").seed(django_apps, None)


def _staff(*codenames, superuser=False):
    user = give_totp(UserFactory(is_staff=True, is_superuser=superuser))
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="applications",
                                                         codename__in=codenames))
    return user


@pytest.fixture
def first_admin():
    """Enters figures; a superuser, which does not let them approve their own."""
    return _staff(superuser=True)


@pytest.fixture
def second_admin():
    return _staff("view_rulefigure", "add_rulefigure", "change_rulefigure", "delete_rulefigure",
                  "approve_rulefigure")


def _figure(kind, value, year=2027, source="BMI notice 2027 (test)", **extra):
    period = {"valid_from": date(year, 1, 1), "valid_to": date(year, 12, 31)}
    return RuleFigure(kind=kind, value=Decimal(value), source=source, **{**period, **extra})


def _enter(actor, kind, value, **extra):
    return rule_figure_enter(figure=_figure(kind, value, **extra), actor=actor)


def _approve(figure, actor, capture):
    with capture(execute=True):  # the cache moves to the new version once the approval commits
        return rule_figure_approve(figure=figure, actor=actor)


def _admin_client(client, user):
    client.force_login(user)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    return client


# --- The seed ------------------------------------------------------------------------------------


def test_the_figures_the_release_ships_are_in_the_table_approved_after_migrate():
    rows = RuleFigure.objects.all()
    assert {row.as_rule_figure() for row in rows} == set(rules.BUILT_IN_FIGURES)
    assert rows.count() == len(rules.BUILT_IN_FIGURES)
    assert all(row.approved and row.shipped and row.approved_by_id is None for row in rows)
    assert sorted(rule_figures(), key=repr) == sorted(rules.BUILT_IN_FIGURES, key=repr)


# --- Four-eyes ------------------------------------------------------------------------------------


def test_the_admin_who_entered_a_figure_cannot_approve_it_a_second_admin_can(first_admin, second_admin,
                                                                              django_capture_on_commit_callbacks):
    figure = _enter(first_admin, PENSION_CEILING, CEILING_2027)
    assert figure.entered_by == first_admin and not figure.approved
    with translation.override("en"), pytest.raises(PermissionDenied, match="second person"):
        rule_figure_approve(figure=figure, actor=first_admin)  # a superuser too
    figure.refresh_from_db()
    assert not figure.approved

    _approve(figure, second_admin, django_capture_on_commit_callbacks)
    figure.refresh_from_db()
    assert figure.approved_by == second_admin and figure.approved_at is not None
    assert list(RuleFigureAudit.objects.filter(figure=figure).order_by("pk").values_list("action", "actor")) == [
        ("entered", first_admin.pk), ("approved", second_admin.pk)]


def test_only_staff_with_the_permission_enter_or_approve(first_admin):
    caseworker = give_totp(UserFactory())
    Membership.objects.create(user=caseworker, organisation=OrganisationFactory(kind=OrganisationKind.WSA),
                              role=Role.SUPERVISOR)
    staff_without_permission = _staff()
    for actor in (caseworker, staff_without_permission):
        with pytest.raises(PermissionDenied):
            _enter(actor, PENSION_CEILING, CEILING_2027)
    figure = _enter(first_admin, PENSION_CEILING, CEILING_2027)
    enterer_only = _staff("add_rulefigure")
    for actor in (caseworker, staff_without_permission, enterer_only):
        with pytest.raises(PermissionDenied):
            rule_figure_approve(figure=figure, actor=actor)
    assert not RuleFigure.objects.get(pk=figure.pk).approved


def test_the_database_refuses_an_approval_by_the_person_who_entered_it(first_admin):
    figure = _enter(first_admin, PENSION_CEILING, CEILING_2027)
    with pytest.raises(IntegrityError), transaction.atomic():
        RuleFigure.objects.filter(pk=figure.pk).update(approved_by=first_admin, approved_at=figure.entered_at)


@pytest.mark.parametrize("changes, field", [
    ({"value": Decimal("0")}, "__all__"),
    ({"value": Decimal("-5.00")}, "__all__"),
    ({"value": Decimal("52500.005")}, "value"),
    ({"valid_to": date(2026, 12, 31)}, "__all__"),
    ({"source": ""}, "source"),
    ({"kind": "blue_card_platinum"}, "kind"),
])
def test_a_figure_with_bad_values_is_refused_with_a_message(first_admin, changes, field):
    figure = _figure(BLUE_CARD_STANDARD, STANDARD_2027)
    for name, value in changes.items():
        setattr(figure, name, value)
    with pytest.raises(ValidationError) as refused:
        rule_figure_enter(figure=figure, actor=first_admin)
    assert field in refused.value.message_dict and refused.value.message_dict[field][0]
    assert not RuleFigure.objects.filter(entered_by=first_admin).exists()


# --- What the rules use ---------------------------------------------------------------------------


def test_an_unapproved_2027_figure_is_not_used_and_an_approved_one_is_at_once(first_admin, second_admin,
                                                                            django_capture_on_commit_callbacks):
    profile = rules.Profile.from_dict(PROFILE)
    before = rules.evaluate_title("18g", profile, DAY_IN_2027, figures=rule_figures())  # warms the cache
    assert before.provisional
    assert rules.salary_threshold("18g", DAY_IN_2027, figures=rule_figures()) == Decimal("50700.00")

    entered = [_enter(first_admin, kind, value) for kind, value in [
        (PENSION_CEILING, CEILING_2027), (BLUE_CARD_STANDARD, STANDARD_2027), (BLUE_CARD_REDUCED, REDUCED_2027),
        ("age_45", "57750.00"), ("experienced_19c", "47250.00")]]
    assert rules.salary_threshold("18g", DAY_IN_2027, figures=rule_figures()) == Decimal("50700.00")

    for figure in entered:
        _approve(figure, second_admin, django_capture_on_commit_callbacks)
    figures = rule_figures()  # no cache clearing here: the approval moved the cache on
    assert rules.salary_threshold("18g", DAY_IN_2027, figures=figures) == STANDARD_2027
    assert rules.salary_threshold("18g", DAY_IN_2027, reduced=True, figures=figures) == REDUCED_2027
    after = rules.evaluate_title("18g", profile, DAY_IN_2027, figures=figures)
    assert not after.provisional and after.verdict == rules.ELIGIBLE
    # 2026 is answered as before.
    assert rules.salary_threshold("18g", date(2026, 6, 1), figures=figures) == Decimal("50700.00")


def test_the_finder_shows_approved_2027_figures(client, monkeypatch, first_admin, second_admin,
                                                django_capture_on_commit_callbacks):
    monkeypatch.setattr("applications.views.finder.timezone.localdate", lambda: DAY_IN_2027)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    walk(client, QUALIFICATION, {**JOB, "start_date": "2027-04-01"}, LANGUAGES, ABOUT)
    page = client.get(reverse("finder:result")).content.decode()
    assert "the Blue Card threshold of €50,700.00 (2026 figures, provisional until the new ones are published)" in page
    for kind, value in [(PENSION_CEILING, CEILING_2027), (BLUE_CARD_STANDARD, STANDARD_2027),
                        (BLUE_CARD_REDUCED, REDUCED_2027), ("age_45", "57750.00"), ("experienced_19c", "47250.00")]:
        _approve(_enter(first_admin, kind, value), second_admin, django_capture_on_commit_callbacks)
    page = client.get(reverse("finder:result")).content.decode()
    assert "the reduced Blue Card threshold of €47,565.00 (2027;" in page
    assert "Blue Card threshold of €50,700.00" not in page


def test_a_warm_finder_result_does_not_read_the_figures_table(client, monkeypatch):
    monkeypatch.setattr("applications.views.finder.timezone.localdate", lambda: date(2026, 11, 28))
    walk(client, QUALIFICATION, JOB, LANGUAGES, ABOUT)
    assert client.get(reverse("finder:result")).status_code == 200  # warms the cache
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("finder:result")).status_code == 200
    assert not [q["sql"] for q in queries.captured_queries if "applications_rulefigure" in q["sql"]]


# --- Overlaps, corrections, immutability -----------------------------------------------------------


def test_an_overlapping_approval_is_refused_and_a_correction_replaces_the_wrong_figure(
        first_admin, second_admin, django_capture_on_commit_callbacks):
    shipped = RuleFigure.objects.get(kind=BLUE_CARD_STANDARD, valid_from=date(2026, 1, 1))
    overlapping = _enter(first_admin, BLUE_CARD_STANDARD, "50800.00", year=2026,
                         valid_to=date(2027, 6, 30))
    with translation.override("en"), pytest.raises(RuleFigureError, match="overlaps the approved figure 50,700.00"):
        rule_figure_approve(figure=overlapping, actor=second_admin)
    assert not RuleFigure.objects.get(pk=overlapping.pk).approved

    correction = _enter(first_admin, BLUE_CARD_STANDARD, "50750.00", year=2026, corrects=shipped)
    _approve(correction, second_admin, django_capture_on_commit_callbacks)
    assert rules.salary_threshold("18g", date(2026, 6, 1), figures=rule_figures()) == Decimal("50750.00")
    shipped.refresh_from_db()
    assert shipped.value == Decimal("50700.00") and shipped.approved  # kept as it was, no longer in force
    assert not RuleFigure.objects.in_force().filter(pk=shipped.pk).exists()


def test_a_correction_must_name_an_approved_figure_of_the_same_kind(first_admin):
    shipped_ceiling = RuleFigure.objects.get(kind=PENSION_CEILING, valid_from=date(2026, 1, 1))
    with pytest.raises(ValidationError) as refused:
        _enter(first_admin, BLUE_CARD_STANDARD, "50750.00", year=2026, corrects=shipped_ceiling)
    assert "corrects" in refused.value.message_dict


def test_an_approved_figure_cannot_be_changed_or_deleted_through_the_orm(first_admin):
    figure = RuleFigure.objects.get(kind=BLUE_CARD_STANDARD, valid_from=date(2026, 1, 1))
    figure.value = Decimal("1.00")
    with pytest.raises(AppendOnlyViolation):
        figure.save()
    with pytest.raises(AppendOnlyViolation):
        figure.delete()
    with pytest.raises(AppendOnlyViolation):
        RuleFigure.objects.filter(kind=BLUE_CARD_STANDARD).update(value=Decimal("1.00"))
    with pytest.raises(AppendOnlyViolation):
        RuleFigure.objects.all().delete()
    with pytest.raises(RuleFigureError):
        rule_figure_enter(figure=figure, actor=first_admin)
    assert RuleFigure.objects.get(pk=figure.pk).value == Decimal("50700.00")


# --- The admin ------------------------------------------------------------------------------------


def test_adding_in_the_admin_records_who_entered_and_warns_about_an_off_share_amount(client, first_admin):
    client = _admin_client(client, first_admin)
    response = client.post(reverse("admin:applications_rulefigure_add"), {
        "kind": BLUE_CARD_STANDARD, "value": "50701.00", "valid_from": "2026-01-01", "valid_to": "2026-12-31",
        "source": "BMI notice 2026 (test)", "corrects": "", **_no_inlines()}, follow=True)
    assert response.status_code == 200
    figure = RuleFigure.objects.get(entered_by=first_admin)
    assert figure.value == Decimal("50701.00") and not figure.approved
    page = response.content.decode()
    assert "differs from 50 % of the pension ceiling 101,400.00, which is 50,700.00" in page


def test_the_admin_refuses_a_period_that_ends_before_it_starts(client, first_admin):
    client = _admin_client(client, first_admin)
    response = client.post(reverse("admin:applications_rulefigure_add"), {
        "kind": BLUE_CARD_STANDARD, "value": "52500.00", "valid_from": "2027-12-31", "valid_to": "2027-01-01",
        "source": "BMI notice 2027 (test)", "corrects": "", **_no_inlines()})
    assert response.status_code == 200
    assert "The period must not end before it starts." in response.content.decode()
    assert not RuleFigure.objects.filter(entered_by=first_admin).exists()


def test_the_approve_action_refuses_the_enterer_and_lets_a_second_admin_approve(client, first_admin, second_admin,
                                                                                django_capture_on_commit_callbacks):
    figure = _enter(first_admin, PENSION_CEILING, CEILING_2027)
    changelist = reverse("admin:applications_rulefigure_changelist")
    action = {"action": "approve", "_selected_action": [figure.pk]}

    response = _admin_client(client, first_admin).post(changelist, action, follow=True)
    assert "Not approved" in response.content.decode() and "a second person must approve it" in (
        response.content.decode())
    assert not RuleFigure.objects.get(pk=figure.pk).approved

    with django_capture_on_commit_callbacks(execute=True):
        response = _admin_client(client, second_admin).post(changelist, action, follow=True)
    assert "1 figure approved" in response.content.decode()
    assert RuleFigure.objects.get(pk=figure.pk).approved_by == second_admin


def test_an_approved_figure_is_read_only_in_the_admin_and_cannot_be_deleted(client, second_admin):
    figure = RuleFigure.objects.get(kind=BLUE_CARD_STANDARD, valid_from=date(2026, 1, 1))
    client = _admin_client(client, second_admin)
    change = reverse("admin:applications_rulefigure_change", args=[figure.pk])
    page = client.get(change)
    assert page.status_code == 200 and 'name="value"' not in page.content.decode()  # shown, not a form
    assert client.post(change, {"kind": BLUE_CARD_STANDARD, "value": "1.00", "valid_from": "2026-01-01",
                                "valid_to": "2026-12-31", "source": "forged", **_no_inlines()}).status_code == 403
    delete = reverse("admin:applications_rulefigure_delete", args=[figure.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert RuleFigure.objects.get(pk=figure.pk).value == Decimal("50700.00")


def test_an_unapproved_figure_can_be_discarded_in_the_admin_and_the_audit_keeps_it(client, first_admin,
                                                                                  second_admin):
    figure = _enter(first_admin, PENSION_CEILING, CEILING_2027)
    client = _admin_client(client, second_admin)
    response = client.post(reverse("admin:applications_rulefigure_delete", args=[figure.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not RuleFigure.objects.filter(pk=figure.pk).exists()
    assert list(RuleFigureAudit.objects.order_by("pk").values_list("action", "actor", "figure_label")) == [
        ("entered", first_admin.pk, "pension_ceiling 105000.00 2027-01-01–2027-12-31"),
        ("discarded", second_admin.pk, "pension_ceiling 105000.00 2027-01-01–2027-12-31")]


@pytest.mark.parametrize("who", ["applicant", "caseworker", "staff_without_permission"])
def test_applicants_caseworkers_and_staff_without_permission_cannot_reach_the_figures_admin(client, who):
    user = give_totp(UserFactory(is_staff=who == "staff_without_permission"))
    if who == "caseworker":
        Membership.objects.create(user=user, organisation=OrganisationFactory(kind=OrganisationKind.WSA),
                                  role=Role.CASEWORKER)
    client.force_login(user)
    figure = RuleFigure.objects.first()
    for url in (reverse("admin:applications_rulefigure_changelist"), reverse("admin:applications_rulefigure_add"),
                reverse("admin:applications_rulefigure_change", args=[figure.pk])):
        response = client.get(url)
        if who == "staff_without_permission":
            assert response.status_code == 403, url
        else:
            assert response.status_code == 302 and response.url.startswith("/admin/login/"), url


def _no_inlines() -> dict:
    """The management form of the (read-only) audit inline that the admin's change form carries."""
    prefix = "audit"
    return {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0", f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "1000"}


@pytest.mark.django_db
def test_a_database_without_approved_figures_answers_with_the_shipped_ones():
    from applications.figures import rule_figures
    from applications.models import RuleFigure
    from applications.rules import BUILT_IN

    # Approved figures refuse deletion through the ORM; an emptied database is the case here.
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM applications_rulefigure")
    cache.clear()
    assert not RuleFigure.objects.exists()
    assert rule_figures().on("blue_card_standard", date(2026, 6, 1)) == BUILT_IN.on("blue_card_standard",
                                                                                      date(2026, 6, 1))
