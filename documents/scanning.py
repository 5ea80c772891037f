"""Virus scanning of uploads through clamd's INSTREAM command, failing closed.

Off unless ``WSA_CLAMD_ADDRESS`` is set (``tcp://host:3310``, ``host:3310``,
``unix:///run/clamav/clamd.ctl`` or a plain socket path). When it is set, ``document_upload``
calls ``scan`` before anything is stored and refuses the file unless clamd answered ``OK``: a
scanner that cannot be reached, times out or answers something else is a refusal too, with a
message asking to try again later (the Open Formulieren habit: an upload check that cannot run
rejects the upload).

The protocol (clamd(8)): send ``zINSTREAM\\0``, then the data in chunks, each prefixed with its
length as a 4-byte big-endian integer, then a zero-length chunk; clamd answers one
NUL-terminated line: ``stream: OK``, ``stream: <signature> FOUND`` or ``... ERROR``.
"""

from __future__ import annotations

import logging
import socket
import struct
from dataclasses import dataclass

from django.conf import settings

logger = logging.getLogger(__name__)

CHUNK = 64 * 1024
MAX_REPLY = 4096


class Status:
    OFF = "off"  # no scanner configured
    CLEAN = "clean"
    INFECTED = "infected"
    ERROR = "error"  # configured but not usable: the upload must be refused


@dataclass(frozen=True)
class ScanResult:
    status: str
    signature: str = ""
    detail: str = ""

    @property
    def accepted(self) -> bool:
        """May the file be stored? Only when no scanner is configured or clamd said OK."""
        return self.status in (Status.OFF, Status.CLEAN)


def configured_address() -> str:
    return (getattr(settings, "WSA_CLAMD_ADDRESS", "") or "").strip()


def scan(data: bytes, *, address: str | None = None, timeout: float | None = None) -> ScanResult:
    """Scans ``data`` with clamd; never raises (every failure is a ``Status.ERROR`` result)."""
    address = configured_address() if address is None else address.strip()
    if not address:
        return ScanResult(Status.OFF)
    if timeout is None:
        timeout = float(getattr(settings, "WSA_CLAMD_TIMEOUT_SECONDS", 30.0))
    try:
        family, target = parse_address(address)
    except ValueError as exc:
        logger.error("WSA_CLAMD_ADDRESS is not usable: %s", exc)
        return ScanResult(Status.ERROR, detail=str(exc))
    try:
        with socket.socket(family, socket.SOCK_STREAM) as connection:
            connection.settimeout(timeout)
            connection.connect(target)
            connection.sendall(b"zINSTREAM\0")
            view = memoryview(data)
            for start in range(0, len(view), CHUNK):
                piece = view[start:start + CHUNK]
                connection.sendall(struct.pack(">I", len(piece)))
                connection.sendall(piece)
            connection.sendall(struct.pack(">I", 0))
            reply = _read_reply(connection)
    except (OSError, TimeoutError) as exc:  # refused, unreachable, reset, timed out
        logger.warning("virus scanner at %s not usable: %s", address, exc)
        return ScanResult(Status.ERROR, detail=f"{type(exc).__name__}: {exc}"[:200])
    return parse_reply(reply)


def _read_reply(connection: socket.socket) -> bytes:
    reply = b""
    while b"\0" not in reply and len(reply) < MAX_REPLY:
        chunk = connection.recv(1024)
        if not chunk:
            break
        reply += chunk
    return reply.split(b"\0", 1)[0]


def parse_reply(reply: bytes) -> ScanResult:
    text = reply.decode("utf-8", "replace").strip()
    _, _, verdict = text.partition(": ") if text.startswith("stream") else ("", "", text)
    if verdict == "OK":
        return ScanResult(Status.CLEAN)
    if verdict.endswith(" FOUND"):
        signature = verdict[: -len(" FOUND")].strip()[:100] or "unknown"
        logger.warning("virus scanner found %s in an upload", signature)
        return ScanResult(Status.INFECTED, signature=signature)
    logger.warning("virus scanner answered %r", text[:200])
    return ScanResult(Status.ERROR, detail=(text or "no answer")[:200])


def parse_address(address: str) -> tuple[int, object]:
    """(socket family, address) for ``tcp://host:port``, ``host:port``, ``unix:///path`` or ``/path``."""
    if address.startswith("unix://"):
        path = address[len("unix://"):]
        if not path:
            raise ValueError("unix:// needs a socket path")
        return socket.AF_UNIX, path
    if address.startswith("/"):
        return socket.AF_UNIX, address
    if address.startswith("tcp://"):
        address = address[len("tcp://"):]
    host, sep, port = address.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise ValueError(f"expected host:port, got {address!r}")
    return socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET, (host.strip("[]"), int(port))
