"""The holder's page "My residence titles": plain language, dates in the locale's format, the history,
and nobody else's titles."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import formats, timezone, translation

from applications.models import TitleEnd, TitleKind
from tests.factories import PersonFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_home_page_links_to_the_titles(client, holder):
    client.force_login(holder.user)
    response = client.get(reverse("applicant:home"), HTTP_ACCEPT_LANGUAGE="en")
    assert reverse("applicant:titles") in response.content.decode()


def test_the_page_shows_each_title_in_plain_language_with_its_history(client, holder, make_title):
    today = timezone.localdate()
    visa = make_title(holder, kind=TitleKind.NATIONAL_VISA, legal_basis="§ 6 Abs. 3 AufenthG i. V. m. § 18g AufenthG",
                      valid_from=today - timedelta(days=100), valid_until=today - timedelta(days=5),
                      ended_at=timezone.now() - timedelta(days=10), end_reason=TitleEnd.REPLACED)
    make_title(holder, days_left=45, replaces=visa, card_number="Y1234567X")
    client.force_login(holder.user)

    page = client.get(reverse("applicant:titles"), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "EU Blue Card" in page and "National visa (type D)" in page
    assert "Employment permitted only as stated in the conditions" in page
    assert "Muster Software GmbH" in page and "Software Developer" in page and "Y1234567X" in page
    assert "45 days left" in page
    assert "replaced by a new title" in page and "Replaces your National visa (type D)" in page
    assert "section 81 (4) of the Residence Act" in page  # ends within 90 days: what to do
    assert formats.date_format(today + timedelta(days=45), "DATE_FORMAT") in page
    assert "as_conditioned" not in page and "eu_blue_card" not in page  # no raw codes


def test_the_dates_follow_the_locale(client, holder, make_title):
    title = make_title(holder)
    client.force_login(holder.user)
    page = client.get(reverse("applicant:titles"), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    with translation.override("de"):
        assert formats.date_format(title.valid_until, "DATE_FORMAT") in page


def test_without_titles_the_page_says_when_one_appears(client):
    client.force_login(UserFactory())
    page = client.get(reverse("applicant:titles"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "It appears here as soon as your visa is granted." in page


def test_other_people_never_see_a_title(client, holder, make_title):
    title = make_title(holder)
    intruder = PersonFactory(surname="OKAFOR")
    client.force_login(intruder.user)

    assert "Muster Software GmbH" not in client.get(reverse("applicant:titles")).content.decode()
    assert client.get(reverse("applicant:share_code_new", args=[title.public_id])).status_code == 404
    assert client.post(reverse("applicant:share_code_new", args=[title.public_id]),
                       {"purpose": "right_to_work", "days": "7"}).status_code == 404
    assert not title.share_codes.exists()


def test_signed_out_visitors_go_to_the_login(client, holder, make_title):
    response = client.get(reverse("applicant:titles"))
    assert response.status_code == 302 and reverse("account_login") in response["Location"]
