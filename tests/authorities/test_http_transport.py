"""The http transport over loopback against the simulator: JWE encryption and SHA-512 hashes are
checked on the receiving side; answers come back as signed callbacks and are then fetched."""

import hashlib
import json

import pytest
import requests
from jwcrypto import jwk

from applications.lifecycle import CaseState
from applications.models import Case
from authorities import crypto, services
from authorities.models import AuthorityRequest, Outbox, OutboxState, RequestState
from tests.authorities.conftest import add_document, attend_appointment, confirm_complete, deliver_all


def post_callbacks(client, callbacks):
    """What the simulator would have POSTed to /authorities/callback/, delivered to the hub's view."""
    for headers, body in callbacks:
        response = client.post("/authorities/callback/", data=body, content_type="application/json",
                               headers={k: v for k, v in headers.items() if k != "content-type"})
        assert response.status_code == 200
    callbacks.clear()


@pytest.mark.django_db
def test_submission_is_encrypted_hashed_verified_and_answered(http_transport, make_case, private_storage, client,
                                                              settings, django_capture_on_commit_callbacks):
    settings.WSA_AUTHORITY_SIMULATOR_DELAY = 0
    # The offices acknowledge first and decide later: late enough that a busy CI machine fetches the
    # receipts before the decisions are ready.
    http_transport.simulator.delay = 3.0
    case = make_case("18a", accelerated=True)
    contract = add_document(case, "employment_contract", b"%PDF-1.7 contract " + bytes(range(256)) * 40)
    passport = add_document(case, "passport", b"%PDF-1.7 passport scan")
    with django_capture_on_commit_callbacks(execute=True):
        confirm_complete(case)

    # The receiving side decrypted everything and found the hashes right.
    received = {r["data"]["purpose"]: r for r in http_transport.submissions()}
    assert set(received) == {"ba_approval", "pre_approval_81a", "visa", "register_check"}
    assert all(r["verified"] and r["state"] == "submitted" and r["deliveries"] == 1 for r in received.values())
    ba = received["ba_approval"]
    assert ba["data"]["employment"]["annualGrossSalary"] == "60000.00"
    assert "passport" not in ba["data"]  # the BA gets only what it needs
    assert [a["sha512"] for a in ba["attachments"]] == [
        hashlib.sha512(contract.file.open("rb").read()).hexdigest()]
    assert ba["metadata"]["contentStructure"]["data"]["hash"]["type"] == "sha512"
    assert {a["sha512"] for a in received["visa"]["attachments"]} == {
        hashlib.sha512(d.file.open("rb").read()).hexdigest() for d in (contract, passport)}
    assert received["register_check"]["attachments"] == []

    # On our side: delivered, the receipt fetched at once (acknowledged; the visa office asks for a booking).
    requests_by_purpose = {r.purpose: r for r in AuthorityRequest.objects.filter(case=case)}
    assert {r.state for r in requests_by_purpose.values()} == {RequestState.ACKNOWLEDGED}
    assert requests_by_purpose["visa"].response_body["bookAppointment"] is True
    assert requests_by_purpose["ba_approval"].request_body["attachments"][0]["document"] == str(contract.public_id)
    assert not Outbox.objects.exclude(state=OutboxState.DELIVERED).exists()

    # The offices decide and call back (signed); the hub verifies, fetches with GET and moves the case.
    import time

    deadline = time.monotonic() + 20
    while len(http_transport.callbacks) < 8 and time.monotonic() < deadline:
        time.sleep(0.05)
    with django_capture_on_commit_callbacks(execute=True):
        post_callbacks(client, http_transport.callbacks)
    # The approvals are in; the visa office decides nothing before the applicant came in person.
    states = {r.purpose: r.state for r in AuthorityRequest.objects.filter(case=case)}
    assert states == {"ba_approval": RequestState.ANSWERED, "pre_approval_81a": RequestState.ANSWERED,
                      "register_check": RequestState.ANSWERED, "visa": RequestState.ACKNOWLEDGED}
    assert Case.objects.get(pk=case.pk).state == CaseState.AUTHORITY_REVIEW
    with django_capture_on_commit_callbacks(execute=True):
        attend_appointment(case)
    visa = AuthorityRequest.objects.get(case=case, purpose="visa")
    assert (visa.state, visa.outcome) == (RequestState.ANSWERED, "approved")
    assert Case.objects.get(pk=case.pk).state == CaseState.VISA_DECISION
    fetched = [path for method, path in http_transport.requests_seen if method == "GET" and "/answer" in path]
    assert len(fetched) >= 8
    # The hub told the visa office what it decides on: the attendance and the approvals.
    assert "approvals=granted" in fetched[-1] and "attended=" in fetched[-1]


