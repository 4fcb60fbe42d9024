from django.core.management.base import BaseCommand
from tqdm import tqdm

from mengkeju.demo.loader import DEMO_PASSWORD, load_demo
from mengkeju.portal.security import refuse_outside_demo_mode


class Command(BaseCommand):
    help = "Load the demo organizations, achievements, demands, experts, platforms, services and accounts."

    def add_arguments(self, parser):
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, no_progress=False, **options):
        refuse_outside_demo_mode()
        with tqdm(desc="demo", unit=" records", disable=no_progress) as bar:
            report = load_demo(progress=bar.update)
        for kind, (created, updated, unchanged) in report.counts.items():
            self.stdout.write(f"{kind}: {created} created, {updated} updated, {unchanged} unchanged")
        self.stdout.write(f"Demo accounts (password: {DEMO_PASSWORD}):")
        for username, role, org in report.accounts:
            # An account outside any organization (the government analyst) has nothing after its role.
            self.stdout.write(f"  {username:<11} {role}" + (f" · {org}" if org else ""))
