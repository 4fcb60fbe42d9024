from django.core.management.base import BaseCommand, CommandError

from mengkeju.ops import services


class Command(BaseCommand):
    help = (
        "Write one archive with the database (a portable dump), the uploaded files, the embedding cache "
        "and the current search index. Default: var/backups/mengkeju-YYYYmmdd-HHMMSS.tar (.tar.gz compresses)."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", help="where to write the archive (.tar or .tar.gz)")
        parser.add_argument("--database", default="default")

    def handle(self, path, database, **options):
        try:
            services.backup(path, using=database, progress=self.stdout.write)
        except services.BackupError as exc:
            raise CommandError(str(exc)) from exc
