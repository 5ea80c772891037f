"""Fixtures of the employer-portal tests: an employer organisation with an owner and a member, a
second organisation, candidates with confirmed e-mail addresses, cases started through the service,
API tokens, and private storage in a temporary directory."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from allauth.account.models import EmailAddress

from accounts import invitation_links
from accounts import services as account_services
from accounts.models import ApiScope, Role
from applications.employer import services as employer_services
from tests.auth import give_totp
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):
    root = tmp_path / "private"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(root)}},
    }
    return root


@pytest.fixture(autouse=True)
def no_document_checks(monkeypatch):
    """Uploads are stored, but the OCR/MRZ checks pipeline does not run in these tests."""
    monkeypatch.setattr("documents.services._queue_check", lambda document_id, **options: None)


def verified_user(email=None, **kwargs):
    user = UserFactory(**({"email": email} if email else {}), **kwargs)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


@pytest.fixture
def organisation(db):
    return OrganisationFactory(name="Muster Software GmbH", ba_company_number="12345678")


@pytest.fixture
def owner(organisation):
    # Owners need a second factor for /employer/ (accounts.middleware).
    return give_totp(MembershipFactory(organisation=organisation, role=Role.EMPLOYER_OWNER,
                                       user=verified_user(preferred_language="en")).user)


@pytest.fixture
def member(organisation):
    return MembershipFactory(organisation=organisation, role=Role.EMPLOYER_MEMBER,
                             user=verified_user(preferred_language="en")).user


@pytest.fixture
def other_organisation(db):
    return OrganisationFactory(name="Andere AG")


@pytest.fixture
def other_owner(other_organisation):
    return give_totp(MembershipFactory(organisation=other_organisation, role=Role.EMPLOYER_OWNER,
                                       user=verified_user()).user)


@pytest.fixture
def candidate_user(db):
    return verified_user(email="priya.sharma@example.org", preferred_language="en")


def employment_data(**overrides):
    data = {
        "job_title": "Software Developer", "occupation_kldb": "43412", "occupation_isco": "2512",
        "duties": "Web development", "annual_gross_salary": Decimal("58000.00"), "weekly_hours": Decimal("40.0"),
        "start_date": date.today() + timedelta(days=120), "duration_months": None, "collective_agreement": False,
        "workplace_street": "Musterstraße 1", "workplace_postal_code": "10115", "workplace_city": "Berlin",
        "workplace_state": "BE",
    }
    data.update(overrides)
    return data


@pytest.fixture
def start_case(owner, organisation):
    """Starts a case through the service (as the portal does); returns (case, invitation)."""

    def start(*, email="priya.sharma@example.org", actor=None, org=None, **kwargs):
        return employer_services.employer_case_start(
            organisation=org or organisation, actor=actor or owner, given_names="Priya", surname="Sharma",
            email=email, employment=employment_data(), details={"employer_reference": "REQ-1",
                                                               "required_qualification": "academic"},
            title_code=kwargs.pop("title_code", "18g"), **kwargs)

    return start


@pytest.fixture
def accepted_case(start_case, candidate_user):
    """A case whose candidate accepted the invitation with the given consent scope."""

    def make(scope="status"):
        case, invitation = start_case()
        token = invitation_links.invitation_token(invitation=invitation, kind="candidate")
        return employer_services.candidate_invitation_accept(token=token, user=candidate_user, scope=scope)

    return make


@pytest.fixture
def api_token(owner, organisation):
    def make(scopes=(ApiScope.CASES_READ, ApiScope.CASES_WRITE, ApiScope.WEBHOOKS_MANAGE), org=None, actor=None):
        token, raw = account_services.api_token_create(organisation=org or organisation, actor=actor or owner,
                                                       name="HR system", scopes=list(scopes))
        return token, raw

    return make


def bearer(raw):
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
