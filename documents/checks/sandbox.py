"""Run ``inspect_bytes`` in a child process with a memory budget and a deadline.

The limits in ``limits.py`` refuse bombs before anything decodes them; this is the second line of
defence for what they cannot foresee (a renderer bug, a decoder that allocates or loops on crafted
input). The checks run in a forked child — forked, so the imports are already there and a check
costs no start-up time — under ``RLIMIT_AS`` = its current address space + ``memory_mb``, with no
core dumps and one OpenMP thread for tesseract (OpenCV's pool is left alone: ``cv2.setNumThreads``
hangs in a forked child once the parent has started the pool). The parent waits at most
``timeout`` seconds for the result (JSON through a pipe), then kills the child. Whatever happens to the child
(a ``MemoryError``, an abort in C code, a segmentation fault, a hang), the parent — the Celery
worker — carries on and returns a result with a ``check_failed`` finding that says what happened.

``python -m documents.checks.sandbox FILE`` prints the result and the memory the check used.
"""

from __future__ import annotations

import faulthandler
import json
import logging
import os
import resource
import select
import signal
import sys
import time
from typing import Any

from . import glyphs, ocr, pipeline
from .findings import Finding, Severity, finding
from .limits import DEFAULT, Limits

log = logging.getLogger(__name__)

DEFAULT_MEMORY_MB = 768
DEFAULT_TIMEOUT = 100.0
_ONE_THREAD = {"OMP_THREAD_LIMIT": "1", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}


def available() -> bool:
    return hasattr(os, "fork") and sys.platform.startswith("linux")


def inspect_isolated(data: bytes, filename: str, *, context=None, limits: Limits = DEFAULT,
                     memory_mb: int = DEFAULT_MEMORY_MB, timeout: float = DEFAULT_TIMEOUT) -> pipeline.InspectionResult:
    """``pipeline.inspect_bytes`` in a child process; never raises because of the file.

    The result carries ``memory`` (kB: the child's resident size at the start and its peak) for
    the tests and the command line.
    """
    if not available():  # pragma: no cover - every supported platform forks
        return pipeline.inspect_bytes(data, filename, context=context, limits=limits)
    started = time.perf_counter()
    _prepare_worker()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(read_end)
        _child(write_end, data, filename, context, limits, memory_mb)
    os.close(write_end)
    try:
        payload, status = _collect(pid, read_end, timeout)
    finally:
        os.close(read_end)
        _reap(pid)
    result = _result_from(payload, status, filename, data, timeout)
    result.seconds = time.perf_counter() - started
    return result


def _prepare_worker() -> None:
    """What every check would otherwise redo in its short-lived child, done once in this worker and
    inherited by each fork: the glyph bank (about a second) and tesseract's version and languages
    (two tesseract runs per language, 40-100 ms, in every child that reads text)."""
    glyphs.bank()
    if not all(ocr.availability(lang).ok for lang in (ocr.DEFAULT_LANG, ocr.MRZ_LANG)):
        ocr.availability.cache_clear()  # a passing failure must not stay with the worker: each check asks again


# --- the child -------------------------------------------------------------------------------

def _child(write_end: int, data: bytes, filename: str, context, limits: Limits, memory_mb: int) -> None:
    code = 70
    try:
        faulthandler.disable()  # (pytest's, inherited) a crash here is reported by the exit status
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGUSR1, signal.SIGALRM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_DFL)
        os.environ.update(_ONE_THREAD)  # for tesseract (OpenMP); OpenCV's own pool survives the fork
        start_rss = _status_kb("VmRSS")
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if memory_mb:
            budget = (_status_kb("VmSize") + memory_mb * 1024) * 1024
            hard = resource.getrlimit(resource.RLIMIT_AS)[1]
            resource.setrlimit(resource.RLIMIT_AS, (budget if hard == resource.RLIM_INFINITY else min(budget, hard),
                                                    hard))
        result = pipeline.inspect_bytes(data, filename, context=context, limits=limits)
        payload = _payload(result)
        payload["memory"] = {"start_rss_kb": start_rss, "peak_rss_kb": _status_kb("VmHWM")}
        body = json.dumps(payload, default=str).encode()
        view = memoryview(body)
        while view:
            written = os.write(write_end, view)
            view = view[written:]
        code = 0
    except MemoryError:
        code = 71
    except BaseException:  # noqa: BLE001 - the child reports by its exit code
        code = 70
    finally:
        os._exit(code)


