"""Handing Celery tasks to the broker without ever failing the caller.

Every task the portal queues carries ids of rows that stay due until the task has done its work
(outbox rows, webhook deliveries, unchecked documents, pending notices), and a beat sweep queues
what is still due. So a broker that cannot be reached is logged and counted, never raised: a change
that was committed must not turn into an error page.

Below every app: imports no app, so that each of them may use it.

A task is given as itself or by its registered name. A service names the task that runs it (the
tasks module imports the service, so the service cannot import the tasks module back); each app
loads its tasks module in its AppConfig.ready(), so the name is registered in every process.
"""

from __future__ import annotations

import logging
import random
from functools import partial
from time import monotonic

from django.db import transaction

from wsa.celery import app
from wsa.observability.metrics import celery_enqueue_failures

logger = logging.getLogger(__name__)

# After a failed enqueue the broker is not tried again for a while (per process): redis-py retries
# a refused connection for several seconds, and a web request must not wait for that once per row.
BROKER_PAUSE_SECONDS = 30.0
_broker_down_until = 0.0


def broker_circuit_reset() -> None:
    global _broker_down_until
    _broker_down_until = 0.0


def _task(task):
    """The task itself; a name that no task bears raises NotRegistered (in the caller, not after a commit)."""
    return app.tasks[task] if isinstance(task, str) else task


def enqueue(task, args: tuple = (), **options) -> bool:
    """Hands a task (or the task of that name) to the broker now; when the broker is down, logs, counts
    and leaves it to the sweeps."""
    global _broker_down_until
    task = _task(task)
    args = tuple(args)
    eager = app.conf.task_always_eager
    if not eager and monotonic() < _broker_down_until:
        celery_enqueue_failures.labels(task=task.name).inc()
        logger.info("Broker recently unreachable: %s%s not enqueued.", task.name, _ids_only(args))
        return False
    try:
        task.apply_async(args, retry=False, **options)
        return True
    except Exception as error:  # kombu.OperationalError, redis errors, ...: the rows stay due
        if eager:  # it ran in-process: its errors are the task's, not the broker's
            raise
        _broker_down_until = monotonic() + BROKER_PAUSE_SECONDS
        celery_enqueue_failures.labels(task=task.name).inc()
        logger.warning("Could not enqueue %s%s (%s); a beat sweep will pick it up.", task.name, _ids_only(args),
                       error)
        return False


def _ids_only(args: tuple) -> tuple:
    """The arguments as the log may show them: ids, never an address or a message text."""
    def shown(value):
        if isinstance(value, int) or (isinstance(value, list | tuple) and all(isinstance(v, int) for v in value)):
            return value
        return "…"

    return tuple(shown(value) for value in args)


def enqueue_on_commit(task, args: tuple = (), **options) -> None:
    """Hands a task (or the task of that name) to the broker once the current transaction commits (at
    once outside one): never for a change that was rolled back, and never an error for the committed
    one (see enqueue)."""
    transaction.on_commit(partial(enqueue, _task(task), tuple(args), **options), robust=True)


def backoff_seconds(attempt: int, *, base: float, cap: float) -> float:
    """Wait before attempt `attempt + 1`: base·2^(attempt-1), capped, then between half and all of it
    (the jitter spreads the retries of many rows that failed together)."""
    ceiling = min(cap, base * 2 ** max(attempt - 1, 0))
    return ceiling / 2 + random.uniform(0, ceiling / 2)  # noqa: S311 - spread, not secrecy
