import os

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the platform with waitress (a production-grade pure-Python WSGI server)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--threads", type=int, default=int(os.environ.get("THREADS", "8")))

    def handle(self, host, port, threads, **options):
        from waitress import serve

        from mengkeju.wsgi import application

        shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
        self.stdout.write(
            self.style.SUCCESS(f"Mengkeju is running: open http://{shown}:{port}/"), ending="\n"
        )
        self.stdout.flush()
        serve(application, host=host, port=port, threads=threads, ident="mengkeju")
