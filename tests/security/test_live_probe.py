"""The outside-in probe, against a live server as it runs in production: gunicorn with DJANGO_ENV=production
on loopback, behind an imagined TLS proxy (X-Forwarded-Proto), on the test run's PostgreSQL database.
Each attack that once got through is replayed over HTTP, and a sweep sends a NUL byte, an over-long
value and a wrong type to every URL pattern and HR API operation: nothing may answer 5xx."""

from __future__ import annotations

import itertools
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
import requests
from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.db import connection

from accounts import services as account_services
from accounts.models import ApiScope, Membership, Organisation, OrganisationKind, Role
from applications import services
from applications.models import Decision
from authorities import callbacks
from documents.models import Document
from documents.testing import documents as hostile
from tests.auth import totp_code, with_totp
from tests.factories import CaseFactory, OrganisationFactory, PersonFactory, UserFactory
from tests.procedure import walk

from .test_access_matrix import all_patterns

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Probe-Password-2026!"
CALLBACK_SECRET = secrets.token_hex(32)
BAD_VALUES = ["\x00", "x" * 3000, "-1"]
WORKERS, THREADS, POOL_SIZE = 2, 4, 2
PROBE_REDIS_DB = 14
APPLICATION_NAME = "wsa-live-probe"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def live(django_db_setup, django_db_blocker, tmp_path_factory):
    """gunicorn in production mode, serving the test database; its static files collected first."""
    if connection.vendor != "postgresql":
        pytest.skip("the live probe runs against PostgreSQL, as CI does (DATABASE_URL)")
    db = connection.settings_dict
    port = _free_port()
    # Throttles must count across gunicorn's workers: on Redis when the run has it (CI), in a database
    # of the probe's own, emptied first; tasks still run in the web process (no worker here).
    cache_url = ""
    if os.environ.get("REDIS_URL"):
        cache_url = os.environ["REDIS_URL"].rsplit("/", 1)[0] + f"/{PROBE_REDIS_DB}"
        redis.Redis.from_url(cache_url).flushdb()
    env = {
        **os.environ,
        "DJANGO_ENV": "production", "DJANGO_DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": "https://127.0.0.1",
        "DATABASE_URL": f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/"
                        f"{db['NAME']}",
        "STATIC_ROOT": str(tmp_path_factory.mktemp("static")),
        "WSA_AUTHORITY_CALLBACK_SECRET": CALLBACK_SECRET,
        "EMAIL_URL": "consolemail://", "REDIS_URL": cache_url, "CELERY_BROKER_URL": "",
        "CELERY_TASK_ALWAYS_EAGER": "true",
        # The server's connections name themselves, so the burst test counts exactly these.
        "DATABASE_SESSION_OPTIONS": f"-c random_page_cost=1.1 -c jit=off -c application_name={APPLICATION_NAME}",
        "DATABASE_POOL_MAX_SIZE": str(POOL_SIZE),
        "PYTHONUNBUFFERED": "1",
        # The probe stands behind one proxy that names each simulated person's own address, so that one
        # test's failed sign-ins never throttle another's (as many people behind one proxy would not).
        "WSA_TRUSTED_PROXY_COUNT": "1",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env,
                   check=True, timeout=300)
    log = tmp_path_factory.mktemp("gunicorn") / "server.log"
    with open(log, "wb") as out:
        server = subprocess.Popen(
            [str(Path(sys.executable).with_name("gunicorn")), "wsa.wsgi:application", "--bind", f"127.0.0.1:{port}",
             "--workers", str(WORKERS), "--threads", str(THREADS), "--timeout", "60"], cwd=ROOT, env=env, stdout=out,
            stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if requests.get(f"{base}/healthz", headers={"X-Forwarded-Proto": "https"}, timeout=2).ok:
                    break
            except (requests.ConnectionError, requests.Timeout):
                # Not listening yet, or a worker still loading the URLconf on its first request.
                time.sleep(0.1)
        else:
            raise RuntimeError(f"gunicorn did not start: {log.read_text()[-2000:]}")
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)
    text = log.read_text(errors="replace")
    # Django logs a refused request (403) with its traceback as a warning; a server error says so.
    errors = [text[max(0, m.start() - 300):m.start() + 3000]
              for m in re.finditer(r"Internal Server Error|WORKER TIMEOUT|\[ERROR\]", text)]
    assert not errors, "\n---\n".join(error[:3300] for error in errors[:3])


