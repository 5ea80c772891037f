"""Cases through the whole simulated lifecycle with two Celery workers: cases per hour.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wsa_scale \
        uv run python bench/lifecycle.py [--cases 10000] [--batch 50] [--in-flight 400]

Every case goes draft → submitted → completeness check → authority review → (the simulated offices approve
recognition, BA, register check; the visa office asks for an appointment, the applicant books one and pays the
visa fee, the office records the attendance, then it decides) → visa decision → visa granted → entered (the
residence permit is requested from the foreigners' authority, which answers; the applicant pays its fee) →
permit issued → closed. No documents: bench/lifecycle_documents.py runs the same procedure with the documents
uploaded over HTTP and checked. The caseworkers' and the applicant's steps are taken by this script through
the services (as the views would), a steady stream of --batch new cases per round; the authority communication
runs in two Celery workers (production settings, Redis database of BENCH_REDIS_URL, default /14): the outbox
relay, the answers' fetches and the e-mail notifications of every public event, as in production. The clock
runs from the first draft to the last closed case.

Baseline in the same run: how many tasks that do nothing (bench.noop) the two workers pass per
second, so that "cases per hour" can be read against the machine of the day. Target: 10,000 cases
in at most 15 minutes (40,000 per hour).
"""

import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import (
    Celery,
    bench_environment,
    cpu_seconds,
    machine_cpu_seconds,
    postgres_cpu_seconds,
    setup_django,
)
from bench._lifecycle import lifecycle_arguments


def main() -> None:
    args = lifecycle_arguments(__doc__.splitlines()[0], timeout=3600.0)
    env = bench_environment()
    setup_django(env)

    from django.db.models import Q

    from applications.lifecycle import CaseState
    from applications.models import Case
    from authorities.models import AuthorityRequest, RequestState
    from bench._lifecycle import drive
    from bench.tasks import noop

    S = CaseState
    with Celery(env, workers=2, include="bench.tasks") as celery:
        # Baseline: no-op tasks per second through the same broker and the two workers.
        began = time.perf_counter()
        results = [noop.apply_async((time.time(),)) for _ in range(400)]
        for result in results:
            result.get(timeout=120)
        noop_rate = 400 / (time.perf_counter() - began)

        cpu_before = (resource.getrusage(resource.RUSAGE_SELF), cpu_seconds(celery.pids()), postgres_cpu_seconds(),
                      machine_cpu_seconds())
        all_ids, elapsed = drive(cases=args.cases, batch=args.batch, in_flight=args.in_flight, people=args.people,
                                 timeout=args.timeout)
        usage = resource.getrusage(resource.RUSAGE_SELF)
        cpu = {
            "this script (applicants, caseworkers)": usage.ru_utime + usage.ru_stime
            - cpu_before[0].ru_utime - cpu_before[0].ru_stime,
            "two Celery workers": cpu_seconds(celery.pids()) - cpu_before[1],
            "PostgreSQL (server, backends, autovacuum)": postgres_cpu_seconds() - cpu_before[2],
        }
        machine = machine_cpu_seconds() - cpu_before[3]
    stuck = Case.objects.filter(pk__in=all_ids).exclude(state=S.CLOSED).count()
    failed = AuthorityRequest.objects.filter(case_id__in=all_ids).filter(
        Q(state=RequestState.FAILED) | ~Q(outcome__in=["", "approved"])).count()
    done = len(all_ids) - stuck
    per_hour = done / elapsed * 3600
    print("CPU time per closed case: " + ", ".join(
        f"{name} {seconds / max(done, 1) * 1000:.0f} ms" for name, seconds in cpu.items()))
    print(f"CPU time per closed case of the whole machine: {machine / max(done, 1) * 1000:.0f} ms "
          f"(the target needs at most {2 * 15 * 60 / 10_000 * 1000:.0f} ms on two cores)")
    print(f"baseline: two workers pass {noop_rate:.0f} no-op tasks per second")
    print(f"{done} of {args.cases} cases closed in {elapsed:.0f} s ({failed} requests failed or not approved, "
          f"{stuck} cases not closed): {per_hour:,.0f} cases per hour; 10,000 cases would take "
          f"{10_000 / max(per_hour, 1) * 60:.1f} min (target <= 15 min: "
          f"{'met' if per_hour >= 40_000 else 'NOT met'}); {per_hour / 3600 / noop_rate:.3f} cases per no-op task")


if __name__ == "__main__":
    main()
