"""Reading the fee: for the applicant (through their own case: 404 for others'), for the procedure
and the back office."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Subquery
from django.http import Http404

from ..models import Case
from ..selectors.staff import staff_scope
from .models import FeeDue, FeeKind, Payment

APPLICANT_KINDS = (FeeKind.VISA, FeeKind.RESIDENCE_PERMIT)
EMPLOYER_KINDS = (FeeKind.ACCELERATED,)


def case_fees(*, case: Case, kinds=None) -> list[FeeDue]:
    """The fees of a case the caller may already see (the case was read through a checked selector),
    each with the state of its latest attempt (`latest_state`, None without one), in one query;
    `kinds` limits them (the applicant's page leaves out the employer's § 81a fee)."""
    latest = Payment.objects.filter(fee=OuterRef("pk")).order_by("-created_at", "-pk").values("state")[:1]
    # Through the case's own manager: each fee knows its case without reading it again (kind_label).
    fees = case.fees.select_related("office").annotate(latest_state=Subquery(latest))
    if kinds is not None:
        fees = fees.filter(kind__in=kinds)
    return list(fees.order_by("created_at", "pk"))


def applicant_fees(*, case: Case) -> list[FeeDue]:
    """The fees the applicant pays (all but the employer's)."""
    return case_fees(case=case, kinds=APPLICANT_KINDS)


def case_fee(*, case: Case) -> FeeDue | None:
    """The visa fee of the case (with `latest_state`)."""
    return next(iter(case_fees(case=case, kinds=[FeeKind.VISA])), None)


def case_fee_unpaid(*, case: Case, kind: str = FeeKind.VISA) -> bool:
    """A fee of that kind is due and not paid (the decision it belongs to waits for it)."""
    return FeeDue.objects.filter(case=case, kind=kind, paid_at__isnull=True).exists()


def fee_view(*, fee: FeeDue | None) -> dict | None:
    """What a page shows of a fee: the fee and its state in one word (paid / pending / failed / due /
    at_appointment: the office does not take it online)."""
    if fee is None:
        return None
    latest = getattr(fee, "latest_state", None)
    if fee.paid_at is not None:
        state = "paid"
    elif latest in (Payment.State.PENDING, Payment.State.FAILED):
        state = latest
    elif not fee.online:
        state = "at_appointment"
    else:
        state = "due"
    return {"fee": fee, "amount": fee.amount_cents / 100, "state": state}


def fees_view(*, fees, recorder=None) -> list[dict]:
    """The fees as pages show them; with `recorder` (a staff member) each says whether they may record
    it paid in person (`may_record`: staff of the office charging it)."""
    views = [fee_view(fee=fee) for fee in fees]
    if recorder is not None and views:
        own = staff_scope(viewer=recorder).office_ids  # cached for the request: no query of its own
        for view in views:
            view["may_record"] = bool(view["fee"].office_id and view["fee"].office.organisation_id in own)
    return views


def fee_get(*, case: Case, public_id, kinds) -> FeeDue:
    """A fee of a case the caller may see, of the kinds the caller may act on; 404 otherwise."""
    try:
        fee = FeeDue.objects.select_related("office", "case", "recorded_by").filter(
            case=case, public_id=public_id, kind__in=kinds).first()
    except ValidationError as exc:  # not a UUID
        raise Http404 from exc
    if fee is None:
        raise Http404
    return fee


def fee_receipt(*, fee: FeeDue) -> dict:
    """What the receipt of a paid fee says; 404 for a fee not paid. The payment is the attempt that
    settled it (None when paid in person at the office)."""
    if fee.paid_at is None:
        raise Http404
    payment = fee.payments.filter(state=Payment.State.PAID, refund_state="").order_by("paid_at", "pk").first()
    return {"fee": fee, "case": fee.case, "amount": fee.amount_cents / 100, "payment": payment,
            "payer": (payment.payer if payment and payment.payer_id else None),
            "reference": payment.reference if payment else fee.receipt_number,
            "in_person": bool(fee.receipt_number) and payment is None}


def office_may_record(*, viewer, fee: FeeDue) -> bool:
    """The staff of the office charging the fee may record it paid in person."""
    return bool(fees_view(fees=[fee], recorder=viewer)[0]["may_record"])


def simulator_payment_get(*, reference: str) -> Payment:
    """The simulated bank's page: the unguessable reference is the capability (as a bank's payment page
    is for whoever holds its link); 404 for an unknown one."""
    payment = Payment.objects.select_related("fee", "fee__case").filter(reference=reference).first()
    if payment is None:
        raise Http404
    return payment
