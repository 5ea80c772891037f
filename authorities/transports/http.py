"""The `http` transport, modelled on the FIT-Connect Submission API (shared/PROTOCOLS.md section 3).

Sending one request (all paths under the office's `endpoint_url`):

1. `POST /v1/submissions` `{destinationId, announcedAttachments, serviceType}` with the header
   `Idempotency-Key`; the office answers 201 (new) or 200 (known key: the same submission).
2. `PUT /v1/submissions/{id}/attachments/{attachmentId}` per attachment, body the JWE (`application/jose`).
3. `PUT /v1/submissions/{id}` `{encryptedMetadata, encryptedData}`: both JWE; the metadata holds the
   SHA-512 hashes of the data and of every attachment. 202.

Everything is encrypted to the office's key (`Authority.public_key_jwk`, RSA-OAEP-256 + A256GCM).
Answers: the office POSTs a signed callback (views.callback), then the hub reads
`GET /v1/submissions/{id}/answer`. Timeouts, 5xx, 408/409/429 and unreadable bodies are worth a
retry; other 4xx are permanent.
"""

from __future__ import annotations

import json
import uuid

import requests
from django.conf import settings

from wsa.observability.tracing import outgoing_headers

from .. import crypto
from ..selectors import visa_office_context
from .base import Envelope, Receipt, Transport, TransportError

RETRYABLE_4XX = {408, 409, 425, 429}
LEIKA_SERVICE = "urn:de:fim:leika:leistung:99000000000000"


def _check(response: requests.Response, expected: set[int], step: str) -> None:
    if response.status_code in expected:
        return
    detail = response.text[:300]
    permanent = 400 <= response.status_code < 500 and response.status_code not in RETRYABLE_4XX
    raise TransportError(f"{step}: HTTP {response.status_code} {detail}", permanent=permanent)


def _json(response: requests.Response, step: str) -> dict:
    try:
        body = response.json()
    except ValueError:
        raise TransportError(f"{step}: the answer is not JSON: {response.text[:120]!r}") from None
    if not isinstance(body, dict):
        raise TransportError(f"{step}: the answer is not a JSON object.")
    return body


class HttpTransport(Transport):
    name = "http"

    def __init__(self, session: requests.Session | None = None):
        self.session = session or requests.Session()

    @property
    def timeout(self) -> tuple[float, float]:
        return (settings.WSA_AUTHORITY_HTTP_CONNECT_TIMEOUT, settings.WSA_AUTHORITY_HTTP_TIMEOUT)

    def _base(self, authority) -> str:
        if not authority.endpoint_url:
            raise TransportError(f"{authority} has no endpoint URL.", permanent=True)
        if not authority.destination_id:
            raise TransportError(f"{authority} has no destination id.", permanent=True)
        return authority.endpoint_url.rstrip("/") + "/v1"

    def _call(self, method: str, url: str, step: str, **kwargs) -> requests.Response:
        try:
            headers = {**kwargs.pop("headers", {}), **outgoing_headers()}
            return self.session.request(method, url, timeout=self.timeout, headers=headers, **kwargs)
        except requests.Timeout as error:
            raise TransportError(f"{step}: timed out ({error.__class__.__name__})") from error
        except requests.RequestException as error:
            raise TransportError(f"{step}: {error.__class__.__name__}: {error}") from error

    def send(self, *, request, envelope: Envelope) -> Receipt:
        authority = request.authority
        base = self._base(authority)
        try:
            key = crypto.public_key(authority.public_key_jwk)
        except crypto.CryptoError as error:
            raise TransportError(str(error), permanent=True) from error
        contents = []
        for attachment in envelope.attachments:
            try:
                contents.append((attachment, attachment.read()))
            except Exception as error:
                raise TransportError(f"Attachment {attachment.document_id} cannot be read: {error}") from error
        headers = {"Idempotency-Key": request.idempotency_key}

        # 1. Announce.
        announced = self._call("POST", f"{base}/submissions", "announce", headers=headers, json={
            "destinationId": authority.destination_id,
            "announcedAttachments": [attachment.attachment_id for attachment, _ in contents],
            "serviceType": {"name": request.get_purpose_display(), "identifier": LEIKA_SERVICE},
        })
        _check(announced, {200, 201}, "announce")
        body = _json(announced, "announce")
        submission_id, case_id = body.get("submissionId"), body.get("caseId", "")
        try:
            submission_id = str(uuid.UUID(str(submission_id)))
        except ValueError:
            raise TransportError(f"announce: no valid submissionId in {body!r}"[:200]) from None

        # 2. Attachments, each its own JWE.
        manifest = []
        for attachment, content in contents:
            token = crypto.encrypt(content, key, content_type=attachment.mime_type)
            uploaded = self._call(
                "PUT", f"{base}/submissions/{submission_id}/attachments/{attachment.attachment_id}",
                "upload attachment", headers={**headers, "Content-Type": "application/jose"}, data=token,
            )
            _check(uploaded, {200, 204}, "upload attachment")
            manifest.append({"attachmentId": attachment.attachment_id, "document": attachment.document_id,
                             "sha512": crypto.sha512_hex(content), "mimeType": attachment.mime_type,
                             "filename": attachment.filename})

        # 3. Data and metadata.
        data = crypto.canonical_json(envelope.data)
        metadata = crypto.build_metadata(
            data=data, schema_uri=envelope.data.get("$schema", ""), attachments=manifest,
            reference={"senderReference": envelope.data.get("reference", ""),
                       "idempotencyKey": request.idempotency_key},
        )
        submitted = self._call("PUT", f"{base}/submissions/{submission_id}", "submit", headers=headers, json={
            "encryptedMetadata": crypto.encrypt(crypto.canonical_json(metadata), key, content_type="application/json"),
            "encryptedData": crypto.encrypt(data, key, content_type="application/json"),
        })
        _check(submitted, {200, 202}, "submit")
        return Receipt(remote_id=submission_id, remote_case_id=str(case_id),
                       manifest={"attachments": manifest, "dataSha512": crypto.sha512_hex(data)})

    def fetch_answer(self, *, request) -> dict | None:
        base = self._base(request.authority)
        # The visa office's own files (appointment, attendance, approvals) travel with the question.
        response = self._call("GET", f"{base}/submissions/{request.remote_id}/answer", "fetch answer",
                              params=visa_office_context(request=request) or None)
        if response.status_code in (204, 404):
            return None
        _check(response, {200}, "fetch answer")
        try:
            return json.loads(response.content)
        except ValueError:
            # Unreadable: handed on as is, so the adapter rejects it and the request records the error.
            return {"unreadable": response.text[:200]}
