"""Sends the pending webhook deliveries that are due, once each (for set-ups without a Celery worker)."""

from django.core.management.base import BaseCommand

from applications.employer import webhooks


class Command(BaseCommand):
    help = "Sends due HR API webhook deliveries once; failed ones are retried on a later run (backoff)."

    def handle(self, *args, **options):
        counts: dict[str, int] = {}
        for delivery_id in webhooks.due_deliveries(grace_seconds=0):
            outcome, _wait = webhooks.delivery_attempt(delivery_id=delivery_id)
            counts[outcome] = counts.get(outcome, 0) + 1
        self.stdout.write(", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) or "nothing due")
