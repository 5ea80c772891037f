"""Runs the document checks on files, without a case, and prints what they found."""

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand

from documents.checks.pipeline import inspect_bytes


class Command(BaseCommand):
    help = "Checks document files (PDF, JPEG, PNG) like an upload and prints one JSON object per file."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH")
        parser.add_argument("--json", action="store_true", help="One JSON object per line (the default output).")
        parser.add_argument("--text", action="store_true", help="Also print the recognised text (JSON mode only).")

    def handle(self, *args, paths, text=False, **options):
        failed = False
        for path in paths:
            try:
                data = Path(path).read_bytes()
            except OSError as error:
                self.stderr.write(f"{path}: {error.strerror}")
                failed = True
                continue
            result = inspect_bytes(data, Path(path).name)
            record = {"file": path, **result.to_json_dict()}
            record["type"] = record.pop("document_type", None)
            if not text:
                record.pop("text", None)
            self.stdout.write(json.dumps(record, ensure_ascii=False, default=str))
        if failed:
            sys.exit(2)
