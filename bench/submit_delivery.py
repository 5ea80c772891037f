"""Submit → every authority request of the case delivered, with one Celery worker on Redis.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wsa_scale \
        uv run python bench/submit_delivery.py [--cases 60] [--rate 2]

Drafts are prepared first (bench/_cases.py). Then, at --rate submissions per second, each is
submitted as the wizard does (`case_submit`: the requests and their outbox rows are
written in the submit's transaction, the relay tasks are queued after its commit). One Celery
worker (production settings, Redis database of BENCH_REDIS_URL, default /14) delivers through the
simulated transport and, as in production, also fetches the offices' answers and sends the
notifications in the same queue. The latency runs from the submit's commit until no request of the
case is still waiting to be sent. Baseline in the same run: the round trip of a task that does
nothing (bench.noop) through the same broker and worker.

Target: p95 <= 2 s. Run on the national data set, the relay's queries see a million cases.
"""

import argparse
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import Celery, bench_environment, percentile, setup_django


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=60)
    parser.add_argument("--rate", type=float, default=2.0, help="Submissions per second.")
    args = parser.parse_args()
    env = bench_environment()
    setup_django(env)

    from django.db import close_old_connections

    from applications import services
    from applications.models import Case
    from authorities.models import AuthorityRequest, RequestState
    from bench._cases import make_draft
    from bench.tasks import noop

    drafts = [make_draft() for _ in range(args.cases)]
    print(f"{len(drafts)} drafts ready; cases in the database: {Case.objects.count():,}")
    latencies, noop_latencies = [], []
    with Celery(env, workers=1, include="bench.tasks"):
        for _ in range(20):  # baseline: the broker and worker round trip of a task that does nothing
            began = time.perf_counter()
            noop.apply_async((time.time(),)).get(timeout=60)
            noop_latencies.append(time.perf_counter() - began)
        pending = {}
        lock = threading.Lock()
        done = threading.Event()

        def watch():
            while not done.is_set() or pending:
                with lock:
                    ids = list(pending)
                if ids:
                    waiting = set(AuthorityRequest.objects.filter(case_id__in=ids, state=RequestState.PENDING)
                                  .values_list("case_id", flat=True))
                    now = time.perf_counter()
                    with lock:
                        for case_id in ids:
                            if case_id not in waiting:
                                latencies.append(now - pending.pop(case_id))
                close_old_connections()
                time.sleep(0.01)

        watcher = threading.Thread(target=watch)
        watcher.start()
        began = time.perf_counter()
        for i, case in enumerate(drafts):
            target = began + i / args.rate
            time.sleep(max(0.0, target - time.perf_counter()))
            services.case_submit(case=case, actor=case.person.user)
            with lock:
                pending[case.pk] = time.perf_counter()
        deadline = time.perf_counter() + 300
        while pending and time.perf_counter() < deadline:
            time.sleep(0.1)
        done.set()
        watcher.join()
    requests = AuthorityRequest.objects.filter(case__in=[c.pk for c in drafts])
    states = dict.fromkeys(RequestState.values, 0)
    for state in requests.values_list("state", flat=True):
        states[state] += 1
    print(f"requests of the submitted cases by state: {states}")
    if len(latencies) < len(drafts):
        print(f"WARNING: {len(drafts) - len(latencies)} cases not delivered within 5 minutes")
    p95, base95 = percentile(latencies, 95), percentile(noop_latencies, 95)
    print(f"baseline (no-op task round trip): p50 {percentile(noop_latencies, 50) * 1000:.0f} ms, "
          f"p95 {base95 * 1000:.0f} ms")
    print(f"submit -> all requests delivered ({len(latencies)} cases at {args.rate}/s, one worker): "
          f"p50 {percentile(latencies, 50):.2f} s, p95 {p95:.2f} s, max {max(latencies):.2f} s "
          f"(target p95 <= 2 s: {'met' if p95 <= 2 else 'NOT met'}); ratio to the baseline p95: x{p95 / base95:.1f}")


if __name__ == "__main__":
    main()
