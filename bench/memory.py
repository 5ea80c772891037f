"""Peak memory (RSS) of a gunicorn web worker under the status and queue load, and of a Celery
check worker running 20 passport checks.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wsa_scale uv run python bench/memory.py [--seconds 30]

Web: the bench gunicorn (production settings, 2 sync workers) is loaded for --seconds with the
applicant's status fragment (304 and full) and case page and the back office's queues and searches
(bench/status.py and bench/queue_search.py ask the same pages); the peak is each worker's VmHWM.
Baseline in the same run: the workers' resident memory after one request each (imports and
templates loaded), before the load.

Exports: then the same server streams the employer CSV export (the demo employer's member) with
--export-cases cases: cases of other employers are handed to the demo employer until it has that
many (this changes the bench database). Peak: the exporting worker's VmHWM after two exports.

Checks: one Celery worker (prefork, concurrency 1) checks 20 generated passport pages (PNG, JPEG and
image-only PDF; documents/testing/passports.py) uploaded as an applicant would. The checks run in a
forked child per document (documents.checks.sandbox, with its own memory limit); the peak is read
every 20 ms from the worker's whole process tree. Baseline: the idle worker.

Then the applicant's data export (ZIP, GDPR Art. 15) of a new applicant with --zip-documents documents
of --zip-megabytes MB each (random bytes: incompressible, like scans), twice: the archive is built in a
SpooledTemporaryFile (on disk above 4 MB), each document copied into it in 1 MB pieces, and sent as a
file. Peak: the workers' VmHWM after the ZIP exports.

Target: web worker <= 200 MB, every export included.
"""

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import Celery, Server, bench_environment, children, request, rss_mb, session_cookie, setup_django


def tree(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children(current))
    return found


def export_load(server, wanted: int, exports: int = 2) -> dict:
    """`exports` CSV exports of the demo employer with `wanted` cases; returns their size and duration."""
    from accounts.models import Membership, User
    from applications.models import Case

    member = User.objects.get(email="employer.member@demo.wsa.example")
    organisation = Membership.objects.filter(user=member).exclude(organisation=None).first().organisation
    have = Case.objects.filter(employer=organisation).count()
    handed_over = 0
    if have < wanted:
        others = list(Case.objects.exclude(employer=organisation).values_list("pk", flat=True)[:wanted - have])
        handed_over = Case.objects.filter(pk__in=others).update(employer=organisation)
    cookie = session_cookie(member)
    sizes, began = [], time.perf_counter()
    for _ in range(exports):
        status, _ms, _seconds, response = request(server.port, "/employer/export.csv", cookie=cookie,
                                                  body_size=True)
        assert status == 200, status
        sizes.append(response.bytes_read)
    return {"cases": Case.objects.filter(employer=organisation).count(), "handed_over": handed_over,
            "bytes": max(sizes), "seconds": (time.perf_counter() - began) / exports, "exports": exports}


