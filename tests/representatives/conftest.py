"""The relocation agency and its owner that the representative tests share."""

import pytest
from allauth.account.models import EmailAddress
from django.test import Client

from accounts.models import Membership, OrganisationKind, Role
from tests.auth import give_totp
from tests.factories import OrganisationFactory, UserFactory


def verified_user(email, **extra):
    user = UserFactory(email=email, preferred_language="en", **extra)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def login(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.fixture
def agency(db):
    return OrganisationFactory(kind=OrganisationKind.RELOCATION_AGENCY, name="Move & Settle GmbH", city="Berlin")


@pytest.fixture
def agent(agency):
    user = give_totp(verified_user("agent@move.example", full_name="Alex Agent"))
    Membership.objects.create(user=user, organisation=agency, role=Role.REPRESENTATIVE_OWNER)
    return user
