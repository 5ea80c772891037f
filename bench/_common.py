"""What the benchmarks share: their own gunicorn on loopback (production settings, DEBUG off, the
bare baseline view of bench/baseline_urls.py), logged-in sessions, a small HTTP load generator,
Celery workers, process memory and percentiles.

Every benchmark compares against a baseline measured in the same run on the same machine, because
other work shares the machine: absolute figures vary from run to run, ratios much less.
"""

from __future__ import annotations

import http.client
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BASELINE_PATH = "/__bench__/baseline/"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/wsa_scale"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"
# The page benchmarks (status.py, cold_profile.py) empty their Redis database before they start, for cold
# renderings: never the one whose queues a Celery benchmark's workers are draining at the time (a flush
# drops every queued task: a lifecycle run then waits for document checks that were never run).
PAGES_REDIS_URL = os.environ.get("BENCH_PAGES_REDIS_URL", "redis://127.0.0.1:6379/13")


def bench_environment(*, database_url: str | None = None, redis_url: str | None = None) -> dict:
    """The environment of the bench server, its workers and this process (same SECRET_KEY, so the
    sessions made here are valid there)."""
    env = dict(os.environ)
    env.setdefault("WSA_BENCH_SECRET_KEY", secrets.token_urlsafe(48))
    env.update({
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DJANGO_ENV": "production",
        "SECRET_KEY": env["WSA_BENCH_SECRET_KEY"],
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SITE_URL": "https://127.0.0.1",
        "DATABASE_URL": database_url or os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL),
        "REDIS_URL": redis_url or os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL),
        "CONN_MAX_AGE": "60",
        "EMAIL_URL": "dummymail://",
        "LOG_LEVEL": "WARNING",
        "WSA_BENCH_BASELINE": "1",
        "PYTHONPATH": str(ROOT),
    })
    return env


