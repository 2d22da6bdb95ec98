"""``manage.py recalls_sync --org ORG``: patients' recalls built or repaired from the
completed procedures already in the database (``recalls.sync``), after an import of a
practice's history. Safe to run again: a second run changes nothing."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from recalls.sync import SyncSummary, recalls_sync
from scheduling.management.orgs import find_organization


def summary(result: SyncSummary) -> str:
    """``recalls: 120 created, 4 repaired, 30 unchanged``."""
    return (
        f"recalls: {result.created} created, {result.repaired} repaired, "
        f"{result.unchanged} unchanged"
    )


class Command(BaseCommand):
    help = (
        "Build or repair patients' recalls from their completed trigger procedures: a "
        "missing open cycle is created, wrong previous and due dates on an open one "
        "repaired. Disabled recalls and patients' own intervals are left alone."
    )

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="The organization's UUID or exact name.")

    def handle(self, *args, org, **options):
        organization = find_organization(org)
        shown = [-1]  # the last tenth of the way reported

        def progress(done: int, total: int) -> None:
            tenth = done * 10 // total
            if tenth > shown[0]:
                shown[0] = tenth
                self.stderr.write(f"recalls_sync: {tenth * 10}% ({done} of {total})")

        result = recalls_sync(org=organization, progress=progress)
        self.stdout.write(summary(result))
