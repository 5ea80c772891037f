"""Timeline sentences. Stored events keep only kind and data; the sentence is made when it is read,
so every reader sees it in their own language."""

from decimal import Decimal

from django.utils.translation import gettext as _

from authorities.events import authority_event_text
from documents.models import Document

from .lifecycle import TRANSITIONS, CaseState
from .mandates.models import MandateScope
from .rules.catalogue import UnknownTitle, title
from .rules.formatting import eur, written_date


def _choice_label(choices, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _state_label(value: str) -> str:
    return _choice_label(CaseState, value)


MANDATE_ACTIONS = {
    "granted": lambda p: (
        _("%(representative)s may now represent the employer %(employer)s (“%(scope)s”).") % {
            "representative": p.get("representative", ""), "employer": p.get("principal", ""),
            "scope": _mandate_scope_label(p.get("scope", ""))}
        if p.get("for_employer") else
        _("%(representative)s may now represent the applicant (“%(scope)s”).") % {
            "representative": p.get("representative", ""), "scope": _mandate_scope_label(p.get("scope", ""))}),
    "revoked": lambda p: _("The mandate of %(representative)s was revoked.") % {
        "representative": p.get("representative", "")},
    "document_uploaded": lambda p: _("Document “%(name)s” uploaded.") % {"name": p.get("name", "")},
}


def _mandate_scope_label(value: str) -> str:
    return _choice_label(MandateScope, value)


def event_text(event) -> str:
    """The sentence, and for an act of a representative who did it on whose behalf (§ 14 VwVfG)."""
    text = _event_sentence(event)
    acted = (event.payload or {}).get("on_behalf")
    if isinstance(acted, dict):
        text = _("%(text)s By %(actor)s (%(organisation)s) on behalf of %(principal)s.") % {
            "text": text, "actor": acted.get("actor", ""), "organisation": acted.get("representative", ""),
            "principal": acted.get("principal", "")}
    return text


def _event_sentence(event) -> str:
    payload = event.payload or {}
    if event.kind == "created":
        return _("The case was created.")
    if event.kind == "transition":
        transition = TRANSITIONS.get(payload.get("transition", ""))
        if transition is not None and transition.name == "submit":
            return _("The application was submitted.")
        return _("Status changed from “%(from)s” to “%(to)s”.") % {
            "from": _state_label(event.from_state), "to": _state_label(event.to_state)
        }
    if event.kind == "message":
        return _("New message in the case.")
    if event.kind == "document":
        return _("Document “%(name)s”: %(what)s") % {
            "name": payload.get("name", ""), "what": _choice_label(Document.State, payload.get("state", "")),
        }
    if event.kind == "authority":
        return authority_event_text(payload)
    if event.kind == "decision":
        return _("A decision was issued.")
    if event.kind == "note":
        return _("Internal note added.")
    if event.kind == "after_arrival":
        return after_arrival_text(payload)
    if event.kind == "fee" and payload.get("what") == "paid":
        return _("The fee of %(amount)s was paid.") % {"amount": eur(Decimal(payload.get("amount") or 0))}
    if event.kind == "fee" and payload.get("what") == "refunded":
        return _("A second payment of %(amount)s for the same fee was refunded.") % {
            "amount": eur(Decimal(payload.get("amount") or 0))}
    if event.kind == "mandate" and payload.get("action") in MANDATE_ACTIONS:
        return MANDATE_ACTIONS[payload["action"]](payload)
    return event.get_kind_display()


def after_arrival_text(payload: dict) -> str:
    what = payload.get("what")
    if what == "extension_applied":
        if payload.get("in_time"):
            return _("The extension of the residence title was applied for before it expired.")
        return _("The extension of the residence title was applied for after it had expired.")
    if what == "certificate_issued":
        return _("A certificate was issued: the current residence title continues until the foreigners' "
                 "authority decides (Section 81 (4) Residence Act).")
    if what == "employment_end":
        text = _("The employer %(employer)s reported that the employment ended early on %(date)s.") % {
            "employer": payload.get("organisation", ""), "date": written_date(payload.get("ended_on", ""))}
        if payload.get("late"):
            text += " " + _("The report came later than four weeks after the end (Section 4a (5) Residence Act).")
        return text
    if what == "job_change":
        return _("A change of job was reported: %(job)s at %(employer)s from %(date)s.") % {
            "job": payload.get("job_title", ""), "employer": payload.get("employer", ""),
            "date": written_date(payload.get("starts_on", ""))}
    if what == "purpose_change_applied":
        text = _("A change of purpose was applied for: from %(from)s to %(to)s.") % {
            "from": _section(payload.get("from", "")), "to": _section(payload.get("to", ""))}
        if not payload.get("in_time"):
            text += " " + _("It was applied for after the current residence title had expired.")
        return text
    if what == "address_changed":
        text = _("A new address in Germany was reported: %(postal_code)s %(city)s, moved in on %(date)s.") % {
            "postal_code": payload.get("postal_code", ""), "city": payload.get("city", ""),
            "date": written_date(payload.get("moved_on", ""))}
        if payload.get("moved_district"):
            text += " " + _("The foreigners' authority responsible is now %(office)s (before: %(previous)s).") % {
                "office": payload.get("authority", ""), "previous": payload.get("previous", "")}
        elif payload.get("authority"):
            text += " " + _("The foreigners' authority responsible: %(office)s.") % {"office": payload["authority"]}
        return text
    return _("After arrival")


def _section(code: str) -> str:
    """The legal section of a title code as a person reads it (never the raw code)."""
    try:
        return title(code).section
    except UnknownTitle:
        return _("another residence title")
