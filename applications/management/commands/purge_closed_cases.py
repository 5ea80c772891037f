from django.core.management.base import BaseCommand

from applications.retention import purge_closed_cases


class Command(BaseCommand):
    help = ("Anonymises cases closed (or withdrawn) more than WSA_CLOSED_CASE_RETENTION_DAYS days ago: deletes "
            "documents, decision PDFs and messages, keeps each decision's hash and verification code.")

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only report what would be anonymised.")

    def handle(self, *args, dry_run=False, **options):
        report = purge_closed_cases(dry_run=dry_run)
        self.stdout.write("\n".join(report.lines()))
