from django.core.management.base import BaseCommand, CommandError

from applications.backup import BackupError, case_events_read, manifest_read, restore_verify


class Command(BaseCommand):
    help = ("Checks a restored system: every document and decision row has its file with the recorded SHA-256; "
            "with the backup's directory also that every case has all its events and the outbox is the one of the "
            "backup, so that it resumes without sending anything twice. Exit code 1 on any problem.")

    def add_arguments(self, parser):
        parser.add_argument("backup", nargs="?",
                            help="The directory of the backup that was restored (omit after a point-in-time "
                                 "recovery, which has no manifest: then only the files and the outbox are checked).")

    def handle(self, *args, backup=None, **options):
        try:
            manifest = manifest_read(backup) if backup else None
            events = case_events_read(backup, manifest) if backup else None
        except BackupError as error:
            raise CommandError(str(error)) from error
        report = restore_verify(manifest=manifest, case_events_by_id=events)
        report.write(self.stdout, self.stderr)
        if not report.ok:
            raise CommandError(f"The restored system differs from the backup: {len(report.problems)} problems.")
        self.stdout.write("Restore verified: no problem found.")
