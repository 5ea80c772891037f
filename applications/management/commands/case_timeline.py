"""Prints a case's procedure in order, for audits and appeals.

    uv run python manage.py case_timeline WSA-2026-000123           # a table
    uv run python manage.py case_timeline WSA-2026-000123 --json    # one JSON object per line

Fields: `at` (ISO 8601 with offset), `kind` (submitted, completeness_confirmed, request_sent,
request_answered, appointment_attended, decision_issued, ...), `authority_kind` (visa_office, ba,
foreigners_authority, recognition_body, register) and `step` where an office is concerned,
`outcome` (approved, rejected, information_needed for requests; granted, rejected for decisions),
`state` (the case's state after a transition), `internal` (staff-only entries). An unknown
reference prints one line on stderr and exits with status 2.
"""

import json

from django.core.management.base import BaseCommand, CommandError

from applications.timeline import case_by_reference, case_timeline

COLUMNS = (("at", 25), ("kind", 32), ("authority_kind", 20), ("step", 18), ("outcome", 18))


class Command(BaseCommand):
    help = "Prints the events of one case in order (a table, or JSON lines with --json)."

    def add_arguments(self, parser):
        parser.add_argument("reference", help="The case reference, e.g. WSA-2026-000123.")
        parser.add_argument("--json", action="store_true", dest="as_json", help="One JSON object per line.")

    def handle(self, *args, reference, as_json=False, **options):
        case = case_by_reference(reference)
        if case is None:
            raise CommandError(f"No case with the reference {reference!r}.", returncode=2)
        entries = [entry.as_dict() for entry in case_timeline(case=case)]
        if as_json:
            for entry in entries:
                self.stdout.write(json.dumps(entry, ensure_ascii=False))
            return
        self.stdout.write(f"{case.reference} · {case.state}")
        self.stdout.write("  ".join(title.ljust(width) for title, width in COLUMNS))
        for entry in entries:
            self.stdout.write("  ".join(str(entry.get(key, "")).ljust(width) for key, width in COLUMNS).rstrip())

