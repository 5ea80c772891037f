"""Reading the fee: for the applicant (through their own case: 404 for others'), for the procedure
and the back office."""

from __future__ import annotations

from django.db.models import OuterRef, Subquery
from django.http import Http404

from ..models import Case
from .models import FeeDue, Payment


def case_fee(*, case: Case) -> FeeDue | None:
    """The fee of a case the caller may already see (the case was read through a checked selector),
    with the state of its latest attempt (`latest_state`, None without one), in one query."""
    latest = Payment.objects.filter(fee=OuterRef("pk")).order_by("-created_at", "-pk").values("state")[:1]
    return FeeDue.objects.filter(case=case).annotate(latest_state=Subquery(latest)).first()


def case_fee_unpaid(*, case: Case) -> bool:
    """A fee is due and not paid (the visa decision waits for it)."""
    return FeeDue.objects.filter(case=case, paid_at__isnull=True).exists()


def fee_view(*, fee: FeeDue | None) -> dict | None:
    """What the case page shows: the fee and its state in one word (paid / pending / failed / due)."""
    if fee is None:
        return None
    latest = getattr(fee, "latest_state", None)
    if fee.paid_at is not None:
        state = "paid"
    elif latest in (Payment.State.PENDING, Payment.State.FAILED):
        state = latest
    else:
        state = "due"
    return {"fee": fee, "amount": fee.amount_cents / 100, "state": state}


def simulator_payment_get(*, reference: str) -> Payment:
    """The simulated bank's page: the unguessable reference is the capability (as a bank's payment page
    is for whoever holds its link); 404 for an unknown one."""
    payment = Payment.objects.select_related("fee", "fee__case").filter(reference=reference).first()
    if payment is None:
        raise Http404
    return payment
