"""The log format: one JSON object per line in production (LOG_FORMAT=json), readable text in
development, each record with its request id, case reference and trace id, and no personal data.

`logging_config()` builds settings.LOGGING; both filters sit on the handler, so they see the records
of every logger (Django's, Celery's, allauth's, ours).
"""

from __future__ import annotations

import logging
import traceback

from . import tracing
from .context import case_reference_var, request_id_var, trace_id_for
from .personal import PERSONAL_FIELDS, REDACTED, redact

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s %(case)s] %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(case)s %(trace_id)s"
JSON_RENAMED = {"asctime": "time", "levelname": "level", "name": "logger"}

# The attributes every LogRecord has; anything else on a record came from `extra=` (or our filter).
_STANDARD_ATTRIBUTES = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message", "asctime", "request_id", "case", "trace_id", "taskName"}


class ContextFilter(logging.Filter):
    """Adds request_id, case and trace_id (empty outside a request or task) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        request_id = request_id_var.get()
        record.request_id = request_id
        record.case = case_reference_var.get()
        record.trace_id = tracing.current_trace_id() or (trace_id_for(request_id) if request_id else "")
        return True


class RedactPersonalDataFilter(logging.Filter):
    """Blanks e-mail addresses, MRZ lines and document numbers in the message, the traceback and
    string extras, and every extra with a personal field name, before any handler formats them."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, dict):
            record.msg = {key: self._value(key, value) for key, value in record.msg.items()}
        else:
            record.msg = redact(record.getMessage())
            record.args = None
        if record.exc_info:
            record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)).rstrip("\n"))
            record.exc_info = None  # formatters would render it again, unredacted
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        for key in record.__dict__.keys() - _STANDARD_ATTRIBUTES:
            record.__dict__[key] = self._value(key, record.__dict__[key])
        return True

    @staticmethod
    def _value(key: str, value):
        if key.lower() in PERSONAL_FIELDS:
            return REDACTED
        return redact(value) if isinstance(value, str) else value


def logging_config(*, json: bool, level: str = "INFO") -> dict:
    """settings.LOGGING: one console handler, JSON or text, with the context and redaction filters."""
    if json:
        formatter = {"()": "pythonjsonlogger.json.JsonFormatter", "fmt": JSON_FIELDS,
                     "rename_fields": JSON_RENAMED, "datefmt": "%Y-%m-%dT%H:%M:%S%z"}
    else:
        formatter = {"format": TEXT_FORMAT}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": ContextFilter}, "redact": {"()": RedactPersonalDataFilter}},
        "formatters": {"default": formatter},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "default",
                                 "filters": ["context", "redact"]}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {"django.db.backends": {"level": "WARNING"}, "celery.app.trace": {"level": "WARNING"},
                    "axes": {"level": "WARNING"}},
    }
