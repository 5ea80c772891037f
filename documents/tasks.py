"""Celery tasks of the documents app. Tasks take ids and call services."""

import logging
import time

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings

from wsa.observability.metrics import document_check_duration

from . import services

logger = logging.getLogger(__name__)

# OCR can hang on hostile or huge images (PROTOCOLS.md §4): the checks run in a child process that
# is killed after WSA_CHECK_TIMEOUT_SECONDS (100 s); the soft limit ends the check with a finding for
# the caseworker should even that not help, the hard limit kills the worker process.
CHECK_SOFT_TIME_LIMIT = 120
CHECK_TIME_LIMIT = 150


def _inspect(data: bytes, filename: str, context: dict):
    """The checks pipeline, in a forked child with a memory budget and a deadline
    (``documents.checks.sandbox``) unless ``WSA_CHECK_ISOLATION`` is off. Imported here, not with the
    module: the web processes enqueue checks and never run them, and the readers' libraries (OpenCV,
    NumPy, PDFium) would cost each of them about 40 MB."""
    from .checks import sandbox
    from .checks.pipeline import inspect_bytes

    if getattr(settings, "WSA_CHECK_ISOLATION", True) and sandbox.available():
        return sandbox.inspect_isolated(
            data, filename, context=context,
            memory_mb=int(getattr(settings, "WSA_CHECK_MEMORY_MB", sandbox.DEFAULT_MEMORY_MB)),
            timeout=float(getattr(settings, "WSA_CHECK_TIMEOUT_SECONDS", sandbox.DEFAULT_TIMEOUT)),
        )
    return inspect_bytes(data, filename, context=context)


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=CHECK_SOFT_TIME_LIMIT,
             time_limit=CHECK_TIME_LIMIT, ignore_result=True)
def check_document(document_id: int) -> str | None:
    """Runs the automated checks on one document: checking → passed | needs_attention | rejected.

    Never raises because of the file's content: whatever the pipeline does with hostile bytes,
    the document ends in a final state with a finding that says what happened.
    """
    document = services.document_check_start(document_id=document_id)
    if document is None:
        return None
    try:
        with document.file.open("rb") as handle:
            data = handle.read(services.upload_max_bytes() + 1)
    except OSError:
        logger.exception("document %s: stored file cannot be read", document_id)
        document_check_duration.labels("unreadable").observe(0)
        return services.document_check_failed(document=document, reason="file not readable").state
    started = time.perf_counter()
    try:
        result = _inspect(data, document.original_name, services.check_context(document))
    except SoftTimeLimitExceeded:
        logger.warning("document %s: check timed out", document_id)
        document_check_duration.labels("timeout").observe(time.perf_counter() - started)
        return services.document_check_failed(document=document, reason="timeout").state
    except ImportError:
        logger.warning("document %s: checks pipeline not installed", document_id)
        document_check_duration.labels("error").observe(time.perf_counter() - started)
        return services.document_check_failed(document=document, reason="pipeline unavailable").state
    except Exception as exc:  # hostile bytes must never crash the worker loop
        logger.exception("document %s: check failed", document_id)
        document_check_duration.labels("error").observe(time.perf_counter() - started)
        return services.document_check_failed(document=document, reason=type(exc).__name__).state
    elapsed = time.perf_counter() - started
    state = services.document_check_record(document=document, result=result).state
    document_check_duration.labels(state).observe(elapsed)
    return state


@shared_task(acks_late=True, ignore_result=True)
def check_sweep() -> int:
    """Beat: queue the checks that never started (broker down at upload) or were lost."""
    return services.document_check_sweep_run()
