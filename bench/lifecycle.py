"""Cases through the whole simulated lifecycle with two Celery workers: cases per hour.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wsa_scale \
        uv run python bench/lifecycle.py [--cases 10000] [--batch 50] [--in-flight 400]

Every case goes draft → submitted → completeness check → authority review → (the simulated offices
approve recognition, BA, register check; the visa office acknowledges and decides) → visa decision
→ visa granted → entered (the residence permit is requested from the foreigners' authority, which
answers) → permit issued → closed. The caseworkers' and the applicant's steps are taken by this
script through the services (as the views would), a steady stream of --batch new cases per round; the authority
communication runs in two Celery workers (production settings, Redis database of BENCH_REDIS_URL,
default /14): the outbox relay, the answers' fetches and the e-mail notifications of every public
event, as in production. The clock runs from the first draft to the last closed case.

Baseline in the same run: how many tasks that do nothing (bench.noop) the two workers pass per
second, so that "cases per hour" can be read against the machine of the day. Target: 10,000 cases
in at most 15 minutes (40,000 per hour).
"""

import argparse
import resource
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=50, help="New cases per round of the script.")
    parser.add_argument("--in-flight", type=int, default=400, help="Cases under way at most.")
    parser.add_argument("--people", type=int, default=2, help="Threads taking the applicants' and caseworkers' steps.")
    parser.add_argument("--timeout", type=float, default=3600.0, help="Give up after this many seconds.")
    args = parser.parse_args()
    env = bench_environment()
    setup_django(env)

    from django.db.models import Count, Q

    from applications import services
    from applications.lifecycle import CaseState
    from applications.models import Case
    from authorities.models import AuthorityRequest, RequestState
    from bench._cases import make_draft
    from bench.tasks import noop

    caseworker = None
    from accounts.models import User

    caseworker = User.objects.filter(email="caseworker.wsa@demo.wsa.example").first()
    if caseworker is None:
        sys.exit("The demo caseworker is missing: run seed_demo (or seed_scale) first.")
    S = CaseState
    caseworker_steps = {
        S.SUBMITTED: "start_completeness_check",
        S.COMPLETENESS_CHECK: "start_authority_review",
        S.VISA_DECISION: "grant_visa",
        S.ENTERED: "issue_permit",  # once the residence permit's answer is in (see actionable)
        S.PERMIT_ISSUED: "close",
    }

    def new_case() -> int:
        case = make_draft()
        services.case_transition(case=case, transition="submit", actor=case.person.user)
        return case.pk

    def next_step(case) -> int:
        if case.state == S.VISA_GRANTED:
            services.case_report_entry(case=case, actor=case.person.user, entry_date=date.today(),
                                       street="Friedrichstraße 1", postal_code="10117", city="Berlin")
        else:
            services.case_transition(case=case, transition=caseworker_steps[case.state], actor=caseworker)
        return 1

    # The states in which the script (a caseworker or the applicant) takes the next step.
    SCRIPT_STEPS = {S.SUBMITTED, S.COMPLETENESS_CHECK, S.VISA_DECISION, S.PERMIT_ISSUED, S.VISA_GRANTED}
    # Applicants and caseworkers are many people at once: --people threads of this script.
    with Celery(env, workers=2, include="bench.tasks") as celery, ThreadPoolExecutor(args.people) as people:
        # Baseline: no-op tasks per second through the same broker and the two workers.
        began = time.perf_counter()
        results = [noop.apply_async((time.time(),)) for _ in range(400)]
        for result in results:
            result.get(timeout=120)
        noop_rate = 400 / (time.perf_counter() - began)

        began = time.perf_counter()
        cpu_before = (resource.getrusage(resource.RUSAGE_SELF), cpu_seconds(celery.pids()), postgres_cpu_seconds(),
                      machine_cpu_seconds())
        all_ids: list[int] = []
        open_ids: set[int] = set()  # the cases under way (asked for by id: the list of all grows to 10,000)
        created = 0
        last_report = 0.0
        while True:
            elapsed = time.perf_counter() - began
            if elapsed > args.timeout:
                print("timeout")
                break
            # Applicants: up to --batch new drafts per round, submitted at once, while fewer than
            # --in-flight cases are under way (a steady stream, not waves that leave the workers idle).
            if created < args.cases and len(open_ids) < args.in_flight:
                count = min(args.batch, args.in_flight - len(open_ids), args.cases - created)
                for pk in people.map(lambda _: new_case(), range(count)):
                    all_ids.append(pk)
                    open_ids.add(pk)
                created += count
            # The caseworkers' inbox: states only (cheap); the cases they act on are read in full below.
            states = dict(Case.objects.filter(pk__in=open_ids).values_list("pk", "state"))
            open_ids.difference_update(pk for pk, state in states.items() if state == S.CLOSED)
            permit_answered = set(AuthorityRequest.objects.filter(
                case_id__in=[pk for pk, state in states.items() if state == S.ENTERED], purpose="residence_permit",
                state=RequestState.ANSWERED).values_list("case_id", flat=True))
            actionable = [pk for pk, state in states.items() if state in SCRIPT_STEPS
                          or (state == S.ENTERED and pk in permit_answered)]
            rows = Case.objects.select_related("person__user").in_bulk(actionable).values()
            progressed = sum(people.map(next_step, rows))
            done = created - len(open_ids)
            if time.perf_counter() - last_report > 15 or done == args.cases:
                last_report = time.perf_counter()
                states = dict(Case.objects.filter(pk__in=open_ids).values_list("state").annotate(n=Count("pk")))
                print(f"  {time.perf_counter() - began:6.0f} s: {done}/{args.cases} closed; {states}", flush=True)
            if done == args.cases:
                break
            if not progressed:
                time.sleep(0.5)
        elapsed = time.perf_counter() - began
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
