"""The residence permit fee after entry, the employer's § 81a fee, the fee paid in person at the office
(offices that take no online payment), receipts, the refund of a second payment, and the audit timeline."""

import json
from datetime import date
from io import StringIO

import pytest
from allauth.mfa.models import Authenticator
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Membership, Role
from applications import procedure
from applications import services as case_services
from applications.lifecycle import CaseState
from applications.models import Event, FeeDue, FeeKind, Payment
from applications.payments import services as payment_services
from applications.payments.models import RefundState
from applications.payments.provider import SimulatedProvider, notification_sign
from tests.authorities.conftest import attend_appointment, confirm_complete
from tests.factories import UserFactory
from tests.procedure import fee_pay

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings, tmp_path_factory):
    settings.VAR_DIR = tmp_path_factory.getbasetemp() / "var"
    settings.WSA_AUTHORITY_SIMULATOR_DELAY = 0
    with translation.override("en"):
        yield


def staff_of(authority):
    user = UserFactory()
    Membership.objects.create(user=user, organisation=authority.organisation, role=Role.CASEWORKER)
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "x"})
    return user


def as_user(client, user):
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def case_page(client, case) -> str:
    return client.get(reverse("applicant:case_detail", args=[case.public_id])).content.decode()


@pytest.fixture
def complete(offices, make_case, django_capture_on_commit_callbacks):
    def make(title="18a", **kwargs):
        case = make_case(title, **kwargs)
        with django_capture_on_commit_callbacks(execute=True):
            case_services.case_submit(case=case, actor=case.person.user)
            confirm_complete(case, employer_pays=False)
        case.refresh_from_db()
        return case

    return make


@pytest.fixture
def entered(complete, django_capture_on_commit_callbacks):
    """A case whose visa was granted and whose holder reported the entry."""
    case = complete("18b")
    with django_capture_on_commit_callbacks(execute=True):
        attend_appointment(case)
    case.refresh_from_db()
    assert case.state == CaseState.VISA_DECISION
    case_services.case_transition(case=case, transition="grant_visa")
    case_services.case_transition(case=case, transition="report_entry", actor=case.person.user,
                                  payload={"entry_date": "2027-01-10", "address": {"street": "Hauptstr. 1"}})
    case.refresh_from_db()
    return case


def pay_at_bank(client, case, fee):
    response = client.post(reverse("applicant:case_fee_pay", args=[case.public_id]), {"fee": str(fee.public_id)})
    assert response.status_code == 302
    return client.post(response["Location"], {"action": "pay"})


# --- the residence permit fee ---------------------------------------------------------------


def test_a_blue_card_case_s_permit_fee_is_named_for_the_eu_blue_card(entered, client):
    """§ 18g grants an EU Blue Card (§ 4 Abs. 1 S. 2 Nr. 2a AufenthG): its fee is not an Aufenthaltserlaubnis's."""
    fee = FeeDue.objects.get(case=entered, kind=FeeKind.RESIDENCE_PERMIT)
    with translation.override("de"):
        assert fee.kind_label == "Gebühr für die Aufenthaltserlaubnis"
        type(entered).objects.filter(pk=entered.pk).update(title_code="18g")
        fee = FeeDue.objects.get(case=entered, kind=FeeKind.RESIDENCE_PERMIT)
        assert fee.kind_label == "Gebühr für die Blaue Karte EU"


def test_a_blue_card_fee_s_line_names_the_blue_card_also_on_fees_fixed_before(entered):
    """§ 45 Nr. 1 AufenthV names the Blue Card's fee beside the residence permit's; its line read "Aufenthaltserlaubnis,
    Ersterteilung" under "Gebühr für die Blaue Karte EU". Fees fixed before are renamed by migration 0026."""
    from importlib import import_module

    from django.apps import apps

    from applications import rules

    assert [str(fee.label) for fee in rules.fees("18g")][-1] == "EU Blue Card, first issuance"
    assert [str(fee.label) for fee in rules.fees("18b")][-1] == "Residence permit, first issuance"
    assert rules.fees("18g")[-1].amount_eur == rules.fees("18b")[-1].amount_eur == 100
    fee = FeeDue.objects.get(case=entered, kind=FeeKind.RESIDENCE_PERMIT)
    assert fee.label == "Residence permit, first issuance"  # a § 18b case: its fee is the residence permit's
    migration = import_module("applications.migrations.0026_blue_card_fee_label")
    migration.forward(apps, None)
    fee.refresh_from_db()
    assert fee.label == "Residence permit, first issuance"
    type(entered).objects.filter(pk=entered.pk).update(title_code="18g")
    migration.forward(apps, None)
    fee.refresh_from_db()
    assert fee.label == "EU Blue Card, first issuance"
    with translation.override("de"):
        assert translation.gettext(fee.label) == "Blaue Karte EU, Ersterteilung"
    migration.backward(apps, None)
    fee.refresh_from_db()
    assert fee.label == "Residence permit, first issuance"


