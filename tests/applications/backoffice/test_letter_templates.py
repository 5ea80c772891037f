"""Decision letters from the templates kept in the admin: the most specific template wins, production
issues nothing from unreviewed wording (and writes nothing), demo letters say they are samples, a changed
text loses its review, bad placeholders are refused, and an issued decision stays sealed."""

from datetime import date

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.urls import reverse
from django.utils import translation

from accounts.append_only import AppendOnlyViolation
from accounts.models import Role
from applications import services
from applications.letters import letter_template, letter_templates_reviewed
from applications.models import Decision, LetterTemplate
from tests.auth import reauthenticated
from tests.factories import UserFactory
from tests.procedure import offices_done

from .conftest import login
from .test_decisions import pdf_bytes, pdf_text

pytestmark = pytest.mark.django_db

SAMPLE_DE = "Muster – nicht juristisch geprüft"
GRANT = {"outcome": "granted", "legal_basis": "§ 18g Abs. 1 AufenthG", "reasons": "", "conditions": "",
         "valid_from": "2027-03-01", "valid_until": "2027-08-31"}


@pytest.fixture
def visa_case(make_case, add_request):
    def make(**kwargs):
        case = make_case("visa_decision", **kwargs)
        add_request(case, "visa", purpose="visa")
        offices_done(case)
        return case

    return make


@pytest.fixture
def production(settings):
    settings.DEBUG = False
    settings.WSA_DEMO_ADAPTERS = False
    return settings


def mark_all_reviewed():
    reviewer = UserFactory(is_superuser=True, is_staff=True)
    LetterTemplate.objects.update(reviewed_by=reviewer, reviewed_at="2026-12-01T10:00:00Z",
                                  review_note="Geprüft gegen § 77 AufenthG, § 58 VwGO.")


def admin_client(client, settings, *, superuser=True, permissions=()):
    settings.WSA_STAFF_MFA_REQUIRED = False
    user = UserFactory(is_staff=True, is_superuser=superuser)
    for codename in permissions:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    client.force_login(user)
    return client, user


def test_the_release_seeds_every_letter_unreviewed():
    seeded = LetterTemplate.objects.all()
    assert {(t.kind, t.language) for t in seeded} == {
        (kind, language) for kind in ["visa_granted", "visa_rejected", "permit_granted", "permit_rejected",
                                      "extension_granted", "extension_rejected"] for language in ["de", "en"]}
    assert not any(t.reviewed for t in seeded)
    assert not any("Textbaustein" in t.body or "[" in t.body for t in seeded)


def test_the_most_specific_template_wins(offices, visa_case, make_staff):
    general = LetterTemplate.objects.get(kind="visa_granted", language="de")
    for_title = LetterTemplate.objects.create(kind="visa_granted", language="de", title_code="18g",
                                              body="# Bescheid\nFür die Blaue Karte EU.")
    for_office = LetterTemplate.objects.create(kind="visa_granted", language="de", office=offices["visa"],
                                               body="# Bescheid\nNur Neu-Delhi.")
    other_office = LetterTemplate.objects.create(kind="visa_granted", language="de", office=offices["abh"],
                                                 title_code="18g", body="# Bescheid\nNicht hier.")
    def pick(office, title):
        return letter_template(kind="visa_granted", language="de", office=office, office_kind="visa_office",
                               title_code=title)

    assert pick(offices["visa"], "18g") == for_office  # the office beats the title
    assert pick(offices["visa"], "18a") == for_office
    assert pick(None, "18g") == for_title  # the title beats the general one
    assert pick(None, "18a") == general
    assert other_office not in {pick(offices["visa"], "18g"), pick(None, "18g")}
    assert letter_template(kind="visa_granted", language="fr", office=None, office_kind="visa_office",
                           title_code="18g") is None
    assert letter_template(kind="visa_granted", language="de", office=None, office_kind="foreigners_authority",
                           title_code="18a") is None  # the seeded visa letters belong to visa offices

    decision = services.decision_create(case=visa_case(title="18g"), actor=make_staff("visa"), kind="visa",
                                        outcome="granted", legal_basis="§ 18g Abs. 1 AufenthG")
    text = pdf_text(decision)
    assert "Nur Neu-Delhi." in text and "Für die Blaue Karte EU." not in text


