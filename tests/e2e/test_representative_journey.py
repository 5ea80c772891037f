"""A relocation agency starts a case for a new client, the client accepts the mandate from the e-mail
link, and the agency follows and acts in the case — in German and in English."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import mail
from django.test import Client

from accounts.models import Membership, OrganisationKind, Role
from applications.mandates.models import Mandate
from applications.models import Case, Message
from tests.auth import give_totp
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def sign_in(page, live_server, user, language):
    client = Client()
    client.force_login(user)
    page.context.clear_cookies()
    page.context.add_cookies([
        {"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
         "url": live_server.url},
        {"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url},
    ])


def verified(email):
    user = UserFactory(email=email)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


@pytest.mark.parametrize("language", ["de", "en"])
def test_agency_starts_and_follows_a_case_for_a_new_client(live_server, page, language):
    agency = OrganisationFactory(kind=OrganisationKind.RELOCATION_AGENCY, name="Move & Settle GmbH")
    agent = give_totp(verified(f"agent.{language}@move.example"))
    Membership.objects.create(user=agent, organisation=agency, role=Role.REPRESENTATIVE_OWNER)
    client_email = f"chen.{language}@example.org"
    client_user = verified(client_email)

    # The agency starts the case from its portal.
    sign_in(page, live_server, agent, language)
    page.goto(live_server.url + "/portal/")
    page.wait_for_url("**/representative/")
    assert page.locator("html").get_attribute("lang") == language
    page.locator("a[href='/representative/clients/new/']").first.click()
    page.wait_for_url("**/clients/new/")
    page.fill("input[name=given_names]", "Chen")
    page.fill("input[name=surname]", "Wei")
    page.fill("input[name=email]", client_email)
    page.select_option("select[name=title_code]", "18b")
    page.select_option("select[name=procedure_language]", language)
    page.check("input[name=scope][value=act]")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/representative/")
    case = Case.objects.get(person__surname="Wei")
    assert case.reference in page.content() and case.created_by == agent
    link = re.search(r"https?://\S+/invitation/client/\S+/", mail.outbox[-1].body).group(0)
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]

    # The client opens the link, confirms the power of attorney and lands on their case.
    sign_in(page, live_server, client_user, language)
    page.goto(live_server.url + path)
    assert "Move &amp; Settle GmbH" in page.content() or "Move & Settle GmbH" in page.content()
    page.check("input[name=confirm]")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"**/applicant/cases/{case.public_id}/")
    mandate = Mandate.objects.get(principal_person__user=client_user)
    assert list(mandate.cases.all()) == [case] and mandate.scope == "act"

    # The agency follows the case and writes to the case team on the client's behalf.
    sign_in(page, live_server, agent, language)
    page.goto(live_server.url + "/representative/")
    page.get_by_role("link", name=case.reference).click()
    page.wait_for_url(f"**/representative/cases/{case.public_id}/")
    page.fill("textarea[name=body]", "Das Diplom folgt morgen." if language == "de" else "The degree follows.")
    page.locator(f"form[action='/representative/cases/{case.public_id}/messages/'] button[type=submit]").click()
    page.wait_for_url(f"**/representative/cases/{case.public_id}/#messages")
    message = Message.objects.get(case=case)
    assert message.author == agent
    event = case.events.filter(kind="message").get()
    assert event.payload["on_behalf"]["representative"] == "Move & Settle GmbH"

    # The client sees who acted for them.
    sign_in(page, live_server, client_user, "en")
    page.goto(live_server.url + f"/applicant/cases/{case.public_id}/")
    page.get_by_text(re.compile(r"on behalf of")).first.wait_for(timeout=10_000)
