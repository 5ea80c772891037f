"""The lifecycle driver that bench/lifecycle.py and bench/scale_out.py share: a steady stream of new
cases, and the applicants' and caseworkers' steps taken through the services (as the views would),
while workers carry the authority communication. Needs Django set up and the demo caseworker."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date


def lifecycle_arguments(description: str, *, timeout: float):
    """The command-line options every lifecycle benchmark takes, parsed."""
    import argparse

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=50, help="New cases per round of the script.")
    parser.add_argument("--in-flight", type=int, default=400, help="Cases under way at most.")
    parser.add_argument("--people", type=int, default=2, help="Threads taking the applicants' and caseworkers' steps.")
    parser.add_argument("--timeout", type=float, default=timeout, help="Give up a run after this many seconds.")
    return parser.parse_args()


def drive(*, cases: int, batch: int, in_flight: int, people: int, timeout: float,
          prepare: Callable | None = None, report_every: float = 15.0) -> tuple[list[int], float]:
    """Runs `cases` cases from draft to closed; returns their ids and the seconds it took.
    `prepare(case)` runs on each new draft before it is submitted (e.g. an upload)."""
    from django.db.models import Count

    from accounts.models import User
    from applications import services
    from applications.lifecycle import CaseState
    from applications.models import Case
    from authorities.models import AuthorityRequest, RequestState
    from bench._cases import make_draft

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
        if prepare is not None:
            prepare(case)
        services.case_submit(case=case, actor=case.person.user)
        return case.pk

    def next_step(case) -> int:
        if case.state == S.VISA_GRANTED:
            services.case_report_entry(case=case, actor=case.person.user, entry_date=date.today(),
                                       street="Friedrichstraße 1", postal_code="10117", city="Berlin")
        else:
            services.case_transition(case=case, transition=caseworker_steps[case.state], actor=caseworker)
        return 1

    # The states in which the script (a caseworker or the applicant) takes the next step.
    script_steps = {S.SUBMITTED, S.COMPLETENESS_CHECK, S.VISA_DECISION, S.PERMIT_ISSUED, S.VISA_GRANTED}
    all_ids: list[int] = []
    open_ids: set[int] = set()  # the cases under way (asked for by id: the list of all grows to 10,000)
    created = 0
    last_report = 0.0
    began = time.perf_counter()
    # Applicants and caseworkers are many people at once: `people` threads.
    with ThreadPoolExecutor(people) as crowd:
        while True:
            if time.perf_counter() - began > timeout:
                print("timeout")
                break
            # Applicants: up to `batch` new drafts per round, submitted at once, while fewer than
            # `in_flight` cases are under way (a steady stream, not waves that leave the workers idle).
            if created < cases and len(open_ids) < in_flight:
                count = min(batch, in_flight - len(open_ids), cases - created)
                for pk in crowd.map(lambda _: new_case(), range(count)):
                    all_ids.append(pk)
                    open_ids.add(pk)
                created += count
            # The caseworkers' inbox: states only (cheap); the cases they act on are read in full below.
            states = dict(Case.objects.filter(pk__in=open_ids).values_list("pk", "state"))
            open_ids.difference_update(pk for pk, state in states.items() if state == S.CLOSED)
            permit_answered = set(AuthorityRequest.objects.filter(
                case_id__in=[pk for pk, state in states.items() if state == S.ENTERED], purpose="residence_permit",
                state=RequestState.ANSWERED).values_list("case_id", flat=True))
            actionable = [pk for pk, state in states.items() if state in script_steps
                          or (state == S.ENTERED and pk in permit_answered)]
            rows = Case.objects.select_related("person__user").in_bulk(actionable).values()
            progressed = sum(crowd.map(next_step, rows))
            done = created - len(open_ids)
            if time.perf_counter() - last_report > report_every or done == cases:
                last_report = time.perf_counter()
                counts = dict(Case.objects.filter(pk__in=open_ids).values_list("state").annotate(n=Count("pk")))
                print(f"  {time.perf_counter() - began:6.0f} s: {done}/{cases} closed; {counts}", flush=True)
            if done == cases:
                break
            if not progressed:
                time.sleep(0.5)
    return all_ids, time.perf_counter() - began
