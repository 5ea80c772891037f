"""Serves the HTTP payment provider's loopback simulator (applications/payments/http_simulator.py) for a
manual demo of the `http` payment adapter:

    uv run python manage.py run_payment_simulator --port 8766
    WSA_PAYMENT_PROVIDER=http WSA_PAYMENT_HTTP_URL=http://127.0.0.1:8766 uv run python manage.py runserver

The payer's click notifies the portal at the notify_url it registered, signed with the portal's
notification secret (WSA_PAYMENT_NOTIFY_SECRET, or its development value).
"""

from django.core.management.base import BaseCommand

from applications.payments.http_simulator import PaymentSimulatorServer
from applications.payments.provider import notify_secret


class Command(BaseCommand):
    help = "Serves a simulated ePayBL-like payment provider over HTTP (registration, payer's page, refunds)."
    requires_system_checks = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8766, help="0 picks a free port (printed on start).")

    def handle(self, *args, **options):
        server = PaymentSimulatorServer((options["host"], options["port"]), notify_secret=notify_secret())
        self.stdout.write(f"Payment simulator on {server.url} (WSA_PAYMENT_HTTP_URL={server.url})")
        self.stdout.flush()
        try:
            server.serve_forever(poll_interval=0.2)
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
