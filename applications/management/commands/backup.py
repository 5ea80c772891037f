from django.core.management.base import BaseCommand, CommandError

from applications.backup import BackupError, backup_create


class Command(BaseCommand):
    help = ("Backs up the case store (pg_dump of one snapshot) and then every stored file into a new dated "
            "directory under WSA_BACKUP_DIR, with a manifest of names, sizes and SHA-256 (docs/backup-restore.md).")

    def add_arguments(self, parser):
        parser.add_argument("--directory", help="Where to put the dated backup directory (default: WSA_BACKUP_DIR).")

    def handle(self, *args, directory=None, **options):
        try:
            path, report = backup_create(directory=directory)
        except BackupError as error:
            raise CommandError(str(error)) from error
        report.write(self.stdout, self.stderr)
        self.stdout.write(str(path))
        if not report.ok:
            raise CommandError(f"The backup {path} is written, but {len(report.problems)} stored files are missing "
                               "or damaged (listed above and in its manifest).")