class Browser:
    """A person's browser behind the TLS proxy: keeps its cookies (Secure ones too, which the proxy's
    HTTPS would carry) and sends the CSRF token and Origin as a browser does."""

    def __init__(self, base: str):
        self.base, self.cookies = base, {}
        self.address = next_address()

    def request(self, method: str, path: str, *, data=None, json_body=None, headers=None,
                files=None) -> requests.Response:
        sent = {"X-Forwarded-Proto": "https", "X-Forwarded-For": self.address,
                "Origin": self.base.replace("http://", "https://"),
                "Referer": self.base.replace("http://", "https://") + "/", "Accept-Language": "en",
                **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if isinstance(data, dict) and "csrftoken" in self.cookies:
            data = {"csrfmiddlewaretoken": self.cookies["csrftoken"], **data}
        response = requests.request(method, self.base + path, data=data, json=json_body, headers=sent,
                                    files=files, allow_redirects=False, timeout=120)
        self.cookies.update(response.cookies.get_dict())
        return response

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, data=None, **kw):
        return self.request("POST", path, data=data, **kw)

    def sign_in(self, email: str, password: str = PASSWORD, totp_secret: str | None = None) -> requests.Response:
        self.get("/accounts/login/")
        response = self.post("/accounts/login/", {"login": email, "password": password})
        if totp_secret is not None and response.headers.get("Location", "").startswith("/accounts/2fa/"):
            self.get("/accounts/2fa/authenticate/")
            response = self.post("/accounts/2fa/authenticate/", {"code": totp_code(totp_secret)})
        return response



_addresses = itertools.count(1)


def next_address() -> str:
    """A client address of its own for each simulated person (TEST-NET-2)."""
    return f"198.51.100.{next(_addresses) % 250 + 1}"


def person_with_password(email: str, **extra):
    user = UserFactory(email=email, **extra)
    user.password = make_password(PASSWORD, hasher="pbkdf2_sha256")  # production's hasher
    user.save(update_fields=["password"])
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user



@pytest.fixture
def production_hashers(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher",
                                 "django.contrib.auth.hashers.MD5PasswordHasher"]


# --- The attacks that once got through --------------------------------------------------------------


def test_the_admin_password_alone_opens_neither_the_admin_nor_the_back_office(live, production_hashers):
    admin_user = person_with_password("root@probe.example", is_staff=True, is_superuser=True)
    secret = with_totp(admin_user)
    browser = Browser(live)
    assert browser.get("/admin/login/").headers["Location"].startswith("/accounts/login/")
    browser.get("/accounts/login/")  # a CSRF cookie, as any page gives
    response = browser.post("/admin/login/?next=/admin/", {"username": admin_user.email, "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"].startswith("/accounts/login/")
    assert browser.get("/admin/").status_code == 302
    response = browser.sign_in(admin_user.email)
    assert response.headers["Location"].startswith("/accounts/2fa/authenticate/")
    for path in ("/admin/", "/backoffice/"):
        assert browser.get(path).status_code == 302, path
    # With the code, the admin gets in.
    browser.get("/accounts/2fa/authenticate/")
    assert browser.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)}).status_code == 302
    assert browser.get("/admin/").status_code == 200


def test_nul_bytes_and_malformed_callbacks_are_bad_requests(live):
    browser = Browser(live)
    for path in ("/verify/%00/", "/api/v1/cases?q=%00", "/title-finder/?x=%00"):
        assert browser.get(path).status_code == 400, path
    for body in (b'{"submissions": [{"submissionId": "\\u0000"}]}', b"[" * 50_000 + b"]" * 50_000):
        headers = callbacks.signed_headers(CALLBACK_SECRET, body)
        headers["X-Forwarded-Proto"] = "https"
        response = requests.post(f"{live}/authorities/callback/", data=body, headers=headers, timeout=30)
        assert response.status_code == 400


