"""Each HR API token's budget of requests (WSA_API_TOKEN_RATE): 429 with Retry-After past it, other
tokens unaffected, the next window open again, and the limit documented in the OpenAPI schema."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from accounts import security
from applications.employer.api import api

from .conftest import bearer

WINDOW_START = 1_800_000_000.0  # a multiple of 60: the minute's window starts here


@pytest.fixture
def clock(monkeypatch):
    """The budget's clock, moved by the test instead of sleeping."""
    now = {"t": WINDOW_START + 10}
    monkeypatch.setattr(security, "clock", lambda: now["t"])
    return now


@pytest.mark.django_db
def test_token_over_its_budget_gets_429_with_retry_after_and_other_tokens_still_work(client, settings, api_token,
                                                                                     clock):
    settings.WSA_API_TOKEN_RATE = "5/m"
    _t, busy = api_token()
    _t, other = api_token()
    assert [client.get("/api/v1/cases", **bearer(busy)).status_code for _ in range(5)] == [200] * 5

    refused = client.get("/api/v1/cases", **bearer(busy))
    assert refused.status_code == 429
    assert refused["Content-Type"].startswith("application/json")
    assert refused.json() == {"detail": "Too many requests."}
    assert refused["Retry-After"] == "50"  # the window of the minute ends 50 s after t+10
    # Another token (of the same organisation, from the same address) keeps its own budget.
    assert client.get("/api/v1/cases", **bearer(other)).status_code == 200

    clock["t"] = WINDOW_START + 59.2
    still = client.get("/api/v1/cases/00000000-0000-4000-8000-000000000000", **bearer(busy))
    assert still.status_code == 429 and still["Retry-After"] == "1"  # never 0: rounded up

    clock["t"] = WINDOW_START + 60  # the next window
    assert client.get("/api/v1/cases", **bearer(busy)).status_code == 200


@pytest.mark.django_db
def test_budget_counts_every_operation_of_the_token_and_not_requests_without_one(client, settings, api_token,
                                                                                 clock):
    settings.WSA_API_TOKEN_RATE = "3/m"
    _t, raw = api_token()
    assert client.get("/api/v1/cases", **bearer(raw)).status_code == 200
    assert client.get("/api/v1/webhooks", **bearer(raw)).status_code == 200
    assert client.post("/api/v1/cases", "{}", content_type="application/json", **bearer(raw)).status_code == 422
    assert client.get("/api/v1/webhooks", **bearer(raw)).status_code == 429
    # A request without a valid token is refused as before (401) and uses no token's budget.
    assert client.get("/api/v1/cases", HTTP_AUTHORIZATION="Bearer wsa_deadbeef_nope").status_code == 401


@pytest.mark.django_db
def test_wrong_tokens_throttled_per_address_also_say_when_to_retry(client, settings):
    settings.WSA_API_AUTH_FAILURE_LIMIT = 2
    settings.WSA_API_AUTH_FAILURE_WINDOW = 900
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the message below is asserted in English
    for _ in range(2):
        assert client.get("/api/v1/cases", HTTP_AUTHORIZATION="Bearer wsa_deadbeef_guess").status_code == 401
    blocked = client.get("/api/v1/cases", HTTP_AUTHORIZATION="Bearer wsa_deadbeef_guess")
    assert blocked.status_code == 429 and blocked["Retry-After"] == "900"
    assert "Too many failed attempts" in blocked.json()["detail"]


@pytest.mark.parametrize("rate, expected", [("300/m", (300, 60)), ("10/s", (10, 1)), ("1000/5m", (1000, 300)),
                                            (" 20 / h ", (20, 3600)), ("1/d", (1, 86400))])
def test_rate_setting_is_read_as_requests_per_period(rate, expected):
    assert security.parse_rate(rate) == expected


@pytest.mark.parametrize("rate", ["", "300", "0/m", "300/0m", "300/week", "-5/m", "m/300", "3.5/m"])
def test_a_malformed_rate_setting_is_refused_with_its_name(rate):
    with pytest.raises(ImproperlyConfigured, match="WSA_API_TOKEN_RATE"):
        security.parse_rate(rate)


def test_schema_documents_429_with_retry_after_on_every_operation():
    schema = api.get_openapi_schema()
    response = schema["components"]["responses"]["TooManyRequests"]
    assert response["headers"]["Retry-After"]["schema"]["type"] == "integer"
    assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    assert "Error" in schema["components"]["schemas"]
    operations = [operation for methods in schema["paths"].values() for operation in methods.values()]
    assert len(operations) >= 9
    for operation in operations:
        assert operation["responses"][429] == {"$ref": "#/components/responses/TooManyRequests"}
    assert "Retry-After" in schema["info"]["description"]


@pytest.mark.django_db
def test_served_schema_lists_429_and_retry_after(client):
    schema = client.get("/api/schema/").json()
    assert schema["paths"]["/api/v1/cases"]["get"]["responses"]["429"]["$ref"] == \
        "#/components/responses/TooManyRequests"
    assert "Retry-After" in schema["components"]["responses"]["TooManyRequests"]["headers"]


def test_concurrent_requests_of_one_token_are_counted_exactly(settings, clock):
    """Eight threads at once (gunicorn's threads, several workers on Redis): the cache's atomic
    increment lets exactly the budget through, never more."""
    from concurrent.futures import ThreadPoolExecutor

    settings.WSA_API_TOKEN_RATE = "20/m"
    with ThreadPoolExecutor(max_workers=8) as pool:
        waits = list(pool.map(lambda _: security.api_token_rate_consume(4242), range(60)))
    assert waits.count(None) == 20
    assert set(waits) - {None} == {50}
