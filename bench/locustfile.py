"""Load test of the portal (issue 10): applicants poll their case status (with ETag, as the htmx
fragment does), look at their case, upload documents and submit their draft, while caseworkers log
in with TOTP and work the back-office queue.

Run it through bench/run_load.sh (which seeds the logins with `manage.py seed_load`, starts
gunicorn, a Celery worker with beat, and stops everything afterwards), or by hand against a portal
on loopback:

    uv run locust -f bench/locustfile.py --headless -u 100 -r 10 -t 2m --host http://127.0.0.1:8765

Loopback only: the host must be 127.0.0.1/localhost (checked at start). Every user logs in through
the real login form (and the second-factor form for staff); each sends its own X-Forwarded-For
address from the documentation ranges (a header, no traffic goes there) because the portal, run
with WSA_TRUSTED_PROXY_COUNT=1, rate-limits logins per client address as it would behind a proxy.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import os
import re
import struct
import time
from urllib.parse import urlparse

from locust import HttpUser, between, events, task

PASSWORD = os.environ.get("LOAD_PASSWORD", "Load-WSA-2026!")
APPLICANTS = int(os.environ.get("LOAD_APPLICANTS", "100"))
CASEWORKERS = int(os.environ.get("LOAD_CASEWORKERS", "10"))
DOMAIN = "load.wsa.example"

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_numbers = {"applicant": itertools.count(1), "caseworker": itertools.count(1)}
_addresses = itertools.count(1)


@events.test_start.add_listener
def _loopback_only(environment, **kwargs):
    host = urlparse(environment.host or "").hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"refusing to load {host!r}: loopback only")


def load_totp_secret(email: str) -> str:
    """Same as applications/management/commands/seed_load.py."""
    return base64.b32encode(hashlib.sha256(f"wsa-load-totp:{email}".encode()).digest()[:20]).decode()


def totp(secret: str, at: float | None = None) -> str:
    counter = int(at if at is not None else time.time()) // 30
    digest = hmac.new(base64.b32decode(secret), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def minimal_pdf(text: str) -> bytes:
    stream = f"BT /F1 12 Tf 40 780 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    return out + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)


UPLOAD = minimal_pdf("Curriculum vitae of a load test applicant, with enough letters to be text.")


class PortalUser(HttpUser):
    abstract = True

    def on_start(self):
        number = next(_addresses)
        self.client.headers["X-Forwarded-For"] = f"{198 if number % 2 else 203}.{51 if number % 2 else 0}." \
                                                 f"{100 if number % 2 else 113}.{number % 250 + 1}"
        self.client.headers["Accept-Language"] = "en"

    def csrf(self, path: str, name: str | None = None) -> str:
        with self.client.get(path, name=name or path, catch_response=True) as response:
            match = CSRF.search(response.text)
            if response.status_code != 200 or not match:
                response.failure(f"no form at {path} ({response.status_code})")
                return ""
            response.success()
            return match.group(1)

    def post_form(self, path: str, data: dict, *, name: str, token: str, files=None, expect=(302,)) -> str:
        with self.client.post(path, data={"csrfmiddlewaretoken": token, **data}, files=files, name=name,
                              headers={"Referer": self.host + path}, allow_redirects=False,
                              catch_response=True) as response:
            if response.status_code in expect:
                response.success()
            else:
                response.failure(f"{name}: {response.status_code}")
            return response.headers.get("Location", "")

    def login(self, email: str) -> str:
        token = self.csrf("/accounts/login/")
        return self.post_form("/accounts/login/", {"login": email, "password": PASSWORD}, name="login", token=token)


class Applicant(PortalUser):
    weight = 9
    wait_time = between(2, 5)  # the status fragment polls every 5 s

    def on_start(self):
        super().on_start()
        self.email = f"load.applicant.{(next(_numbers['applicant']) - 1) % APPLICANTS + 1}@{DOMAIN}"
        self.login(self.email)
        home = self.client.get("/applicant/", name="/applicant/").text
        self.cases = list(dict.fromkeys(re.findall(rf"/applicant/cases/({UUID})/", home)))
        self.drafts = list(dict.fromkeys(re.findall(rf"/applicant/apply/({UUID})/", home)))
        self.etags: dict[str, str] = {}

    @task(12)
    def poll_status(self):
        if not self.cases:
            return
        case = self.cases[0] if len(self.cases) == 1 else self.cases[int(time.time()) % len(self.cases)]
        headers = {"HX-Request": "true"}
        if case in self.etags:
            headers["If-None-Match"] = self.etags[case]
        with self.client.get(f"/applicant/cases/{case}/status/", headers=headers, name="status poll (ETag)",
                             catch_response=True) as response:
            if response.status_code in (200, 304):
                self.etags[case] = response.headers.get("ETag", self.etags.get(case, ""))
                response.success()
            else:
                response.failure(f"status {response.status_code}")

    @task(2)
    def case_page(self):
        if self.cases:
            self.client.get(f"/applicant/cases/{self.cases[0]}/", name="/applicant/cases/[id]/")

    @task(1)
    def home(self):
        self.client.get("/applicant/", name="/applicant/")

    @task(1)
    def upload(self):
        token = self.csrf("/applicant/documents/")
        if token:
            self.post_form("/applicant/documents/", {"document_type": "cv"}, name="upload (POST /applicant/documents/)",
                           token=token, files={"files": ("cv.pdf", UPLOAD, "application/pdf")})

    @task(1)
    def submit(self):
        if not self.drafts:
            return
        draft = self.drafts.pop()
        path = f"/applicant/apply/{draft}/check/"
        token = self.csrf(path, name="/applicant/apply/[id]/check/")
        if token:
            location = self.post_form(path, {"declaration": "on"}, name="submit (POST check step)", token=token)
            if location.endswith("/done/"):
                self.cases.append(draft)


class Caseworker(PortalUser):
    weight = 1
    wait_time = between(2, 6)

    def on_start(self):
        super().on_start()
        self.email = f"load.caseworker.{(next(_numbers['caseworker']) - 1) % CASEWORKERS + 1}@{DOMAIN}"
        location = self.login(self.email)
        if "2fa" in location:
            self.second_factor()
        self.case_ids: list[str] = []

    def second_factor(self):
        """Types the current code; when the request waited in the queue past the code's 30-second
        step the form comes back (200), and the code of the new step is typed, as a person would."""
        for attempt in range(3):
            token = self.csrf("/accounts/2fa/authenticate/")
            name = "second factor (TOTP)" if attempt == 0 else "second factor (TOTP, retyped after the step changed)"
            location = self.post_form("/accounts/2fa/authenticate/", {"code": totp(load_totp_secret(self.email))},
                                      name=name, token=token, expect=(302, 200))
            if location:
                return

    @task(4)
    def queue(self):
        response = self.client.get("/backoffice/", name="/backoffice/ (queue)")
        found = list(dict.fromkeys(re.findall(rf"/backoffice/cases/({UUID})/", response.text)))
        if found:
            self.case_ids = found[:25]

    @task(3)
    def open_case(self):
        if self.case_ids:
            case = self.case_ids[int(time.time() * 1000) % len(self.case_ids)]
            self.client.get(f"/backoffice/cases/{case}/", name="/backoffice/cases/[id]/")
