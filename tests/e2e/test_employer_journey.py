"""An employer starts a case for a candidate who has no account yet; the candidate follows the e-mail's
link, creates an account, confirms the address and accepts — in German, English and Arabic, at 1280 and
360 px, each page checked by the walk guard (issue 24)."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import mail
from django.utils import timezone

from accounts.models import CandidateInvitation, Membership, Role
from applications.models import Case
from tests.auth import give_totp
from tests.e2e.test_representative_journey import sign_in
from tests.e2e.walk_guard import WalkGuard
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def path_of(link: str) -> str:
    return "/" + link.split("://", 1)[1].split("/", 1)[1]


@pytest.mark.parametrize("width", [1280, 360])
@pytest.mark.parametrize("language", ["de", "en", "ar"])
def test_an_employer_invites_a_new_candidate_who_signs_up_and_accepts(live_server, page, language, width):
    page.set_viewport_size({"width": width, "height": 900})
    guard = WalkGuard(page, language=language)
    organisation = OrganisationFactory(name="Muster Software GmbH", ba_company_number="12345678",
                                       verified_at=timezone.now())
    owner = give_totp(UserFactory(email=f"hr.{language}.{width}@muster.example"))
    EmailAddress.objects.create(user=owner, email=owner.email, verified=True, primary=True)
    Membership.objects.create(user=owner, organisation=organisation, role=Role.EMPLOYER_OWNER)
    candidate_email = f"priya.{language}.{width}@example.org"

    # The employer starts the case.
    sign_in(page, live_server, owner, language)
    page.goto(live_server.url + "/employer/")
    guard.check("employer home")
    page.goto(live_server.url + "/employer/cases/new/")
    guard.check("new case form")
    page.fill("input[name=given_names]", "Priya")
    page.fill("input[name=surname]", "Sharma")
    page.fill("input[name=email]", candidate_email)
    page.select_option("select[name=title_code]", "18g")
    page.select_option("select[name=procedure_language]", "en")
    page.fill("input[name=job_title]", "Software Developer")
    page.fill("input[name=occupation_isco]", "2512")
    page.fill("textarea[name=duties]", "Web development")
    page.select_option("select[name=required_qualification]", index=1)
    page.fill("input[name=annual_gross_salary]", "58000")
    page.fill("input[name=weekly_hours]", "40")
    page.fill("input[name=start_date]", (timezone.localdate() + timezone.timedelta(days=120)).isoformat())
    page.fill("input[name=workplace_street]", "Musterstraße 1")
    page.fill("input[name=workplace_postal_code]", "10115")
    page.fill("input[name=workplace_city]", "Berlin")
    page.select_option("select[name=workplace_state]", "BE")
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r".*/employer/cases/[0-9a-f-]+/$"))
    guard.check("case started")
    case = Case.objects.get(person__surname="Sharma", employer=organisation)
    assert case.reference in page.content()
    invitation = CandidateInvitation.objects.get(case=case)
    link = re.search(r"https?://\S+/invitation/case/\S+", mail.outbox[-1].body).group(0)

    # The candidate, without an account, follows the link in the same browser language.
    page.context.clear_cookies()
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}])
    page.goto(live_server.url + path_of(link))
    guard.check("invitation, signed out")
    page.locator("main a[href^='/accounts/signup/']").first.click()
    page.wait_for_url("**/accounts/signup/**")
    guard.check("sign-up")
    page.fill("input[name=email]", candidate_email)
    page.fill("input[name=password1]", "a-long-pass-42xy")
    page.fill("input[name=password2]", "a-long-pass-42xy")
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state()
    guard.check("after sign-up")
    confirmation = re.search(r"https?://\S+/accounts/confirm-email/\S+", mail.outbox[-1].body).group(0)
    page.goto(live_server.url + path_of(confirmation))
    guard.check("confirm the address")
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_url("**" + path_of(link))
    guard.check("invitation, signed in")
    page.locator("input[name=scope][value=full]").check()
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(f"**/applicant/cases/{case.public_id}/")
    guard.check("the candidate's case")
    assert page.locator("html").get_attribute("lang") == language
    invitation.refresh_from_db()
    case.refresh_from_db()
    assert case.person.user is not None and case.person.user.email == candidate_email

    # The employer sees that the candidate accepted.
    sign_in(page, live_server, owner, language)
    page.goto(live_server.url + f"/employer/cases/{case.public_id}/")
    guard.check("employer's case after the acceptance")
