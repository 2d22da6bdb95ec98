"""``manage.py recount_appointments --org ORG``: the org's appointment tally (the unfiltered
list's ``total``, ``appointments.tally``) replaced by a count of its appointments.

The tally follows every write the database's triggers see; this repairs it after writes
they did not (a data-only restore with triggers disabled, rows loaded with
``session_replication_role = replica``, a ``loaddata`` that included the tally). Safe to
run at any time: bookings wait for the count, then go on."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from appointments.models import Appointment
from appointments.tally import recount
from scheduling.access import Access
from scheduling.management.orgs import find_organization


class Command(BaseCommand):
    help = (
        "Recount the org's appointments into the tally the unfiltered appointment list "
        "reads its total from (after a restore or load that bypassed its triggers)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="The organization's UUID or exact name.")

    def handle(self, *args, org, **options):
        organization = find_organization(org)
        recount(organization.pk)
        count = Appointment.objects.restrict(Access.operator(organization)).count()
        self.stdout.write(f"{organization.name}: {count} appointments in the tally")
