"""The fee's pages: the applicant starts a payment (from the case page), the simulated bank's page,
and the provider's server-to-server notification. Thin: selectors read, services write."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.decorators import applicant_required, employer_required, staff_required

from ..audit import access_record
from ..employer.selectors import employer_case_get
from ..selectors.applicant import applicant_case_get
from ..selectors.case_file import case_get_for_staff
from . import provider as providers
from . import selectors, services
from .models import FeeKind, Payment


def _pay(request, *, fee, back: str):
    """A new attempt at the provider, then off to the provider's page; errors back to the case page."""
    return_url = request.build_absolute_uri(back)
    try:
        _payment, address = services.payment_start(fee=fee, actor=request.user, return_url=return_url)
    except services.PaymentError as exc:
        messages.error(request, str(exc))
        return redirect(back)
    return redirect(address)


@applicant_required
@require_POST
def case_fee_pay(request, public_id):
    """"Pay now" for one of the applicant's fees (form field `fee`; without it the visa fee)."""
    case = applicant_case_get(viewer=request.user, public_id=public_id)
    if request.POST.get("fee"):
        fee = selectors.fee_get(case=case, public_id=request.POST["fee"], kinds=selectors.APPLICANT_KINDS)
    else:
        fee = selectors.case_fee(case=case)
    if fee is None:
        raise Http404
    return _pay(request, fee=fee, back=_fee_section("applicant", case))


@employer_required
@require_POST
def employer_fee_pay(request, public_id):
    """The employer pays the § 81a fee of its case (members of the case's organisation only)."""
    case = employer_case_get(viewer=request.user, public_id=public_id)
    fee = next(iter(selectors.case_fees(case=case, kinds=selectors.EMPLOYER_KINDS)), None)
    if fee is None:
        raise Http404
    return _pay(request, fee=fee, back=_fee_section("employer", case))


@staff_required
@require_POST
def office_fee_record(request, public_id, fee_id):
    """The office charging the fee records it as paid in person at the appointment (its own staff only)."""
    case = case_get_for_staff(viewer=request.user, public_id=public_id)
    fee = selectors.fee_get(case=case, public_id=fee_id, kinds=[kind for kind, _label in FeeKind.choices])
    if not selectors.office_may_record(viewer=request.user, fee=fee):
        raise PermissionDenied
    try:
        services.fee_record_in_person(fee=fee, actor=request.user,
                                      receipt_number=request.POST.get("receipt_number", ""))
    except services.PaymentError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, gettext("The fee was recorded as paid at the office."))
    return redirect(_fee_section("office", case))


def _receipt(request, *, case, fee_id, kinds, back: str):
    """The receipt of a paid fee; `back`: the page the reader came from (their own view of the case)."""
    fee = selectors.fee_get(case=case, public_id=fee_id, kinds=kinds)
    receipt = selectors.fee_receipt(fee=fee)
    access_record(actor=request.user, case=case)
    response = render(request, "payments/receipt.html", {**receipt, "back": back})
    response["Cache-Control"] = "private, no-store"
    return response


@applicant_required
@require_safe
def applicant_fee_receipt(request, public_id, fee_id):
    case = applicant_case_get(viewer=request.user, public_id=public_id)
    return _receipt(request, case=case, fee_id=fee_id, kinds=selectors.APPLICANT_KINDS,
                    back=_fee_section("applicant", case))


@employer_required
@require_safe
def employer_fee_receipt(request, public_id, fee_id):
    case = employer_case_get(viewer=request.user, public_id=public_id)
    return _receipt(request, case=case, fee_id=fee_id, kinds=selectors.EMPLOYER_KINDS,
                    back=_fee_section("employer", case))


@staff_required
@require_safe
def office_fee_receipt(request, public_id, fee_id):
    """The receipt for the staff who may see the case (an access-log entry)."""
    case = case_get_for_staff(viewer=request.user, public_id=public_id)
    return _receipt(request, case=case, fee_id=fee_id, kinds=[kind for kind, _label in FeeKind.choices],
                    back=_fee_section("office", case))


@require_http_methods(["GET", "HEAD", "POST"])
def payment_simulator(request, reference):
    """The simulated bank (development, tests, demo): pay or cancel. It then notifies the portal as the
    provider would, signed, and sends the visitor back to the case page."""
    if not providers.simulator_enabled():
        raise Http404
    payment = selectors.simulator_payment_get(reference=reference)
    if request.method == "POST" and payment.state == Payment.State.PENDING:
        status = "paid" if request.POST.get("action") == "pay" else "failed"
        body = providers.SimulatedProvider.notification_body(
            reference=payment.reference, status=status, amount_cents=payment.amount_cents, currency=payment.currency)
        services.notification_receive(body=body, signature=providers.notification_sign(body))
        return redirect(_case_page(payment))
    return render(request, "payments/simulator.html", {"payment": payment, "amount": payment.amount_cents / 100,
                                                       "open": payment.state == Payment.State.PENDING})


def _case_page(payment: Payment) -> str:
    return _fee_section("employer" if payment.fee.employer_pays else "applicant", payment.fee.case)


# Where each reader finds a case's fees: the page and the anchor of its fee section.
_FEE_SECTIONS = {"applicant": ("applicant:case_detail", "#fee"), "employer": ("employer:case_accelerated", "#fee"),
                 "office": ("backoffice:case_detail", "#fee-heading")}


def _fee_section(reader: str, case) -> str:
    name, anchor = _FEE_SECTIONS[reader]
    return reverse(name, args=[case.public_id]) + anchor


@csrf_exempt  # server-to-server: the provider has no session; the HMAC signature authenticates it
@require_POST
def payment_notify(request):
    try:
        services.notification_receive(body=request.body,
                                      signature=request.headers.get(providers.SIGNATURE_HEADER, ""))
    except services.NotificationRefused as exc:
        return JsonResponse({"detail": str(exc)}, status=exc.status)
    return HttpResponse(status=200)