def test_the_residence_permit_fee_is_due_after_entry_and_holds_the_permit(entered, client):
    case = entered
    fee = FeeDue.objects.get(case=case, kind=FeeKind.RESIDENCE_PERMIT)
    assert (fee.amount_cents, fee.source) == (10000, "§ 45 Nr. 1 AufenthV")
    assert fee.office.kind == "foreigners_authority"
    with pytest.raises(case_services.BackofficeError, match="the fee for it"):
        case_services.case_transition(case=case, transition="issue_permit")

    html = case_page(as_user(client, case.person.user), case)
    assert "Residence permit fee" in html and "€100.00" in html and "issues your residence title" in html
    back = pay_at_bank(client, case, fee)
    assert back["Location"].endswith("#fee")
    fee.refresh_from_db()
    assert fee.paid_at is not None
    case_services.case_transition(case=case, transition="issue_permit")
    case.refresh_from_db()
    assert case.state == CaseState.PERMIT_ISSUED


def next_steps(html: str) -> str:
    """The box "What we need from you next" of the case page."""
    return html.split('id="next-heading"', 1)[1].split("</section>", 1)[0]


def test_an_unpaid_fee_is_what_the_applicant_is_asked_for_next(entered, client):
    """The box that says what is needed next said "Nothing at the moment" above the fee that holds the
    permit up; it names the fee and leads to its section until the fee is paid."""
    case = entered
    fee = FeeDue.objects.get(case=case, kind=FeeKind.RESIDENCE_PERMIT)
    box = next_steps(case_page(as_user(client, case.person.user), case))
    assert "The foreigners&#x27; authority issues your residence title once its fee is paid." in box
    assert 'href="#fee-heading-residence_permit"' in box and "Nothing at the moment" not in box
    assert 'id="fee-heading-residence_permit"' in case_page(client, case)
    pay_at_bank(client, case, fee)
    box = next_steps(case_page(client, case))
    assert "once its fee is paid" not in box and "Nothing at the moment" in box


def test_a_fee_taken_at_the_appointment_is_not_a_button_to_press(offline_office, client):
    case, _fee = offline_office
    assert "once its fee is paid" not in next_steps(case_page(as_user(client, case.person.user), case))


def test_a_minor_pays_half_the_residence_permit_fee(offices, make_case):
    case = make_case("18b")
    case.person.birth_date = date(timezone.localdate().year - 17, 1, 1)
    case.person.save()
    fee = payment_services.case_fee_of_kind(case=case, kind=FeeKind.RESIDENCE_PERMIT)
    assert fee.amount_eur == 50 and "§ 50 Abs. 1" in fee.source


def test_no_residence_permit_fee_before_entry(complete):
    case = complete("18b")
    assert not FeeDue.objects.filter(case=case, kind=FeeKind.RESIDENCE_PERMIT).exists()


# --- the § 81a fee: the employer's -------------------------------------------------------------


@pytest.fixture
def accelerated(complete):
    return complete("18a", accelerated=True)


def employer_member(case):
    user = UserFactory()
    Membership.objects.create(user=user, organisation=case.employer, role=Role.EMPLOYER_MEMBER)
    return user


