"""Property-based run of the HR API against its own OpenAPI schema (schemathesis, in-process WSGI,
no network): whatever is sent, the API never answers with a server error."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from accounts.models import ApiScope
from applications.employer.api import api

TOKEN = {}


@pytest.fixture
def api_schema(db, api_token, accepted_case, start_case, owner, organisation):
    # The WSGI handler would close the test's database connection after each request; the test client
    # avoids that the same way.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    accepted_case("full")
    start_case(email="pending@example.org")
    from accounts.services import webhook_endpoint_create

    webhook_endpoint_create(organisation=organisation, actor=owner, url="https://hr.example.com/hook")
    _token, raw = api_token(scopes=[ApiScope.CASES_READ, ApiScope.CASES_WRITE, ApiScope.WEBHOOKS_MANAGE])
    TOKEN["raw"] = raw
    yield schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_api_has_no_server_errors(api_schema):
    """Every operation, with generated (valid and invalid) input and a valid token: never a 5xx."""
    from hypothesis import given
    from schemathesis.checks import not_a_server_error

    headers = {"Authorization": f"Bearer {TOKEN['raw']}"}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 9
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=12, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case):
            case.call_and_validate(headers=headers, checks=[not_a_server_error])

        run()


def test_schema_lists_every_endpoint():
    paths = api.get_openapi_schema()["paths"]
    assert {"/api/v1/cases", "/api/v1/cases/{case_id}", "/api/v1/cases/{case_id}/status",
            "/api/v1/cases/{case_id}/events", "/api/v1/webhooks", "/api/v1/webhooks/{webhook_id}",
            "/api/v1/webhooks/{webhook_id}/deliveries"} <= set(paths)
    assert api.get_openapi_schema()["components"]["securitySchemes"]["TokenAuth"]["scheme"] == "bearer"
