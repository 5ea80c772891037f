"""Webhooks: signed status-change deliveries, written in the transition's transaction and sent by a
Celery task with retries and exponential backoff."""

import hashlib
import hmac
import json
import logging
import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts import services as account_services
from accounts.models import WebhookDelivery
from applications import services
from applications.employer import webhooks
from applications.tasks import webhook_deliver, webhook_sweep
from tests.auth import reauthenticated


class FakeResponse:
    def __init__(self, status_code):
        self.status_code = status_code


@pytest.fixture
def endpoint(organisation, owner):
    endpoint, secret = account_services.webhook_endpoint_create(organisation=organisation, actor=owner,
                                                                url="https://hr.example.com/hooks")
    endpoint.secret_plain = secret
    return endpoint


@pytest.fixture
def sent(monkeypatch):
    """Replaces the HTTP call; `sent.responses` is consumed in order (an Exception is raised)."""

    class Recorder:
        calls: list = []
        responses: list = []

        def __call__(self, url, body, headers):
            self.calls.append((url, body, headers))
            answer = self.responses.pop(0) if self.responses else FakeResponse(200)
            if isinstance(answer, Exception):
                raise answer
            return answer

    recorder = Recorder()
    recorder.calls, recorder.responses = [], []
    monkeypatch.setattr(webhooks, "_post", recorder)
    monkeypatch.setattr(webhooks, "_check_destination", lambda url: None)
    return recorder


def test_signature_good_bad_and_old():
    secret, body = "whsec_test", '{"a":1}'
    now = int(time.time())
    header = webhooks.signature(secret, body, now)
    expected = hmac.new(secret.encode(), f"{now}.{body}".encode(), hashlib.sha256).hexdigest()
    assert header == f"t={now},v1={expected}"
    assert webhooks.verify_signature(secret, body, header)
    assert not webhooks.verify_signature("whsec_other", body, header)
    assert not webhooks.verify_signature(secret, body + " ", header)
    assert not webhooks.verify_signature(secret, body, header.replace("v1=", "v1=0"))
    assert not webhooks.verify_signature(secret, body, "garbage")
    old = webhooks.signature(secret, body, now - 301)
    assert not webhooks.verify_signature(secret, body, old)
    assert webhooks.verify_signature(secret, body, old, now=now - 300)


@pytest.mark.django_db
def test_transition_writes_delivery_and_sends_it_signed(accepted_case, endpoint, sent, settings,
                                                        django_capture_on_commit_callbacks):
    settings.WSA_WEBHOOKS_SEND_EAGER = True
    case = accepted_case("full")
    with django_capture_on_commit_callbacks(execute=True):
        services.case_submit(case=case, actor=case.person.user)
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert delivery.state == WebhookDelivery.State.SUCCEEDED and delivery.attempts == 1
    url, body, headers = sent.calls[0]
    assert url == endpoint.url
    assert webhooks.verify_signature(endpoint.secret_plain, body, headers["X-WSA-Signature"])
    payload = json.loads(body)
    assert payload["type"] == "case.status_changed"
    assert payload["data"]["case"] == {
        "id": str(case.public_id), "reference": case.reference, "state": "submitted", "previous_state": "draft",
        "transition": "submit", "accelerated": False, "your_reference": "REQ-1"}
    # No personal data in a webhook, whatever the consent.
    assert "Sharma" not in body and "priya" not in body.lower()
    assert headers["X-WSA-Delivery"] == str(delivery.public_id)


@pytest.mark.django_db
def test_every_transition_delivers_its_webhooks_once(monkeypatch):
    from applications import procedure
    from applications.lifecycle import TRANSITIONS
    from tests.factories import CaseFactory

    delivered = []
    monkeypatch.setattr("applications.employer.webhooks.deliveries_create",
                        lambda *, case, transition: delivered.append(transition))
    # What the procedure does after the webhooks is not this test's business (extensions have guards).
    monkeypatch.setattr(procedure, "extension_decision_guard", lambda **kwargs: None)
    for name in TRANSITIONS:
        procedure.after_transition(case=CaseFactory(), transition=name)
    assert delivered == list(TRANSITIONS)


@pytest.mark.django_db
def test_rolled_back_transition_sends_nothing(accepted_case, endpoint, sent):
    case = accepted_case("status")
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        services.case_submit(case=case, actor=case.person.user)
        raise RuntimeError
    assert not WebhookDelivery.objects.exists() and not sent.calls


@pytest.mark.django_db
def test_eager_mode_never_sends_inside_the_request(accepted_case, endpoint, sent,
                                                   django_capture_on_commit_callbacks):
    case = accepted_case("status")
    with django_capture_on_commit_callbacks(execute=True):
        services.case_submit(case=case, actor=case.person.user)
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == "pending" and not sent.calls
    call_command("deliver_webhooks")
    delivery.refresh_from_db()
    assert delivery.state == "succeeded" and len(sent.calls) == 1


