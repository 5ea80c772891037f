"""Fixtures of the applicant-portal tests: a signed-in applicant with a complete profile, private
storage in a temporary directory, and a stub for the document checks."""

from datetime import date, timedelta

import pytest

from applications.models import LanguageSkill, Qualification
from tests.factories import PersonFactory, UserFactory

from .helpers import FakeResult


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):
    """Uploads go to a fresh temporary directory, never to var/private."""
    root = tmp_path / "private"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(root)}},
    }
    return root


@pytest.fixture
def fake_checks(monkeypatch):
    """Replaces the checks pipeline by a stub: ``fake_checks.result`` is what every check returns."""

    class Stub:
        result = FakeResult()
        calls: list = []

        def __call__(self, data, filename, context):
            self.calls.append((filename, context))
            if isinstance(self.result, Exception):
                raise self.result
            return self.result

    stub = Stub()
    stub.calls = []
    monkeypatch.setattr("documents.tasks._inspect", stub)
    return stub


@pytest.fixture
def applicant_user(db):
    return UserFactory(preferred_language="en")


@pytest.fixture
def person(applicant_user):
    person = PersonFactory(
        user=applicant_user, surname="SHARMA", given_names="PRIYA", birth_date=date(1994, 3, 14),
        nationality="IND", passport_number="Z1234567", passport_issuing_state="IND",
        passport_expiry=date.today() + timedelta(days=5 * 365), street="MG Road 1", postal_code="560001",
        city="Bengaluru", country_of_residence="IND",
    )
    Qualification.objects.create(person=person, kind="academic", title="B.Tech Computer Science",
                                 recognition="full", comparable=True, country="IND")
    LanguageSkill.objects.create(person=person, language="en", level="C1")
    return person


@pytest.fixture
def client_in(client, applicant_user):
    client.force_login(applicant_user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def other_person(db):
    return PersonFactory(user=UserFactory(), surname="OTHER")
