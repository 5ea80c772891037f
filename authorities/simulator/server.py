"""The simulated offices over HTTP, speaking the FIT-Connect-like API of transports/http.py.

    POST /v1/submissions                                   announce (Idempotency-Key dedupes) → 201 / 200
    PUT  /v1/submissions/{id}/attachments/{attachmentId}   JWE (application/jose)             → 204
    PUT  /v1/submissions/{id}                              {encryptedMetadata, encryptedData} → 202
    GET  /v1/submissions/{id}/answer                       the answer document                → 200 / 404
    GET  /v1/submissions                                   what was received (no ciphertext)
    GET  /v1/destinations/{id}, /v1/destinations/{id}/keys/{kid}   destination and its public JWK
    GET  /health

On submission the server decrypts, checks the SHA-512 hashes and decides (rules.py); when the
answer is ready it POSTs a signed callback (callbacks.py) to `callback_url`. Tests can inject
faults (`inject("500" | "timeout" | "garbage" | "ok", times=n)`, one per incoming request, in order)
and collect callbacks with `callback_sink`.
Stdlib only (http.server, one thread per request).
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import requests

from .. import callbacks, crypto
from .core import MemoryStore, Simulator, SimulatorError

logger = logging.getLogger("authorities.simulator")

SUBMISSION = re.compile(r"^/v1/submissions/([0-9a-f-]{36})$")
ATTACHMENT = re.compile(r"^/v1/submissions/([0-9a-f-]{36})/attachments/([0-9a-f-]{36})$")
ANSWER = re.compile(r"^/v1/submissions/([0-9a-f-]{36})/answer$")
DESTINATION = re.compile(r"^/v1/destinations/([^/]+)$")
KEY = re.compile(r"^/v1/destinations/([^/]+)/keys/([^/]+)$")
FAULTS = ("ok", "500", "timeout", "garbage")  # "ok": no fault, to aim a later one at a given request


class SimulatorServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, *, private_key, delay: float = 0.0, callback_url: str = "",
                 callback_secret: str = "", callback_sink: Callable[[dict, bytes], None] | None = None,
                 timeout_seconds: float = 2.0):
        super().__init__(address, SimulatorHandler)
        self.private_key = private_key
        self.simulator = Simulator(MemoryStore(), delay=delay, private_key=private_key)
        self.callback_url = callback_url
        self.callback_secret = callback_secret
        self.callback_sink = callback_sink
        self.timeout_seconds = timeout_seconds
        self.faults: deque[str] = deque()
        self.requests_seen: list[tuple[str, str]] = []
        # (traceparent, X-Request-ID) of each request: how an office ties its work to the portal's trace.
        self.trace_headers_seen: list[tuple[str, str]] = []
        self._timers: list[threading.Timer] = []

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def public_jwk(self) -> dict:
        return {**self.private_key.export_public(as_dict=True), "kid": crypto.key_id(self.private_key),
                "key_ops": ["wrapKey"], "alg": crypto.ALG}

    def inject(self, fault: str, times: int = 1) -> None:
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}")
        self.faults.extend([fault] * times)

    def submissions(self) -> list[dict]:
        return self.simulator.store.all()

    # --- callbacks -----------------------------------------------------------------------------

    def announce_answer(self, record: dict) -> None:
        """Callback now (receipt, or the answer when there is no delay) and when the answer is ready."""
        self._send_callback(record)
        if self.simulator.delay > 0:
            timer = threading.Timer(self.simulator.delay + 0.05, self._send_callback, args=(record,))
            timer.daemon = True
            timer.start()
            self._timers.append(timer)

    def _send_callback(self, record: dict) -> None:
        body = json.dumps({
            "type": callbacks.CALLBACK_TYPE,
            "submissions": [{"destinationId": record["destination"], "submissionId": record["submission_id"],
                             "caseId": record["case_id"]}],
        }).encode()
        headers = callbacks.signed_headers(self.callback_secret, body)
        if self.callback_sink is not None:
            self.callback_sink(headers, body)
            return
        if not self.callback_url:
            return
        try:
            requests.post(self.callback_url, data=body, headers=headers, timeout=5)
        except requests.RequestException as error:  # the hub polls as well
            logger.warning("callback to %s failed: %s", self.callback_url, error)

    def shutdown(self):
        for timer in self._timers:
            timer.cancel()
        super().shutdown()


class SimulatorHandler(BaseHTTPRequestHandler):
    server: SimulatorServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # noqa: A002 - stdlib signature
        logger.debug("%s %s", self.address_string(), format % args)

    # --- plumbing ------------------------------------------------------------------------------

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _reply(self, status: int, body: dict | bytes | None = None, content_type: str = "application/json"):
        if isinstance(body, dict | list):
            payload = json.dumps(body).encode()
            if status >= 400:
                content_type = "application/problem+json"
        else:
            payload = body or b""
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _fault(self) -> str | None:
        try:
            return self.server.faults.popleft()
        except IndexError:
            return None

    def _handle(self, method: str) -> None:
        self.server.requests_seen.append((method, self.path))
        self.server.trace_headers_seen.append(
            (self.headers.get("traceparent", ""), self.headers.get("X-Request-ID", "")))
        body = self._body() if method in ("POST", "PUT") else b""
        fault = self._fault() if self.path != "/health" else None
        if fault == "500":
            self._reply(500, {"type": "about:blank", "title": "Internal Server Error", "status": 500})
            return
        if fault == "garbage":
            self._reply(201 if method == "POST" else 200, b"<html>\x00\xff not json", "text/html")
            return
        try:
            status, payload = self._route(method, body)
        except SimulatorError as error:
            status, payload = error.status, error.as_problem()
        if fault == "timeout":
            # Processed, but the answer comes too late: the sender's retry must not create a second request.
            time.sleep(self.server.timeout_seconds)
        self._reply(status, payload)

    def do_GET(self):  # noqa: N802
        self._handle("GET")

    def do_POST(self):  # noqa: N802
        self._handle("POST")

    def do_PUT(self):  # noqa: N802
        self._handle("PUT")

    # --- routes --------------------------------------------------------------------------------

    def _json(self, body: bytes) -> dict:
        try:
            value = json.loads(body)
        except ValueError:
            raise SimulatorError(400, "invalid-json", "The body is not JSON.") from None
        if not isinstance(value, dict):
            raise SimulatorError(400, "invalid-json", "The body is not a JSON object.")
        return value

    def _route(self, method: str, body: bytes) -> tuple[int, dict | None]:
        simulator, path = self.server.simulator, self.path.split("?")[0]
        if method == "GET" and path == "/health":
            return 200, {"status": "ok", "time": datetime.now().isoformat()}
        if method == "POST" and path == "/v1/submissions":
            announcement = self._json(body)
            if not announcement.get("destinationId"):
                raise SimulatorError(400, "destination-not-found", "destinationId is required.")
            record, created = simulator.announce(
                idempotency_key=self.headers.get("Idempotency-Key", ""),
                destination=str(announcement["destinationId"]),
                announced=[str(a) for a in announcement.get("announcedAttachments") or []],
            )
            return (201 if created else 200), {"destinationId": record["destination"],
                                               "submissionId": record["submission_id"], "caseId": record["case_id"]}
        if method == "PUT" and (match := ATTACHMENT.match(path)):
            if (self.headers.get("Content-Type") or "").split(";")[0] != "application/jose":
                raise SimulatorError(415, "unsupported-media-type", "Attachments must be application/jose.")
            simulator.upload(match[1], match[2], body.decode("ascii", "replace"))
            return 204, None
        if method == "PUT" and (match := SUBMISSION.match(path)):
            content = self._json(body)
            before = simulator.store.get(match[1])
            first_time = before is not None and before.get("state") != "submitted"
            record = simulator.submit(match[1], encrypted_metadata=content.get("encryptedMetadata", ""),
                                      encrypted_data=content.get("encryptedData", ""))
            if first_time:
                self.server.announce_answer(record)
            return 202, {"submissionId": record["submission_id"], "caseId": record["case_id"]}
        if method == "GET" and (match := ANSWER.match(path)):
            query = parse_qs(urlsplit(self.path).query)
            answer = simulator.answer(match[1], **{key: query.get(key, [""])[0]
                                                   for key in ("appointment", "attended", "approvals")})
            if answer is None:
                raise SimulatorError(404, "submission-not-found", "No submitted submission with this id.")
            return 200, answer
        if method == "GET" and path == "/v1/submissions":
            return 200, {"submissions": [
                {key: record.get(key) for key in ("submission_id", "destination", "state", "deliveries",
                                                  "verified", "attachments", "received_at")}
                for record in simulator.store.all()
            ]}
        if method == "GET" and (match := KEY.match(path)):
            key = self.server.public_jwk()
            if match[2] != key["kid"]:
                raise SimulatorError(404, "key-not-found", "Unknown key id.")
            return 200, key
        if method == "GET" and (match := DESTINATION.match(path)):
            return 200, {"destinationId": match[1], "status": "active",
                         "encryptionKid": self.server.public_jwk()["kid"]}
        raise SimulatorError(404, "not-found", f"{method} {path}")


def serve_in_thread(**kwargs) -> tuple[SimulatorServer, threading.Thread]:
    """Start a simulator on a free loopback port (tests); stop it with `server.shutdown()`."""
    server = SimulatorServer(("127.0.0.1", 0), **kwargs)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="authority-simulator",
                              daemon=True)
    thread.start()
    return server, thread
