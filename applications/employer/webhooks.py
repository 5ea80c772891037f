"""Webhooks of the HR API: every state change of an employer's case is delivered, signed, to the
organisation's registered endpoints.

Every transition (``procedure.after_transition``) writes one ``WebhookDelivery`` row per
endpoint inside the transaction of the transition (so a delivery is never lost and never made for a
change that was rolled back) and, on commit, hands each id to the Celery task
``applications.tasks.webhook_deliver``. That task sends, with retries and exponential backoff; nothing here
ever calls the network inside a web request. Without a broker (Celery eager mode) deliveries stay
pending for ``manage.py deliver_webhooks`` / the beat sweep instead of being sent in-process.

The payload holds no personal data of the candidate, whatever the consent: the reference, ids,
states and the employer's own reference. The HR system reads more through the API if consented.

Signature (``X-WSA-Signature: t=<unix>,v1=<hex>``): HMAC-SHA256 with the endpoint's secret over
``f"{t}.{body}"``; receivers reject a timestamp older than five minutes (replays).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import socket
import time
import uuid
from datetime import timedelta
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import EmployerCaseDetails, WebhookDelivery, WebhookEndpoint
from accounts.services import webhook_secret
from wsa.celery import app
from wsa.queueing import backoff_seconds, enqueue_on_commit

from ..models import Event

logger = logging.getLogger(__name__)

EVENT_STATUS_CHANGED = "case.status_changed"
SIGNATURE_HEADER = "X-WSA-Signature"
TOLERANCE_SECONDS = 300
USER_AGENT = "WSA-Webhooks/1.0"


def max_attempts() -> int:
    return int(getattr(settings, "WSA_WEBHOOK_MAX_ATTEMPTS", 8))


def retry_wait(attempt: int) -> float:
    """Wait before attempt `attempt + 1`: up to 30 s, 60 s, 2 min, 4 min ... capped at 6 h."""
    return backoff_seconds(attempt, base=float(getattr(settings, "WSA_WEBHOOK_BACKOFF_SECONDS", 30.0)),
                           cap=6 * 3600.0)


# --- Signing -------------------------------------------------------------------------------------


def signature(secret: str, body: str | bytes, timestamp: int) -> str:
    body_text = body.decode() if isinstance(body, bytes) else body
    digest = hmac.new(secret.encode(), f"{timestamp}.{body_text}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify_signature(secret: str, body: str | bytes, header: str, *, tolerance: int = TOLERANCE_SECONDS,
                     now: float | None = None) -> bool:
    """What a receiver does: the timestamp is recent and one v1 value matches (constant time)."""
    try:
        parts = [item.split("=", 1) for item in (header or "").split(",")]
        timestamp = int(next(value for key, value in parts if key.strip() == "t"))
        candidates = [value.strip() for key, value in parts if key.strip() == "v1"]
    except (ValueError, StopIteration):
        return False
    if abs((now if now is not None else time.time()) - timestamp) > tolerance:
        return False
    expected = signature(secret, body, timestamp).split("v1=", 1)[1]
    return any(hmac.compare_digest(expected, candidate) for candidate in candidates)


def body_of(payload: dict) -> str:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


# --- Writing deliveries (inside the transition's transaction) --------------------------------------


def _status_payload(*, case, transition: str) -> dict:
    event = Event.objects.filter(case=case, kind="transition").order_by("-created_at", "-pk").first()
    details = EmployerCaseDetails.objects.filter(case=case).first()
    occurred = event.created_at if event else timezone.now()
    return {
        "id": str(uuid.uuid4()),
        "type": EVENT_STATUS_CHANGED,
        "created_at": timezone.now().isoformat(),
        "data": {
            "case": {
                "id": str(case.public_id),
                "reference": case.reference,
                "state": case.state,
                "previous_state": event.from_state if event else "",
                "transition": transition,
                "accelerated": case.accelerated,
                "your_reference": details.employer_reference if details else "",
            },
            "occurred_at": occurred.isoformat(),
        },
    }


def deliveries_create(*, case, transition: str) -> list[int]:
    if not case.employer_id:
        return []
    endpoints = [e for e in WebhookEndpoint.objects.filter(organisation_id=case.employer_id, disabled_at__isnull=True)
                 if EVENT_STATUS_CHANGED in (e.events or [])]
    if not endpoints:
        return []
    payload = _status_payload(case=case, transition=transition)
    ids = [WebhookDelivery.objects.create(endpoint=endpoint, event_type=EVENT_STATUS_CHANGED, payload=payload).pk
           for endpoint in endpoints]
    if _sent_by_a_worker():
        for delivery_id in ids:
            # By name: applications.tasks imports this module.
            enqueue_on_commit("applications.tasks.webhook_deliver", (delivery_id,))
    return ids


def _sent_by_a_worker() -> bool:
    """In eager mode (no broker) deliveries stay pending for the sweep: a web request must never
    wait for an employer's server."""
    return not app.conf.task_always_eager or getattr(settings, "WSA_WEBHOOKS_SEND_EAGER", False)


