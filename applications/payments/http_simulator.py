"""A loopback simulator of the HTTP payment platform (provider.HttpProvider), for tests and demos,
on the pattern of the authorities' HTTP simulator (authorities/simulator/server.py): a stdlib
ThreadingHTTPServer with its state in memory.

- `POST /v1/payments` (JSON: reference, amount_cents, currency, purpose, return_url, notify_url;
  header Idempotency-Key): registers the payment; the same key again answers the same payment (200
  instead of 201). Answer: `{"id", "redirect_url", "status": "open"}`.
- `GET /pay/{id}`: the payer's page ("Pay" / "Cancel payment"); `POST /pay/{id}` with `action=pay|cancel`
  settles it, sends the signed notification (HMAC-SHA256 of the raw body, header X-Payment-Signature)
  and answers 303 to the return_url.
- `POST /v1/payments/{id}/refunds` (Idempotency-Key): pays a paid payment back; `{"status": "refunded"}`.

Faults for tests: `inject("503")` answers the next request with 503; `inject("garbage")` with a body
that is not JSON. Notifications go to `notify_sink(headers, body)` when given (tests deliver them
through Django's test client), else they are POSTed to the notify_url.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import secrets
import threading
from collections import deque
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import requests

SIGNATURE_HEADER = "X-Payment-Signature"


class PaymentSimulatorServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, *, notify_secret: bytes, notify_sink: Callable[[dict, bytes], None] | None = None):
        super().__init__(address, PaymentSimulatorHandler)
        self.notify_secret = notify_secret
        self.notify_sink = notify_sink
        self.payments: dict[str, dict] = {}
        self.by_key: dict[str, str] = {}
        self.refunds: dict[str, str] = {}
        self.faults: deque[str] = deque()
        self.requests_seen: list[tuple[str, str]] = []
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def inject(self, fault: str, times: int = 1) -> None:
        if fault not in ("503", "garbage"):
            raise ValueError(f"unknown fault {fault!r}")
        self.faults.extend([fault] * times)

    def settle(self, payment_id: str, action: str) -> dict:
        """What the payer's click does: the payment is paid or cancelled and the portal is notified."""
        with self.lock:
            payment = self.payments[payment_id]
            if payment["status"] != "open":
                return payment
            payment["status"] = "paid" if action == "pay" else "failed"
        body = json.dumps({"reference": payment["reference"], "status": payment["status"],
                           "amount_cents": payment["amount_cents"], "currency": payment["currency"],
                           "provider_id": payment_id}, sort_keys=True).encode()
        headers = {"Content-Type": "application/json",
                   SIGNATURE_HEADER: hmac.new(self.notify_secret, body, hashlib.sha256).hexdigest()}
        if self.notify_sink is not None:
            self.notify_sink(headers, body)
        elif payment["notify_url"]:
            try:
                requests.post(payment["notify_url"], data=body, headers=headers, timeout=5)
            except requests.RequestException:  # the portal can be told again; the payment stays paid
                pass
        return payment


class PaymentSimulatorHandler(BaseHTTPRequestHandler):
    server: PaymentSimulatorServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # noqa: A002 - the stdlib's signature
        return

    def _answer(self, status: int, payload: dict | None = None, *, body: bytes | None = None,
                content_type: str = "application/json", headers: dict | None = None) -> None:
        data = body if body is not None else json.dumps(payload or {}).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _fault(self) -> bool:
        try:
            fault = self.server.faults.popleft()
        except IndexError:
            return False
        self._body()
        if fault == "503":
            self._answer(503, {"detail": "unavailable"})
        else:
            self._answer(200, body=b"<html>not json", content_type="text/html")
        return True

    def do_GET(self):  # noqa: N802 - the stdlib's name
        self.server.requests_seen.append(("GET", self.path))
        parts = self.path.strip("/").split("/")
        payment = self.server.payments.get(parts[1]) if len(parts) == 2 and parts[0] == "pay" else None
        if payment is None:
            self._answer(404, {"detail": "not found"})
            return
        page = (f"<!doctype html><title>Payment</title><p>{html.escape(payment['purpose'])}: "
                f"{payment['amount_cents'] / 100:.2f} {html.escape(payment['currency'])}</p>"
                f"<form method=post><button name=action value=pay>Pay</button>"
                f"<button name=action value=cancel>Cancel payment</button></form>").encode()
        self._answer(200, body=page, content_type="text/html; charset=utf-8")

    def do_POST(self):  # noqa: N802 - the stdlib's name
        self.server.requests_seen.append(("POST", self.path))
        if self._fault():
            return
        parts = self.path.strip("/").split("/")
        if parts == ["v1", "payments"]:
            self._register()
        elif len(parts) == 2 and parts[0] == "pay" and parts[1] in self.server.payments:
            action = parse_qs(self._body().decode()).get("action", [""])[0]
            payment = self.server.settle(parts[1], action)
            self._answer(303, {}, headers={"Location": payment["return_url"]})
        elif len(parts) == 4 and parts[:2] == ["v1", "payments"] and parts[3] == "refunds":
            self._refund(parts[2])
        else:
            self._body()
            self._answer(404, {"detail": "not found"})

    def _register(self) -> None:
        key = self.headers.get("Idempotency-Key", "")
        try:
            data = json.loads(self._body())
            fields = {"reference": str(data["reference"]), "amount_cents": int(data["amount_cents"]),
                      "currency": str(data["currency"]), "purpose": str(data.get("purpose", "")),
                      "return_url": str(data["return_url"]), "notify_url": str(data.get("notify_url", ""))}
        except (ValueError, KeyError, TypeError):
            self._answer(400, {"detail": "malformed"})
            return
        if not key:
            self._answer(400, {"detail": "Idempotency-Key missing"})
            return
        with self.server.lock:
            existing = self.server.by_key.get(key)
            if existing is None:
                payment_id = secrets.token_hex(8)
                self.server.payments[payment_id] = {**fields, "status": "open"}
                self.server.by_key[key] = payment_id
        payment_id = existing or payment_id
        self._answer(200 if existing else 201, {"id": payment_id, "status": self.server.payments[payment_id]["status"],
                                                 "redirect_url": f"{self.server.url}/pay/{payment_id}"})

    def _refund(self, payment_id: str) -> None:
        self._body()
        key = self.headers.get("Idempotency-Key", "")
        with self.server.lock:
            payment = self.server.payments.get(payment_id)
            if payment is None:
                self._answer(404, {"detail": "not found"})
                return
            if payment["status"] not in ("paid", "refunded"):
                self._answer(409, {"detail": "not paid"})
                return
            payment["status"] = "refunded"
            self.server.refunds.setdefault(key, payment_id)
        self._answer(200, {"status": "refunded", "id": payment_id})


def serve_in_thread(**kwargs) -> tuple[PaymentSimulatorServer, threading.Thread]:
    """Start the simulator on a free loopback port; stop it with `server.shutdown()`."""
    server = PaymentSimulatorServer(("127.0.0.1", 0), **kwargs)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              name="payment-simulator", daemon=True)
    thread.start()
    return server, thread
