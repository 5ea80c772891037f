"""Fixtures for the titles: the back office's offices, staff and cases, and a holder with a title."""

from datetime import timedelta

import pytest
from django.utils import timezone

from applications.models import ResidenceTitle, TitleKind, WorkPermission
from tests.applications.backoffice.conftest import (  # noqa: F401 - fixtures
    _signing_keys_in_tmp,
    add_request,
    make_case,
    make_staff,
    offices,
)
from tests.factories import OrganisationFactory, PersonFactory


@pytest.fixture
def holder(db):
    return PersonFactory(surname="SHARMA", given_names="PRIYA")


@pytest.fixture
def make_title(db):
    def make(person, *, days_left=400, kind=TitleKind.EU_BLUE_CARD, **fields):
        today = timezone.localdate()
        defaults = {
            "kind": kind, "title_code": "18g", "legal_basis": "§ 18g AufenthG",
            "work_permission": WorkPermission.AS_CONDITIONED, "occupation": "Software Developer",
            "employer": OrganisationFactory(name="Muster Software GmbH"),
            "valid_from": today - timedelta(days=30), "valid_until": today + timedelta(days=days_left),
        }
        return ResidenceTitle.objects.create(holder=person, **{**defaults, **fields})

    return make