def zip_export_load(server, documents: int, megabytes: int) -> dict:
    """Two data exports (ZIP) of a new applicant with `documents` documents of `megabytes` MB each."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from bench._cases import make_draft
    from documents.models import Document

    draft = make_draft()
    person, user = draft.person, draft.person.user
    user.set_password(os.urandom(16).hex())  # the export asks for the password again: it needs one
    user.save()
    for index in range(documents):
        content = os.urandom(megabytes * 1024 * 1024)
        name = default_storage.save(f"bench/export-{index}.pdf", ContentFile(content))
        Document.objects.create(owner=person, case=draft, file=name, original_name=f"scan-{index}.pdf",
                                sha256="0" * 64, size=len(content), content_type="application/pdf", state="passed",
                                uploaded_by=user, document_type="other")
    cookie = session_cookie(user, reauthenticated=True)
    sizes, began = [], time.perf_counter()
    for _ in range(2):
        status, _ms, _seconds, response = request(server.port, "/applicant/my-data/export/", cookie=cookie,
                                                  body_size=True)
        assert status == 200, status
        sizes.append(response.bytes_read)
    return {"documents": documents, "bytes": max(sizes), "seconds": (time.perf_counter() - began) / 2}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--checks", type=int, default=20)
    parser.add_argument("--export-cases", type=int, default=20_000,
                        help="Cases of the demo employer in the CSV export (others are handed over to reach it).")
    parser.add_argument("--exports", type=int, default=2, help="CSV exports in a row.")
    parser.add_argument("--zip-documents", type=int, default=12, help="Documents of the applicant in the ZIP export.")
    parser.add_argument("--zip-megabytes", type=int, default=10, help="Size of each of those documents.")
    args = parser.parse_args()
    env = bench_environment()
    env["WSA_VAR_DIR"] = tempfile.mkdtemp(prefix="wsa-bench-memory-")
    setup_django(env)

    from accounts.models import User
    from applications.lifecycle import CaseState
    from applications.models import Case

    case = (Case.objects.filter(state=CaseState.AUTHORITY_REVIEW, person__user__isnull=False)
            .select_related("person__user").order_by("-pk").first())
    applicant = session_cookie(case.person.user)
    staff = {key: session_cookie(User.objects.get(email=f"{key}@demo.wsa.example"))
             for key in ("caseworker.wsa", "caseworker.ba")}
    pages = [
        (applicant, f"/applicant/cases/{case.public_id}/status/"),
        (applicant, f"/applicant/cases/{case.public_id}/"),
        (staff["caseworker.wsa"], "/backoffice/"),
        (staff["caseworker.wsa"], "/backoffice/?state=all"),
        (staff["caseworker.wsa"], "/backoffice/?q=SHARMA"),
        (staff["caseworker.wsa"], f"/backoffice/?state=all&q={case.reference}"),
        (staff["caseworker.ba"], "/backoffice/"),
        (staff["caseworker.wsa"], f"/backoffice/cases/{case.public_id}/"),
        (staff["caseworker.wsa"], "/backoffice/authorities/"),
    ]
    # A sync worker streaming a long export does not report to gunicorn's arbiter: without a long
    # timeout it is killed mid-export (production runs gthread workers, whose main loop reports).
    with Server(env, workers=2, timeout=3600) as server:
        workers = server.worker_pids()
        for cookie, path in pages[:2]:
            request(server.port, path, cookie=cookie)
        idle = {pid: rss_mb(pid) for pid in workers}
        stop = time.monotonic() + args.seconds
        counts = [0, 0]

        def load(slot):
            i = slot
            while time.monotonic() < stop:
                cookie, path = pages[i % len(pages)]
                status = request(server.port, path, cookie=cookie)[0]
                assert status == 200, (path, status)
                counts[slot] += 1
                i += 1

        threads = [threading.Thread(target=load, args=(slot,)) for slot in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        peak_web = {pid: rss_mb(pid, "VmHWM") for pid in workers}
        export = export_load(server, args.export_cases, args.exports)
        peak_export = {pid: rss_mb(pid, "VmHWM") for pid in workers}
        zip_export = zip_export_load(server, args.zip_documents, args.zip_megabytes)
        peak_zip = {pid: rss_mb(pid, "VmHWM") for pid in workers}

    from django.core.files.uploadedfile import SimpleUploadedFile

    from bench._cases import make_draft
    from documents import services as document_services
    from documents.models import Document
    from documents.testing import passports

    draft = make_draft()
    person, user = draft.person, draft.person.user
    with Celery(env, workers=1) as celery:
        main_pid = celery.pids()[0]
        time.sleep(2)
        idle_check = max(rss_mb(pid) for pid in tree(main_pid))
        peak_check = {"max": 0.0}
        sampling = threading.Event()

        def sample():
            while not sampling.is_set():
                for pid in tree(main_pid):
                    peak_check["max"] = max(peak_check["max"], rss_mb(pid))
                time.sleep(0.02)

        sampler = threading.Thread(target=sample)
        sampler.start()
        began = time.perf_counter()
        ids = []
        for seed in range(args.checks):
            fmt = ("png", "jpeg", "pdf")[seed % 3]
            page = passports.make_passport(seed=seed, fmt=fmt, options=passports.variants(seed))
            document = document_services.document_upload(
                person=person, uploaded_by=user, file=SimpleUploadedFile(page.filename, page.data),
                document_type="passport")
            ids.append(document.pk)
        while Document.objects.filter(pk__in=ids, state__in=["uploaded", "checking"]).exists():
            if time.perf_counter() - began > 900:
                print("WARNING: checks did not finish within 15 minutes")
                break
            time.sleep(0.2)
        checks_seconds = time.perf_counter() - began
        hwm_tree = max(rss_mb(pid, "VmHWM") for pid in tree(main_pid))
        sampling.set()
        sampler.join()
        states = list(Document.objects.filter(pk__in=ids).values_list("state", flat=True))

    peak = max(peak_web.values())
    export_peak = max(peak_export.values())
    print(f"export: employer CSV of {export['cases']:,} cases ({export['handed_over']:,} handed over to the demo "
          f"employer), {export['bytes'] / 1e6:.1f} MB in {export['seconds']:.1f} s per export "
          f"({export['exports']} exports); web "
          f"workers' peak after the exports {', '.join(f'{v:.0f}' for v in peak_export.values())} MB "
          f"(target <= 200 MB: {'met' if export_peak <= 200 else 'NOT met'})")
    zip_peak = max(peak_zip.values())
    print(f"export: applicant data export (ZIP) with {zip_export['documents']} documents of {args.zip_megabytes} MB, "
          f"{zip_export['bytes'] / 1e6:.1f} MB in {zip_export['seconds']:.1f} s per export (2 exports); web workers' "
          f"peak after them {', '.join(f'{v:.0f}' for v in peak_zip.values())} MB "
          f"(target <= 200 MB: {'met' if zip_peak <= 200 else 'NOT met'})")
    print(f"web: {sum(counts)} requests in {args.seconds:.0f} s over {len(pages)} pages; per worker idle "
          f"{', '.join(f'{v:.0f}' for v in idle.values())} MB -> peak (VmHWM) "
          f"{', '.join(f'{v:.0f}' for v in peak_web.values())} MB; peak {peak:.0f} MB "
          f"(target <= 200 MB: {'met' if peak <= 200 else 'NOT met'}); ratio to idle x{peak / max(idle.values()):.2f}")
    check_peak = max(peak_check["max"], hwm_tree)
    print(f"check worker: {len(ids)} passport checks in {checks_seconds:.0f} s (states: "
          f"{ {s: states.count(s) for s in set(states)} }); idle {idle_check:.0f} MB -> peak of the worker's processes "
          f"{check_peak:.0f} MB (ratio x{check_peak / max(idle_check, 1):.2f})")


if __name__ == "__main__":
    main()