def _status_kb(name: str) -> int:
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith(name + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss if name == "VmHWM" else 0


def _payload(result: pipeline.InspectionResult) -> dict[str, Any]:
    return {
        "content_type": result.content_type,
        "page_count": result.page_count,
        "document_type": result.document_type,
        "document_type_confidence": result.document_type_confidence,
        "fields": {k: pipeline._json_value(v) for k, v in result.fields.items()},
        "mrz": list(result.mrz),
        "mrz_valid": result.mrz_valid,
        "text": result.text,
        "ocr_used": result.ocr_used,
        "findings": [
            {"code": f.code, "severity": str(f.severity), "field": f.field, "expected": f.expected,
             "found": f.found, "confidence": f.confidence, "evidence": f.evidence,
             "params": {k: str(v) for k, v in f.params.items()}}
            for f in result.findings
        ],
    }


# --- the parent ------------------------------------------------------------------------------

def _collect(pid: int, read_end: int, timeout: float) -> tuple[bytes | None, int | None]:
    """Reads the child's answer until EOF or the deadline; returns (payload, wait status)."""
    deadline = time.monotonic() + timeout
    chunks: list[bytes] = []
    poller = select.poll()
    poller.register(read_end, select.POLLIN | select.POLLHUP)
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            _kill(pid)
            return None, None
        if not poller.poll(min(left, 1.0) * 1000):
            continue
        chunk = os.read(read_end, 1 << 20)
        if not chunk:
            break
        chunks.append(chunk)
    _, status = os.waitpid(pid, 0)
    return b"".join(chunks), status


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _reap(pid: int) -> None:
    """Makes sure the child is gone (also when the parent was interrupted by a soft time limit)."""
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return
    if done == 0:
        _kill(pid)
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass


def _result_from(payload: bytes | None, status: int | None, filename: str, data: bytes,
                 timeout: float) -> pipeline.InspectionResult:
    result = pipeline.InspectionResult(filename=filename or "", size=len(data or b""))
    if status is None:
        log.warning("document check killed after %.0f s", timeout)
        result.findings.append(finding("check_failed", found="timeout", confidence=0.0))
        return result
    if os.WIFSIGNALED(status):
        name = signal.Signals(os.WTERMSIG(status)).name
        log.warning("document check crashed (%s)", name)
        result.findings.append(finding("check_failed", found=f"checker crashed ({name})", confidence=0.0))
        return result
    code = os.WEXITSTATUS(status)
    if code != 0 or not payload:
        reason = "memory limit" if code == 71 else f"checker failed (exit {code})"
        log.warning("document check failed: %s", reason)
        result.findings.append(finding("check_failed", found=reason, confidence=0.0))
        return result
    body = json.loads(payload)
    for name in ("content_type", "page_count", "document_type", "document_type_confidence", "fields", "mrz",
                 "mrz_valid", "text", "ocr_used"):
        setattr(result, name, body[name])
    result.findings = [
        Finding(code=f["code"], severity=Severity(f["severity"]), field=f["field"], expected=f["expected"],
                found=f["found"], confidence=f["confidence"], evidence=f["evidence"], params=f["params"])
        for f in body["findings"]
    ]
    result.memory = body.get("memory", {})
    return result


def main(argv: list[str] | None = None) -> int:  # pragma: no cover - a developer's tool
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file")
    parser.add_argument("--memory-mb", type=int, default=DEFAULT_MEMORY_MB)
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT)
    args = parser.parse_args(argv)
    with open(args.file, "rb") as handle:
        data = handle.read()
    result = inspect_isolated(data, os.path.basename(args.file), memory_mb=args.memory_mb, timeout=args.timeout)
    out = result.to_json_dict()
    out["memory"] = result.memory
    print(json.dumps(out, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
