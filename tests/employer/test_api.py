"""The HR API: authentication, scopes, organisation boundaries, cases and webhooks."""

import json
from datetime import date, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import ApiScope, ApiToken, WebhookEndpoint
from accounts.services import api_token_authenticate
from tests.auth import reauthenticated

from .conftest import bearer

CASE = {
    "candidate": {"given_names": "Priya", "surname": "Sharma", "email": "priya.sharma@example.org"},
    "employment": {
        "job_title": "Software Developer", "occupation_isco": "2512", "duties": "Web development",
        "required_qualification": "academic", "annual_gross_salary": "58000.00", "weekly_hours": "40",
        "start_date": (date.today() + timedelta(days=120)).isoformat(), "workplace_street": "Musterstraße 1",
        "workplace_postal_code": "10115", "workplace_city": "Berlin", "workplace_state": "BE",
    },
    "title_code": "18g", "accelerated": True, "your_reference": "REQ-42",
}


def post(client, url, data, raw):
    return client.post(url, json.dumps(data), content_type="application/json", **bearer(raw))


@pytest.mark.django_db
def test_token_is_stored_hashed_and_shown_once(api_token):
    token, raw = api_token()
    assert raw.startswith(f"wsa_{token.prefix}_")
    stored = ApiToken.objects.get(pk=token.pk)
    assert raw not in stored.token_hash and len(stored.token_hash) == 64
    assert api_token_authenticate(raw=raw) == token
    assert api_token_authenticate(raw=raw[:-1] + ("A" if raw[-1] != "A" else "B")) is None


@pytest.mark.django_db
@pytest.mark.parametrize("header", [None, "Bearer", "Bearer nonsense", "Bearer wsa_deadbeef_x", "Basic abc",
                                    "Token wsa_x_y"])
def test_missing_or_invalid_token_is_401(client, header):
    kwargs = {"HTTP_AUTHORIZATION": header} if header else {}
    assert client.get("/api/v1/cases", **kwargs).status_code == 401


@pytest.mark.django_db
def test_revoked_and_expired_tokens_are_401(client, owner, api_token):
    token, raw = api_token()
    assert client.get("/api/v1/cases", **bearer(raw)).status_code == 200
    client.force_login(owner)
    assert client.post(f"/employer/tokens/{token.public_id}/revoke/").status_code == 302
    assert client.get("/api/v1/cases", **bearer(raw)).status_code == 401
    token2, raw2 = api_token()
    ApiToken.objects.filter(pk=token2.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get("/api/v1/cases", **bearer(raw2)).status_code == 401


@pytest.mark.django_db
def test_wrong_scope_is_403(client, api_token, start_case):
    case, _ = start_case()
    _t, read_only = api_token(scopes=[ApiScope.CASES_READ])
    assert post(client, "/api/v1/cases", CASE, read_only).status_code == 403
    assert client.get("/api/v1/webhooks", **bearer(read_only)).status_code == 403
    _t, write_only = api_token(scopes=[ApiScope.CASES_WRITE])
    assert client.get("/api/v1/cases", **bearer(write_only)).status_code == 403
    assert client.get(f"/api/v1/cases/{case.public_id}", **bearer(write_only)).status_code == 403


@pytest.mark.django_db
def test_another_organisations_case_is_404(client, api_token, start_case, other_organisation, other_owner):
    case, _ = start_case()
    _t, raw = api_token(org=other_organisation, actor=other_owner)
    assert client.get(f"/api/v1/cases/{case.public_id}", **bearer(raw)).status_code == 404
    assert client.get(f"/api/v1/cases/{case.public_id}/status", **bearer(raw)).status_code == 404
    assert client.get("/api/v1/cases", **bearer(raw)).json()["count"] == 0


@pytest.mark.django_db
def test_member_cannot_create_tokens(client, member):
    client.force_login(member)
    response = client.post("/employer/tokens/", {"name": "x", "scopes": ["cases:read"], "expires_in_days": "30"})
    assert response.status_code == 403
    assert not ApiToken.objects.exists()


@pytest.mark.django_db
def test_owner_creates_token_in_portal_and_sees_it_once(client, owner):
    client.force_login(owner)
    reauthenticated(client)  # creating a token asks for the password again (tests/security)
    response = client.post("/employer/tokens/", {"name": "HR", "scopes": ["cases:read", "cases:write"],
                                                 "expires_in_days": "90"})
    assert response.status_code == 200
    token = ApiToken.objects.get()
    page = response.content.decode()
    raw = page.split('id="new-token" type="text" readonly value="', 1)[1].split('"', 1)[0]
    assert raw.startswith("wsa_") and api_token_authenticate(raw=raw) == token
    assert raw not in client.get("/employer/tokens/").content.decode()
    assert sorted(token.scopes) == ["cases:read", "cases:write"]


@pytest.mark.django_db
def test_create_case_list_read_status(client, api_token, organisation, django_capture_on_commit_callbacks):
    _t, raw = api_token()
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, "/api/v1/cases", CASE, raw)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "draft" and body["accelerated"] and body["your_reference"] == "REQ-42"
    assert body["candidate"] is None and body["invitation"]["status"] == "pending"
    assert body["next_step"]["who"] == "candidate"
    assert [m.to for m in mail.outbox] == [["priya.sharma@example.org"]]
    listing = client.get("/api/v1/cases", {"page_size": 1}, **bearer(raw)).json()
    assert listing["count"] == 1 and listing["items"][0]["id"] == body["id"] and listing["next_page"] is None
    status = client.get(f"/api/v1/cases/{body['id']}/status", **bearer(raw)).json()
    assert status["state"] == "draft" and status["consent"] == ""


