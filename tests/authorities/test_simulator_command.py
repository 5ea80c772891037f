"""`manage.py run_authority_simulator` in its own process: the hub delivers to it over loopback,
it verifies decryption and hashes, decides and sends a signed callback over HTTP."""

import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
import requests

from authorities import callbacks, services
from authorities.models import AuthorityRequest, RequestState
from tests.authorities.conftest import attend_appointment, confirm_complete, deliver_all

ROOT = Path(__file__).resolve().parents[2]
SECRET = "subprocess-callback-secret"


@pytest.fixture
def callback_receiver():
    """A stand-in for the hub's public URL: records what the simulator POSTs."""
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append(({k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    server.received = received
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def simulator_process(tmp_path, callback_receiver):
    env = {**os.environ, "DJANGO_ENV": "test", "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "manage.py", "run_authority_simulator", "--port", "0", "--key-size", "2048",
         "--key-file", str(tmp_path / "key.json"), "--callback-secret", SECRET,
         "--callback-url", f"http://127.0.0.1:{callback_receiver.server_address[1]}/authorities/callback/"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        line = process.stdout.readline()
        assert "Authority simulator on http://" in line, process.stderr.read()
        url = line.split(" on ")[1].split(" ")[0]
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.slow
@pytest.mark.django_db
def test_hub_and_simulator_process_talk_over_loopback(simulator_process, callback_receiver, offices, make_case,
                                                      settings, client, django_capture_on_commit_callbacks):
    url = simulator_process
    settings.WSA_AUTHORITY_TRANSPORT = "http"
    settings.WSA_AUTHORITY_CALLBACK_SECRET = SECRET
    destination = requests.get(f"{url}/v1/destinations/d-1", timeout=5).json()
    key = requests.get(f"{url}/v1/destinations/d-1/keys/{destination['encryptionKid']}", timeout=5).json()
    assert key["kty"] == "RSA" and "wrapKey" in key["key_ops"] and "d" not in key
    for authority in offices.values():
        authority.endpoint_url, authority.destination_id, authority.public_key_jwk = url, "d-1", key
        authority.save()
    case = make_case("18g")
    confirm_complete(case)
    assert set(deliver_all()) == {"delivered"}

    seen = requests.get(f"{url}/v1/submissions", timeout=5).json()["submissions"]
    assert len(seen) == 2 and all(s["verified"] and s["state"] == "submitted" for s in seen)

    # Signed callbacks arrived over HTTP; they verify with the shared secret ...
    assert len(callback_receiver.received) == 2
    for headers, body in callback_receiver.received:
        callbacks.verify(secret=SECRET, timestamp=headers["callback-timestamp"],
                         signature=headers["callback-authentication"], raw_body=body)
        assert json.loads(body)["type"] == callbacks.CALLBACK_TYPE
    # ... and the hub's view takes them and fetches the answers from the simulator process.
    with django_capture_on_commit_callbacks(execute=True):
        for headers, body in callback_receiver.received:
            response = client.post("/authorities/callback/", data=body, content_type="application/json",
                                   headers={k: headers[k] for k in ("callback-timestamp", "callback-authentication")})
            assert response.status_code == 200
    # The register answered; the visa office waits for the applicant in person.
    assert dict(AuthorityRequest.objects.filter(case=case).values_list("purpose", "state")) == {
        "register_check": RequestState.ANSWERED, "visa": RequestState.ACKNOWLEDGED}
    with django_capture_on_commit_callbacks(execute=True):
        attend_appointment(case)
    assert set(AuthorityRequest.objects.filter(case=case).values_list("state", flat=True)) == {RequestState.ANSWERED}
    assert services.answers_poll_run() == 0
