"""What the current request or task is about: its request id and, once known, its case reference.

Both live in context variables, so each thread (gunicorn --threads) and each Celery task sees its own.
The request-id middleware and the Celery signals (tasks.py) set and clear them; `bind_case` is the one
place that names the case a request or task works on.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from contextlib import contextmanager
from contextvars import ContextVar

from .personal import redact

request_id_var: ContextVar[str] = ContextVar("wsa_request_id", default="")
case_reference_var: ContextVar[str] = ContextVar("wsa_case_reference", default="")

# An incoming X-Request-ID is kept only when it is a plain token: no spaces, quotes or line breaks
# that could forge a log line, and short enough not to bloat every record.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,63}")
_HEX32 = re.compile(r"[0-9a-f]{32}")


def new_request_id() -> str:
    return uuid.uuid4().hex


def sane_request_id(value: str | None) -> str:
    """The value if it is usable as a request id, else ""."""
    if not value or not _SANE_REQUEST_ID.fullmatch(value):
        return ""
    # An id that looks like a passport number would carry personal data into every record.
    return value if redact(value) == value else ""


def trace_id_for(request_id: str) -> str:
    """The 32-hex W3C trace id that stands for a request id: the id itself when it already is one
    (the portal's own ids are), else a hash of it."""
    if _HEX32.fullmatch(request_id):
        return request_id
    return hashlib.sha256(request_id.encode()).hexdigest()[:32]


def bind_case(case):
    """Names `case` (anything with a `reference`) as what the current request or task is about, for
    its log records and the tasks it queues. Returns the case, so selectors can return through it."""
    reference = getattr(case, "reference", "") or ""
    case_reference_var.set(reference)
    return case


@contextmanager
def case_scope(case):
    """`bind_case` for a stretch of work on one case among several (a batch of deliveries)."""
    token = case_reference_var.set(getattr(case, "reference", "") or "")
    try:
        yield
    finally:
        case_reference_var.reset(token)
