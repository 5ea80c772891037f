"""A tiny clamd for tests and demos: speaks the INSTREAM command on loopback (TCP or a unix
socket) and reports the EICAR test string as ``Eicar-Test-Signature``, everything else as OK."""

from __future__ import annotations

import socket
import struct
import threading

from .hostile import EICAR


class FakeClamd:
    """``with FakeClamd() as server: ... server.port``. ``reply`` replaces the verdict (bytes, sent
    as is); ``silent`` reads the stream and never answers (for timeouts)."""

    def __init__(self, *, reply: bytes | None = None, silent: bool = False, unix_path: str | None = None):
        self.reply = reply
        self.silent = silent
        self.unix_path = unix_path
        self.received: list[bytes] = []
        self.commands: list[bytes] = []
        self._stop = threading.Event()
        self._connections: list[socket.socket] = []

    def __enter__(self) -> FakeClamd:
        if self.unix_path:
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.bind(self.unix_path)
            self.port = 0
        else:
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self.sock.bind(("127.0.0.1", 0))
            self.port = self.sock.getsockname()[1]
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self.thread.join(5)
        for connection in self._connections:
            connection.close()
        self.sock.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            self._connections.append(connection)
            try:
                self._handle(connection)
            except OSError:
                pass

    def _read(self, connection: socket.socket, size: int) -> bytes:
        data = b""
        while len(data) < size:
            chunk = connection.recv(size - len(data))
            if not chunk:
                raise OSError("closed")
            data += chunk
        return data

    def _handle(self, connection: socket.socket) -> None:
        connection.settimeout(5)
        command = b""
        while not command.endswith(b"\0"):
            command += self._read(connection, 1)
        self.commands.append(command)
        stream = bytearray()
        while True:
            (length,) = struct.unpack(">I", self._read(connection, 4))
            if not length:
                break
            stream += self._read(connection, length)
        self.received.append(bytes(stream))
        if self.silent:
            return  # keep the connection open and say nothing
        if self.reply is not None:
            connection.sendall(self.reply)
        elif EICAR in stream:
            connection.sendall(b"stream: Eicar-Test-Signature FOUND\0")
        else:
            connection.sendall(b"stream: OK\0")
        connection.close()
