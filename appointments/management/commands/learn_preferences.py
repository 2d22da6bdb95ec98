"""``manage.py learn_preferences --org ORG``: patients' scheduling preferences, learned
from their completed appointments.

The rules are ``appointments.services.preferences``'s: a preferred provider, chair,
weekdays and time window for every patient with enough completed visits. A preference a
person entered is never overwritten; one learned before is updated. Safe to run again
(what has not changed is not written) and while the practice works: one transaction.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction

from appointments.services.preferences import MIN_VISITS, LearningResult, preferences_learn
from scheduling.management.orgs import find_organization


def summary(result: LearningResult, *, dry_run: bool = False) -> str:
    """``preferences: 12 created, 3 updated, 1 unchanged, 2 skipped (entered by a person);
    40 patients with fewer than 3 completed visits left alone``."""
    done = result.summary
    line = (
        f"preferences: {done.created} created, {done.updated} updated, {done.unchanged} "
        f"unchanged, {done.skipped} skipped (entered by a person); "
        f"{result.too_little_history} patients with fewer than {MIN_VISITS} completed "
        "visits left alone"
    )
    return f"{line} (dry run: nothing written)" if dry_run else line


class Command(BaseCommand):
    help = (
        "Learn patients' scheduling preferences (provider, operatory, weekdays, time "
        f"window) from their completed appointments (at least {MIN_VISITS} each). "
        "Preferences a person entered are left alone; earlier learned ones are updated."
    )

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="The organization's UUID or exact name.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Report what would change; write nothing."
        )

    def handle(self, *args, org, dry_run, **options):
        organization = find_organization(org)
        with transaction.atomic():
            result = preferences_learn(org=organization)
            if dry_run:
                transaction.set_rollback(True)
        self.stdout.write(summary(result, dry_run=dry_run))
