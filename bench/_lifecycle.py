"""The lifecycle driver that bench/lifecycle.py, bench/lifecycle_documents.py and bench/scale_out.py
share: a steady stream of new cases, and the applicants', caseworkers' and visa offices' steps taken in
the law's order, while workers carry the authority communication. Needs Django set up and the demo
caseworker.

The procedure as the portal runs it (DESIGN.md, "The procedure's order"): the WSA checks completeness,
then the requests go out; the visa office asks the applicant to book an appointment; the applicant books
one of its slots and pays the visa fee; the office records the attendance; once every approval is in,
the visa office decides; the WSA grants the visa; after entry the foreigners' authority is asked for the
residence permit, whose fee the applicant pays before it is issued. The offices' slots are published
by this script a few seconds ahead of the clock (a bench cannot wait for a real appointment day), so an
appointment "takes place" seconds after it was booked."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta


def lifecycle_arguments(description: str, *, timeout: float, extra: Callable | None = None):
    """The command-line options every lifecycle benchmark takes, parsed."""
    import argparse

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=50, help="New cases per round of the script.")
    parser.add_argument("--in-flight", type=int, default=400, help="Cases under way at most.")
    parser.add_argument("--people", type=int, default=2, help="Threads taking the applicants' and caseworkers' steps.")
    parser.add_argument("--timeout", type=float, default=timeout, help="Give up a run after this many seconds.")
    if extra is not None:
        extra(parser)
    return parser.parse_args()


@dataclass
class Hooks:
    """What a benchmark adds to the procedure's steps (all optional).

    `prepare(case)`: on each new draft before it is submitted (e.g. its documents uploaded);
    `submit(case)`: submits the draft (default: the service, as the wizard's last step does);
    `ready_for_review(case_ids)`: of the cases in the completeness check, those the WSA may confirm
    complete (e.g. only once their documents are checked);
    `caseworker_looks(case)`: before every caseworker step (e.g. the task list and the workspace loaded);
    `applicant_looks(case)`: before every applicant step (e.g. the case page);
    `each_round(open_ids)`: once per round of the script (e.g. the applicants' status polls)."""

    prepare: Callable | None = None
    submit: Callable | None = None
    ready_for_review: Callable | None = None
    caseworker_looks: Callable | None = None
    applicant_looks: Callable | None = None
    each_round: Callable | None = None
    counts: dict = field(default_factory=dict)


SLOT_SECONDS = 10  # a new slot every 10 s of the clock, each for as many people as come
SLOT_LEAD_SECONDS = 5  # booked at least this far ahead (the office's slot has not begun when it is booked)


def _visa_offices_slot(authority_id: int):
    """The office's next slot (published now if needed): begins on the next 10-second mark at least a few
    seconds ahead."""
    from django.utils import timezone

    from authorities.models import AppointmentSlot

    now = timezone.now() + timedelta(seconds=SLOT_LEAD_SECONDS)
    starts = now.replace(microsecond=0) + timedelta(seconds=SLOT_SECONDS - now.second % SLOT_SECONDS)
    slot, _created = AppointmentSlot.objects.get_or_create(
        authority_id=authority_id, starts_at=starts, cancelled_at=None,
        defaults={"ends_at": starts + timedelta(minutes=30), "capacity": 30_000})
    return slot


def drive(*, cases: int, batch: int, in_flight: int, people: int, timeout: float,
          prepare: Callable | None = None, hooks: Hooks | None = None,
          report_every: float = 15.0) -> tuple[list[int], float]:
    """Runs `cases` cases from draft to closed; returns their ids and the seconds it took."""
    from django.db.models import Count
    from django.utils import timezone

    from accounts.models import User
    from applications import services
    from applications.demo_procedure import demo_fee_pay
    from applications.lifecycle import CaseState
    from applications.models import Case
    from applications.payments.models import FeeDue, FeeKind
    from authorities import appointments
    from authorities.models import AppointmentBooking, AuthorityRequest, BookingState, Purpose, RequestState
    from bench._cases import make_draft

    hooks = hooks or Hooks(prepare=prepare)
    caseworker = User.objects.filter(email="caseworker.wsa@demo.wsa.example").first()
    if caseworker is None:
        sys.exit("The demo caseworker is missing: run seed_demo (or seed_scale) first.")
    S = CaseState
    caseworker_steps = {
        S.SUBMITTED: "start_completeness_check",
        S.COMPLETENESS_CHECK: "start_authority_review",
        S.VISA_DECISION: "grant_visa",
        S.ENTERED: "issue_permit",  # once the residence permit's answer is in and its fee paid
        S.PERMIT_ISSUED: "close",
    }
    counts = hooks.counts
    for name in ("booked", "attended", "fees paid"):
        counts.setdefault(name, 0)

    def new_case() -> int:
        case = make_draft()
        if hooks.prepare is not None:
            hooks.prepare(case)
        if hooks.submit is not None:
            hooks.submit(case)
        else:
            services.case_submit(case=case, actor=case.person.user)
        return case.pk

    def applicant_step(case, action) -> int:
        if hooks.applicant_looks is not None:
            hooks.applicant_looks(case)
        if action == "entry":
            services.case_report_entry(case=case, actor=case.person.user, entry_date=date.today(),
                                       street="Friedrichstraße 1", postal_code="10117", city="Berlin")
        elif action == "book":
            request = (AuthorityRequest.objects.filter(case=case, purpose=Purpose.VISA)
                       .values_list("authority_id", flat=True).first())
            slot = _visa_offices_slot(request)
            appointments.appointment_book(case=case, slot_id=slot.public_id, actor=case.person.user)
            demo_fee_pay(case=case, kind=FeeKind.VISA)  # the bank's notification, as the provider sends it
            counts["booked"] += 1
            counts["fees paid"] += 1
        elif action == "permit_fee":
            demo_fee_pay(case=case, kind=FeeKind.RESIDENCE_PERMIT)
            counts["fees paid"] += 1
        return 1

    def office_step(booking) -> int:
        appointments.appointment_attendance_record(booking=booking, actor=None)  # the visa office's counter
        counts["attended"] += 1
        return 1

    def caseworker_step(case) -> int:
        if hooks.caseworker_looks is not None:
            hooks.caseworker_looks(case)
        services.case_transition(case=case, transition=caseworker_steps[case.state], actor=caseworker)
        return 1

    all_ids: list[int] = []
    open_ids: set[int] = set()  # the cases under way (asked for by id: the list of all grows to 10,000)
    created = 0
    last_report = 0.0
    began = time.perf_counter()
    # Applicants, caseworkers and the visa office's staff are many people at once: `people` threads.
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
            # The inboxes: states only (cheap); the cases acted on are read in full below.
            states = dict(Case.objects.filter(pk__in=open_ids).values_list("pk", "state"))
            open_ids.difference_update(pk for pk, state in states.items() if state == S.CLOSED)
            by_state: dict[str, list[int]] = {}
            for pk, state in states.items():
                by_state.setdefault(state, []).append(pk)
            worked = list(by_state.get(S.SUBMITTED, [])) + by_state.get(S.VISA_DECISION, []) \
                + by_state.get(S.PERMIT_ISSUED, [])
            checking = by_state.get(S.COMPLETENESS_CHECK, [])
            worked += hooks.ready_for_review(checking) if hooks.ready_for_review is not None else checking
            # After entry: the residence permit's answer in; its fee paid first, then the permit issued.
            entered = by_state.get(S.ENTERED, [])
            permit_answered = set(AuthorityRequest.objects.filter(
                case_id__in=entered, purpose=Purpose.RESIDENCE_PERMIT,
                state=RequestState.ANSWERED).values_list("case_id", flat=True))
            permit_fee_paid = set(FeeDue.objects.filter(case_id__in=permit_answered, kind=FeeKind.RESIDENCE_PERMIT,
                                                        paid_at__isnull=False).values_list("case_id", flat=True))
            worked += sorted(permit_fee_paid)
            applicant_actions = [(pk, "entry") for pk in by_state.get(S.VISA_GRANTED, [])]
            applicant_actions += [(pk, "permit_fee") for pk in sorted(permit_answered - permit_fee_paid)]
            # In the authority review: book once the visa office has the request; attend once the slot began.
            review = by_state.get(S.AUTHORITY_REVIEW, [])
            visa_sent = set(AuthorityRequest.objects.filter(
                case_id__in=review, purpose=Purpose.VISA, state__in=RequestState.open_states())
                .exclude(remote_id="").values_list("case_id", flat=True))
            bookings = list(AppointmentBooking.objects.filter(case_id__in=review, state=BookingState.ACTIVE)
                            .select_related("slot"))
            booked = {booking.case_id for booking in bookings}
            applicant_actions += [(pk, "book") for pk in sorted(visa_sent - booked)]
            now = timezone.now()
            due = [booking for booking in bookings if booking.attended_at is None and booking.slot.starts_at <= now]

            rows = Case.objects.select_related("person__user").in_bulk(
                worked + [pk for pk, _action in applicant_actions])
            progressed = sum(crowd.map(caseworker_step, [rows[pk] for pk in worked]))
            progressed += sum(crowd.map(applicant_step, [rows[pk] for pk, _action in applicant_actions],
                                        [action for _pk, action in applicant_actions]))
            progressed += sum(crowd.map(office_step, due))
            if hooks.each_round is not None:
                hooks.each_round(open_ids)
            done = created - len(open_ids)
            if time.perf_counter() - last_report > report_every or done == cases:
                last_report = time.perf_counter()
                counts_now = dict(Case.objects.filter(pk__in=open_ids).values_list("state").annotate(n=Count("pk")))
                print(f"  {time.perf_counter() - began:6.0f} s: {done}/{cases} closed; {counts_now}", flush=True)
            if done == cases:
                break
            if not progressed:
                time.sleep(0.5)
    return all_ids, time.perf_counter() - began


def http_transport_environment() -> dict:
    """The bench environment with the authority communication over the real HTTP transport (JWE to the
    authority simulator, whose signed callbacks reach the bench's gunicorn); Django set up with it."""
    import os
    import secrets

    from bench._common import bench_environment, setup_django

    env = bench_environment()
    env.update({
        "WSA_AUTHORITY_TRANSPORT": "http",
        "WSA_AUTHORITY_CALLBACK_SECRET": secrets.token_urlsafe(32),
        "SECURE_SSL_REDIRECT": "false",  # the simulator calls back over plain HTTP on loopback
    })
    os.environ.update({key: env[key] for key in ("WSA_AUTHORITY_TRANSPORT", "WSA_AUTHORITY_CALLBACK_SECRET",
                                                 "SECURE_SSL_REDIRECT", "SITE_URL")})
    setup_django(env)
    return env


@contextmanager
def authority_simulator(env: dict, web_port: int):
    """Every office's endpoint and key: one authority simulator on loopback, calling back to `web_port`."""
    import threading

    from jwcrypto import jwk

    from authorities.management.commands.run_authority_simulator import Command as SimulatorCommand
    from authorities.simulator.server import SimulatorServer

    simulator = SimulatorServer(("127.0.0.1", 0), private_key=jwk.JWK.generate(kty="RSA", size=4096),
                                callback_url=f"http://127.0.0.1:{web_port}/authorities/callback/",
                                callback_secret=env["WSA_AUTHORITY_CALLBACK_SECRET"])
    SimulatorCommand()._configure(simulator)
    threading.Thread(target=simulator.serve_forever, daemon=True).start()
    try:
        yield simulator
    finally:
        simulator.shutdown()
        simulator.server_close()


def deliveries_checked(case_ids: list[int], simulator) -> dict:
    """Every authority request of these cases sent exactly once: one outbox row, delivered; one
    submission at the simulator (its idempotency key once, one delivery, one announcement), nothing else."""
    from collections import Counter

    from django.db.models import Count

    from authorities.models import AuthorityRequest, Outbox, OutboxState

    requests = dict(AuthorityRequest.objects.filter(case_id__in=case_ids).values_list("pk", "idempotency_key"))
    outbox = Counter(dict(Outbox.objects.filter(request_id__in=requests).values_list("request_id")
                          .annotate(n=Count("pk"))))
    delivered = set(Outbox.objects.filter(request_id__in=requests, state=OutboxState.DELIVERED)
                    .values_list("request_id", flat=True))
    received = Counter(record["idempotency_key"] for record in simulator.submissions())
    deliveries = {record["idempotency_key"]: record["deliveries"] for record in simulator.submissions()}
    announcements = sum(1 for method, path in simulator.requests_seen if method == "POST" and path == "/v1/submissions")
    keys = set(requests.values())
    lost = sum(1 for pk, key in requests.items() if outbox[pk] == 0 or pk not in delivered or received[key] == 0)
    duplicated = (sum(1 for pk in requests if outbox[pk] > 1)
                  + sum(1 for key in keys if received[key] > 1 or deliveries.get(key, 1) > 1)
                  + len(set(received) - keys) + max(0, announcements - len(requests)))
    return {"requests": len(requests), "outbox rows": sum(outbox.values()), "delivered": len(delivered),
            "submissions": len(received), "deliveries": sum(deliveries.values()), "announcements": announcements,
            "lost": lost, "duplicated": duplicated}
