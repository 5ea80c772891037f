from datetime import date
from decimal import Decimal

import factory
from django.utils import timezone

from accounts.models import Membership, Organisation, OrganisationKind, Role, User
from applications.models import Case, Employment, Person


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery-staple")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    kind = OrganisationKind.EMPLOYER
    name = factory.Sequence(lambda n: f"Firma {n} GmbH")
    # Verified, as every organisation of the tests' worlds is; an employer that registers itself through
    # the portal is not (accounts.services.organisation_register).
    verified_at = factory.LazyFunction(timezone.now)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Role.EMPLOYER_MEMBER


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    user = factory.SubFactory(UserFactory)
    surname = "NGUYEN"
    given_names = "VAN AN"
    birth_date = date(1990, 7, 2)
    nationality = "VNM"
    passport_number = factory.Sequence(lambda n: f"C{n:07d}")
    email = factory.LazyAttribute(lambda p: p.user.email if p.user else "")


class CaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Case

    reference = factory.Sequence(lambda n: f"WSA-2026-{n + 900000:06d}")
    person = factory.SubFactory(PersonFactory)
    title_code = "18g"


class EmploymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Employment

    case = factory.SubFactory(CaseFactory)
    job_title = "Software Developer"
    occupation_isco = "2512"
    annual_gross_salary = Decimal("55000.00")
    weekly_hours = Decimal("40.0")
    start_date = date(2027, 3, 1)


def wsa_caseworker():
    """A WSA caseworker with a second factor, who confirms completeness in the back office."""
    from allauth.mfa.models import Authenticator

    user = UserFactory()
    Membership.objects.create(user=user, organisation=OrganisationFactory(kind=OrganisationKind.WSA, name="WSA"),
                              role=Role.CASEWORKER)
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "x"})
    return user
