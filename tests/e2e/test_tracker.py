"""The applicant's stage tracker in Chromium, on the demo data, at every stage (completeness check,
approvals, appointment, visa decision, after entry), in German and English, at 1280 and 360 px: one
stage marked current, no codes in the text, nothing wider than the viewport, no console errors.
Screenshots go to /tmp/tracker19_shots (or WSA_SHOTS_DIR) for a person to look at."""

import os
import tempfile
from pathlib import Path

import pytest
from django.core.management import call_command

from accounts.models import User
from applications.models import Case, Person

from .test_accessibility import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("WSA_SHOTS_DIR") or Path(tempfile.gettempdir()) / "tracker19_shots")
CODES = ("ba_approval", "register_check", "information_needed", "authority_review", "visa_decision",
         "completeness_check", "not_reached", "after_entry", "pre_approval_81a", "residence_permit", "None")


def _owner(email_of_person: str) -> str:
    """The demo person's login (demo people other than the applicant have none: one is made here)."""
    person = Person.objects.get(email=email_of_person)
    if person.user_id is None:
        person.user = User.objects.create_user(email=email_of_person, password=None)
        person.save(update_fields=["user"])
    return person.user.email


@pytest.fixture
def stage_cases(db):
    call_command("seed_demo", quiet=True)
    applicant = "applicant@demo.wsa.example"
    mine = Case.objects.filter(person__user__email=applicant)
    return {
        "completeness": (_owner("p03@demo.wsa.example"), Case.objects.get(person__email="p03@demo.wsa.example")),
        "approvals": (applicant, mine.get(title_code="18g")),
        "appointment": (applicant, mine.get(title_code="18a")),
        "decision": (_owner("p07@demo.wsa.example"), Case.objects.get(person__email="p07@demo.wsa.example")),
        "decided": (applicant, mine.get(title_code="18b")),
        "after_entry": (_owner("stage-18b-entered@demo.wsa.example"),
                        Case.objects.get(person__email="stage-18b-entered@demo.wsa.example")),
    }


def test_the_tracker_at_every_stage_in_two_languages_and_widths(live_server, page, stage_cases):
    SHOTS.mkdir(parents=True, exist_ok=True)
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    expected_current = {"completeness": "completeness", "approvals": "approvals", "appointment": "appointment",
                        "decision": "decision", "decided": "after_entry", "after_entry": "after_entry"}
    for language in ("de", "en"):
        for width in (1280, 360):
            page.set_viewport_size({"width": width, "height": 900})
            for stage, (email, case) in stage_cases.items():
                sign_in(page, live_server, email, language)
                page.goto(f"{live_server.url}/applicant/cases/{case.public_id}/")
                tracker = page.locator("[data-testid=tracker]")
                assert tracker.is_visible(), (stage, language)
                current = page.locator("[data-testid=tracker] [aria-current=step]")
                assert current.count() == 1, (stage, language, width)
                assert current.get_attribute("data-stage") == expected_current[stage], (stage, language)
                text = page.locator("main").inner_text()
                assert not [code for code in CODES if code in text], (stage, language, text)
                overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
                assert overflow <= 0, (stage, language, width, overflow)
                page.screenshot(path=str(SHOTS / f"{stage}-{language}-{width}.png"), full_page=True)
    assert errors == []
