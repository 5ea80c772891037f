"""Signal receivers that record metrics: Celery tasks (run time, retries, failures) and sign-ins
(failures, lockouts). Connected in one place, `ObservabilityConfig.ready`."""

import logging
import time

from axes.signals import user_locked_out
from celery.signals import task_failure, task_postrun, task_prerun, task_retry, worker_ready
from django.conf import settings
from django.contrib.auth.signals import user_login_failed

from . import metrics
from .exposition import worker_metrics_server_start

logger = logging.getLogger(__name__)

# Start times of the tasks running in this process, by task id (a prefork child runs one at a time,
# a threaded worker several).
_task_started: dict[str, float] = {}


def _task_name(task, sender=None) -> str:
    return getattr(task, "name", None) or getattr(sender, "name", None) or "unknown"


def task_started(sender=None, task_id=None, task=None, **kwargs) -> None:
    if task_id:
        _task_started[task_id] = time.perf_counter()


def task_finished(sender=None, task_id=None, task=None, state=None, **kwargs) -> None:
    started = _task_started.pop(task_id, None)
    if started is not None:
        metrics.celery_task_duration.labels(_task_name(task, sender), state or "unknown").observe(
            time.perf_counter() - started)


def task_retried(sender=None, **kwargs) -> None:
    metrics.celery_task_retries.labels(_task_name(sender)).inc()


def task_failed(sender=None, **kwargs) -> None:
    metrics.celery_task_failures.labels(_task_name(sender)).inc()


def login_failed(sender=None, **kwargs) -> None:
    metrics.login_failures.inc()


def login_locked_out(sender=None, **kwargs) -> None:
    metrics.login_lockouts.inc()


def worker_metrics_port_open(sender=None, **kwargs) -> None:
    """In a Celery worker's main process, once it is ready: its own metrics port, when configured."""
    listen = settings.WSA_WORKER_METRICS_LISTEN
    if not listen:
        return
    try:
        worker_metrics_server_start(listen)
    except OSError:
        logger.exception("metrics: cannot listen on %s", listen)
    else:
        logger.info("metrics: worker metrics on %s", listen)


def connect() -> None:
    task_prerun.connect(task_started, dispatch_uid="wsa-metrics-task-prerun")
    task_postrun.connect(task_finished, dispatch_uid="wsa-metrics-task-postrun")
    task_retry.connect(task_retried, dispatch_uid="wsa-metrics-task-retry")
    task_failure.connect(task_failed, dispatch_uid="wsa-metrics-task-failure")
    worker_ready.connect(worker_metrics_port_open, dispatch_uid="wsa-metrics-worker-port")
    user_login_failed.connect(login_failed, dispatch_uid="wsa-metrics-login-failed")
    user_locked_out.connect(login_locked_out, dispatch_uid="wsa-metrics-login-locked-out")
