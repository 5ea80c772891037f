"""The timeline sentences of the hub's Events come from codes, in the reader's language."""

import pytest
from django.utils import translation

from authorities.events import authority_event_text


@pytest.mark.parametrize(("payload", "text"), [
    ({"purpose": "ba_approval", "status": "answered", "outcome": "approved", "authority": "BA"},
     "Approval of the Federal Employment Agency: approved by BA."),
    ({"purpose": "ba_approval", "status": "answered", "outcome": "approved", "deemed_approval": True,
      "authority": "BA"}, "Approval of the Federal Employment Agency: deemed approved, because BA did not answer "
                          "within the legal deadline."),
    ({"purpose": "recognition", "status": "answered", "outcome": "rejected", "authority": "ZAB"},
     "Recognition of the qualification: refused by ZAB."),
    ({"purpose": "visa", "status": "answered", "outcome": "information_needed", "authority": "Botschaft"},
     "National visa: Botschaft needs more information."),
    ({"purpose": "visa", "status": "overdue", "authority": "Botschaft", "due_at": "2026-12-01T23:59:59+01:00"},
     "National visa: the legal deadline passed without an answer from Botschaft."),
    ({"purpose": "register_check", "status": "failed", "error": "delivery_failed", "authority": "BVA"},
     "Register and security checks: the request could not be sent (Delivery failed)."),
    ({"purpose": "visa", "status": "sent", "authority": "Botschaft"}, "National visa: request sent to Botschaft."),
])
def test_sentences(payload, text):
    with translation.override("en"):
        assert authority_event_text(payload) == text


def test_appointment_is_shown_as_a_local_date_and_time():
    """Events of the time when offices assigned a slot keep their sentence."""
    with translation.override("en"):
        text = authority_event_text({"purpose": "visa", "status": "appointment", "authority": "Botschaft",
                                     "appointment": "2026-12-14T09:30:00+01:00"})
    assert text.startswith("National visa: Botschaft offers an appointment on ") and "9:30" in text


@pytest.mark.parametrize(("payload", "start"), [
    ({"status": "booking_requested"}, "National visa: Botschaft needs to see the applicant in person"),
    ({"status": "booked", "appointment": "2026-12-14T09:30:00+01:00"},
     "National visa: appointment booked at Botschaft for "),
    ({"status": "rebooked", "appointment": "2026-12-14T09:30:00+01:00", "previous": "2026-12-10T10:00:00+01:00"},
     "National visa: the appointment at Botschaft was moved from "),
    ({"status": "booking_cancelled", "appointment": "2026-12-14T09:30:00+01:00"},
     "National visa: the appointment at Botschaft on "),
    ({"status": "slot_cancelled", "appointment": "2026-12-14T09:30:00+01:00"},
     "National visa: Botschaft had to cancel the appointment on "),
])
def test_appointment_sentences(payload, start):
    """Read by the applicant, the employer, the agency and the offices alike: nobody is addressed as "you"."""
    with translation.override("en"):
        text = authority_event_text({"purpose": "visa", "authority": "Botschaft", **payload})
    assert text.startswith(start)
    assert " you" not in text.lower() and "your " not in text.lower()
    if "appointment" in payload:
        assert "9:30" in text


def test_unknown_codes_do_not_break_the_timeline():
    assert authority_event_text({"purpose": "nope", "status": "?"}) == "nope: " + authority_event_text(
        {"status": "?"}).split(": ", 1)[1]