@pytest.mark.django_db
def test_create_case_validation_errors_are_422(client, api_token):
    _t, raw = api_token()
    bad = json.loads(json.dumps(CASE))
    bad["employment"]["start_date"] = "2001-01-01"
    bad["employment"]["workplace_postal_code"] = "1"
    response = post(client, "/api/v1/cases", bad, raw)
    assert response.status_code == 422
    fields = {item["loc"][-1] for item in response.json()["detail"]}
    assert {"start_date", "workplace_postal_code"} <= fields
    assert post(client, "/api/v1/cases", {"candidate": {}}, raw).status_code == 422


@pytest.mark.django_db
def test_pagination(client, api_token, start_case):
    for i in range(3):
        start_case(email=f"p{i}@example.org")
    _t, raw = api_token()
    first = client.get("/api/v1/cases", {"page_size": 2}, **bearer(raw)).json()
    assert first["count"] == 3 and len(first["items"]) == 2 and first["next_page"] == 2
    second = client.get("/api/v1/cases", {"page_size": 2, "page": 2}, **bearer(raw)).json()
    assert len(second["items"]) == 1 and second["next_page"] is None
    assert {i["id"] for i in first["items"]}.isdisjoint({i["id"] for i in second["items"]})


@pytest.mark.django_db
def test_webhook_management(client, api_token, organisation):
    _t, raw = api_token()
    response = post(client, "/api/v1/webhooks", {"url": "https://hr.example.com/wsa", "description": "prod"}, raw)
    assert response.status_code == 201
    created = response.json()
    assert created["secret"].startswith("whsec_")
    endpoint = WebhookEndpoint.objects.get(public_id=created["id"])
    assert created["secret"] not in endpoint.secret_encrypted
    listed = client.get("/api/v1/webhooks", **bearer(raw)).json()
    assert [w["id"] for w in listed] == [created["id"]] and "secret" not in listed[0]
    assert client.get(f"/api/v1/webhooks/{created['id']}/deliveries", **bearer(raw)).json() == []
    assert client.delete(f"/api/v1/webhooks/{created['id']}", **bearer(raw)).status_code == 204
    assert client.get("/api/v1/webhooks", **bearer(raw)).json() == []


@pytest.mark.django_db
def test_webhook_urls_are_checked(client, api_token, settings):
    settings.WSA_WEBHOOK_ALLOW_HTTP = False
    settings.WSA_WEBHOOK_ALLOW_PRIVATE_NETWORKS = False
    _t, raw = api_token()
    for url in ("http://hr.example.com/x", "https://127.0.0.1/x", "https://localhost/x", "https://10.0.0.1/x",
                "https://user:pw@hr.example.com/x", "ftp://hr.example.com",
                # loopback as a resolver also reads it
                "https://2130706433/x", "https://0x7f.0.0.1/x", "https://0177.0.0.1/x", "https://127.1/x",
                "https://localhost./x", "https://LOCALHOST/x", "https://api.localhost/x", "https://[::1]/x",
                "https://[::ffff:127.0.0.1]/x", "https://0/x", "https://169.254.169.254/x", "https://0x0a000001/x"):
        assert post(client, "/api/v1/webhooks", {"url": url}, raw).status_code == 422, url
    for url in ("https://hr.example.com/x", "https://93.184.216.34/hook", "https://1.1.1.1/x"):
        assert post(client, "/api/v1/webhooks", {"url": url}, raw).status_code == 201, url


@pytest.mark.django_db
def test_schema_and_docs_are_served_without_a_cdn(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200 and schema.json()["openapi"].startswith("3.")
    assert "/api/v1/cases" in schema.json()["paths"]
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "cdn" not in html.lower() and "/static/ninja/swagger-ui-bundle.js" in html
    assert "<script>" not in html.replace('<script type="application/json"', "")  # no inline code
    assert "style=" not in html