def test_head_is_answered(live):
    for path in ("/", "/healthz", "/title-finder/"):
        assert requests.head(live + path, headers={"X-Forwarded-Proto": "https"}, timeout=10).status_code == 200


def test_an_impostor_organisation_cannot_invite_and_webhooks_refuse_loopback(live, production_hashers):
    impostor = person_with_password("impostor@probe.example")
    secret = with_totp(impostor)
    browser = Browser(live)
    browser.sign_in(impostor.email, totp_secret=secret)
    browser.get("/employer/register/")
    response = browser.post("/employer/register/", {
        "name": "Muster Software GmbH", "legal_form": "GmbH",
        "commercial_register_number": "Amtsgericht Berlin-Charlottenburg HRB 123456 B", "ba_company_number": "12345678",
        "street": "Friedrichstraße 100", "postal_code": "10117", "city": "Berlin",
        "contact_email": "hr@probe.example", "contact_phone": "+49 30 1"})
    assert response.status_code == 302
    organisation = Organisation.objects.get(contact_email="hr@probe.example")
    assert organisation.verified_at is None
    browser.get("/employer/organisation/")
    response = browser.post("/employer/organisation/invite/", {"email": "victim@probe.example",
                                                               "role": "employer_member"})
    assert response.status_code == 400 and "not been verified" in response.text

    verified = OrganisationFactory(kind=OrganisationKind.EMPLOYER)
    owner = UserFactory()
    Membership.objects.create(user=owner, organisation=verified, role=Role.EMPLOYER_OWNER)
    _token, raw = account_services.api_token_create(organisation=verified, actor=owner, name="probe",
                                                    scopes=[ApiScope.WEBHOOKS_MANAGE])
    for url in ("https://2130706433/x", "https://0x7f.0.0.1/x", "https://127.1/x", "https://localhost./x"):
        response = requests.post(f"{live}/api/v1/webhooks", json={"url": url}, timeout=10,
                                 headers={"Authorization": f"Bearer {raw}", "X-Forwarded-Proto": "https"})
        assert response.status_code == 422, url


def test_an_admin_cannot_approve_a_rejection(live, production_hashers):
    """The four-eyes approval of a visa office's rejection is a supervisor's of a visa office, never
    the admin's: the admin signs in fully (password, code, password again) and is still refused."""
    visa_office = OrganisationFactory(kind=OrganisationKind.VISA_OFFICE, name="Visa office probe")
    decider = UserFactory()
    Membership.objects.create(user=decider, organisation=visa_office, role=Role.CASEWORKER)
    case = CaseFactory(person=PersonFactory(), title_code="18g")
    walk(case, "submit", "start_completeness_check", "start_authority_review", "refer_to_visa_decision")
    decision = Decision.objects.create(case=case, kind=Decision.Kind.VISA, outcome=Decision.Outcome.REJECTED,
                                       legal_basis="§ 18g AufenthG", reasons="probe", decided_by=decider,
                                       status=Decision.Status.AWAITING_APPROVAL)
    admin_user = person_with_password("admin@probe.example", is_staff=True, is_superuser=True)
    browser = Browser(live)
    browser.sign_in(admin_user.email, totp_secret=with_totp(admin_user))
    browser.get("/accounts/reauthenticate/")
    browser.post("/accounts/reauthenticate/", {"password": PASSWORD})
    response = browser.post(f"/backoffice/cases/{case.public_id}/decisions/{decision.public_id}/approve/", {})
    assert response.status_code == 403
    decision.refresh_from_db()
    assert decision.status == Decision.Status.AWAITING_APPROVAL


