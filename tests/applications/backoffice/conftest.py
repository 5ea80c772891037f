"""Fixtures for the back office: one office of every kind, staff with a second factor, cases."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from allauth.mfa.models import Authenticator
from django.utils import timezone

from accounts.models import Membership, OrganisationKind, Role
from applications import services
from tests.factories import CaseFactory, EmploymentFactory, OrganisationFactory, PersonFactory, UserFactory
from tests.procedure import walk

PATH = {
    "submitted": ["submit"],
    "completeness_check": ["submit", "start_completeness_check"],
    "documents_requested": ["submit", "start_completeness_check", "request_documents"],
    "authority_review": ["submit", "start_completeness_check", "start_authority_review"],
    "visa_decision": ["submit", "start_completeness_check", "start_authority_review", "refer_to_visa_decision"],
    "entered": ["submit", "start_completeness_check", "start_authority_review", "refer_to_visa_decision",
                "grant_visa", "report_entry"],
}


@pytest.fixture(autouse=True)
def _signing_keys_in_tmp(settings, tmp_path_factory):
    """Development seal keys go to a temporary var/ (generated once per session)."""
    settings.VAR_DIR = tmp_path_factory.getbasetemp() / "var"


@pytest.fixture
def offices(db):
    from authorities.models import Authority

    result = {}
    for key, kind, name in [
        ("wsa", OrganisationKind.WSA, "Work-and-Stay-Agentur"),
        ("ba", OrganisationKind.BA, "Bundesagentur für Arbeit – ZAV"),
        ("visa", OrganisationKind.VISA_OFFICE, "Deutsche Botschaft Neu-Delhi"),
        ("abh", OrganisationKind.FOREIGNERS_AUTHORITY, "Landesamt für Einwanderung Berlin"),
        ("zab", OrganisationKind.RECOGNITION_BODY, "ZAB"),
    ]:
        organisation = OrganisationFactory(kind=kind, name=name, city="Berlin")
        if kind != OrganisationKind.WSA:
            Authority.objects.create(kind=kind, name=name, organisation=organisation)
        result[key] = organisation
    result["employer"] = OrganisationFactory(kind=OrganisationKind.EMPLOYER, name="Muster Software GmbH")
    return result


@pytest.fixture
def make_staff(offices):
    def make(office: str, role=Role.CASEWORKER, name="Clara Fischer"):
        user = UserFactory(full_name=name)
        Membership.objects.create(user=user, organisation=offices[office], role=role)
        Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "x"})
        return user

    return make


@pytest.fixture
def make_case(offices):
    def make(state="submitted", *, language="de", nationality="IND", surname="SHARMA", with_employer=True,
             title="18g", user=None):
        person = PersonFactory(surname=surname, given_names="PRIYA", nationality=nationality,
                               **({"user": user} if user else {}))
        case = CaseFactory(person=person, procedure_language=language, title_code=title,
                           employer=offices["employer"] if with_employer else None)
        EmploymentFactory(case=case, annual_gross_salary=Decimal("58000.00"), workplace_city="Berlin",
                          workplace_state="BE", duration_months=36)
        walk(case, *PATH[state])
        # The authorities hub fans out requests on completeness by its routing; these tests place their own.
        from authorities.models import AuthorityRequest

        AuthorityRequest.objects.filter(case=case).delete()
        return case

    return make


@pytest.fixture
def add_request(offices):
    """An AuthorityRequest of `case` to the office `key` that waits for an answer."""

    def add(case, key, purpose="ba_approval", due_in=timedelta(days=7), state="sent"):
        from authorities.models import AuthorityRequest

        request = AuthorityRequest.objects.create(
            case=case, authority=offices[key].authority, purpose=purpose, state=state,
            idempotency_key=uuid.uuid4().hex, due_at=timezone.now() + due_in if due_in is not None else None,
            sent_at=timezone.now(),
        )
        services.case_due_refresh(case_ids=[case.pk])  # written here, not by the hub's services
        return request

    return add


def login(client, user):
    client.force_login(user)
    return client