def test_the_employer_pays_the_81a_fee_and_the_applicant_never_sees_a_button_for_it(
        accelerated, client, django_capture_on_commit_callbacks):
    case = accelerated
    fee = FeeDue.objects.get(case=case, kind=FeeKind.ACCELERATED)
    assert (fee.amount_cents, fee.source) == (41100, "§ 47 Abs. 1 Nr. 15 AufenthV")
    assert fee.office.kind == "foreigners_authority"
    # The foreigners' authority starts the § 81a work once the employer has paid.
    assert not case.authority_requests.filter(purpose="pre_approval_81a").exists()

    applicant_html = case_page(as_user(client, case.person.user), case)
    assert "411.00" not in applicant_html and "accelerated skilled-worker procedure" not in applicant_html.lower()
    # Nor can the applicant pay it by naming it, or name something that is no fee at all.
    for value in (str(fee.public_id), "not-a-fee", "00000000-0000-4000-8000-000000000000"):
        response = client.post(reverse("applicant:case_fee_pay", args=[case.public_id]), {"fee": value})
        assert response.status_code == 404

    with django_capture_on_commit_callbacks(execute=True):
        attend_appointment(case, pay=False)
        fee_pay_visa_only(case)
    assert procedure.case_visa_decision_blocker(case=case, granting=True) == "fee_81a_not_paid"
    with pytest.raises(case_services.BackofficeError, match="employer has not paid"):
        case_services.case_transition(case=case, transition="refer_to_visa_decision")

    member = employer_member(case)
    page_url = reverse("employer:case_accelerated", args=[case.public_id])
    html = as_user(client, member).get(page_url).content.decode()
    assert "€411.00" in html and "Pay now" in html
    response = client.post(reverse("employer:fee_pay", args=[case.public_id]))
    assert response.status_code == 302
    payment = Payment.objects.get(fee=fee)
    assert payment.payer == member
    with django_capture_on_commit_callbacks(execute=True):
        back = client.post(response["Location"], {"action": "pay"})
    assert back["Location"] == page_url + "#fee"
    fee.refresh_from_db()
    case.refresh_from_db()
    # Only now the foreigners' authority got the § 81a request; the simulated one approves at once, and
    # with everything else done the case goes to the visa decision.
    pre_approval = case.authority_requests.get(purpose="pre_approval_81a")
    assert pre_approval.authority_id == fee.office_id and pre_approval.outcome == "approved"
    assert fee.paid_at is not None and case.state == CaseState.VISA_DECISION
    receipt = client.get(reverse("employer:fee_receipt", args=[case.public_id, fee.public_id])).content.decode()
    assert "€411.00" in receipt and "Muster GmbH" in receipt and payment.reference in receipt
    assert f'href="{reverse("employer:case_accelerated", args=[case.public_id])}#fee"' in receipt  # the way back


def fee_pay_visa_only(case):
    fee = FeeDue.objects.get(case=case, kind=FeeKind.VISA)
    payment, _address = payment_services.payment_start(fee=fee, actor=case.person.user, return_url="/")
    body = SimulatedProvider.notification_body(reference=payment.reference, status="paid",
                                               amount_cents=payment.amount_cents, currency=payment.currency)
    payment_services.notification_receive(body=body, signature=notification_sign(body))


def test_another_organisation_cannot_pay_or_see_the_81a_fee(accelerated, client, make_case):
    other = make_case("18b").employer  # another "Muster GmbH", another organisation
    user = UserFactory()
    Membership.objects.create(user=user, organisation=other, role=Role.EMPLOYER_MEMBER)
    as_user(client, user)
    assert client.post(reverse("employer:fee_pay", args=[accelerated.public_id])).status_code == 404
    assert not Payment.objects.exists()


# --- paid in person at the appointment ----------------------------------------------------------


@pytest.fixture
def offline_office(complete):
    case = complete("18b")
    fee = FeeDue.objects.select_related("office").get(case=case, kind=FeeKind.VISA)
    fee.office.accepts_online_payment = False
    fee.office.save()
    return case, fee


