"""Share codes: the holder makes, sees and revokes them; the public check page shows only what the
purpose needs, logs every check for the holder, refuses wrong, expired, revoked and wrong-purpose
codes with one message, and pauses an address after five wrong codes."""

import hashlib
import re
import uuid
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from applications.models import ShareCode, ShareCodeCheck
from applications.titles import share_codes
from documents.models import Document, DocumentType
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

CODE_SHAPE = re.compile(r"^[A-HJKMNP-Z2-9]{3}-[A-HJKMNP-Z2-9]{3}-[A-HJKMNP-Z2-9]{3}-[A-HJKMNP-Z2-9]{3}$")
NEUTRAL = "This code cannot be used for this check."
CHECK = "/check/"


@pytest.fixture
def title(holder, make_title):
    return make_title(holder, days_left=200)


def make_code(client, title, purpose="right_to_work", days="30"):
    """Makes a code through the holder's pages; returns (row, code as shown once)."""
    client.force_login(title.holder.user)
    response = client.post(reverse("applicant:share_code_new", args=[title.public_id]),
                           {"purpose": purpose, "days": days})
    assert response.status_code == 302
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en")
    text = re.search(r"data-share-code>([^<]+)<", page.content.decode()).group(1).strip()
    return ShareCode.objects.get(title=title, hint=text[-3:]), text


def check(code, purpose="right_to_work", organisation="", ip="203.0.113.7"):
    return Client(HTTP_ACCEPT_LANGUAGE="en").post(CHECK, {"code": code, "purpose": purpose,
                                                          "organisation": organisation}, REMOTE_ADDR=ip)


def test_a_code_is_shown_once_and_stored_only_as_a_keyed_hash(client, title):
    row, text = make_code(client, title, days="7")
    assert CODE_SHAPE.match(text)
    assert text.replace("-", "") not in row.digest and len(row.digest) == 64
    assert row.digest != hashlib.sha256(text.replace("-", "").encode()).hexdigest()  # keyed, not a plain hash
    assert timedelta(days=6, hours=23) < row.expires_at - timezone.now() <= timedelta(days=7)
    again = client.get(reverse("applicant:share_code", args=[row.public_id]), HTTP_ACCEPT_LANGUAGE="en")
    assert text not in again.content.decode() and again["Cache-Control"] == "no-store"


def test_the_holder_chooses_only_the_offered_terms_and_purposes(client, title):
    client.force_login(title.holder.user)
    url = reverse("applicant:share_code_new", args=[title.public_id])
    assert client.post(url, {"purpose": "right_to_work", "days": "365"}).status_code == 200
    assert client.post(url, {"purpose": "everything", "days": "7"}).status_code == 200
    assert not ShareCode.objects.exists()


def test_no_code_for_a_title_that_is_not_valid(client, holder, make_title):
    old = make_title(holder, valid_from=timezone.localdate() - timedelta(days=400),
                     valid_until=timezone.localdate() - timedelta(days=1))
    client.force_login(holder.user)
    response = client.post(reverse("applicant:share_code_new", args=[old.public_id]),
                           {"purpose": "right_to_work", "days": "7"})
    assert response.status_code == 302 and not ShareCode.objects.exists()


