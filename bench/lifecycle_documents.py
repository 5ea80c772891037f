"""A day's national volume through the whole procedure, with the documents: cases per hour and CPU per
case of each process, first with the workers on all queues, then with the workers split by queue.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wsa_life \
        uv run python bench/lifecycle_documents.py [--cases 2000] [--batch 20] [--in-flight 200] \
        [--layouts pooled,split] [--polls-every 20]

What every case goes through (bench/_lifecycle.py has the procedure's order):
* the applicant signs in and uploads the title's mandatory visa documents **over HTTP** into the
  application's documents step (gunicorn, production settings): the passport as a photographed page
  (JPEG, the MRZ and the printed page read), a photo, the employment contract, the degree certificate
  and six other documents as text PDFs; every fourth case sends its contract and its degree as scans
  (JPEG, read by OCR). The real check pipeline runs on the `documents` queue;
* the WSA caseworker loads the task list (back office landing) and the case's workspace before each of
  their steps, and confirms the application complete only once every document is checked;
* the authority communication is real HTTP (the `http` transport, JWE-encrypted) to the authority
  simulator served by this script; its signed callbacks arrive at the gunicorn, which queues the
  answers' fetches (`hub`); every public event sends its e-mail (rendered, dummy backend);
* the applicant opens the case page before each of their steps (booking the visa office's appointment,
  paying the visa fee, reporting the entry, paying the residence permit fee) and polls the status
  fragment every --polls-every seconds while the case is open (conditional GET, as the page does).

Layouts: `pooled` — two gunicorn processes, two Celery workers each on all queues; `split` — two gunicorn
processes, one worker per queue (`documents` prefork 1, `hub` threads 4, `default` prefork 1). Target
(issue #25): 2,000 cases with their documents in at most 60 minutes, none lost or duplicated.
Checked after each run: every case closed, every document checked, every authority request sent
exactly once (one outbox row, delivered; one submission at the simulator), no HTTP error.
"""

import re
import resource
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import (
    Celery,
    Server,
    cpu_seconds,
    machine_cpu_seconds,
    postgres_cpu_seconds,
)
from bench._lifecycle import authority_simulator, deliveries_checked, http_transport_environment, lifecycle_arguments

LAYOUTS = {
    "pooled": ("two web processes, two workers on all queues", [("documents,hub,default", "prefork", 1)] * 2),
    "split": ("two web processes, one worker per queue",
              [("documents", "prefork", 1), ("hub", "threads", 4), ("default", "prefork", 1)]),
}
SCAN_EVERY = 4  # every fourth case sends its contract and its degree certificate as scans
POOL = 40  # distinct passport pages (and people) made before the clock starts


def options(parser) -> None:
    parser.add_argument("--layouts", default="pooled,split")
    parser.add_argument("--polls-every", type=float, default=20.0, help="Seconds between an applicant's polls.")