def test_a_burst_of_clients_gets_answers_within_a_bounded_number_of_connections(live):
    """Two hundred requests from sixteen clients at once: every one answered, none 5xx, and PostgreSQL
    never sees more than workers x pool size connections of the portal (runserver opened one a request)."""
    from concurrent.futures import ThreadPoolExecutor

    peak, done = [0], []

    def watch():
        try:
            with connection.cursor() as cursor:
                while not done:
                    cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s",
                                   [APPLICATION_NAME])
                    peak[0] = max(peak[0], cursor.fetchone()[0])
                    time.sleep(0.01)
        finally:
            connection.close()

    def fetch(i):
        # /readyz reads the database (the other pages may answer from the cache alone).
        path = ("/", "/title-finder/", "/readyz", "/accounts/login/")[i % 4]
        return requests.get(live + path, headers={"X-Forwarded-Proto": "https"}, timeout=60).status_code

    with ThreadPoolExecutor(max_workers=17) as pool:
        watcher = pool.submit(watch)
        codes = list(pool.map(fetch, range(200)))
        done.append(True)
        watcher.result()
    assert all(code < 500 for code in codes) and len(codes) == 200
    assert 0 < peak[0] <= WORKERS * POOL_SIZE


def test_hostile_pdfs_are_caught_and_staff_never_see_the_library(live, production_hashers):
    """JavaScript packed in an object stream behind 6,000 objects is refused; a PDF with only an owner
    password needs attention; staff get the case's documents but never the applicant's library."""
    applicant = person_with_password("uploader@probe.example")
    person = PersonFactory(user=applicant)
    case = CaseFactory(person=person, title_code="18g")
    services.case_submit(case=case, actor=None)
    browser = Browser(live)
    browser.sign_in(applicant.email)
    browser.get("/applicant/documents/")
    for name, data in (("packed.pdf", hostile.javascript_in_object_stream_pdf()),
                       ("restricted.pdf", hostile.encrypted_pdf(user_password=""))):
        response = browser.request("POST", "/applicant/documents/", data={"document_type": "other"},
                                   files={"files": (name, data, "application/pdf")})
        assert response.status_code in (200, 302), name
    states = dict(Document.objects.filter(owner=person).values_list("original_name", "state"))
    assert states == {"packed.pdf": Document.State.REJECTED, "restricted.pdf": Document.State.NEEDS_ATTENTION}
    assert "pdf_active_content" in Document.objects.get(original_name="packed.pdf").findings.values_list(
        "code", flat=True)

    caseworker = person_with_password("reader@probe.example")
    Membership.objects.create(user=caseworker, role=Role.CASEWORKER,
                              organisation=OrganisationFactory(kind=OrganisationKind.WSA, name="WSA probe"))
    staff = Browser(live)
    staff.sign_in(caseworker.email, totp_secret=with_totp(caseworker))
    library = Document.objects.get(original_name="restricted.pdf")
    assert library.case_id is None
    assert staff.get(f"/documents/{library.public_id}/download/").status_code == 404
    handed_in = Document.objects.get(original_name="packed.pdf")
    Document.objects.filter(pk=handed_in.pk).update(case=case)
    assert staff.get(f"/documents/{handed_in.public_id}/download/").status_code == 200


def test_a_valid_api_token_works_behind_an_address_that_others_throttled(live):
    if not os.environ.get("REDIS_URL"):
        pytest.skip("throttles count across workers only on a shared cache (REDIS_URL), as CI has")
    organisation = OrganisationFactory(kind=OrganisationKind.EMPLOYER)
    owner = UserFactory()
    Membership.objects.create(user=owner, organisation=organisation, role=Role.EMPLOYER_OWNER)
    _token, raw = account_services.api_token_create(organisation=organisation, actor=owner, name="probe",
                                                    scopes=[ApiScope.CASES_READ])
    shared = {"X-Forwarded-Proto": "https", "X-Forwarded-For": next_address()}
    codes = [requests.get(f"{live}/api/v1/cases", timeout=10, headers={
        **shared, "Authorization": f"Bearer wsa_{secrets.token_hex(4)}_guess"}).status_code for _ in range(21)]
    assert codes[:20] == [401] * 20 and codes[20] == 429
    response = requests.get(f"{live}/api/v1/cases", headers={**shared, "Authorization": f"Bearer {raw}"},
                            timeout=10)
    assert response.status_code == 200


