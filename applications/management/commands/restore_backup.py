from django.core.management.base import BaseCommand, CommandError

from applications.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = ("Restores a backup of manage.py backup into the (empty) database of DATABASE_URL and the configured "
            "file storage; run verify_restore afterwards (docs/backup-restore.md).")

    def add_arguments(self, parser):
        parser.add_argument("backup", help="The backup's directory (the one with manifest.json).")

    def handle(self, *args, backup, **options):
        try:
            report = backup_restore(backup=backup)
        except BackupError as error:
            raise CommandError(str(error)) from error
        report.write(self.stdout, self.stderr)
        if not report.ok:
            raise CommandError(f"The restore finished with {len(report.problems)} problems (listed above).")
