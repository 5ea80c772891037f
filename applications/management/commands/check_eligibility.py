"""``manage.py check_eligibility FILE.json`` (or ``-`` for stdin): evaluate a profile against every
residence title with the approved yearly figures and print the result as JSON. Bad input (not
UTF-8, not JSON, a field out of range, an unknown ``--language``) ends with one line naming it on
stderr and exit code 2. Input fields: README.md, "Residence-title rules engine".
"""

from __future__ import annotations

import json
import sys
from datetime import date
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.utils import timezone, translation

from applications.figures import rule_figures
from applications.rules import BUILT_IN, Figures, Profile, ProfileError, ThresholdNotFound, evaluate

INPUT_ERROR = 2


class Command(BaseCommand):
    help = "Evaluate an applicant profile (JSON file, or - for stdin) against every residence title."
    # Reads only the approved figures (cached); the system checks are not needed for that.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("file", help="JSON file with the profile, or - to read standard input")
        parser.add_argument("--language", default="en", help="language of the messages (default: en)")

    def handle(self, *args, file: str, language: str, **options) -> None:
        shipped = [code for code, _name in settings.LANGUAGES]
        language = language.replace("_", "-").lower()
        if language not in shipped:
            raise CommandError(
                f"invalid input: --language: must be one of {', '.join(shipped)}", returncode=INPUT_ERROR
            )
        with translation.override(language):
            data = _load(file)
            on_date = _on_date(data.pop("on_date", None))
            try:
                evaluation = evaluate(Profile.from_dict(data), on_date, self._figures())
            except ProfileError as error:
                raise CommandError(f"invalid input: {error}", returncode=INPUT_ERROR) from None
            except ThresholdNotFound as error:
                raise CommandError(f"invalid input: on_date: {error}", returncode=INPUT_ERROR) from None
            self.stdout.write(json.dumps(evaluation.to_dict(), ensure_ascii=False, indent=2))

    def _figures(self) -> Figures:
        try:
            return rule_figures()
        except DatabaseError:
            # An installation whose database is not migrated yet still answers, with what the release ships.
            self.stderr.write("note: the yearly figures could not be read; using those shipped with the release")
            return BUILT_IN


def _load(file: str) -> dict[str, Any]:
    try:
        if file == "-":
            stream = getattr(sys.stdin, "buffer", None)
            raw = stream.read() if stream is not None else sys.stdin.read().encode("utf-8", "surrogateescape")
        else:
            with open(file, "rb") as handle:
                raw = handle.read()
    except OSError as error:
        raise CommandError(f"cannot read {file}: {error.strerror}", returncode=INPUT_ERROR) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise CommandError(f"invalid input: not UTF-8 text (byte {error.start})", returncode=INPUT_ERROR) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise CommandError(
            f"invalid JSON at line {error.lineno}, column {error.colno}: {error.msg}", returncode=INPUT_ERROR
        ) from None
    except (ValueError, RecursionError):
        # Integers of thousands of digits and deeply nested arrays are refused by the parser itself.
        raise CommandError(
            "invalid JSON: a number is too long or the nesting too deep", returncode=INPUT_ERROR
        ) from None
    if not isinstance(data, dict):
        raise CommandError("invalid input: the JSON must be an object", returncode=INPUT_ERROR)
    return data


def _on_date(value: Any) -> date:
    if value is None:
        return timezone.localdate()
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise CommandError(
            "invalid input: on_date: must be a date in the form YYYY-MM-DD", returncode=INPUT_ERROR
        ) from None
