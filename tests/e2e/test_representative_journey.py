"""A relocation agency starts a case for a new client, the client accepts the mandate from the e-mail
link, and the agency follows and acts in the case — in German, English and Arabic, at 1280 and 360 px, each
page checked by the walk guard."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import mail
from django.test import Client

from accounts.models import MemberInvitation, Membership, OrganisationKind, Role
from applications.mandates.models import Mandate
from applications.models import Case, Message
from tests.auth import give_totp
from tests.e2e.walk_guard import WalkGuard
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


@pytest.mark.parametrize("language", ["de", "en", "ar"])
def test_agency_starts_and_follows_a_case_for_a_new_client(live_server, page, language):
    guard = WalkGuard(page, language=language)
    agency = OrganisationFactory(kind=OrganisationKind.RELOCATION_AGENCY, name="Move & Settle GmbH")
    for width in (1280, 360):
        page.set_viewport_size({"width": width, "height": 900})
        walk_as_agency_and_client(live_server, page, guard, agency, language, width)


def walk_as_agency_and_client(live_server, page, guard, agency, language, width):
    agent = give_totp(verified(f"agent.{language}.{width}@move.example"))
    Membership.objects.create(user=agent, organisation=agency, role=Role.REPRESENTATIVE_OWNER)
    client_email = f"chen.{language}.{width}@example.org"
    client_user = verified(client_email)
    surname = f"Wei{width}"

    # The agency starts the case from its portal.
    sign_in(page, live_server, agent, language)
    page.goto(live_server.url + "/portal/")
    page.wait_for_url("**/representative/")
    guard.check(f"{width} agency home")
    page.locator("a[href='/representative/clients/new/']").first.click()
    page.wait_for_url("**/clients/new/")
    guard.check(f"{width} new client form")
    page.fill("input[name=given_names]", "Chen")
    page.fill("input[name=surname]", surname)
    page.fill("input[name=email]", client_email)
    page.select_option("select[name=title_code]", "18b")
    # The procedure itself runs in German or English, whatever the portal's language.
    page.select_option("select[name=procedure_language]", "de" if language == "de" else "en")
    page.check("input[name=scope][value=act]")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/representative/")
    guard.check(f"{width} client added")
    case = Case.objects.get(person__surname=surname)
    assert case.reference in page.content() and case.created_by == agent
    link = re.search(r"https?://\S+/invitation/client/\S+/", mail.outbox[-1].body).group(0)
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]

    # The client opens the link, confirms the power of attorney and lands on their case.
    sign_in(page, live_server, client_user, language)
    page.goto(live_server.url + path)
    guard.check(f"{width} power of attorney")
    assert "Move &amp; Settle GmbH" in page.content() or "Move & Settle GmbH" in page.content()
    page.check("input[name=confirm]")
    page.locator("main form:has(input[name=confirm]) button[type=submit]").click()  # not the "Decline" form
    page.wait_for_url(f"**/applicant/cases/{case.public_id}/")
    guard.check(f"{width} the client's case")
    mandate = Mandate.objects.get(principal_person__user=client_user)
    assert list(mandate.cases.all()) == [case] and mandate.scope == "act"

    # The agency follows the case and writes to the case team on the client's behalf.
    sign_in(page, live_server, agent, language)
    page.goto(live_server.url + "/representative/")
    page.get_by_role("link", name=case.reference).click()
    page.wait_for_url(f"**/representative/cases/{case.public_id}/")
    guard.check(f"{width} the agency's view of the case")
    page.fill("textarea[name=body]", "Das Diplom folgt morgen." if language == "de" else "The degree follows.")
    page.locator(f"form[action='/representative/cases/{case.public_id}/messages/'] button[type=submit]").click()
    page.wait_for_url(f"**/representative/cases/{case.public_id}/#messages")
    guard.check(f"{width} message sent")
    message = Message.objects.get(case=case)
    assert message.author == agent
    event = case.events.filter(kind="message").get()
    assert event.payload["on_behalf"]["representative"] == "Move & Settle GmbH"

    # The client sees who acted for them.
    sign_in(page, live_server, client_user, language)
    page.goto(live_server.url + f"/applicant/cases/{case.public_id}/")
    page.locator("main").get_by_text("Move & Settle GmbH").first.wait_for(timeout=10_000)
    guard.check(f"{width} the client sees who acted")

    # The agency's owner invites a colleague and withdraws the invitation, sent to a mistyped address.
    sign_in(page, live_server, agent, language)
    page.goto(live_server.url + "/representative/organisation/")
    guard.check(f"{width} the agency's people")
    mistyped = f"colleage.{language}.{width}@move.example"
    page.fill("input[name=email]", mistyped)
    page.check("input[name=role][value=representative_member]")
    page.locator("form[action='/representative/organisation/invite/'] button[type=submit]").click()
    page.wait_for_url("**/representative/organisation/")
    guard.check(f"{width} invitation sent")
    assert mistyped in page.content()
    page.locator("form[action*='/representative/organisation/invitations/'] button[type=submit]").click()
    page.wait_for_url("**/representative/organisation/")
    guard.check(f"{width} invitation withdrawn")
    assert mistyped not in page.content()
    assert MemberInvitation.objects.get(email=mistyped).revoked_at is not None

    # A client invitation sent to a mistyped address is withdrawn from the agency's home, with its draft.
    page.goto(live_server.url + "/representative/clients/new/")
    page.fill("input[name=surname]", f"Typo{width}")
    page.fill("input[name=email]", f"chen.wie.{language}.{width}@example.org")
    page.select_option("select[name=procedure_language]", "en")
    page.check("input[name=scope][value=act]")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/representative/")
    guard.check(f"{width} client invitation waiting")
    draft = Case.objects.get(person__surname=f"Typo{width}")
    page.locator("form[action$='/send-again/'] button[type=submit]").click()  # just sent: not again yet
    page.wait_for_url("**/representative/")
    guard.check(f"{width} client invitation not sent again within the hour")
    assert page.locator(".kern-alert--danger").count() == 1
    page.locator("form[action$='/withdraw/'] button[type=submit]").click()
    page.wait_for_url("**/representative/")
    guard.check(f"{width} client invitation withdrawn")
    assert draft.reference in page.content() and not Case.objects.filter(pk=draft.pk).exists()
