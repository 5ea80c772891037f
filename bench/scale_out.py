"""Scale-out: the case lifecycle on one worker, then on two web processes and three workers split by
queue, against one PostgreSQL: throughput of each, the gain, and every authority request sent once.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wsa_scale \
        uv run python bench/scale_out.py [--cases 10000] [--batch 50] [--in-flight 400] [--people 2]

Both runs do the same work with the same code (bench/_lifecycle.py, as bench/lifecycle.py): each case
gets an employment contract (a PDF: the document check runs on the `documents` queue) and goes from
draft to closed; the authority communication is real HTTP (the `http` transport, JWE-encrypted) to the
authority simulator, which this script serves on loopback; the simulator's signed callbacks arrive at
the portal's gunicorn, which queues the answers' fetches (`hub`). A run ends when every case is closed
and every document checked.

(a) one gunicorn process and one Celery worker process on all three queues;
(b) two gunicorn processes and three workers: `documents` (prefork, 1), `hub` (threads, 4), `default`
    (prefork, 1).

Checked after each run, per case: every authority request has exactly one outbox row, delivered; the
simulator received each request's submission exactly once (its idempotency key once, one delivery,
one announcement), and nothing else. Production settings; Redis database of BENCH_REDIS_URL (/14).
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import Celery, Server
from bench._lifecycle import authority_simulator, deliveries_checked, http_transport_environment, lifecycle_arguments

CONFIGURATIONS = {
    "a": ("one worker process on all queues, one web process", 1, [("documents,hub,default", "prefork", 1)]),
    "b": ("two web processes, three workers on separate queues", 2,
          [("documents", "prefork", 1), ("hub", "threads", 4), ("default", "prefork", 1)]),
}


def main() -> None:
    args = lifecycle_arguments(__doc__.splitlines()[0], timeout=3 * 3600.0)
    env = http_transport_environment()

    results = {key: run(key, env, args) for key in CONFIGURATIONS}
    print()
    for key, result in results.items():
        print(f"({key}) {CONFIGURATIONS[key][0]}: {result['closed']} of {args.cases} cases closed in "
              f"{result['seconds']:.0f} s = {result['per_hour']:,.0f} cases per hour; "
              f"{result['requests']} authority requests, lost {result['lost']}, duplicated {result['duplicated']}")
    gain = results["b"]["per_hour"] / max(results["a"]["per_hour"], 1e-9)
    print(f"gain of (b) over (a): x{gain:.2f}")
    if any(result["lost"] or result["duplicated"] or result["closed"] < args.cases for result in results.values()):
        sys.exit("NOT every request was delivered exactly once, or cases were left open")


def run(key: str, env: dict, args) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from bench._lifecycle import drive
    from documents import services as documents
    from documents.models import Document
    from documents.testing import hostile

    title, web_processes, layout = CONFIGURATIONS[key]
    print(f"({key}) {title}", flush=True)
    contract = hostile.contract_pdf()

    def upload_contract(case) -> None:
        documents.document_upload(person=case.person, uploaded_by=case.person.user, case=case,
                                  file=SimpleUploadedFile("contract.pdf", contract),
                                  document_type="employment_contract")

    web = Server(env, workers=web_processes)
    with web, authority_simulator(env, web.port) as simulator, Celery(env, layout=layout):
        began = time.perf_counter()
        ids, _ = drive(cases=args.cases, batch=args.batch, in_flight=args.in_flight, people=args.people,
                       timeout=args.timeout, prepare=upload_contract)
        unchecked = Document.objects.filter(case_id__in=ids, checked_at__isnull=True)
        deadline = time.monotonic() + 600
        while unchecked.exists() and time.monotonic() < deadline:
            time.sleep(0.5)
        seconds = time.perf_counter() - began

    from applications.models import Case

    closed = Case.objects.filter(pk__in=ids, state="closed").count()
    delivery = deliveries_checked(ids, simulator)
    undone = Document.objects.filter(case_id__in=ids, checked_at__isnull=True).count()
    print(f"  {delivery}; documents not checked: {undone}", flush=True)
    return {"closed": closed, "seconds": seconds, "per_hour": closed / seconds * 3600, "requests": delivery["requests"],
            "lost": delivery["lost"] + undone, "duplicated": delivery["duplicated"]}


if __name__ == "__main__":
    main()
