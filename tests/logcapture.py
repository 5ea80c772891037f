"""The production log configuration (LOG_FORMAT=json, the project's filters) writing into memory."""

import io
import json
import logging
import logging.config
from contextlib import contextmanager

from django.conf import settings

from wsa.observability.logs import logging_config


class CapturedLog:
    def __init__(self, stream: io.StringIO):
        self.stream = stream

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    @property
    def records(self) -> list[dict]:
        """Every line, parsed: each must be one JSON object."""
        return [json.loads(line) for line in self.text.splitlines() if line.strip()]


@contextmanager
def captured_json_log(level: str = "INFO"):
    logging.config.dictConfig(logging_config(json=True, level=level))
    console = next(handler for handler in logging.getLogger().handlers if handler.name == "console")
    stream = io.StringIO()
    console.setStream(stream)
    try:
        yield CapturedLog(stream)
    finally:
        logging.config.dictConfig(settings.LOGGING)
