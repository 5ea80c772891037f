"""The security headers of real responses, for an anonymous and a signed-in user."""

import re
from pathlib import Path

import pytest

from tests.factories import UserFactory

PAGES = ["/", "/accounts/login/", "/title-finder/", "/accounts/signup/"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", PAGES)
def test_every_page_sends_a_strict_policy(client, path):
    response = client.get(path)
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert re.search(r"script-src 'self' 'nonce-[\w-]{20,}'", csp)
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response.headers["Permissions-Policy"]


@pytest.mark.django_db
def test_nonce_changes_per_response_and_pages_have_no_inline_script(client):
    first = client.get("/").headers["Content-Security-Policy"]
    second = client.get("/").headers["Content-Security-Policy"]
    assert first != second
    client.force_login(UserFactory())
    page = client.get("/applicant/").content.decode()
    inline_scripts = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page)
    assert inline_scripts == []
    assert not re.search(r"\son[a-z]+=\"", page), "inline event handlers need 'unsafe-inline'"


@pytest.mark.django_db
def test_no_template_writes_inline_styles_the_policy_would_block():
    """style="…" attributes are blocked by the content-security policy (no 'unsafe-inline'): the browser
    would drop them and log an error, so no template may carry one."""
    templates = Path(__file__).resolve().parents[2] / "templates"
    offenders = [str(path.relative_to(templates)) for path in templates.rglob("*.html")
                 if " style=" in path.read_text(encoding="utf-8")]
    assert offenders == []
    # A <style> element without the response's nonce is blocked as well (the statistics page's bars were).
    blocks = [str(path.relative_to(templates)) for path in templates.rglob("*.html")
              if re.search(r"<style(?![^>]*\bnonce=)", path.read_text(encoding="utf-8"))]
    assert blocks == []
