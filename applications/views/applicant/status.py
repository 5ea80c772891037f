"""A case after submission: its status (cached, polled with ETags), documents asked for, messages, the
entry report, decisions, appointments and withdrawal."""

from __future__ import annotations

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseNotModified
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import parse_etags
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST, require_safe

from accounts.decorators import applicant_required
from authorities import selectors as authority_selectors
from authorities.office_time import office_time
from documents.models import Document
from documents.views import attachment_response
from wsa.http import GET_OR_POST

from ... import forms, rules, services, status_poll
from ...lifecycle import CaseState, IllegalTransition
from ...models import FeeKind
from ...payments.selectors import APPLICANT_KINDS as APPLICANT_FEE_KINDS
from ...payments.selectors import fees_view
from ...selectors.applicant import (
    applicant_case_get,
    applicant_document_request,
    case_issued_decisions,
    case_public_messages,
    case_version,
    case_version_and_owner_hash,
    decision_get,
)
from ...selectors.tracker import CaseRows, applicant_case_stages
from ...selectors.visibility import case_timeline
from .helpers import posted

_UNREAD = object()


def _status_context(request, case, rows: CaseRows | None = None, document_request=_UNREAD) -> dict:
    rows = rows or CaseRows(case)
    if document_request is _UNREAD:
        document_request = applicant_document_request(viewer=request.user, case=case)
    actions = []
    if case.state == CaseState.DRAFT:
        actions.append({"text": _("Complete and submit your application."),
                        "url": reverse("applicant:apply_resume", args=[case.public_id]),
                        "label": _("Continue your application")})
    if document_request is not None:
        actions.append({"text": _("Your case team needs documents from you."), "url": "#provide",
                        "label": _("Send documents")})
    actions += _appointment_actions(request, case, rows)
    actions += _fee_actions(case, rows)
    if case.state == CaseState.VISA_GRANTED:
        actions.append({"text": _("Your visa was granted. When you have entered Germany, tell us your date of "
                                  "entry and your address here."),
                        "url": reverse("applicant:case_entry", args=[case.public_id]),
                        "label": _("Report your entry")})
    events = list(case_timeline(viewer=request.user, case=case).order_by("-created_at", "-pk")
                  .select_related(None))  # the timeline's sentences do not name the actor
    return {
        "case": case,
        "events": events,
        "tracker": applicant_case_stages(viewer=request.user, case=case, rows=rows, events=events),
        "document_request": document_request,
        "actions": actions,
        "title": _title_or_none(case.title_code),
        # A document event in these states links to the findings (the timeline's sentence says only "Please check").
        "attention_states": (Document.State.NEEDS_ATTENTION, Document.State.REJECTED),
    }


def _appointment_actions(request, case, rows: CaseRows) -> list[dict]:
    """The in-person appointment at the visa office: book it, or the booked one (change or cancel)."""
    appointment = authority_selectors.applicant_appointment(
        viewer=request.user, case=case, active_booking=rows.active_booking,
        # Only then does it look at the requests: a draft's page reads none.
        requests=rows.requests if case.awaits_visa_appointment else None)
    if appointment is None:
        return []
    url = reverse("applicant:case_appointment", args=[case.public_id])
    booking = appointment["booking"]
    if booking is not None and booking.attended_at is not None:
        return []  # attended: the tracker says so; nothing to book, bring or change any more
    if booking is None:
        return [{"text": _("The visa office needs to see you in person (fingerprints, identity check, fee)."),
                 "url": url, "label": _("Book your appointment")}]
    office = booking.slot.authority
    text = gettext("Your appointment at %(office)s: %(when)s. Please bring your passport.") % {
        "office": office.name, "when": office_time(booking.slot.starts_at, office)}
    if office.address.strip():
        text += " " + gettext("Address: %(address)s") % {"address": " ".join(office.address.split())}
    if appointment["changeable"]:
        return [{"text": text, "url": url, "label": _("Change or cancel your appointment")}]
    return [{"text": text}]


def _title_or_none(code):
    try:
        return rules.title(code)
    except rules.UnknownTitle:
        return None


def _etag(case_public_id, version) -> str:
    return status_poll.status_etag(case_public_id, version, get_language())


# The status fragment is a function of the case's data, which Case.version counts, and of the
# language: rendered once per version and language, then served from the cache (Redis in
# production) to every poll and page view until the case changes. Same freshness as the ETag.
STATUS_FRAGMENT_CACHE_SECONDS = 600