@pytest.mark.django_db
def test_the_wire_carries_only_jwe(http_transport, make_case, rsa_key):
    """Read what was sent with the office's private key: compact JWE, RSA-OAEP-256 + A256GCM, kid of its key."""
    seen = []
    original = requests.Session.request

    def spy(self, method, url, **kwargs):
        seen.append((method, url, kwargs))
        return original(self, method, url, **kwargs)

    case = make_case("18b")
    confirm_complete(case)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(requests.Session, "request", spy)
        deliver_all()
    submit_calls = [kw["json"] for m, url, kw in seen if m == "PUT" and "attachments" not in url]
    assert len(submit_calls) == 3
    for body in submit_calls:
        for field in ("encryptedMetadata", "encryptedData"):
            token = body[field]
            header = json.loads(jwk.base64url_decode(token.split(".")[0]))
            assert (header["alg"], header["enc"], header["kid"]) == ("RSA-OAEP-256", "A256GCM", rsa_key.thumbprint())
            assert b"Software Developer" not in token.encode()
        data = crypto.decrypt(body["encryptedData"], rsa_key)
        metadata = json.loads(crypto.decrypt(body["encryptedMetadata"], rsa_key))
        assert metadata["contentStructure"]["data"]["hash"]["content"] == hashlib.sha512(data).hexdigest()
    announce = [kw for m, url, kw in seen if m == "POST"]
    assert {kw["headers"]["Idempotency-Key"] for kw in announce} == set(
        AuthorityRequest.objects.values_list("idempotency_key", flat=True))


@pytest.mark.django_db
def test_a_tampered_submission_is_refused_by_the_office_and_kept(http_transport, make_case, monkeypatch):
    original = crypto.build_metadata

    def wrong_hash(**kwargs):
        metadata = original(**kwargs)
        metadata["contentStructure"]["data"]["hash"]["content"] = "0" * 128
        return metadata

    monkeypatch.setattr(crypto, "build_metadata", wrong_hash)
    case = make_case("18g")
    confirm_complete(case)
    assert set(deliver_all()) == {"dead"}  # 422: retrying the same bytes cannot help
    row = Outbox.objects.first()
    assert "422" in row.last_error and "hash-mismatch" in row.last_error
    assert not [r for r in http_transport.submissions() if r["state"] == "submitted"]
    monkeypatch.setattr(crypto, "build_metadata", original)
    assert services.outbox_retry_dead() == 2
    assert set(deliver_all()) == {"delivered"}


@pytest.mark.django_db
def test_office_without_a_usable_key_is_a_dead_letter(http_transport, make_case, offices):
    offices["register"].public_key_jwk = {"kty": "oct", "k": "c2VjcmV0"}
    offices["register"].save()
    offices["visa_ind"].public_key_jwk = {**http_transport.public_jwk(), "key_ops": ["verify"]}
    offices["visa_ind"].save()
    case = make_case("18g")
    confirm_complete(case)
    deliver_all()
    errors = dict(Outbox.objects.values_list("request__purpose", "last_error"))
    assert "RSA" in errors["register_check"] and "wrapKey" in errors["visa"]
    assert set(Outbox.objects.values_list("state", flat=True)) == {OutboxState.DEAD}
