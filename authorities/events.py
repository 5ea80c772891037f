"""Timeline sentences of the hub's Events (kind "authority"), made when they are read.

The payload stores codes only: `purpose` (Purpose), `outcome` (Outcome or ""), `status`
(sent | acknowledged | answered | overdue | failed; for the visa office's appointment booking_requested |
booked | rebooked | booking_cancelled | slot_cancelled; `appointment` in earlier events), `deemed_approval`,
the office's name `authority` (a proper noun) and, by status, `appointment` / `previous` / `due_at` (ISO)
or `error` (ErrorCode).
"""

from django.utils import formats
from django.utils.dateparse import parse_datetime
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from .models import ErrorCode, Purpose
from .office_time import office_time


def _label(choices, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value or ""


def _when(value: str, zone: str = "") -> str:
    """In the office's time zone, named, for entries that stored it; older entries: the portal's time."""
    moment = parse_datetime(value or "")
    if moment is None:
        return value or ""
    return office_time(moment, zone) if zone else formats.date_format(localtime(moment), "DATETIME_FORMAT")


def _with_address(text: str, payload: dict) -> str:
    address = " ".join((payload.get("address") or "").split())
    return f"{text} " + (_("Address: %(address)s") % {"address": address}) if address else text


def authority_event_text(payload: dict) -> str:
    step = _label(Purpose, payload.get("purpose", ""))
    office = payload.get("authority") or _("the authority")
    status, outcome = payload.get("status", ""), payload.get("outcome", "")
    values = {"step": step, "office": office}
    zone = payload.get("time_zone", "")
    if status == "sent":
        return _("%(step)s: request sent to %(office)s.") % values
    if status == "acknowledged":
        return _("%(step)s: %(office)s confirmed receipt.") % values
    if status == "appointment":
        return _("%(step)s: %(office)s offers an appointment on %(when)s.") % {
            **values, "when": _when(payload.get("appointment", ""), zone)}
    if status == "booking_requested":
        return _("%(step)s: %(office)s expects you in person (fingerprints, identity check, fee). "
                 "Please book your appointment in the portal.") % values
    if status == "booked":
        return _with_address(_("%(step)s: you booked your appointment at %(office)s on %(when)s.") % {
            **values, "when": _when(payload.get("appointment", ""), zone)}, payload)
    if status == "rebooked":
        moved = _("%(step)s: your appointment at %(office)s was moved from %(previous)s to %(when)s.") % {
            **values, "when": _when(payload.get("appointment", ""), zone),
            "previous": _when(payload.get("previous", ""), zone)}
        return _with_address(moved, payload)
    if status == "booking_cancelled":
        return _("%(step)s: you cancelled your appointment at %(office)s on %(when)s.") % {
            **values, "when": _when(payload.get("appointment", ""), zone)}
    if status == "slot_cancelled":
        return _("%(step)s: %(office)s had to cancel your appointment on %(when)s. Please book a new one.") % {
            **values, "when": _when(payload.get("appointment", ""), zone)}
    if status == "appointment_attended":
        return _("%(step)s: the applicant attended the appointment at %(office)s.") % values
    if status == "answered":
        if outcome == "approved" and payload.get("deemed_approval"):
            return _("%(step)s: deemed approved, because %(office)s did not answer within the legal deadline.") % values
        if outcome == "approved":
            return _("%(step)s: approved by %(office)s.") % values
        if outcome == "rejected":
            return _("%(step)s: refused by %(office)s.") % values
        if outcome == "information_needed":
            return _("%(step)s: %(office)s needs more information.") % values
    if status == "overdue":
        return _("%(step)s: the legal deadline passed without an answer from %(office)s.") % values
    if status == "failed":
        return _("%(step)s: the request could not be sent (%(reason)s).") % {
            **values, "reason": _label(ErrorCode, payload.get("error", ""))}
    return _("%(step)s: %(office)s") % values
