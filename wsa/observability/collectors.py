"""Queue depths computed when Prometheus scrapes: the hub's outbox and legal deadlines, the
documents waiting for their checks and the Celery queues. Read through the apps' selectors; every
query is an indexed count, bounded by a statement timeout on PostgreSQL, so a slow database makes
the scrape report `wsa_metrics_source_up{source="database"} 0` instead of piling up.
"""

import logging

from celery import current_app
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily

from authorities import selectors as authority_selectors
from documents import selectors as document_selectors

logger = logging.getLogger(__name__)


def celery_queue_names(app=None) -> list[str]:
    """The queues the workers consume: the default one, the declared ones and those named in routes."""
    conf = (app or current_app).conf
    names = {conf.task_default_queue}
    # Declared as Queue objects, or (wsa/settings.py) as a mapping of queue name to its options.
    names.update(queue if isinstance(queue, str) else queue.name for queue in (conf.task_queues or ()))
    routes = conf.task_routes
    for route in (routes.values() if isinstance(routes, dict) else ()):
        queue = route.get("queue") if isinstance(route, dict) else None
        if isinstance(queue, str):
            names.add(queue)
        elif queue is not None and getattr(queue, "name", None):
            names.add(queue.name)
    return sorted(names)


def celery_queue_lengths(app=None) -> dict[str, int]:
    """Messages waiting in each queue, from the broker (a passive declare: nothing is created).
    Raises when the broker cannot be reached."""
    app = app or current_app
    lengths = {}
    with app.connection_for_read() as conn:
        conn.ensure_connection(max_retries=1, timeout=settings.WSA_METRICS_BROKER_TIMEOUT_SECONDS)
        for name in celery_queue_names(app):
            # A fresh channel per queue: on AMQP a passive declare of a missing queue closes its channel.
            channel = conn.channel()
            try:
                lengths[name] = channel.queue_declare(queue=name, passive=True).message_count
            except conn.channel_errors:  # never declared yet (Redis: an empty queue has no key)
                lengths[name] = 0
            finally:
                try:
                    channel.close()
                except conn.channel_errors + conn.connection_errors:
                    pass
    return lengths


class HubQueueCollector:
    """Gauges of the queues an operator watches, read from the database and the broker at scrape time."""

    def describe(self):
        # Describing without collecting keeps registration free of database queries.
        return []

    def collect(self):
        up = GaugeMetricFamily("wsa_metrics_source_up",
                               "1 when the scrape could read the source (database, broker), else 0.",
                               labels=["source"])
        try:
            yield from self._database_figures()
            up.add_metric(["database"], 1)
        except Exception:
            logger.exception("metrics: database figures unavailable")
            up.add_metric(["database"], 0)
        if not settings.CELERY_TASK_ALWAYS_EAGER:
            try:
                yield self._queue_lengths()
                up.add_metric(["broker"], 1)
            except Exception:
                logger.exception("metrics: broker queue lengths unavailable")
                up.add_metric(["broker"], 0)
        yield up

    def _database_figures(self):
        now = timezone.now()
        with transaction.atomic():
            if connection.vendor == "postgresql":
                timeout_ms = int(settings.WSA_METRICS_DATABASE_TIMEOUT_SECONDS * 1000)
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL statement_timeout = %s", [timeout_ms])
            outbox = authority_selectors.outbox_figures(now=now)
            deadlines = authority_selectors.deadline_figures(now=now)
            awaiting_check = document_selectors.documents_awaiting_check_count()
        families = [
            GaugeMetricFamily("wsa_outbox_pending", "Outbox rows not yet delivered to their office.",
                              value=outbox["pending"]),
            GaugeMetricFamily("wsa_outbox_due", "Outbox rows due for sending now (not waiting for a backoff).",
                              value=outbox["due"]),
            GaugeMetricFamily("wsa_outbox_oldest_due_seconds",
                              "How long the longest-waiting due outbox row has waited (0 when none).",
                              value=outbox["oldest_due_seconds"]),
            GaugeMetricFamily("wsa_outbox_dead_letters",
                              "Outbox rows given up after the last attempt; they wait for an operator's retry.",
                              value=outbox["dead"]),
            GaugeMetricFamily("wsa_documents_awaiting_check", "Uploaded documents not yet through the checks.",
                              value=awaiting_check),
        ]
        overdue = GaugeMetricFamily(
            "wsa_authority_requests_overdue",
            "Requests sent to an office and unanswered past their legal deadline, by office kind.",
            labels=["office_kind"])
        due_soon = GaugeMetricFamily(
            "wsa_authority_requests_due_soon",
            "Requests sent to an office and unanswered whose legal deadline ends within 24 hours, by office kind.",
            labels=["office_kind"])
        for family, counts in ((overdue, deadlines["overdue"]), (due_soon, deadlines["due_soon"])):
            for kind, count in sorted(counts.items()):
                family.add_metric([kind], count)
        return [*families, overdue, due_soon]

    def _queue_lengths(self):
        family = GaugeMetricFamily("wsa_celery_queue_length", "Tasks waiting in the broker, by queue.",
                                   labels=["queue"])
        for name, length in celery_queue_lengths().items():
            family.add_metric([name], length)
        return family
