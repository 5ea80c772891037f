"""/authorities/callback/: HMAC-SHA512 over "timestamp.body", fresh timestamps only; then a fetch."""

import json
import time

import pytest

from authorities import callbacks
from authorities.models import AuthorityRequest, RequestState
from tests.authorities.conftest import confirm_complete, deliver_all

URL = "/authorities/callback/"


def body_for(*submission_ids) -> bytes:
    return json.dumps({"type": callbacks.CALLBACK_TYPE,
                       "submissions": [{"destinationId": "d", "submissionId": s, "caseId": "c"}
                                       for s in submission_ids]}).encode()


def post(client, body: bytes, *, secret=None, timestamp=None, signature=None, headers=None):
    secret = callbacks.callback_secret() if secret is None else secret
    signed = callbacks.signed_headers(secret, body, timestamp=timestamp)
    if signature is not None:
        signed["callback-authentication"] = signature
    signed.pop("content-type")
    return client.post(URL, data=body, content_type="application/json",
                       headers=signed if headers is None else headers)


@pytest.fixture
def delivered(offices, make_case, settings):
    settings.WSA_AUTHORITY_SIMULATOR_DELAY = 3600  # only a receipt until the callback says otherwise
    case = make_case("18b")
    confirm_complete(case)
    deliver_all()
    request = AuthorityRequest.objects.get(case=case, purpose="ba_approval")
    settings.WSA_AUTHORITY_SIMULATOR_DELAY = 0
    from authorities.transports.simulated import simulator

    record = simulator().store.get(request.remote_id)
    record["ready_at"] = record["received_at"]  # the office has decided now
    simulator().store.save(record)
    return request


@pytest.mark.django_db
def test_a_signed_callback_makes_the_hub_fetch_the_answer(client, delivered, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, body_for(delivered.remote_id, "unknown-submission"))
    assert response.status_code == 200
    delivered.refresh_from_db()
    assert (delivered.state, delivered.outcome) == (RequestState.ANSWERED, "approved")


@pytest.mark.django_db
@pytest.mark.parametrize("case", ["bad_signature", "wrong_secret", "stale", "future", "missing_headers",
                                  "tampered_body", "not_a_number"])
def test_bad_callbacks_are_rejected_and_change_nothing(client, delivered, case, django_capture_on_commit_callbacks):
    body = body_for(delivered.remote_id)
    now = int(time.time())
    kwargs = {
        "bad_signature": {"signature": "ab" * 64},
        "wrong_secret": {"secret": "not-the-secret"},
        "stale": {"timestamp": now - 301},
        "future": {"timestamp": now + 301},
        "missing_headers": {"headers": {}},
        "not_a_number": {"headers": {"callback-timestamp": "yesterday", "callback-authentication": "00"}},
    }.get(case, {})
    if case == "tampered_body":
        signed = callbacks.signed_headers(callbacks.callback_secret(), body_for("other"))
        signed.pop("content-type")
        kwargs = {"headers": signed}
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, body, **kwargs)
    assert response.status_code == 403
    delivered.refresh_from_db()
    assert delivered.state == RequestState.SENT


@pytest.mark.django_db
def test_a_timestamp_within_five_minutes_is_accepted(client, delivered):
    assert post(client, body_for(delivered.remote_id), timestamp=int(time.time()) - 290).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("body", [
    b'{"submissions": [{"no-id": 1}]}',
    b"not json",
    b"[]",
    b'{"submissions": {"submissionId": "x"}}',
    b'{"submissions": [{"submissionId": "\\u0000"}]}',
    b'{"submissions": [{"submissionId": "abc\\u0000def"}]}',
    b'{"submissions": [{"submissionId": 17}]}',
    b'{"submissions": [{"submissionId": {"$gt": ""}}]}',
    b'{"submissionIds": ["' + b"a" * 500 + b'"]}',
    b"[" * 50_000 + b"]" * 50_000,
    b'{"a": ' * 50_000 + b"1" + b"}" * 50_000,
], ids=["no-id", "not-json", "array", "not-a-list", "nul-id", "nul-inside", "number", "object", "long",
        "deep-array", "deep-object"])
def test_a_well_signed_but_malformed_body_is_a_bad_request(client, delivered, body):
    assert post(client, body).status_code == 400
    assert AuthorityRequest.objects.get(pk=delivered.pk).state != RequestState.ANSWERED


@pytest.mark.django_db
def test_only_post(client):
    assert client.get(URL).status_code == 405


def test_signature_matches_the_fitconnect_definition():
    import hashlib
    import hmac

    body = b'{"type":"x"}'
    expected = hmac.new(b"secret", b"1700000000." + body, hashlib.sha512).hexdigest()
    assert callbacks.sign("secret", "1700000000", body) == expected and len(expected) == 128
    callbacks.verify(secret="secret", timestamp="1700000000", signature=expected.upper(), raw_body=body,
                     now=1700000100)
    with pytest.raises(callbacks.CallbackRejected):
        callbacks.verify(secret="", timestamp="1700000000", signature=expected, raw_body=body, now=1700000000)


def test_production_needs_a_configured_secret(settings):
    settings.PRODUCTION, settings.WSA_AUTHORITY_CALLBACK_SECRET = True, ""
    assert callbacks.callback_secret() == ""
    settings.WSA_AUTHORITY_CALLBACK_SECRET = "from-the-environment"
    assert callbacks.callback_secret() == "from-the-environment"
