"""Timeline sentences of the hub's Events (kind "authority"), made when they are read.

The payload stores codes only: `purpose` (Purpose), `outcome` (Outcome or ""), `status`
(sent | acknowledged | answered | overdue | failed; on_file | on_file_removed for a BA approval the case
already has; for the visa office's appointment booking_requested |
booked | rebooked | booking_cancelled | slot_cancelled; `appointment` in earlier events), `deemed_approval`,
the office's name `authority` (a proper noun) and, by status, `appointment` / `previous` / `due_at` (ISO)
or `error` (ErrorCode).
"""

from django.utils import formats
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import BaApprovalGround, ErrorCode, Purpose
from .office_time import office_time


def _label(choices, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value or ""


def _when(value: str, zone: str = "") -> str:
    """In the office's time zone for entries that stored it, else in the portal's; the zone always named."""
    moment = parse_datetime(value or "")
    if moment is None:
        return value or ""
    return office_time(moment, zone)


def _date(value: str) -> str:
    day = parse_date(value or "")
    return formats.date_format(day, "DATE_FORMAT") if day else (value or "")


def _with_address(text: str, payload: dict) -> str:
    address = " ".join((payload.get("address") or "").split())
    return f"{text} " + (_("Address: %(address)s") % {"address": address}) if address else text


# What an office's "information needed" answer says is missing (the `reason` codes of the answer
# documents, authorities/simulator/rules.py), in plain words for the WSA and the applicant.
INFORMATION_NEEDED_REASONS = {
    "employment_declaration_incomplete": gettext_lazy(
        "the details of the job are incomplete (salary, weekly hours or the employer's declaration)"),
    "employment_or_employer_missing": gettext_lazy("the job offer or the employer's details are missing"),
    "no_assessable_qualification": gettext_lazy("no qualification that can be assessed was sent"),
    "passport_data_missing": gettext_lazy("the passport number or its expiry date is missing"),
    "passport_expired": gettext_lazy("the passport is no longer valid"),
    "no_address_in_germany": gettext_lazy("an address in Germany is missing"),
}


def information_needed_reason(body: dict | None, *, with_note: bool = False) -> str:
    """The office's reason in plain words; `with_note` (staff only): its caseworker's note as well.
    An unknown or missing reason gives a general sentence, never the code."""
    body = body if isinstance(body, dict) else {}
    reason = INFORMATION_NEEDED_REASONS.get(str(body.get("reason") or ""))
    note = " ".join(str(body.get("note") or "").split()) if with_note else ""
    return " — ".join(part for part in (str(reason or ""), note) if part) or _("the office did not say what is missing")


def authority_event_text(payload: dict) -> str:
    """In the third person: the applicant, their employer, their representative and the offices read the
    same timeline (what the applicant is to do stands in their own page's "what we need from you next")."""
    step = _label(Purpose, payload.get("purpose", ""))
    office = payload.get("authority") or _("the authority")
    status, outcome = payload.get("status", ""), payload.get("outcome", "")
    values = {"step": step, "office": office}
    zone = payload.get("time_zone", "")
    if status == "on_file":
        return _("%(step)s: already on file (%(ground)s, reference %(reference)s, valid until %(date)s); "
                 "the BA is not asked again.") % {
            **values, "ground": _label(BaApprovalGround, payload.get("ground", "")),
            "reference": payload.get("reference", ""), "date": _date(payload.get("valid_until", ""))}
    if status == "on_file_removed":
        return _("%(step)s: the approval on file was withdrawn; the BA will be asked.") % values
    if status == "sent":
        return _("%(step)s: request sent to %(office)s.") % values
    if status == "acknowledged":
        return _("%(step)s: %(office)s confirmed receipt.") % values
    if status == "appointment":
        return _("%(step)s: %(office)s offers an appointment on %(when)s.") % {
            **values, "when": _when(payload.get("appointment", ""), zone)}
    if status == "booking_requested":
        return _("%(step)s: %(office)s needs to see the applicant in person (fingerprints, identity check, "
                 "fee); the appointment is booked in the portal.") % values
    if status == "booked":
        return _with_address(_("%(step)s: appointment booked at %(office)s for %(when)s.") % {
            **values, "when": _when(payload.get("appointment", ""), zone)}, payload)
    if status == "rebooked":
        moved = _("%(step)s: the appointment at %(office)s was moved from %(previous)s to %(when)s.") % {
            **values, "when": _when(payload.get("appointment", ""), zone),
            "previous": _when(payload.get("previous", ""), zone)}
        return _with_address(moved, payload)
    if status == "booking_cancelled":
        return _("%(step)s: the appointment at %(office)s on %(when)s was cancelled.") % {
            **values, "when": _when(payload.get("appointment", ""), zone)}
    if status == "slot_cancelled":
        return _("%(step)s: %(office)s had to cancel the appointment on %(when)s; a new one is to be booked.") % {
            **values, "when": _when(payload.get("appointment", ""), zone)}
    if status == "appointment_attended":
        return _("%(step)s: the applicant attended the appointment at %(office)s.") % values
    if status == "appointment_missed":
        return _("%(step)s: %(office)s recorded that nobody came to the appointment on %(when)s. Please book a new "
                 "one: the visa office needs to see the applicant in person.") % {
            **values, "when": _when(payload.get("appointment", ""), zone)}
    if status == "answered":
        if payload.get("by_decision"):
            # The deciding office's own step, answered by its decision (Bescheid): granted, not "approved".
            if outcome == "approved":
                return _("%(step)s: granted by the decision of %(office)s.") % values
            return _("%(step)s: refused by the decision of %(office)s.") % values
        if outcome == "approved" and payload.get("deemed_approval"):
            return _("%(step)s: deemed approved, because %(office)s did not answer within the legal deadline.") % values
        if outcome == "approved":
            return _("%(step)s: approved by %(office)s.") % values
        if outcome == "rejected":
            return _("%(step)s: refused by %(office)s.") % values
        if outcome == "information_needed":
            return _("%(step)s: %(office)s needs more information.") % values
    if status == "resent":
        return _("%(step)s: the completed request was sent again to %(office)s.") % values
    if status == "overdue":
        return _("%(step)s: the legal deadline passed without an answer from %(office)s.") % values
    if status == "failed":
        return _("%(step)s: the request could not be sent (%(reason)s).") % {
            **values, "reason": _label(ErrorCode, payload.get("error", ""))}
    return _("%(step)s: %(office)s") % values
