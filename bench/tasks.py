"""A task that does nothing, loaded only by the benchmarks' Celery workers (`--include bench.tasks`):
the broker round trip every Celery benchmark is compared with."""

import time

from celery import shared_task


@shared_task(name="bench.noop")
def noop(sent: float) -> float:
    return time.time() - sent