def _status_key(public_id, version, announce: bool) -> str:
    return f"wsa:case-status:{public_id}:{version}:{get_language()}:{int(announce)}"


def _status_fragment(request, case, *, announce: bool, rows: CaseRows | None = None,
                     document_request=_UNREAD) -> str:
    key = _status_key(case.public_id, case.version, announce)
    html = cache.get(key)
    if html is None:
        context = _status_context(request, case, rows, document_request)
        context.update(announce=announce, etag=_etag(case.public_id, case.version))
        html = render_to_string("applicant/partials/case_status.html", context)
        cache.set(key, html, STATUS_FRAGMENT_CACHE_SECONDS)
    return html


@applicant_required
@require_safe
def case_detail(request, public_id):
    case = applicant_case_get(viewer=request.user, public_id=public_id)
    document_request = applicant_document_request(viewer=request.user, case=case)
    rows = CaseRows(case)
    return render(request, "applicant/case_detail.html", {
        "case": case, "title": _title_or_none(case.title_code), "document_request": document_request,
        "status_html": _status_fragment(request, case, announce=False, rows=rows, document_request=document_request),
        "etag": _etag(case.public_id, case.version),
        "provide_form": forms.ProvideDocumentForm() if document_request else None,
        **_fee_context(case, rows),
    })


def _fee_context(case, rows: CaseRows) -> dict:
    return {"fees": _fees_shown(case, rows)}


def _fees_shown(case, rows: CaseRows) -> list[dict]:
    """The fee sections: the visa fee makes sense only while the visa is still to be decided, and not
    after a refused approval (then only a rejection follows, which does not wait for the fee); an unpaid
    visa fee of an application that ended is not shown at all."""
    visa_payable = case.awaits_visa_appointment and (
        authority_selectors.case_approvals_state(case=case, requests=rows.requests_if_read())
        != authority_selectors.APPROVALS_REFUSED)
    return [view for view in fees_view(fees=[fee for fee in rows.fees if fee.kind in APPLICANT_FEE_KINDS])
            if view["fee"].kind != FeeKind.VISA or view["state"] == "paid" or visa_payable]


_FEE_HOLDS_UP = {
    FeeKind.VISA: _("The visa office decides on your visa once its fee is paid."),
    FeeKind.RESIDENCE_PERMIT: _("The foreigners' authority issues your residence title once its fee is paid."),
}


def _fee_actions(case, rows: CaseRows) -> list[dict]:
    """A fee to be paid online holds the decision up: said where the page says what is needed next (the
    fee's own section below has the button). Not one paid, waiting for the bank, or taken at the office."""
    return [{"text": _FEE_HOLDS_UP[view["fee"].kind], "url": f"#fee-heading-{view['fee'].kind}",
             "label": _("Pay the fee")}
            for view in _fees_shown(case, rows) if view["state"] in ("due", "failed")]


@applicant_required
@require_safe
def case_status(request, public_id):
    """The live part of the status page, polled every 5 s. Answers 304 while Case.version is
    unchanged. A warm poll never gets here: status_poll.StatusPollMiddleware answers it from the
    cache. Here one cheap query that does not load the case gives the version, and the cache entry
    the middleware reads is written."""
    version = case_version(viewer=request.user, public_id=public_id)
    if version is None:
        raise Http404
    status_poll.remember(user=request.user, public_id=public_id, version=version,
                         current=lambda: case_version_and_owner_hash(viewer=request.user, public_id=public_id))
    etag = _etag(public_id, version)
    if etag in parse_etags(request.headers.get("If-None-Match", "")):
        return status_poll.status_headers(HttpResponseNotModified(), etag)
    html = cache.get(_status_key(public_id, version, True))
    if html is None:  # this version was not rendered yet: load the case and render it once
        case = applicant_case_get(viewer=request.user, public_id=public_id)
        etag = _etag(case.public_id, case.version)
        html = _status_fragment(request, case, announce=True)
    return status_poll.status_headers(HttpResponse(html), etag)


