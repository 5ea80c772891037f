"""The visa fee: fixed when completeness is confirmed, paid at the (simulated) ePayBL-like provider,
settled by its signed server-to-server notification; the visa decision waits for it."""

import json
import logging
from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from applications import procedure
from applications import services as case_services
from applications.lifecycle import CaseState
from applications.models import Case, Event, FeeDue, Payment
from applications.payments.provider import SIGNATURE_HEADER, notification_sign
from tests.authorities.conftest import attend_appointment, confirm_complete
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings, tmp_path_factory):
    settings.VAR_DIR = tmp_path_factory.getbasetemp() / "var"
    settings.WSA_AUTHORITY_SIMULATOR_DELAY = 0
    with translation.override("en"):
        yield


@pytest.fixture
def reviewed(offices, make_case, django_capture_on_commit_callbacks):
    """A case the WSA found complete, its approvals answered and the appointment attended; fee unpaid."""
    case = make_case("18a")
    with django_capture_on_commit_callbacks(execute=True):
        case_services.case_submit(case=case, actor=case.person.user)
        confirm_complete(case)
        attend_appointment(case, pay=False)
    case.refresh_from_db()
    return case


def client_of(client, case):
    client.force_login(case.person.user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def page(client, case) -> str:
    return client.get(reverse("applicant:case_detail", args=[case.public_id])).content.decode()


def pay_start(client, case):
    return client.post(reverse("applicant:case_fee_pay", args=[case.public_id]))


def notify(client, body: bytes, signature: str | None = None):
    return client.post(reverse("payment_notify"), data=body, content_type="application/json",
                       headers={SIGNATURE_HEADER: notification_sign(body) if signature is None else signature})


def body_for(payment, status="paid", **changes) -> bytes:
    data = {"reference": payment.reference, "status": status, "amount_cents": payment.amount_cents,
            "currency": payment.currency, "at": "2026-12-06T10:00:00+00:00", **changes}
    return json.dumps(data, sort_keys=True).encode()


def test_the_whole_way_from_completeness_to_the_visa_decision(reviewed, client):
    case = reviewed
    fee = FeeDue.objects.get(case=case)
    assert (fee.amount_cents, fee.currency, fee.source) == (7500, "EUR", "§ 46 Abs. 2 Nr. 1 AufenthV")
    # Approvals in, appointment attended: the case still waits for the fee, and no one can decide it.
    assert case.state == CaseState.AUTHORITY_REVIEW
    assert procedure.case_visa_decision_blocker(case=case, granting=True) == "fee_not_paid"
    with pytest.raises(case_services.BackofficeError, match="has not paid the visa fee"):
        case_services.case_transition(case=case, transition="refer_to_visa_decision")

    html = page(client_of(client, case), case)
    assert "€75.00" in html and "Pay now" in html and "Not paid yet." in html

    response = pay_start(client, case)
    payment = Payment.objects.get(fee=fee)
    assert response.status_code == 302
    assert response["Location"] == reverse("payment_simulator", args=[payment.reference])
    bank = client.get(response["Location"]).content.decode()
    assert case.reference in bank and "€75.00" in bank
    back = client.post(response["Location"], {"action": "pay"})
    assert back["Location"] == reverse("applicant:case_detail", args=[case.public_id]) + "#fee"

    fee.refresh_from_db()
    payment.refresh_from_db()
    assert fee.paid_at is not None and payment.state == Payment.State.PAID and len(payment.notification_hash) == 64
    case.refresh_from_db()
    assert case.state == CaseState.VISA_DECISION  # the last step done: on to the visa decision
    assert Event.objects.filter(case=case, kind="fee", payload__what="paid").count() == 1
    html = page(client, case)
    assert f"Paid on {timezone.localtime(fee.paid_at):%-d %B %Y}" in html and "Pay now" not in html
    case_services.case_transition(case=case, transition="grant_visa")
    assert Case.objects.get(pk=case.pk).state == CaseState.VISA_GRANTED


def test_a_minor_pays_half(offices, make_case, django_capture_on_commit_callbacks):
    case = make_case("18a")
    today = timezone.localdate()
    case.person.birth_date = date(today.year - 16, 1, 1)
    case.person.save()
    with django_capture_on_commit_callbacks(execute=True):
        confirm_complete(case)
    fee = FeeDue.objects.get(case=case)
    assert (fee.amount_cents, fee.source) == (3750, "§ 50 Abs. 1 AufenthV")


def test_no_fee_before_completeness_is_confirmed(offices, make_case):
    case = make_case("18a")
    case_services.case_submit(case=case, actor=case.person.user)
    assert not FeeDue.objects.filter(case=case).exists()


def test_a_provider_that_is_down_changes_nothing(reviewed, client, settings):
    settings.WSA_PAYMENT_PROVIDER = "failing-simulated"
    response = pay_start(client_of(client, reviewed), reviewed)
    assert response["Location"].endswith("#fee")
    html = client.get(response["Location"]).content.decode()
    assert "The payment service is not available at the moment. Nothing was charged." in html
    assert not Payment.objects.exists() and FeeDue.objects.get(case=reviewed).paid_at is None


def test_without_the_simulator_the_bank_is_closed(reviewed, client, settings):
    settings.WSA_PAYMENT_SIMULATOR = False
    settings.DEBUG = False
    pay_start(client_of(client, reviewed), reviewed)
    assert not Payment.objects.exists()
    settings.WSA_PAYMENT_SIMULATOR = True
    pay_start(client, reviewed)
    settings.WSA_PAYMENT_SIMULATOR = False
    assert client.get(reverse("payment_simulator", args=[Payment.objects.get().reference])).status_code == 404


def test_a_replayed_notification_changes_nothing(reviewed, client):
    pay_start(client_of(client, reviewed), reviewed)
    payment = Payment.objects.get()
    body = body_for(payment)
    assert notify(client, body).status_code == 200
    paid_at = FeeDue.objects.get(case=reviewed).paid_at
    version = Case.objects.get(pk=reviewed.pk).version
    assert notify(client, body).status_code == 200
    assert notify(client, body_for(payment, status="failed")).status_code == 200  # a late word: the first counts
    assert FeeDue.objects.get(case=reviewed).paid_at == paid_at
    assert Payment.objects.get().state == Payment.State.PAID
    assert Case.objects.get(pk=reviewed.pk).version == version
    assert Event.objects.filter(case=reviewed, kind="fee").count() == 1


def test_a_forged_notification_is_refused_and_logged(reviewed, client, caplog):
    pay_start(client_of(client, reviewed), reviewed)
    payment = Payment.objects.get()
    body = body_for(payment)
    with caplog.at_level(logging.WARNING, logger="wsa.payments"):
        assert notify(client, body, signature="0" * 64).status_code == 403
        assert notify(client, body, signature="").status_code == 403
        assert notify(client, body, signature="ä").status_code == 403
    assert "invalid signature" in caplog.text
    assert Payment.objects.get().state == Payment.State.PENDING and FeeDue.objects.get().paid_at is None


def test_an_unknown_reference_and_a_wrong_amount_are_refused(reviewed, client):
    pay_start(client_of(client, reviewed), reviewed)
    payment = Payment.objects.get()
    assert notify(client, body_for(payment, reference="WSA-unknown")).status_code == 404
    assert notify(client, body_for(payment, amount_cents=1)).status_code == 400
    assert notify(client, body_for(payment, currency="USD")).status_code == 400
    assert notify(client, b"not json").status_code == 400
    assert Payment.objects.get().state == Payment.State.PENDING and FeeDue.objects.get().paid_at is None
    assert client.get(reverse("payment_notify")).status_code == 405


def test_an_abandoned_payment_waits_and_a_new_attempt_replaces_it(reviewed, client):
    first = pay_start(client_of(client, reviewed), reviewed)
    html = page(client, reviewed)
    assert "Waiting for the bank" in html and "Try again" in html
    second = pay_start(client, reviewed)
    assert first["Location"] != second["Location"]
    old, new = Payment.objects.order_by("pk")
    assert (old.state, new.state) == (Payment.State.ABANDONED, Payment.State.PENDING)
    assert client.post(first["Location"], {"action": "pay"}).status_code == 200  # closed at the bank
    assert FeeDue.objects.get().paid_at is None
    client.post(second["Location"], {"action": "pay"})
    assert FeeDue.objects.get().paid_at is not None


def test_a_cancelled_payment_can_be_tried_again(reviewed, client):
    first = pay_start(client_of(client, reviewed), reviewed)
    client.post(first["Location"], {"action": "cancel"})
    assert Payment.objects.get().state == Payment.State.FAILED
    assert "Payment cancelled — try again." in page(client, reviewed)
    again = pay_start(client, reviewed)
    client.post(again["Location"], {"action": "pay"})
    assert FeeDue.objects.get().paid_at is not None
    assert pay_start(client, reviewed)["Location"].endswith("#fee")  # paid: no third attempt
    assert Payment.objects.count() == 2


def test_others_cannot_see_or_pay_the_fee(reviewed, client):
    client.force_login(UserFactory())
    assert client.post(reverse("applicant:case_fee_pay", args=[reviewed.public_id])).status_code == 404
    assert client.get(reverse("applicant:case_detail", args=[reviewed.public_id])).status_code == 404
    assert not Payment.objects.exists()
