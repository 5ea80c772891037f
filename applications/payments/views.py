"""The fee's pages: the applicant starts a payment (from the case page), the simulated bank's page,
and the provider's server-to-server notification. Thin: selectors read, services write."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from accounts.decorators import applicant_required

from ..selectors.applicant import applicant_case_get
from . import provider as providers
from . import selectors, services
from .models import Payment


@applicant_required
@require_POST
def case_fee_pay(request, public_id):
    """"Pay now": a new attempt at the provider, then off to the provider's page."""
    case = applicant_case_get(viewer=request.user, public_id=public_id)
    fee = selectors.case_fee(case=case)
    if fee is None:
        raise Http404
    return_url = request.build_absolute_uri(reverse("applicant:case_detail", args=[case.public_id]) + "#fee")
    try:
        _payment, address = services.payment_start(fee=fee, actor=request.user, return_url=return_url)
    except services.PaymentError as exc:
        messages.error(request, str(exc))
        return redirect(reverse("applicant:case_detail", args=[case.public_id]) + "#fee")
    return redirect(address)


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
        return redirect(reverse("applicant:case_detail", args=[payment.fee.case.public_id]) + "#fee")
    return render(request, "payments/simulator.html", {"payment": payment, "amount": payment.amount_cents / 100,
                                                       "open": payment.state == Payment.State.PENDING})


@csrf_exempt  # server-to-server: the provider has no session; the HMAC signature authenticates it
@require_POST
def payment_notify(request):
    try:
        services.notification_receive(body=request.body,
                                      signature=request.headers.get(providers.SIGNATURE_HEADER, ""))
    except services.NotificationRefused as exc:
        return JsonResponse({"detail": str(exc)}, status=exc.status)
    return HttpResponse(status=200)