@applicant_required
@require_POST
def case_provide_documents(request, public_id):
    """Answer a request for documents with one upload: the case goes back to the completeness check."""
    case = applicant_case_get(viewer=request.user, public_id=public_id)
    form = forms.ProvideDocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.case_documents_provide(
                case=case, actor=request.user, file=form.cleaned_data["file"],
                document_type=form.cleaned_data["document_type"], note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            form.add_error("file", exc.messages)
        except IllegalTransition:
            messages.error(request, gettext("Your case is not waiting for documents any more. If you want to send "
                                            "something, please write a message to your case team."))
            return redirect("applicant:case_detail", public_id=case.public_id)
        else:
            messages.success(request, gettext("Thank you. Your document was sent to your case team."))
            return redirect("applicant:case_detail", public_id=case.public_id)
    rows = CaseRows(case)
    context = _status_context(request, case, rows)
    context.update(provide_form=form, provide_error_forms=[form], etag=_etag(case.public_id, case.version),
                   **_fee_context(case, rows))
    return render(request, "applicant/case_detail.html", context)


@applicant_required
@GET_OR_POST
def case_messages(request, public_id):
    case = applicant_case_get(viewer=request.user, public_id=public_id)
    form = forms.MessageForm(posted(request))
    if request.method == "POST" and form.is_valid():
        services.message_post(case=case, author=request.user, body=form.cleaned_data["body"])
        messages.success(request, gettext("Your message was sent."))
        return redirect(reverse("applicant:case_messages", args=[case.public_id]) + "#latest")
    return render(request, "applicant/case_messages.html", {
        "case": case, "form": form,
        "thread": case_public_messages(viewer=request.user, case=case),
    })


@applicant_required
@GET_OR_POST
def case_entry(request, public_id):
    """ "I have entered Germany": date and German address, after the visa was granted."""
    case = applicant_case_get(viewer=request.user, public_id=public_id)
    if case.state in (CaseState.ENTERED, CaseState.PERMIT_ISSUED):
        messages.info(request, gettext("Your entry into Germany is already on record. You report a new address "
                                       "under \"Extend, change, settle\" on your portal's start page."))
        return redirect("applicant:case_detail", public_id=case.public_id)
    if case.state != CaseState.VISA_GRANTED:
        messages.info(request, gettext("You can report your entry once your visa has been granted."))
        return redirect("applicant:case_detail", public_id=case.public_id)
    person = case.person
    initial = {"street": person.street, "postal_code": person.postal_code, "city": person.city} \
        if person.country_of_residence == "DEU" else {}
    form = forms.EntryReportForm(posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.case_report_entry(case=case, actor=request.user, **form.cleaned_data)
        except IllegalTransition as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, gettext("Welcome to Germany! Your entry and address were recorded."))
        return redirect("applicant:case_detail", public_id=case.public_id)
    return render(request, "applicant/case_entry.html", {"case": case, "form": form})


@applicant_required
@require_safe
def case_decisions(request, public_id):
    case = applicant_case_get(viewer=request.user, public_id=public_id)
    return render(request, "applicant/case_decisions.html", {
        "case": case, "decisions": case_issued_decisions(viewer=request.user, case=case),
    })


@applicant_required
@require_safe
def decision_download(request, public_id):
    decision = decision_get(viewer=request.user, public_id=public_id)
    if not decision.pdf:
        raise Http404
    try:
        handle = decision.pdf.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404 from exc
    filename = f"{decision.case.reference}-{decision.kind_label}-{decision.issued_at:%Y-%m-%d}.pdf" \
        if decision.issued_at else f"{decision.case.reference}.pdf"
    return attachment_response(handle, filename=filename, content_type="application/pdf")


@applicant_required
@GET_OR_POST
def case_withdraw(request, public_id):
    case = applicant_case_get(viewer=request.user, public_id=public_id)
    if not case.applicant_may_withdraw:
        messages.info(request, gettext("This application can no longer be withdrawn."))
        return redirect("applicant:case_detail", public_id=case.public_id)
    form = forms.WithdrawForm(posted(request))
    if request.method == "POST" and form.is_valid():
        payload = {"reason": form.cleaned_data["reason"].strip()} if form.cleaned_data["reason"].strip() else {}
        try:
            services.case_transition(case=case, transition="withdraw", actor=request.user, payload=payload)
        except IllegalTransition as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, gettext("Your application %(reference)s was withdrawn.")
                             % {"reference": case.reference})
        return redirect("applicant:case_detail", public_id=case.public_id)
    return render(request, "applicant/case_withdraw.html", {"case": case, "form": form})
