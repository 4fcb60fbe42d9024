import os
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from mengkeju.portal.security import refuse_outside_demo_mode

DEFAULT_REGION = Path(settings.PROJECT_DIR) / "regions" / "inner-mongolia"


class Command(BaseCommand):
    help = "Migrate the embedded database, load the region pack and demo data, then start the server."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--region", default=os.environ.get("MENGKEJU_REGION", str(DEFAULT_REGION)))
        parser.add_argument("--no-serve", action="store_true", help="prepare the data and exit")
        parser.add_argument(
            "--no-worker", action="store_true", help="do not start `mengkeju worker` beside the server"
        )

    def handle(self, port, host, region, no_serve, no_worker, **options):
        refuse_outside_demo_mode()
        started = time.monotonic()
        self.stdout.write("1/3 migrating the database …")
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write(f"2/3 loading the region pack {region} …")
        call_command("load_region", region, stdout=self.stdout)
        points_file = Path(region) / "points.yaml"
        if points_file.is_file():  # the region's innovation-points indicator system, if it has one
            call_command("load_points_system", str(points_file), stdout=self.stdout)
        self.stdout.write("3/3 loading the demo data …")
        call_command("load_demo", stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS(f"Ready in {time.monotonic() - started:.1f} s."))
        if no_serve:
            return
        worker = None
        if not no_worker:
            # The background worker: the one search-index writer, the job queue and the daily jobs.
            self.stdout.write("starting the background worker (search index, jobs) …")
            worker = subprocess.Popen([sys.executable, "-m", "mengkeju.cli", "worker"])
        try:
            call_command("serve", host=host, port=port)
        finally:
            if worker is not None:
                worker.terminate()
                try:
                    worker.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    worker.kill()