def test_an_office_without_online_payment_takes_the_fee_at_the_appointment(offline_office, client,
                                                                             django_capture_on_commit_callbacks):
    case, fee = offline_office
    html = case_page(as_user(client, case.person.user), case)
    assert "Pay at your appointment" in html and "Pay now" not in html
    response = client.post(reverse("applicant:case_fee_pay", args=[case.public_id]), {"fee": str(fee.public_id)},
                           follow=True)
    assert "does not take the fee online" in response.content.decode() and not Payment.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        attend_appointment(case, pay=False)
    record = reverse("backoffice:fee_record", args=[case.public_id, fee.public_id])
    # Another office's staff may not record it; an empty receipt number is refused.
    as_user(client, staff_of(case.authority_requests.get(purpose="ba_approval").authority))
    assert client.post(record, {"receipt_number": "R-1"}).status_code == 403
    visa_staff = staff_of(fee.office)
    as_user(client, visa_staff)
    html = client.post(record, {"receipt_number": "  "}, follow=True).content.decode()
    assert "Enter the receipt number" in html
    fee.refresh_from_db()
    assert fee.paid_at is None

    with django_capture_on_commit_callbacks(execute=True):
        html = client.post(record, {"receipt_number": "KA-2027-0042"}, follow=True).content.decode()
    assert "recorded as paid at the office" in html and "KA-2027-0042" in html
    fee.refresh_from_db()
    case.refresh_from_db()
    assert fee.paid_at is not None and fee.recorded_by == visa_staff and case.state == CaseState.VISA_DECISION
    # Recorded once.
    html = client.post(record, {"receipt_number": "KA-2027-0043"}, follow=True).content.decode()
    assert "already been paid" in html

    receipt = as_user(client, case.person.user).get(
        reverse("applicant:fee_receipt", args=[case.public_id, fee.public_id])).content.decode()
    assert "KA-2027-0042" in receipt and "in person at the office" in receipt and "€75.00" in receipt


# --- receipts and refunds --------------------------------------------------------------------


def test_receipt_only_for_a_paid_fee_and_only_for_the_payer(complete, client, make_case):
    case = complete("18b")
    fee = FeeDue.objects.get(case=case, kind=FeeKind.VISA)
    url = reverse("applicant:fee_receipt", args=[case.public_id, fee.public_id])
    assert as_user(client, case.person.user).get(url).status_code == 404  # not paid yet
    fee_pay(case)
    html = client.get(url).content.decode()
    payment = Payment.objects.get(fee=fee)
    assert "€75.00" in html and "§ 46" in html and payment.reference in html and case.reference in html
    assert f'href="{reverse("applicant:case_detail", args=[case.public_id])}#fee"' in html  # the way back
    assert as_user(client, make_case("18b").person.user).get(url).status_code == 404


def test_a_second_payment_after_an_abandoned_attempt_is_refunded(complete, django_capture_on_commit_callbacks):
    case = complete("18b")
    fee = FeeDue.objects.get(case=case, kind=FeeKind.VISA)
    first, _ = payment_services.payment_start(fee=fee, actor=case.person.user, return_url="/")
    second, _ = payment_services.payment_start(fee=fee, actor=case.person.user, return_url="/")
    with django_capture_on_commit_callbacks(execute=True):
        for payment in (second, first):  # the new attempt is paid, then the abandoned one's money arrives
            body = SimulatedProvider.notification_body(reference=payment.reference, status="paid",
                                                       amount_cents=payment.amount_cents, currency=payment.currency)
            payment_services.notification_receive(body=body, signature=notification_sign(body))
    first.refresh_from_db()
    second.refresh_from_db()
    assert second.refund_state == "" and first.refund_state == RefundState.REFUNDED and first.refund_attempts == 1
    assert Event.objects.filter(case=case, kind="fee", payload__what="paid").count() == 1
    refund = Event.objects.get(case=case, kind="fee", payload__what="refunded")
    with translation.override("en"):
        assert refund.text == "A second payment of €75.00 for the same fee was refunded."


def test_the_audit_timeline_names_the_fee_kind(entered, django_capture_on_commit_callbacks):
    case = entered
    fee = FeeDue.objects.get(case=case, kind=FeeKind.RESIDENCE_PERMIT)
    with django_capture_on_commit_callbacks(execute=True):
        payment_services.fee_record_in_person(fee=fee, actor=None, receipt_number="ABH-1")
    out = StringIO()
    call_command("case_timeline", case.reference, "--json", stdout=out)
    fees = [line for line in map(json.loads, out.getvalue().splitlines()) if line["kind"] == "fee_paid"]
    assert [entry["extra"]["fee_kind"] for entry in fees] == ["visa", "residence_permit"]
    assert fees[1]["extra"].get("in_person") is True


def test_a_fee_fixed_while_german_was_spoken_reads_in_the_applicants_language(complete, client):
    with translation.override("de"):
        case = complete("18b")
    fee = FeeDue.objects.get(case=case, kind=FeeKind.VISA)
    assert fee.label == "National visa"  # the source text, never the creator's language
    client.force_login(case.person.user)
    client.cookies["django_language"] = "ar"
    html = case_page(client, case)
    assert "تأشيرة وطنية" in html and "Nationales Visum" not in html
