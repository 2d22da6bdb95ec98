import json
from pathlib import Path

from django.core.management.base import BaseCommand

from scheduling.demo import DEMO_USERS, seed_demo


class Command(BaseCommand):
    help = (
        "Create a complete demo practice (idempotent) and print fresh API tokens, revoking "
        "the demo users' earlier ones (with --keep-tokens: the earlier ones that still work)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--org-name", default="Demo Dental")
        parser.add_argument("--json", action="store_true", help="Print one JSON object.")
        parser.add_argument(
            "--keep-tokens",
            metavar="FILE",
            help=(
                "Print again the tokens in FILE (an earlier --json output, e.g. "
                ".data/demo.json, as `make run` does) that still work for their demo user, "
                "instead of fresh ones. A token that no longer works, or a missing or "
                "unreadable FILE, gets a fresh token."
            ),
        )

    def handle(self, *args, org_name, json: bool = False, keep_tokens=None, **options):
        previous = _read_tokens(keep_tokens) if keep_tokens else {}
        data = seed_demo(org_name, keep_tokens=previous)
        if keep_tokens:
            kept = [key for key in DEMO_USERS if previous.get(key) == data[key]]
            self.stderr.write(
                f"seed_demo: {len(kept)} of {len(DEMO_USERS)} tokens kept from {keep_tokens}"
                + ("" if len(kept) == len(DEMO_USERS) else " (fresh ones for the others)")
            )
        if json:
            self.stdout.write(_dumps(data))
            return
        self.stdout.write(self.style.SUCCESS(f"Demo practice {org_name!r}: org {data['org_id']}"))
        self.stdout.write(f"  admin token (all locations):   {data['token']}")
        self.stdout.write(f"  limited token (first location): {data['limited_token']}")
        for location in data["locations"]:
            self.stdout.write(f"  location {location['name']} ({location['timezone']})")


def _read_tokens(path: str) -> dict:
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _dumps(data) -> str:
    return json.dumps(data, indent=None)