@pytest.mark.django_db
def test_failures_are_retried_with_exponential_backoff_then_given_up(accepted_case, endpoint, sent, settings,
                                                                     monkeypatch):
    settings.WSA_WEBHOOK_MAX_ATTEMPTS = 4
    settings.WSA_WEBHOOK_BACKOFF_SECONDS = 30
    case = accepted_case("status")
    services.case_submit(case=case, actor=case.person.user)
    delivery = WebhookDelivery.objects.get()
    sent.responses = [FakeResponse(500), ConnectionError("refused"), FakeResponse(503), FakeResponse(502)]

    class Retry(Exception):
        def __init__(self, countdown):
            self.countdown = countdown

    def fake_retry(countdown=None, **kwargs):
        raise Retry(countdown)

    monkeypatch.setattr(webhook_deliver, "retry", fake_retry)
    waits = []
    for _attempt in range(3):
        with pytest.raises(Retry) as caught:
            webhook_deliver.run(delivery.pk)
        waits.append(caught.value.countdown)
        delivery.refresh_from_db()
        assert delivery.state == "pending"
        WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    assert 15 <= waits[0] <= 30 and 30 <= waits[1] <= 60 and 60 <= waits[2] <= 120
    assert webhook_deliver.run(delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert delivery.state == "failed" and delivery.attempts == 4 and delivery.last_status_code == 502
    assert len(sent.calls) == 4


@pytest.mark.django_db
def test_a_delivery_is_not_sent_twice(accepted_case, endpoint, sent):
    case = accepted_case("status")
    services.case_submit(case=case, actor=case.person.user)
    delivery = WebhookDelivery.objects.get()
    assert webhooks.delivery_attempt(delivery_id=delivery.pk)[0] == "succeeded"
    assert webhooks.delivery_attempt(delivery_id=delivery.pk)[0] == "skipped"
    # A pending delivery whose retry is not due yet is left alone too.
    WebhookDelivery.objects.filter(pk=delivery.pk).update(state="pending",
                                                          next_attempt_at=timezone.now() + timedelta(minutes=5))
    assert webhooks.delivery_attempt(delivery_id=delivery.pk)[0] == "skipped"
    assert len(sent.calls) == 1


@pytest.mark.django_db
def test_private_destinations_are_blocked(accepted_case, endpoint, settings, monkeypatch):
    settings.WSA_WEBHOOK_ALLOW_PRIVATE_NETWORKS = False
    monkeypatch.setattr(webhooks.socket, "getaddrinfo", lambda host, port: [(0, 0, 0, "", ("10.1.2.3", 0))])
    posted = []
    monkeypatch.setattr(webhooks, "_post", lambda *a: posted.append(a))
    case = accepted_case("status")
    services.case_submit(case=case, actor=case.person.user)
    outcome, _wait = webhooks.delivery_attempt(delivery_id=WebhookDelivery.objects.get().pk)
    assert outcome == "retry" and not posted
    assert "non-public" in WebhookDelivery.objects.get().last_error


@pytest.mark.django_db
def test_disabled_endpoint_gets_nothing(accepted_case, endpoint, owner, sent):
    account_services.webhook_endpoint_disable(endpoint=endpoint, actor=owner)
    case = accepted_case("status")
    services.case_submit(case=case, actor=case.person.user)
    assert not WebhookDelivery.objects.exists()


@pytest.mark.django_db
def test_sweep_requeues_overdue_deliveries(accepted_case, endpoint, sent, monkeypatch):
    case = accepted_case("status")
    services.case_submit(case=case, actor=case.person.user)
    WebhookDelivery.objects.update(next_attempt_at=timezone.now() - timedelta(minutes=10))
    assert webhook_sweep() == 1
    assert WebhookDelivery.objects.get().state == "succeeded"


@pytest.mark.django_db
def test_owner_manages_webhooks_in_the_portal(client, owner, member):
    client.force_login(owner)
    reauthenticated(client)  # a new signing secret asks for the password again (tests/security)
    response = client.post("/employer/webhooks/", {"url": "https://hr.example.com/in", "description": "HR"})
    assert response.status_code == 200
    assert "whsec_" in response.content.decode()
    assert "whsec_" not in client.get("/employer/webhooks/").content.decode()
    client.force_login(member)
    assert client.get("/employer/webhooks/").status_code == 403


@pytest.mark.django_db
def test_admin_pages_of_employer_models_load(client, settings, accepted_case, endpoint, api_token, sent):
    from django.contrib import admin
    from django.urls import reverse

    from tests.factories import UserFactory

    settings.WSA_STAFF_MFA_REQUIRED = False
    case = accepted_case("full")
    services.case_submit(case=case, actor=case.person.user)
    api_token()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    for model in admin.site._registry:
        if model._meta.app_label != "accounts":
            continue
        info = (model._meta.app_label, model._meta.model_name)
        assert client.get(reverse("admin:%s_%s_changelist" % info)).status_code == 200
        obj = model._default_manager.first()
        if obj is not None:
            assert client.get(reverse("admin:%s_%s_change" % info, args=[obj.pk])).status_code == 200


@pytest.mark.django_db
def test_a_transition_while_the_broker_is_down_keeps_its_delivery_for_the_sweep(
        accepted_case, endpoint, sent, dead_broker, django_capture_on_commit_callbacks, caplog):
    case = accepted_case("status")
    with django_capture_on_commit_callbacks() as callbacks:
        services.case_transition(case=case, transition="submit", actor=case.person.user)
    with caplog.at_level(logging.INFO, logger="wsa.queueing"):
        for callback in callbacks:
            callback()  # would raise kombu.OperationalError if not caught
    assert "applications.tasks.webhook_deliver" in caplog.text
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == "pending" and not sent.calls
    # The broker is back: the beat sweep sends it.
    dead_broker()
    WebhookDelivery.objects.update(next_attempt_at=timezone.now() - timedelta(minutes=10))
    assert webhook_sweep() == 1
    delivery.refresh_from_db()
    assert delivery.state == "succeeded" and len(sent.calls) == 1
