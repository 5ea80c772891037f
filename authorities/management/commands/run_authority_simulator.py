"""Serves the simulated offices over HTTP (FIT-Connect-like API; see authorities/simulator/server.py).

    uv run python manage.py run_authority_simulator --port 8765 --configure
    WSA_AUTHORITY_TRANSPORT=http uv run python manage.py runserver

`--configure` points every Authority at this simulator (endpoint, destination id, public key).
"""

import json
import uuid
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from jwcrypto import jwk

from authorities.callbacks import callback_secret as hub_callback_secret
from authorities.models import Authority
from authorities.simulator.server import SimulatorServer
from wsa.site import site_url


class Command(BaseCommand):
    help = "Serves the simulated authorities over HTTP, with JWE decryption and hash checks on their side."
    requires_system_checks = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8765, help="0 picks a free port (printed on start).")
        parser.add_argument("--delay", type=float, default=settings.WSA_AUTHORITY_SIMULATOR_DELAY,
                            help="Seconds until an office decides (default: WSA_AUTHORITY_SIMULATOR_DELAY).")
        parser.add_argument("--key-file", default=str(settings.VAR_DIR / "authority-simulator" / "key.json"),
                            help="Private JWK of the simulated offices; created when missing.")
        parser.add_argument("--key-size", type=int, default=4096, help="RSA size of a new key (FIT-Connect: 4096).")
        parser.add_argument("--callback-url", default=site_url() + "/authorities/callback/")
        parser.add_argument("--callback-secret", default="",
                            help="HMAC secret of the callbacks (default: the hub's, see authorities/callbacks.py).")
        parser.add_argument("--configure", action="store_true",
                            help="Point every Authority in the database at this simulator.")

    def handle(self, *args, host, port, delay, key_file, key_size, callback_url, callback_secret: str, configure,
               **options):
        if settings.PRODUCTION:
            raise CommandError("The authority simulator never runs in production.")
        key = self._key(Path(key_file), key_size)
        secret = callback_secret or hub_callback_secret()
        server = SimulatorServer((host, port), private_key=key, delay=delay, callback_url=callback_url,
                                 callback_secret=secret)
        if configure:
            self._configure(server)
        self.stdout.write(f"Authority simulator on {server.url} (delay {delay:g} s, callbacks to {callback_url})")
        self.stdout.flush()
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()

    def _key(self, path: Path, size: int) -> jwk.JWK:
        if path.exists():
            return jwk.JWK(**json.loads(path.read_text()))
        key = jwk.JWK.generate(kty="RSA", size=size)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(key.export_private())
        path.chmod(0o600)
        return key

    def _configure(self, server: SimulatorServer) -> None:
        for authority in Authority.objects.all():
            authority.endpoint_url = server.url
            authority.destination_id = authority.destination_id or str(uuid.uuid4())
            authority.public_key_jwk = server.public_jwk()
            authority.save(update_fields=["endpoint_url", "destination_id", "public_key_jwk"])
        self.stdout.write(f"Configured {Authority.objects.count()} authorities to use {server.url}.")