def setup_django(env: dict) -> None:
    os.environ.update({k: v for k, v in env.items() if k in {
        "DJANGO_SETTINGS_MODULE", "DJANGO_ENV", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL",
        "CONN_MAX_AGE", "EMAIL_URL", "LOG_LEVEL", "WSA_BENCH_BASELINE", "WSA_VAR_DIR", "SITE_URL"}})
    import django

    django.setup()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn serving the portal on loopback, as in production (sync workers, DEBUG off)."""

    def __init__(self, env: dict, *, workers: int = 2, threads: int = 1, timeout: int = 120):
        self.env, self.workers, self.threads, self.timeout = env, workers, threads, timeout
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def __enter__(self):
        subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=self.env,
                       check=True)
        command = [sys.executable, "-m", "gunicorn", "bench.wsgi:application", "--bind", f"127.0.0.1:{self.port}",
                   "--workers", str(self.workers), "--log-level", "warning", "--timeout", str(self.timeout)]
        if self.threads > 1:
            command += ["--threads", str(self.threads)]
        self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if request(self.port, BASELINE_PATH)[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def __exit__(self, *exc):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)

    def worker_pids(self) -> list[int]:
        return children(self.process.pid)


def children(pid: int) -> list[int]:
    try:
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    except OSError:
        return []
    return [int(x) for x in out.split()]


def request(port: int, path: str, *, cookie: str = "", headers: dict | None = None, body_size: bool = False):
    """One GET over a new connection, as behind the TLS-terminating proxy (X-Forwarded-Proto).
    Returns (status, server milliseconds from the bench WSGI wrapper, seconds on the client)."""
    began = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    try:
        sent = {"Host": "127.0.0.1", "X-Forwarded-Proto": "https", "Accept-Language": "en", **(headers or {})}
        if cookie:
            sent["Cookie"] = cookie
        connection.request("GET", path, headers=sent)
        response = connection.getresponse()
        if body_size:  # a large download: counted in pieces, never held
            response.bytes_read = 0
            while piece := response.read(1 << 16):
                response.bytes_read += len(piece)
        else:
            response.read()
        server_ms = float(response.getheader("X-Bench-Server-Ms") or "nan")
        return response.status, server_ms, time.perf_counter() - began, response
    finally:
        connection.close()


def session_cookie(user, *, reauthenticated: bool = False) -> str:
    """A logged-in session of `user` (as after a login with the second factor), as a Cookie header;
    `reauthenticated`: as after entering the password again (sensitive actions such as the data export)."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    # allauth's record of the sign-in with password and second factor (staff and owners' areas need it).
    now = time.time()
    store["account_authentication_methods"] = [{"method": "password", "at": now, "email": user.email,
                                                 **({"reauthenticated": True} if reauthenticated else {})},
                                               {"method": "mfa", "at": now, "type": "totp"}]
    store["account_authentication_methods_user"] = str(user.pk)
    from accounts.middleware import STAFF_FLAG_SESSION_KEY
    from accounts.selectors import user_is_staff_member

    store[STAFF_FLAG_SESSION_KEY] = {"u": user.pk, "s": user_is_staff_member(user=user)}  # as at sign-in
    store.create()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def throughput(port: int, paths: list[tuple[str, dict]], *, cookie: str, seconds: float, concurrency: int,
               expect: int, used: list | None = None) -> float:
    """Requests per second over `seconds` with `concurrency` client threads taking `paths` in turn
    (each path once when `used` is given: it receives how many were taken)."""
    done = [0] * concurrency
    errors = []
    stop = time.monotonic() + seconds
    lock = threading.Lock()
    position = [0]

    def run(slot: int):
        while time.monotonic() < stop:
            with lock:
                i = position[0]
                position[0] += 1
            if used is not None and i >= len(paths):
                raise RuntimeError("not enough distinct paths for the duration")
            path, headers = paths[i % len(paths)]
            status = request(port, path, cookie=cookie, headers=headers)[0]
            if status != expect:
                errors.append(status)
            done[slot] += 1

    threads = [threading.Thread(target=run, args=(slot,)) for slot in range(concurrency)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    if errors:
        raise RuntimeError(f"unexpected statuses {sorted(set(errors))} (expected {expect})")
    if used is not None:
        used.append(position[0])
    return sum(done) / elapsed


def rss_mb(pid: int, field: str = "VmRSS") -> float:
    """Resident memory of a process in MB (VmHWM: its peak so far)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes and of their children, the living ones (prefork pool
    processes) and those that ended and were reaped (PostgreSQL backends that closed, autovacuum)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in {*pids, *(child for parent in pids for child in children(parent))}:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(value) for value in fields[11:15]) / tick  # utime, stime, cutime, cstime
    return total


def machine_cpu_seconds() -> float:
    """CPU time all processes of the machine spent so far (everything but idle and I/O wait)."""
    values = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(values[:8]) - values[3] - values[4]) / os.sysconf("SC_CLK_TCK")


def postgres_cpu_seconds() -> float:
    """CPU time of every PostgreSQL process (the server, its living and its ended backends) so far."""
    out = subprocess.run(["pgrep", "-f", "postgres"], capture_output=True, text=True).stdout
    return cpu_seconds([int(x) for x in out.split()])


class Celery:
    """Celery workers on the bench's Redis database (purged first), production settings: `workers`
    alike (concurrency 1), or a `layout` of (queues, pool, concurrency), one worker each."""

    def __init__(self, env: dict, *, workers: int = 1, queues: str = "documents,hub,default", pool: str = "prefork",
                 include: str = "", layout: list[tuple[str, str, int]] | None = None):
        self.env, self.include = env, include
        self.layout = layout or [(queues, pool, 1)] * workers
        self.processes: list[subprocess.Popen] = []

    def __enter__(self):
        every_queue = ",".join(sorted({queue for queues, _, _ in self.layout for queue in queues.split(",")}))
        subprocess.run([sys.executable, "-m", "celery", "-A", "wsa", "purge", "-f", "-Q", every_queue], cwd=ROOT,
                       env=self.env, capture_output=True)
        for i, (queues, pool, concurrency) in enumerate(self.layout):
            self.processes.append(subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "wsa", "worker", "--concurrency", str(concurrency),
                 "--pool", pool, "-Q", queues, "-n", f"bench{i}-{os.getpid()}@%h", "--loglevel", "WARNING",
                 "--without-gossip", "--without-mingle", "--without-heartbeat",
                 *(["--include", self.include] if self.include else [])],
                cwd=ROOT, env=self.env, start_new_session=True))
        time.sleep(4)
        return self

    def __exit__(self, *exc):
        for process in self.processes:  # warm shutdown: the main process stops its children
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)

    def pids(self) -> list[int]:
        return [p.pid for p in self.processes]


@contextmanager
def timer():
    began = time.perf_counter()
    result = {}
    yield result
    result["seconds"] = time.perf_counter() - began


def summary(values: list[float]) -> str:
    return (f"n={len(values)} p50={percentile(values, 50):.1f} p95={percentile(values, 95):.1f} "
            f"max={max(values):.1f}" if values else "n=0")


def median(values):
    return statistics.median(values) if values else float("nan")