def test_an_employer_sees_the_right_to_work_and_the_holder_sees_the_check(client, title):
    _row, text = make_code(client, title)
    response = check(text.lower().replace("-", " "), organisation="Muster Software GmbH – HR")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Right to work: confirmed" in page and "PRIYA SHARMA" in page and "EU Blue Card" in page
    assert "Employment permitted only as stated in the conditions" in page and "Software Developer" in page
    assert "No photo is on record" in page
    assert "May stay in Germany until" not in page
    assert response["X-Robots-Tag"] == "noindex" and response["Cache-Control"] == "no-store"
    assert response["Referrer-Policy"] == "no-referrer"

    logged = ShareCodeCheck.objects.get()
    assert logged.purpose == "right_to_work" and logged.organisation == "Muster Software GmbH – HR"
    holder_page = client.get(reverse("applicant:titles"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Muster Software GmbH – HR" in holder_page


def test_a_landlord_sees_only_until_when_the_holder_may_stay(client, title):
    _row, text = make_code(client, title, purpose="right_to_rent")
    page = check(text, purpose="right_to_rent").content.decode()
    assert "Right to rent: confirmed" in page and "May stay in Germany until" in page
    assert "Software Developer" not in page and "Muster Software GmbH" not in page
    assert "Employment permitted" not in page


def test_the_holders_photo_is_shown_when_one_passed_the_checks(client, title):
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
    photo = Document(owner=title.holder, document_type=DocumentType.PHOTO, original_name="photo.png", size=len(png),
                     sha256=hashlib.sha256(png).hexdigest(), content_type="image/png", state=Document.State.PASSED)
    photo.file.save(f"{uuid.uuid4().hex}.png", ContentFile(png), save=True)
    _row, text = make_code(client, title)
    assert 'src="data:image/png;base64,' in check(text).content.decode()


@pytest.mark.parametrize("spoil", ["wrong", "expired", "revoked", "purpose", "title_ended"])
def test_unusable_codes_get_one_neutral_message(client, title, spoil):
    row, text = make_code(client, title)
    purpose = "right_to_work"
    if spoil == "wrong":
        text = "ABC-DEF-GHJ-KMN"
    elif spoil == "expired":
        ShareCode.objects.filter(pk=row.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    elif spoil == "revoked":
        response = client.post(reverse("applicant:share_code_revoke", args=[row.public_id]))
        assert response.status_code == 302
    elif spoil == "purpose":
        purpose = "right_to_rent"
    else:
        type(title).objects.filter(pk=title.pk).update(ended_at=timezone.now(), end_reason="revoked")

    response = check(text, purpose=purpose)
    page = response.content.decode()
    assert response.status_code == 200 and NEUTRAL in page
    assert "PRIYA" not in page and "confirmed" not in page
    assert not ShareCodeCheck.objects.exists()


def test_the_holder_sees_and_revokes_codes_and_others_cannot(client, title):
    row, _text = make_code(client, title)
    page = client.get(reverse("applicant:titles"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"…{row.hint}" in page and "Right to work (for an employer)" in page and "Active" in page

    other = Client()
    other.force_login(PersonFactory(surname="OKAFOR").user)
    revoke = reverse("applicant:share_code_revoke", args=[row.public_id])
    assert other.post(revoke).status_code == 404
    assert other.get(reverse("applicant:share_code", args=[row.public_id])).status_code == 404
    assert client.get(revoke).status_code == 405
    row.refresh_from_db()
    assert row.revoked_at is None

    assert client.post(revoke).status_code == 302
    row.refresh_from_db()
    assert row.revoked_at is not None
    assert "Revoked" in client.get(reverse("applicant:titles"), HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_five_wrong_codes_pause_the_address_for_fifteen_minutes(client, title, monkeypatch):
    _row, text = make_code(client, title)
    now = [1_900_000_000.0]
    monkeypatch.setattr(share_codes, "clock", lambda: now[0])

    for attempt in range(5):
        assert check(f"ABC-DEF-GHJ-KM{attempt + 2}").status_code == 200
    blocked = check(text)  # even the right code, from this address
    assert blocked.status_code == 429
    assert 0 < int(blocked["Retry-After"]) <= 15 * 60 + 1
    assert blocked["X-Robots-Tag"] == "noindex" and blocked["Cache-Control"] == "no-store"
    assert Client().get(CHECK, REMOTE_ADDR="203.0.113.7").status_code == 429
    assert not ShareCodeCheck.objects.exists()
    assert check(text, ip="198.51.100.9").status_code == 200  # another address is not paused

    now[0] += 14 * 60
    assert check(text).status_code == 429
    now[0] += 61
    response = check(text)
    assert response.status_code == 200 and "Right to work: confirmed" in response.content.decode()


def test_wrong_codes_spread_over_more_than_fifteen_minutes_do_not_pause(client, title, monkeypatch):
    now = [1_900_000_000.0]
    monkeypatch.setattr(share_codes, "clock", lambda: now[0])
    for _attempt in range(8):
        assert check("ABC-DEF-GHJ-KMN").status_code == 200
        now[0] += 4 * 60


def test_the_forms_need_the_csrf_token(title):
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(CHECK, {"code": "ABC-DEF-GHJ-KMN", "purpose": "right_to_work"}).status_code == 403
    strict.force_login(title.holder.user)
    assert strict.post(reverse("applicant:share_code_new", args=[title.public_id]),
                       {"purpose": "right_to_work", "days": "7"}).status_code == 403
    assert not ShareCode.objects.exists()


def test_the_check_page_works_without_signing_in(client):
    response = client.get(CHECK, HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert response.status_code == 200 and 'name="code"' in page and 'name="organisation"' in page
    assert response["X-Robots-Tag"] == "noindex" and response["Referrer-Policy"] == "no-referrer"


def test_the_check_form_posts_from_its_no_referrer_page(client, title):
    """Under `Referrer-Policy: no-referrer` browsers send `Origin: null`: accepted with the token, never
    without it."""
    _row, text = make_code(client, title)
    strict = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    strict.get(CHECK)
    token = strict.cookies["csrftoken"].value
    data = {"code": text, "purpose": "right_to_work", "csrfmiddlewaretoken": token}
    assert "Right to work: confirmed" in strict.post(CHECK, data, HTTP_ORIGIN="null").content.decode()
    assert strict.post(CHECK, {**data, "csrfmiddlewaretoken": "x" * 64}, HTTP_ORIGIN="null").status_code == 403
    assert strict.post(CHECK, data, HTTP_ORIGIN="https://evil.example").status_code == 403
