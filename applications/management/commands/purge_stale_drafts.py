from django.core.management.base import BaseCommand

from applications.retention import purge_stale_drafts


class Command(BaseCommand):
    help = "Deletes drafts nobody touched for WSA_DRAFT_RETENTION_DAYS days, with the documents uploaded for them."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only report what would be deleted.")

    def handle(self, *args, dry_run=False, **options):
        report = purge_stale_drafts(dry_run=dry_run)
        self.stdout.write("\n".join(report.lines()))