# --- The sweep -------------------------------------------------------------------------------------------


def _fill(route: str, value: str) -> str | None:
    """The route with every parameter set to `value`; None for regular-expression routes (the admin's,
    which the access matrix covers)."""
    if route.startswith("^") or "(?P" in route:
        return None
    return "/" + re.sub(r"<(?:\w+:)?\w+>", requests.utils.quote(value, safe=""), route)


def test_no_url_pattern_answers_5xx_to_bad_input(live, production_hashers):
    applicant = person_with_password("applicant@probe.example")
    CaseFactory(person=PersonFactory(user=applicant), title_code="18g")
    caseworker = person_with_password("caseworker@probe.example")
    Membership.objects.create(user=caseworker, role=Role.CASEWORKER,
                              organisation=OrganisationFactory(kind=OrganisationKind.WSA, name="WSA probe"))
    caseworker_secret = with_totp(caseworker)
    browsers = {"anonymous": Browser(live), "applicant": Browser(live), "caseworker": Browser(live)}
    browsers["applicant"].sign_in(applicant.email)
    browsers["caseworker"].sign_in(caseworker.email, totp_secret=caseworker_secret)
    assert browsers["caseworker"].get("/backoffice/").status_code == 200

    failures = []
    routes = [p.route for p in all_patterns() if not p.route.startswith(("admin/", "api/"))]
    for route in routes:
        for value in (str(uuid.uuid4()), *BAD_VALUES):
            path = _fill(route, value)
            if path is None or "accounts/logout" in path:
                continue
            for who, browser in browsers.items():
                for method, body in (("GET", None), ("POST", {"q": value, "body": value, "email": value,
                                                             "page": value, "file": value})):
                    browser.get("/")  # a fresh CSRF cookie, as a page view would give
                    response = browser.request(method, path + "?page=" + requests.utils.quote(value[:100]),
                                               data=body)
                    if response.status_code >= 500:
                        failures.append(f"{method} {path[:80]} as {who}: {response.status_code}")
    assert failures == []


def test_no_api_operation_answers_5xx_to_bad_input(live):
    organisation = OrganisationFactory(kind=OrganisationKind.EMPLOYER)
    owner = UserFactory()
    Membership.objects.create(user=owner, organisation=organisation, role=Role.EMPLOYER_OWNER)
    _token, raw = account_services.api_token_create(organisation=organisation, actor=owner, name="probe",
                                                    scopes=list(ApiScope.values))
    schema = requests.get(f"{live}/api/schema/", headers={"X-Forwarded-Proto": "https"}, timeout=10).json()
    wrong = [{"url": 5, "email": ["x"], "given_names": {"a": 1}, "surname": None, "employment": "text",
              "title_code": 7}, {"email": "\x00", "url": "https://x\x00.example"}, {"surname": "x" * 100_000}, []]
    failures = []
    for path, operations in schema["paths"].items():
        for method in operations:
            for value in (str(uuid.uuid4()), *BAD_VALUES):
                url = live + re.sub(r"\{\w+\}", requests.utils.quote(value, safe=""), path)
                for body in wrong if method in ("post", "put", "patch") else [None]:
                    response = requests.request(
                        method.upper(), url, params={"q": value[:200], "limit": value[:20], "offset": "abc"},
                        data=json.dumps(body) if body is not None else None, timeout=60,
                        headers={"Authorization": f"Bearer {raw}", "X-Forwarded-Proto": "https",
                                 "Content-Type": "application/json"})
                    if response.status_code >= 500:
                        failures.append(f"{method.upper()} {path} [{value[:10]!r}] {str(body)[:40]}: "
                                        f"{response.status_code}")
    assert failures == []
