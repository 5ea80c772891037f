"""Celery tasks of the authority hub. They take ids, load and call a service; all are idempotent
(acks_late: a task of a killed worker runs again) and keep no result (enqueueing never waits for
the result store)."""

from celery import shared_task

from . import services

TASK_OPTIONS = {"acks_late": True, "ignore_result": True}


@shared_task(**TASK_OPTIONS)
def outbox_relay(outbox_ids: list[int]) -> list[str]:
    return services.outbox_relay_deliver_many(outbox_ids=outbox_ids)


@shared_task(**TASK_OPTIONS)
def outbox_sweep() -> int:
    """Beat: re-enqueue due outbox rows (failed attempts, lost enqueues, killed workers)."""
    return services.outbox_sweep_run()


@shared_task(**TASK_OPTIONS)
def authority_answer_fetch(request_ids: list[int]) -> list[str]:
    return services.authority_requests_fetch_answers(request_ids=request_ids)


@shared_task(**TASK_OPTIONS)
def answers_poll() -> int:
    """Beat: ask for the answers of every open request (callbacks can get lost)."""
    return services.answers_poll_run()


@shared_task(**TASK_OPTIONS)
def deadlines_sweep() -> dict:
    """Beat: legal deadlines — deemed approval for BA silence, overdue marks for the rest."""
    return services.deadlines_sweep_run()