def test_a_letter_leaves_out_what_the_decision_does_not_have(visa_case, make_staff):
    decision = services.decision_create(case=visa_case(language="en"), actor=make_staff("visa"), kind="visa",
                                        outcome="granted", legal_basis="§ 18g Abs. 1 AufenthG",
                                        valid_until=date(2027, 8, 31))
    text = pdf_text(decision)
    assert "Nebenbestimmungen" not in text and "Conditions" not in text
    assert "Das Visum gilt bis zum 31.08.2027." in text and "The visa is valid until 31.08.2027." in text
    assert "{" not in text and "}" not in text


def test_production_refuses_unreviewed_wording_and_writes_nothing(client, visa_case, make_staff, production):
    case = visa_case()
    reauthenticated(login(client, make_staff("visa")))
    response = client.post(reverse("backoffice:decision_create", args=[case.public_id, "visa"]), GRANT,
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    page = response.content.decode()
    assert "has not been legally reviewed" in page and "nothing has been issued" in page
    assert "§ 18g Abs. 1 AufenthG" in page  # what the caseworker typed is still in the form
    case.refresh_from_db()
    assert case.state == "visa_decision" and not case.decisions.exists()

    mark_all_reviewed()
    response = client.post(reverse("backoffice:decision_create", args=[case.public_id, "visa"]), GRANT)
    assert response.status_code == 302
    decision = case.decisions.get()
    assert decision.status == Decision.Status.ISSUED
    text = pdf_text(decision)
    assert SAMPLE_DE not in text and "nicht juristisch" not in text and "Bescheid" in text


def test_production_refuses_a_rejection_before_it_waits_for_approval(visa_case, make_staff, production):
    case = visa_case()
    with translation.override("en"), pytest.raises(services.BackofficeError, match="not been legally reviewed"):
        services.decision_create(case=case, actor=make_staff("visa"), kind="visa", outcome="rejected",
                                 reasons="Der Lebensunterhalt ist nicht gesichert.")
    assert not case.decisions.exists()


def test_an_approval_with_wording_unreviewed_since_leaves_the_draft_waiting(client, visa_case, make_staff,
                                                                             production):
    mark_all_reviewed()
    case = visa_case()
    decision = services.decision_create(case=case, actor=make_staff("visa", name="Anna Schulz"), kind="visa",
                                        outcome="rejected", reasons="Der Lebensunterhalt ist nicht gesichert.")
    template = LetterTemplate.objects.get(kind="visa_rejected", language="de")
    template.body += "\nEin neuer Satz."
    template.save()
    supervisor = make_staff("visa", Role.SUPERVISOR, name="Jonas Becker")
    reauthenticated(login(client, supervisor))
    response = client.post(reverse("backoffice:decision_approve", args=[case.public_id, decision.public_id]),
                           HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert "has not been legally reviewed" in response.content.decode()
    decision.refresh_from_db()
    case.refresh_from_db()
    assert decision.status == Decision.Status.AWAITING_APPROVAL and decision.approved_by is None
    assert not decision.pdf and case.state == "visa_decision"


def test_demo_issues_unreviewed_wording_marked_as_sample(visa_case, make_staff, settings):
    settings.DEBUG = False
    settings.WSA_DEMO_ADAPTERS = True
    decision = services.decision_create(case=visa_case(language="en"), actor=make_staff("visa"), kind="visa",
                                        outcome="granted", legal_basis="§ 18g Abs. 1 AufenthG")
    text = pdf_text(decision)
    assert SAMPLE_DE in text and "SAMPLE WORDING – not legally reviewed" in text
    assert "Sample wording – not legally reviewed" in text  # the footer of every page
    assert "Textbaustein" not in text and "[" not in text


def test_an_issued_decision_stays_sealed_when_its_template_changes(visa_case, make_staff):
    decision = services.decision_create(case=visa_case(), actor=make_staff("visa"), kind="visa",
                                        outcome="granted", legal_basis="§ 18g Abs. 1 AufenthG")
    issued = pdf_bytes(decision)
    template = LetterTemplate.objects.get(kind="visa_granted", language="de")
    template.body = "# Bescheid\nGanz anders."
    template.save()
    decision.refresh_from_db()
    assert pdf_bytes(decision) == issued and "Ganz anders" not in pdf_text(decision)
    decision.legal_basis = "§ 18a AufenthG"
    with pytest.raises(AppendOnlyViolation):
        decision.save()


def test_changing_a_reviewed_text_in_the_admin_resets_the_review(client, settings):
    mark_all_reviewed()
    client, _admin = admin_client(client, settings)
    template = LetterTemplate.objects.get(kind="permit_granted", language="de", title_code="")
    url = reverse("admin:applications_lettertemplate_change", args=[template.pk])
    data = {"kind": template.kind, "language": "de", "office_kind": template.office_kind, "office": "",
            "title_code": "", "body": template.body, "review_note": "Nur die Notiz geändert."}
    assert client.post(url, data).status_code == 302
    template.refresh_from_db()
    assert template.reviewed and template.review_note == "Nur die Notiz geändert."

    data["body"] = template.body.replace("Aufenthaltserlaubnis zum Zweck", "Aufenthaltserlaubnis zu dem Zweck")
    assert client.post(url, data).status_code == 302
    template.refresh_from_db()
    assert not template.reviewed and template.reviewed_by is None
    changelist = client.get(reverse("admin:applications_lettertemplate_changelist"), {"reviewed": "no"},
                            HTTP_ACCEPT_LANGUAGE="en")
    assert reverse("admin:applications_lettertemplate_change", args=[template.pk]) in changelist.content.decode()
    reviewed = client.get(reverse("admin:applications_lettertemplate_changelist"), {"reviewed": "yes"})
    assert reverse("admin:applications_lettertemplate_change", args=[template.pk]) not in reviewed.content.decode()


@pytest.mark.parametrize(("body", "message"), [
    ("# Bescheid\nHallo {vorname}.", "Unknown placeholder(s): {vorname}"),
    ("# Bescheid\nHallo {office_name.__class__}.", "Unknown placeholder(s)"),
    ("# Bescheid\nHallo {office_name.", "A brace { or } is not part of a placeholder"),
    ("# Bescheid\nHallo office_name}.", "A brace { or } is not part of a placeholder"),
    ("   ", "This field is required"),
])
def test_bad_placeholders_are_refused_in_the_admin(client, settings, body, message):
    client, _admin = admin_client(client, settings)
    response = client.post(reverse("admin:applications_lettertemplate_add"), {
        "kind": "visa_granted", "language": "de", "office_kind": "", "office": "", "title_code": "18g",
        "body": body, "review_note": ""}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not LetterTemplate.objects.filter(kind="visa_granted", title_code="18g").exists()


def test_the_admin_refuses_an_unknown_title_and_a_second_template_for_the_same_scope(client, settings):
    client, _admin = admin_client(client, settings)
    url = reverse("admin:applications_lettertemplate_add")
    data = {"kind": "visa_granted", "language": "de", "office_kind": "visa_office", "office": "", "title_code": "",
            "body": "# Bescheid\n{office_name}", "review_note": ""}
    response = client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")
    assert "There is already a template for this letter, language and scope." in response.content.decode()
    response = client.post(url, {**data, "title_code": "99z"}, HTTP_ACCEPT_LANGUAGE="en")
    assert "Select a valid choice" in response.content.decode()
    assert client.post(url, {**data, "title_code": "18g"}).status_code == 302


def test_only_an_admin_with_the_review_permission_marks_templates_reviewed(client, settings):
    template = LetterTemplate.objects.get(kind="visa_granted", language="de")
    changelist = reverse("admin:applications_lettertemplate_changelist")
    action = {"action": "mark_reviewed", "_selected_action": [template.pk]}

    editor_client, _editor = admin_client(client, settings, superuser=False, permissions=[
        "view_lettertemplate", "change_lettertemplate"])
    assert "mark_reviewed" not in editor_client.get(changelist).content.decode()
    editor_client.post(changelist, action)
    template.refresh_from_db()
    assert not template.reviewed

    reviewer_client, reviewer = admin_client(client, settings, superuser=False, permissions=[
        "view_lettertemplate", "change_lettertemplate", "review_lettertemplate"])
    assert reviewer_client.post(changelist, action).status_code == 302
    template.refresh_from_db()
    assert template.reviewed and template.reviewed_by == reviewer


def test_the_deploy_check_lists_unreviewed_templates():
    errors = letter_templates_reviewed(None, databases=["default"])
    assert [error.id for error in errors] == ["wsa.E011"]
    # Six letters in two languages, and the EU Blue Card's own permit and extension letters (migration 0024).
    assert "20 decision letter template(s) are not legally reviewed" in errors[0].msg
    with pytest.raises(SystemCheckError, match="wsa.E011"):
        call_command("check", "--deploy", "--database", "default", "--fail-level", "ERROR")
    # It reads the database, so a plain `check --deploy` (make check, CI) leaves it out.
    assert letter_templates_reviewed(None) == []
    mark_all_reviewed()
    assert letter_templates_reviewed(None, databases=["default"]) == []
