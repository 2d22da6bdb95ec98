import json

from django.core.management.base import BaseCommand

from scheduling.demo import seed_demo


class Command(BaseCommand):
    help = "Create a complete demo practice (idempotent) and print fresh API tokens."

    def add_arguments(self, parser):
        parser.add_argument("--org-name", default="Demo Dental")
        parser.add_argument("--json", action="store_true", help="Print one JSON object.")

    def handle(self, *args, org_name, json: bool = False, **options):
        data = seed_demo(org_name)
        if json:
            self.stdout.write(_dumps(data))
            return
        self.stdout.write(self.style.SUCCESS(f"Demo practice {org_name!r}: org {data['org_id']}"))
        self.stdout.write(f"  admin token (all locations):   {data['token']}")
        self.stdout.write(f"  limited token (first location): {data['limited_token']}")
        for location in data["locations"]:
            self.stdout.write(f"  location {location['name']} ({location['timezone']})")


def _dumps(data) -> str:
    return json.dumps(data, indent=None)
