"""Bad input and errors end in a page of the portal, in the person's language, with a way on: never a
server error for a NUL byte, never a bare Django page."""

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation

from tests.factories import UserFactory
from wsa import errors

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser():
    client = Client(raise_request_exception=False)
    client.cookies["django_language"] = "en"
    return client


def test_a_nul_byte_for_the_api_is_a_bad_request_in_json(browser):
    response = browser.get("/api/v1/cases?q=%00")
    assert response.status_code == 400 and response.json()["detail"]


@pytest.mark.parametrize("url", ["/verify/%00/", "/title-finder/?step=%00",
                                 "/%00", "/backoffice/?q=a%00b", "/applicant/?x%00=1"])
def test_a_nul_byte_anywhere_in_the_address_is_a_bad_request_page(browser, url):
    response = browser.get(url)
    assert response.status_code == 400
    page = response.content.decode()
    assert "The request could not be understood" in page and 'href="/"' in page


def test_a_nul_byte_in_a_form_field_is_a_bad_request_page(browser):
    form = "login=a%00b%40example.org&password=x"
    response = browser.post(reverse("account_login"), form, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    # A multipart form reaches the view, whose fields refuse NUL bytes themselves.
    assert browser.post(reverse("account_login"), {"login": "a\x00b@example.org", "password": "x"}).status_code == 200


@pytest.mark.parametrize("url", ["/", "/healthz", "/title-finder/", "/accounts/login/"])
def test_head_is_answered_like_get(browser, url):
    assert browser.head(url).status_code == 200


def test_the_404_page_speaks_the_users_language_and_leads_back(browser):
    response = browser.get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Page not found" in page and 'lang="en"' in page and 'href="/"' in page
    browser.cookies["django_language"] = "de"
    assert "Seite nicht gefunden" in browser.get("/no-such-page/").content.decode()


def test_a_403_says_what_the_person_can_do_instead(browser):
    browser.force_login(UserFactory())
    response = browser.get("/backoffice/")
    assert response.status_code == 403
    page = response.content.decode()
    assert "You do not have access to this page" in page
    assert reverse("portal_home") in page  # the way to their own pages


def test_a_failed_csrf_check_is_explained(browser):
    csrf_client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    csrf_client.cookies["django_language"] = "en"
    response = csrf_client.post(reverse("account_login"), {"login": "a@example.org", "password": "x"})
    assert response.status_code == 403
    assert "The form has expired" in response.content.decode()


@pytest.mark.urls("tests.security.error_urls")
def test_the_500_page_is_the_portals_and_falls_back_to_a_plain_one(browser, monkeypatch):
    response = browser.get("/test-failure/")
    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong on our side" in page and 'lang="en"' in page and "a bug" not in page

    request = RequestFactory().get("/")

    def broken(*args, **kwargs):
        raise RuntimeError("template engine down")

    monkeypatch.setattr(errors, "render", broken)
    with translation.override("en"):
        response = errors.server_error(request)
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode() and 'href="/"' in response.content.decode()


@pytest.mark.parametrize("body", [b'{"url": "https://x\\u0000.example"}', b'{"email": "a\x00b"}'])
def test_a_nul_byte_in_a_json_body_is_a_bad_request(browser, body):
    response = browser.post("/api/v1/webhooks", body, content_type="application/json")
    assert response.status_code == 400 and response.json() == {"detail": "NUL bytes are not allowed in any input."}