# --- Sending (in the Celery worker) ----------------------------------------------------------------

SUCCEEDED, RETRY, FAILED, SKIPPED = "succeeded", "retry", "failed", "skipped"
LEASE_SECONDS = 120


class BlockedAddress(Exception):
    pass


def _check_destination(url: str) -> None:
    """Refuses hosts that resolve to private, loopback or link-local addresses (SSRF), unless allowed."""
    if getattr(settings, "WSA_WEBHOOK_ALLOW_PRIVATE_NETWORKS", False):
        return
    host = urlsplit(url).hostname or ""
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError as exc:
        raise ConnectionError(f"cannot resolve {host}") from exc
    for info in infos:
        if not ipaddress.ip_address(info[4][0].split("%", 1)[0]).is_global:
            raise BlockedAddress(f"{host} resolves to a non-public address")


def _post(url: str, body: str, headers: dict):
    return requests.post(url, data=body.encode(), headers=headers, timeout=(5, 10), allow_redirects=False)


def delivery_attempt(*, delivery_id: int) -> tuple[str, float | None]:
    """One attempt of one delivery: (outcome, seconds until the next attempt or None)."""
    now = timezone.now()
    with transaction.atomic():
        delivery = (WebhookDelivery.objects.select_for_update(skip_locked=True).select_related("endpoint")
                    .filter(pk=delivery_id).first())
        if (delivery is None or delivery.state != WebhookDelivery.State.PENDING
                or delivery.next_attempt_at > now + timedelta(seconds=1)):
            return SKIPPED, None
        if delivery.endpoint.disabled_at is not None:
            delivery.state = WebhookDelivery.State.FAILED
            delivery.last_error = "endpoint disabled"
            delivery.save(update_fields=["state", "last_error"])
            return FAILED, None
        # A lease: a second worker (or the sweep) leaves this delivery alone while we send.
        delivery.attempts += 1
        delivery.next_attempt_at = now + timedelta(seconds=LEASE_SECONDS)
        delivery.save(update_fields=["attempts", "next_attempt_at"])
    endpoint = delivery.endpoint
    body = body_of(delivery.payload)
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-WSA-Event": delivery.event_type,
        "X-WSA-Delivery": str(delivery.public_id),
        SIGNATURE_HEADER: signature(webhook_secret(endpoint), body, timestamp),
    }
    status_code, error = None, ""
    try:
        _check_destination(endpoint.url)
        response = _post(endpoint.url, body, headers)
        status_code = response.status_code
        if not 200 <= status_code < 300:
            error = f"HTTP {status_code}"
    except BlockedAddress as exc:
        error = str(exc)
    except Exception as exc:  # network errors of any kind: retried
        error = f"{type(exc).__name__}: {exc}"[:1000]
    return _record(delivery_id=delivery.pk, status_code=status_code, error=error)


def _record(*, delivery_id: int, status_code: int | None, error: str) -> tuple[str, float | None]:
    now = timezone.now()
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery_id)
        delivery.last_status_code = status_code
        delivery.last_error = error
        if not error:
            delivery.state = WebhookDelivery.State.SUCCEEDED
            delivery.delivered_at = now
            delivery.save(update_fields=["last_status_code", "last_error", "state", "delivered_at"])
            return SUCCEEDED, None
        if delivery.attempts >= max_attempts():
            delivery.state = WebhookDelivery.State.FAILED
            delivery.save(update_fields=["last_status_code", "last_error", "state"])
            logger.warning("Webhook delivery %s failed for good after %s attempts: %s", delivery.public_id,
                           delivery.attempts, error)
            return FAILED, None
        wait = retry_wait(delivery.attempts)
        delivery.next_attempt_at = now + timedelta(seconds=wait)
        delivery.save(update_fields=["last_status_code", "last_error", "next_attempt_at"])
        return RETRY, wait


def due_deliveries(*, grace_seconds: float = 60.0, limit: int = 200) -> list[int]:
    """Pending deliveries whose retry is overdue (a lost task, a lease of a dead worker, eager mode)."""
    cutoff = timezone.now() - timedelta(seconds=grace_seconds)
    return list(WebhookDelivery.objects.filter(state=WebhookDelivery.State.PENDING, next_attempt_at__lte=cutoff)
                .order_by("next_attempt_at").values_list("pk", flat=True)[:limit])
