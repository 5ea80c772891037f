"""Fixtures of the after-arrival tests: an employer with an owner, a holder with a profile, a case of
the employer's organisation and residence titles written directly (the titles helper issues them)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from allauth.account.models import EmailAddress

from accounts import services as account_services
from accounts.models import ApiScope, OrganisationKind, Role
from applications import services
from applications.models import LanguageSkill, ResidenceTitle
from authorities.models import Authority
from tests.auth import give_totp
from tests.factories import EmploymentFactory, MembershipFactory, OrganisationFactory, PersonFactory, UserFactory


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path / "p")}}}


def verified_user(**kwargs):
    user = UserFactory(preferred_language="en", **kwargs)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


@pytest.fixture
def organisation(db):
    return OrganisationFactory(name="Muster Software GmbH")


@pytest.fixture
def other_organisation(db):
    return OrganisationFactory(name="Andere AG")


@pytest.fixture
def owner(organisation):
    return give_totp(MembershipFactory(organisation=organisation, role=Role.EMPLOYER_OWNER,
                                       user=verified_user()).user)


@pytest.fixture
def other_owner(other_organisation):
    return give_totp(MembershipFactory(organisation=other_organisation, role=Role.EMPLOYER_OWNER,
                                       user=verified_user()).user)


@pytest.fixture
def abh(db):
    office = OrganisationFactory(kind=OrganisationKind.FOREIGNERS_AUTHORITY, name="ABH Berlin")
    return Authority.objects.create(kind=OrganisationKind.FOREIGNERS_AUTHORITY, name="ABH Berlin",
                                    organisation=office, federal_state="BE")


@pytest.fixture
def holder(db):
    return verified_user()


@pytest.fixture
def person(holder):
    person = PersonFactory(user=holder, street="Alte Straße 1", postal_code="10115", city="Berlin")
    LanguageSkill.objects.create(person=person, language="de", level="A1")
    return person


@pytest.fixture
def first_case(person, organisation, holder):
    """The case whose decision issued the holder's title (an employer's case, submitted)."""
    case = services.case_create(person=person, actor=holder, employer=organisation, title_code="18g")
    EmploymentFactory(case=case, annual_gross_salary=Decimal("60000"), workplace_city="Berlin", workplace_state="BE")
    services.case_submit(case=case, actor=holder)
    return case


def make_title(person, *, case=None, kind="eu_blue_card", code="18g", valid_from=None, valid_until=None,
               employer=None, work_permission="as_conditioned", issued_by=None, occupation=""):
    today = date.today()
    return ResidenceTitle.objects.create(
        holder=person, case=case, kind=kind, title_code=code, legal_basis=f"§ {code} AufenthG",
        valid_from=valid_from or today - timedelta(days=400), valid_until=valid_until or today + timedelta(days=30),
        employer=employer, work_permission=work_permission, issued_by=issued_by, occupation=occupation,
        conditions="Beschäftigung nur bei Muster Software GmbH als Software Developer." if employer else "")


@pytest.fixture
def title(person, first_case, organisation, abh):
    return make_title(person, case=first_case, employer=organisation, issued_by=abh)


@pytest.fixture
def api_token(owner, organisation):
    def make(scopes=(ApiScope.CASES_READ, ApiScope.CASES_WRITE), org=None, actor=None):
        return account_services.api_token_create(organisation=org or organisation, actor=actor or owner,
                                                 name="HR", scopes=list(scopes))
    return make


def bearer(raw):
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@pytest.fixture(autouse=True)
def _english():
    """These tests read the portal's English sentences (the default language is German)."""
    from django.utils import translation

    with translation.override("en"):
        yield
