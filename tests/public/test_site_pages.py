"""The pages a federal website must have, reachable from every page, in every shipped language."""

import re

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import Client
from django.urls import reverse
from django.utils import translation

from applications.site_info import operator_configured

pytestmark = pytest.mark.django_db

PAGES = ("imprint", "privacy", "accessibility", "contact", "easy_language", "sign_language")
LANGUAGES = [code for code, _ in settings.LANGUAGES]


def _get(client, name, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.get(reverse(name))


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", PAGES)
def test_every_legal_page_answers_in_every_language(client, name, language):
    response = _get(client, name, language)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{language}"' in html
    with translation.override(language):
        assert str(translation.gettext("Imprint")) in html  # the footer, in the page's language
    assert "wsa.example" in html or name in ("easy_language", "sign_language")


@pytest.mark.parametrize("path", ["/", "/title-finder/", "/accounts/login/", "/no-such-page/"])
def test_the_footer_links_every_legal_page(client, path):
    html = client.get(path).content.decode()
    for name in PAGES:
        assert f'href="{reverse(name)}"' in html, name


def test_the_start_page_offers_easy_language_sign_language_and_the_finder(client):
    html = _get(client, "home", "en").content.decode()
    assert re.search(r'href="/easy-language/" lang="de"[^>]*>Leichte Sprache<', html)
    assert re.search(r'href="/sign-language/" lang="de"[^>]*>Gebärdensprache<', html)
    assert 'href="/title-finder/"' in html


def test_the_imprint_names_the_configured_operator(client, settings):
    settings.WSA_OPERATOR_NAME = "Bundesamt für Auswärtige Angelegenheiten"
    settings.WSA_OPERATOR_ADDRESS = "Werderscher Markt 1\n10117 Berlin"
    settings.WSA_OPERATOR_EMAIL = "wsa@bfaa.bund.de"
    settings.WSA_DATA_PROTECTION_OFFICER_EMAIL = "dsb@bfaa.bund.de"
    settings.WSA_ACCESSIBILITY_EMAIL = "barrierefreiheit@bfaa.bund.de"
    html = _get(client, "imprint", "de").content.decode()
    assert "Bundesamt für Auswärtige Angelegenheiten" in html
    assert "Werderscher Markt 1<br>" in html and "10117 Berlin<br>" in html
    assert "Demonstration" not in html and "Demo-Installation" not in html


def test_the_demonstration_operator_is_marked_and_refused_for_production(client):
    assert "wsa.example" in _get(client, "imprint", "en").content.decode()
    with pytest.raises(SystemCheckError, match="wsa.E010"):
        call_command("check", "--deploy", "--fail-level", "ERROR")


def test_the_privacy_notice_states_the_configured_retention(client, settings):
    settings.WSA_DRAFT_RETENTION_DAYS = 90
    settings.WSA_CLOSED_CASE_RETENTION_DAYS = 400
    html = _get(client, "privacy", "en").content.decode()
    assert "after 90 days without changes" in html
    assert "anonymised 400 days after it was closed" in html
    assert "Art. 77 GDPR" in html and "§ 86 AufenthG" in html


def test_the_accessibility_statement_names_its_review_date_in_the_locale(client, settings):
    settings.WSA_ACCESSIBILITY_REVIEWED_ON = "2026-11-30"
    assert "30. November 2026" in _get(client, "accessibility", "de").content.decode()
    settings.WSA_ACCESSIBILITY_REVIEWED_ON = ""
    assert "has not been carried out yet" in _get(client, "accessibility", "en").content.decode()


def _report(client, language="en", **data):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    fields = {"barrier-page": "/applicant/", "barrier-description": "The upload button cannot be reached by keyboard.",
              "barrier-reply_to": "amira@example.org", **data}
    return client.post(reverse("accessibility"), fields, follow=True)


def test_a_barrier_report_reaches_the_accessibility_contact(client, settings):
    settings.WSA_ACCESSIBILITY_EMAIL = "barrierefreiheit@bfaa.bund.de"
    response = _report(client)
    assert response.redirect_chain == [(reverse("accessibility"), 302)]
    assert "Your report has been sent" in response.content.decode()
    [message] = mail.outbox
    assert message.to == ["barrierefreiheit@bfaa.bund.de"]
    assert "The upload button cannot be reached by keyboard." in message.body
    assert "amira@example.org" in message.body and "/applicant/" in message.body
    with translation.override("de"):
        assert message.subject == translation.gettext("WSA: report of a barrier")


def test_an_empty_report_is_refused_in_the_users_language(client):
    response = _report(client, language="de", **{"barrier-description": "  "})
    assert response.status_code == 200
    html = response.content.decode()
    with translation.override("de"):
        assert str(translation.gettext("Please describe the barrier.")) in html
    assert 'href="#id_barrier-description"' in html
    assert mail.outbox == []


def test_a_bad_reply_address_is_refused(client):
    response = _report(client, **{"barrier-reply_to": "not-an-address"})
    assert response.status_code == 200 and mail.outbox == []


def test_reports_are_limited_per_address_and_hour(client, settings):
    settings.WSA_ACCESSIBILITY_FEEDBACK_PER_HOUR = 2
    for _ in range(2):
        _report(client)
    response = _report(client)
    assert "several reports within the last hour" in response.content.decode()
    assert len(mail.outbox) == 2


def test_a_broker_outage_is_told_not_hidden(client, monkeypatch):
    from applications import site_info

    def broker_down(*args, **kwargs):
        raise ConnectionRefusedError("broker unreachable")

    monkeypatch.setattr(site_info.mail_send, "delay", broker_down)
    response = _report(client)
    assert response.status_code == 200
    assert "could not be sent just now" in response.content.decode()
    assert "Your report has been sent" not in response.content.decode()


def test_the_report_form_needs_its_csrf_token():
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("accessibility"), {"barrier-description": "x"})
    assert response.status_code == 403
    assert mail.outbox == []


def test_the_sign_language_page_offers_the_film_when_one_is_configured(client, settings):
    html = _get(client, "sign_language", "en").content.decode()
    assert "<video" not in html and "Transcript" in html
    settings.WSA_SIGN_LANGUAGE_VIDEO_URL = "https://media.example.org/wsa-dgs.mp4"
    html = _get(client, "sign_language", "en").content.decode()
    assert '<video' in html and 'href="https://media.example.org/wsa-dgs.mp4" download' in html


def test_an_empty_operator_is_refused_for_production(settings):
    settings.WSA_OPERATOR_NAME = "Work-and-Stay-Agentur"
    settings.WSA_OPERATOR_EMAIL = ""
    settings.WSA_DATA_PROTECTION_OFFICER_EMAIL = "dsb@wsa.test"
    settings.WSA_ACCESSIBILITY_EMAIL = "bf@wsa.test"
    assert [error.id for error in operator_configured(None)] == ["wsa.E010"]
    settings.WSA_OPERATOR_EMAIL = "kontakt@wsa.test"
    assert operator_configured(None) == []
