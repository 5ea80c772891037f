"""Signed callbacks from the offices (FIT-Connect callbacks, shared/PROTOCOLS.md section 3).

`callback-authentication` = hex HMAC-SHA512(secret, f"{callback-timestamp}.{raw body}"); a request
with a bad signature, or a timestamp more than five minutes off, is rejected. A callback only
says that something is waiting: the hub then fetches the answer itself (tasks.authority_answer_fetch),
so a replayed callback cannot change anything.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time

from django.conf import settings

MAX_AGE_SECONDS = 300
CALLBACK_TYPE = "https://schema.fitko.de/fit-connect/submission-api/callbacks/new-events"


class CallbackRejected(Exception):
    pass


class CallbackMalformed(ValueError):
    """A correctly signed callback whose body is not the callback format."""


# A submission id as the offices issue them (a UUID, or a token of letters, digits, dots and dashes that
# fits AuthorityRequest.remote_id): nothing else reaches a query.
_SUBMISSION_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,99}")
MAX_SUBMISSIONS = 1000


def submission_ids(raw_body: bytes) -> list[str]:
    """The submission ids a verified callback names (``submissions[].submissionId``, and the deprecated
    ``submissionIds``). CallbackMalformed for anything else: not JSON, nested beyond the parser's depth,
    ids that are not ids (NUL bytes, numbers, objects, over-long), or more ids than a callback carries."""
    try:
        payload = json.loads(raw_body)
    except (ValueError, RecursionError) as exc:
        raise CallbackMalformed("not JSON") from exc
    if not isinstance(payload, dict):
        raise CallbackMalformed("not an object")
    entries, legacy = payload.get("submissions") or [], payload.get("submissionIds") or []
    if not isinstance(entries, list) or not isinstance(legacy, list):
        raise CallbackMalformed("submissions is not a list")
    if any(not isinstance(entry, dict) or "submissionId" not in entry for entry in entries):
        raise CallbackMalformed("a submission without an id")
    ids = [entry["submissionId"] for entry in entries] + legacy
    if len(ids) > MAX_SUBMISSIONS:
        raise CallbackMalformed("too many submissions")
    if any(not isinstance(value, str) or not _SUBMISSION_ID.fullmatch(value) for value in ids):
        raise CallbackMalformed("a submission id that is no id")
    return ids


def callback_secret() -> str:
    """The shared secret: WSA_AUTHORITY_CALLBACK_SECRET, or outside production one derived from
    SECRET_KEY so that development and tests work without configuration. Empty: callbacks are off."""
    if settings.WSA_AUTHORITY_CALLBACK_SECRET:
        return settings.WSA_AUTHORITY_CALLBACK_SECRET
    if settings.PRODUCTION:
        return ""
    return hmac.new(settings.SECRET_KEY.encode(), b"wsa-authority-callbacks", hashlib.sha256).hexdigest()


def sign(secret: str, timestamp: str, raw_body: bytes) -> str:
    message = timestamp.encode() + b"." + raw_body
    return hmac.new(secret.encode(), message, hashlib.sha512).hexdigest()


def signed_headers(secret: str, raw_body: bytes, *, timestamp: int | None = None) -> dict[str, str]:
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    return {
        "callback-timestamp": stamp,
        "callback-authentication": sign(secret, stamp, raw_body),
        "content-type": "application/json",
    }


def verify(*, secret: str, timestamp: str | None, signature: str | None, raw_body: bytes,
           now: float | None = None) -> None:
    """Raises CallbackRejected unless the signature is right and the timestamp fresh."""
    if not secret:
        raise CallbackRejected("no callback secret configured")
    if not timestamp or not signature:
        raise CallbackRejected("missing callback headers")
    try:
        stamp = int(timestamp)
    except ValueError:
        raise CallbackRejected("timestamp is not a number") from None
    if abs((time.time() if now is None else now) - stamp) > MAX_AGE_SECONDS:
        raise CallbackRejected("timestamp older than five minutes (or in the future)")
    if not hmac.compare_digest(sign(secret, timestamp, raw_body), signature.strip().lower()):
        raise CallbackRejected("bad signature")
