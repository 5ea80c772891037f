"""The HTTP payment provider (ePayBL-like) against its loopback simulator on a free port: registration,
the payer's redirect and click, the signed notification, idempotent booking, refunds, and the faults
(provider down, replayed notification, forged signature, abandoned attempt, failing refund retried)."""

import socket

import pytest
import requests
from django.urls import reverse
from django.utils import translation

from applications import services as case_services
from applications.lifecycle import CaseState
from applications.models import Event, FeeDue, FeeKind, Payment
from applications.payments import services as payment_services
from applications.payments.http_simulator import serve_in_thread
from applications.payments.models import RefundState
from applications.payments.provider import SIGNATURE_HEADER, HttpProvider, ProviderUnavailable, notify_secret
from authorities import services as authority_services
from tests.authorities.conftest import attend_appointment, confirm_complete

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings, tmp_path_factory):
    settings.VAR_DIR = tmp_path_factory.getbasetemp() / "var"
    settings.WSA_AUTHORITY_SIMULATOR_DELAY = 0
    with translation.override("en"):
        yield


@pytest.fixture
def provider(settings):
    """The simulator on a free loopback port; its signed notifications are collected, not sent."""
    settings.WSA_PAYMENT_PROVIDER = "http"
    settings.WSA_PAYMENT_HTTP_TIMEOUT = 2
    settings.SITE_URL = "https://portal.example"
    notifications = []
    server, thread = serve_in_thread(notify_secret=notify_secret(),
                                     notify_sink=lambda headers, body: notifications.append((headers, body)))
    server.notifications = notifications
    settings.WSA_PAYMENT_HTTP_URL = server.url
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def reviewed(offices, make_case, django_capture_on_commit_callbacks):
    case = make_case("18a")
    with django_capture_on_commit_callbacks(execute=True):
        case_services.case_submit(case=case, actor=case.person.user)
        confirm_complete(case)
        attend_appointment(case, pay=False)
    case.refresh_from_db()
    return case


def applicant(client, case):
    client.force_login(case.person.user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def deliver(client, headers, body):
    return client.post(reverse("payment_notify"), data=body, content_type="application/json",
                       headers={SIGNATURE_HEADER: headers[SIGNATURE_HEADER]})


def start(client, case):
    return client.post(reverse("applicant:case_fee_pay", args=[case.public_id]))


def test_registration_redirect_click_notification(provider, reviewed, client, django_capture_on_commit_callbacks):
    case = reviewed
    response = start(applicant(client, case), case)
    payment = Payment.objects.get()
    assert payment.provider == "http" and payment.provider_payment_id
    assert response["Location"] == f"{provider.url}/pay/{payment.provider_payment_id}"
    registered = provider.payments[payment.provider_payment_id]
    assert registered["amount_cents"] == 7500 and registered["reference"] == payment.reference
    assert registered["notify_url"] == "https://portal.example" + reverse("payment_notify")
    assert registered["return_url"].endswith(reverse("applicant:case_detail", args=[case.public_id]) + "#fee")

    page = requests.get(response["Location"], timeout=5)
    assert "75.00 EUR" in page.text
    click = requests.post(response["Location"], data={"action": "pay"}, allow_redirects=False, timeout=5)
    assert click.status_code == 303 and click.headers["Location"] == registered["return_url"]
    [(headers, body)] = provider.notifications
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver(client, headers, body).status_code == 200
    case.refresh_from_db()
    assert FeeDue.objects.get(case=case, kind=FeeKind.VISA).paid_at is not None
    assert case.state == CaseState.VISA_DECISION

    # The notification replayed: nothing changes.
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver(client, headers, body).status_code == 200
    assert Event.objects.filter(case=case, kind="fee", payload__what="paid").count() == 1
    # A forged one (another body under the old signature) is refused.
    forged = body.replace(b'"paid"', b'"failed"')
    assert deliver(client, headers, forged).status_code == 403


def test_the_same_registration_twice_is_the_same_payment(provider):
    adapter = HttpProvider()
    kwargs = {"reference": "WSA-same", "amount_cents": 7500, "currency": "EUR", "purpose": "x",
              "return_url": "https://portal.example/back"}
    first, again = adapter.payment_create(**kwargs), adapter.payment_create(**kwargs)
    assert first == again and len(provider.payments) == 1


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("fault", ["down", "503", "garbage"])
def test_a_provider_that_is_down_or_answers_nonsense_changes_nothing(provider, reviewed, client, settings, fault):
    if fault == "down":
        settings.WSA_PAYMENT_HTTP_URL = f"http://127.0.0.1:{free_port()}"
    else:
        provider.inject(fault)
    response = start(applicant(client, reviewed), reviewed)
    assert response["Location"].endswith("#fee")
    html = client.get(response["Location"]).content.decode()
    assert "The payment service is not available at the moment. Nothing was charged." in html
    assert not Payment.objects.exists()
    assert FeeDue.objects.get(case=reviewed, kind=FeeKind.VISA).paid_at is None


def test_an_abandoned_attempt_paid_later_is_refunded(provider, reviewed, client, django_capture_on_commit_callbacks):
    """The applicant leaves the provider's page, starts again and pays; then pays the old page too."""
    case = reviewed
    applicant(client, case)
    old_page = start(client, case)["Location"]
    new_page = start(client, case)["Location"]
    old, new = Payment.objects.order_by("pk")
    assert old.state == Payment.State.ABANDONED and new.state == Payment.State.PENDING and old_page != new_page
    requests.post(new_page, data={"action": "pay"}, allow_redirects=False, timeout=5)
    requests.post(old_page, data={"action": "pay"}, allow_redirects=False, timeout=5)
    with django_capture_on_commit_callbacks(execute=True):
        for headers, body in provider.notifications:
            assert deliver(client, headers, body).status_code == 200
    old.refresh_from_db()
    new.refresh_from_db()
    assert new.state == Payment.State.PAID and new.refund_state == ""
    assert old.state == Payment.State.PAID and old.refund_state == RefundState.REFUNDED
    assert provider.payments[old.provider_payment_id]["status"] == "refunded"
    assert provider.payments[new.provider_payment_id]["status"] == "paid"


def test_a_failing_refund_is_retried_on_the_sweep(provider, reviewed, client, django_capture_on_commit_callbacks):
    case = reviewed
    applicant(client, case)
    pages = [start(client, case)["Location"] for _ in range(2)]
    for page in reversed(pages):
        requests.post(page, data={"action": "pay"}, allow_redirects=False, timeout=5)
    provider.inject("503")  # the refund's first request fails
    with django_capture_on_commit_callbacks(execute=True):
        for headers, body in provider.notifications:
            deliver(client, headers, body)
    double = Payment.objects.get(refund_state__in=[RefundState.FAILED, RefundState.REFUNDED])
    assert double.refund_state == RefundState.FAILED and double.refund_attempts == 1
    assert not Event.objects.filter(case=case, payload__what="refunded").exists()

    authority_services.deadlines_sweep_run()
    double.refresh_from_db()
    assert double.refund_state == RefundState.REFUNDED and double.refund_attempts == 2 and double.refunded_at
    # Once refunded it is not asked again.
    assert payment_services.refunds_retry() == 0
    assert Event.objects.filter(case=case, payload__what="refunded").count() == 1


def test_a_refund_the_provider_does_not_confirm_stays_owed(provider):
    with pytest.raises(ProviderUnavailable):
        HttpProvider().refund(reference="WSA-x", provider_payment_id="unknown", amount_cents=1, currency="EUR")