class Portal:
    """HTTP to the bench's gunicorn as a browser behind the TLS proxy: cookies, CSRF token, forms."""

    def __init__(self, port: int):
        self.port = port
        self.statuses: Counter = Counter()
        self.errors: list[str] = []
        self.lock = threading.Lock()

    def _send(self, method: str, path: str, *, cookie: str, body: bytes = b"", headers: dict | None = None):
        import http.client

        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        try:
            sent = {"Host": "127.0.0.1", "X-Forwarded-Proto": "https", "Accept-Language": "en", "Cookie": cookie,
                    **(headers or {})}
            connection.request(method, path, body=body or None, headers=sent)
            response = connection.getresponse()
            data = response.read()
        finally:
            connection.close()
        with self.lock:
            self.statuses[response.status] += 1
            if response.status >= 400:
                self.errors.append(f"{method} {path}: {response.status}")
        return response, data

    def get(self, path: str, *, cookie: str, headers: dict | None = None):
        return self._send("GET", path, cookie=cookie, headers=headers)

    def form_token(self, path: str, *, cookie: str) -> tuple[str, str]:
        """The page's CSRF form token and the cookie header with the CSRF cookie added."""
        response, data = self.get(path, cookie=cookie)
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', data)
        set_cookie = response.getheader("Set-Cookie") or ""
        csrf = re.search(r"(\w*csrftoken)=([^;]+)", set_cookie)
        if token is None or csrf is None:
            raise RuntimeError(f"no form token on {path} ({response.status})")
        return token.group(1).decode(), f"{cookie}; {csrf.group(1)}={csrf.group(2)}"

    def post_files(self, path: str, *, cookie: str, token: str, fields: dict, files: list[tuple[str, str, bytes, str]]):
        boundary = uuid.uuid4().hex
        parts = []
        for name, value in {"csrfmiddlewaretoken": token, **fields}.items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
        for name, filename, data, content_type in files:
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                         f"Content-Type: {content_type}\r\n\r\n".encode() + data + b"\r\n")
        parts.append(f"--{boundary}--\r\n".encode())
        return self._send("POST", path, cookie=cookie, body=b"".join(parts), headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Origin": "https://127.0.0.1", "Referer": f"https://127.0.0.1{path}"})


def document_files(index: int, passport) -> dict[str, tuple[str, bytes, str]]:
    """The mandatory visa documents of a § 18b case (rules.required_documents), by requirement code."""
    from decimal import Decimal

    from documents.testing.documents import (
        ContractData,
        DegreeData,
        contract_lines,
        degree_lines,
        make_text_image,
        text_pdf,
    )

    name = f"{passport.given_names} {passport.surname}"
    contract = ContractData(employee=name, amount=Decimal("68000.00"), monthly=False, language="en",
                            job="Software Developer")
    degree = DegreeData(holder=name, degree="Bachelor of Technology", subject="Computer Science",
                        institution="Savitribai Phule Pune University")

    def pdf(title: str, *lines: str) -> tuple[str, bytes, str]:
        return (f"{title.lower().replace(' ', '-')}.pdf", text_pdf([[title, "", *lines]]), "application/pdf")

    files = {
        "passport": passport.file,
        "photo": ("photo.jpg", PHOTO, "image/jpeg"),
        "visa_application_form": pdf("Application for a national visa", f"Applicant: {name}",
                                     f"Passport: {passport.number}", "Purpose: employment (EU Blue Card)"),
        "cv": pdf("Curriculum vitae", name, "2015-2019 Software Developer, Pune", "2019- Senior Developer"),
        "employment_declaration": pdf("Erklärung zum Beschäftigungsverhältnis", f"Arbeitnehmerin: {name}",
                                      "Wöchentliche Arbeitszeit: 40 Stunden", "Bruttojahresgehalt: 68.000,00 EUR"),
        "anabin_or_zab": pdf("anabin: Savitribai Phule Pune University", "Status: H+", "Bachelor of Technology: "
                             "entspricht"),
        "health_insurance": pdf("Confirmation of health insurance", f"Insured person: {name}",
                                "Cover from the day of entry"),
    }
    if index % SCAN_EVERY == 0:
        files["employment_contract"] = ("contract.jpg", make_text_image(contract_lines(contract), fmt="jpeg"),
                                        "image/jpeg")
        files["degree_certificate"] = ("degree.jpg", make_text_image(degree_lines(degree), fmt="jpeg"), "image/jpeg")
    else:
        files["employment_contract"] = ("contract.pdf", text_pdf([contract_lines(contract)]), "application/pdf")
        files["degree_certificate"] = ("degree.pdf", text_pdf([degree_lines(degree)]), "application/pdf")
    return files


def make_photo() -> bytes:
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", (413, 531), (226, 230, 235))
    draw = ImageDraw.Draw(image)
    draw.ellipse((126, 90, 286, 290), fill=(190, 150, 120))
    draw.rectangle((86, 330, 326, 531), fill=(40, 50, 80))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


PHOTO = b""


def passports(count: int) -> list:
    """Passport pages of people from India (the demo's New Delhi visa office serves them), photographed."""
    import random
    from datetime import date, timedelta
    from types import SimpleNamespace

    from documents.testing.passports import NAMES, Options, PassportData, make_passport

    rng = random.Random(20261206)
    made = []
    for index in range(count):
        surname, given, _nationality = NAMES[index % len(NAMES)]
        letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
        number = rng.choice(letters) + "".join(rng.choice("0123456789") for _ in range(7))
        truth = PassportData(surname, given, "IND", number, date(1985, 1, 1) + timedelta(days=rng.randrange(5000)),
                             rng.choice("MF"), date.today() + timedelta(days=rng.randrange(1500, 3500)))
        page = make_passport(truth, seed=index, fmt="jpeg", options=Options(
            rotation=rng.uniform(-2, 2), blur=rng.uniform(0, 0.6), noise=rng.uniform(0, 6),
            jpeg_quality=rng.randrange(70, 92), scale=rng.uniform(0.85, 1.15)))
        made.append(SimpleNamespace(**vars(truth), file=(f"passport-{index}.jpg", page.data, page.content_type)))
    return made


def run(layout: str, env: dict, args) -> dict:

    from accounts.models import User
    from applications.lifecycle import CaseState
    from applications.models import Case
    from bench._common import session_cookie
    from bench._lifecycle import Hooks, drive
    from documents.models import Document

    title, workers = LAYOUTS[layout]
    print(f"[{layout}] {title}", flush=True)
    people = passports(POOL)
    caseworker = User.objects.get(email="caseworker.wsa@demo.wsa.example")
    web = Server(env, workers=2)
    cookies: dict[int, str] = {}
    etags: dict[int, str] = {}
    polled: dict[int, float] = {}
    public_ids: dict[int, str] = {}
    counter = iter(range(10**9))
    lock = threading.Lock()
    work = Counter()
    with web, authority_simulator(env, web.port) as simulator, Celery(env, layout=workers) as celery:
        portal = Portal(web.port)
        staff_cookie = session_cookie(caseworker)

        def make_case_documents(case) -> None:
            with lock:
                index = next(counter)
            cookie = session_cookie(case.person.user)
            cookies[case.pk], public_ids[case.pk] = cookie, str(case.public_id)
            step = f"/applicant/apply/{case.public_id}/documents/"
            token, with_csrf = portal.form_token(step, cookie=cookie)
            for requirement, (filename, data, content_type) in document_files(index, people[index % POOL]).items():
                response, _body = portal.post_files(step, cookie=with_csrf, token=token,
                                                    fields={"action": "upload", "requirement": requirement},
                                                    files=[("files", filename, data, content_type)])
                if response.status != 302:
                    raise RuntimeError(f"upload of {requirement} answered {response.status}")
                with lock:
                    work["uploads"] += 1

        def ready_for_review(case_ids: list[int]) -> list[int]:
            waiting = set(Document.objects.filter(case_id__in=case_ids, checked_at__isnull=True)
                          .values_list("case_id", flat=True))
            return [pk for pk in case_ids if pk not in waiting]

        def caseworker_looks(case) -> None:
            portal.get("/backoffice/", cookie=staff_cookie)
            portal.get(f"/backoffice/cases/{case.public_id}/", cookie=staff_cookie)
            with lock:
                work["task lists and workspaces"] += 1

        def applicant_looks(case) -> None:
            portal.get(f"/applicant/cases/{case.public_id}/", cookie=cookies[case.pk])
            with lock:
                work["case pages"] += 1

        open_now: set[int] = set()
        stop_polling = threading.Event()

        def poll_statuses() -> None:
            """The applicants' open case pages polling their status, on their own clock (a thread of
            its own: the script's rounds must not wait for them, nor they for the rounds)."""
            while not stop_polling.is_set():
                now = time.monotonic()
                for pk in list(open_now):
                    if now - polled.get(pk, 0.0) < args.polls_every or pk not in cookies:
                        continue
                    polled[pk] = now
                    headers = {"If-None-Match": etags[pk]} if pk in etags else {}
                    response, _body = portal.get(f"/applicant/cases/{public_ids[pk]}/status/",
                                                 cookie=cookies[pk], headers={"HX-Request": "true", **headers})
                    if response.getheader("ETag"):
                        etags[pk] = response.getheader("ETag")
                    with lock:
                        work["polls (304)" if response.status == 304 else "polls (rendered)"] += 1
                stop_polling.wait(0.2)

        def each_round(open_ids) -> None:
            open_now.clear()
            open_now.update(open_ids)

        poller = threading.Thread(target=poll_statuses, daemon=True)
        poller.start()
        hooks = Hooks(prepare=make_case_documents, ready_for_review=ready_for_review,
                      caseworker_looks=caseworker_looks, applicant_looks=applicant_looks, each_round=each_round)
        web_pids = [web.process.pid]
        before = (resource.getrusage(resource.RUSAGE_SELF), cpu_seconds(web_pids),
                  [cpu_seconds([pid]) for pid in celery.pids()], postgres_cpu_seconds(), machine_cpu_seconds())
        try:
            ids, seconds = drive(cases=args.cases, batch=args.batch, in_flight=args.in_flight,
                                 people=args.people, timeout=args.timeout, hooks=hooks)
        finally:
            stop_polling.set()
            poller.join()
        usage = resource.getrusage(resource.RUSAGE_SELF)
        cpu = {"web (gunicorn)": cpu_seconds(web_pids) - before[1]}
        for (queues, _pool, _concurrency), pid, earlier in zip(workers, celery.pids(), before[2], strict=True):
            name = f"worker on {queues}"
            cpu[name] = cpu.get(name, 0.0) + cpu_seconds([pid]) - earlier
        cpu["PostgreSQL"] = postgres_cpu_seconds() - before[3]
        cpu["this script (applicants, caseworkers, offices' slots)"] = (
            usage.ru_utime + usage.ru_stime - before[0].ru_utime - before[0].ru_stime)
        machine = machine_cpu_seconds() - before[4]

    closed = Case.objects.filter(pk__in=ids, state=CaseState.CLOSED).count()
    delivery = deliveries_checked(ids, simulator)
    lost, duplicated = delivery["lost"], delivery["duplicated"]
    documents = Document.objects.filter(case_id__in=ids)
    unchecked = documents.filter(checked_at__isnull=True).count()
    per_case = {name: seconds_ / max(closed, 1) * 1000 for name, seconds_ in cpu.items()}
    print(f"[{layout}] {closed} of {args.cases} cases closed in {seconds:.0f} s = {closed / seconds * 3600:,.0f} "
          f"cases per hour; {args.cases} cases would take {args.cases / max(closed, 1) * seconds / 60:.1f} min "
          f"(target for 2,000: <= 60 min)")
    print(f"[{layout}] documents: {documents.count()} uploaded, {unchecked} not checked; requests: {delivery}; "
          f"HTTP: {dict(sorted(portal.statuses.items()))}, "
          f"errors {len(portal.errors)} {portal.errors[:3]}")
    print(f"[{layout}] work: {dict(work)}, procedure: {hooks.counts}")
    print(f"[{layout}] CPU per closed case: " + ", ".join(f"{name} {ms:.0f} ms" for name, ms in per_case.items())
          + f"; the whole machine {machine / max(closed, 1) * 1000:.0f} ms (2 cores x 60 min / 2,000 cases = 3,600 ms)")
    return {"closed": closed, "seconds": seconds, "lost": lost + unchecked, "duplicated": duplicated,
            "errors": len(portal.errors)}


def main() -> None:
    global PHOTO
    args = lifecycle_arguments(__doc__.splitlines()[0], timeout=2 * 3600.0, extra=options)
    env = http_transport_environment()
    PHOTO = make_photo()
    results = {layout: run(layout, env, args) for layout in args.layouts.split(",")}
    if any(r["lost"] or r["duplicated"] or r["errors"] or r["closed"] < args.cases for r in results.values()):
        sys.exit("NOT every case closed, every document checked and every request delivered exactly once")


if __name__ == "__main__":
    main()
