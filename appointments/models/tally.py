"""How many appointments each location of an org holds, kept by the database itself."""

from __future__ import annotations

from django.db import models

from scheduling.models import Location, Organization


class AppointmentTally(models.Model):
    """Deltas of the number of appointments per (org, location); their sum is the count.

    Written only by statement triggers on the appointments table (migration
    ``0008_appointment_tally``), so every writer is counted: the services, the bulk
    endpoint, imports by COPY, the admin, a shell, a raw statement. An INSERT or DELETE
    statement adds one row per (org, location) it touched, a move of an appointment to
    another location one row for each side, a TRUNCATE clears the table; each writer
    only *inserts*, so concurrent bookings share no row and never wait on each other.
    ``appointments.tally`` reads the sum and folds the rows when they grow many.

    The references carry no database constraint, so a trigger's insert checks no other
    row: a location can only be deleted once its appointments are (its deltas then sum to
    zero and the next fold drops them), and an org's deltas die with its rows unread.
    """

    org = models.ForeignKey(
        Organization,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    location = models.ForeignKey(
        Location,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    n = models.BigIntegerField(help_text="Appointments added (negative: removed).")

    class Meta:
        ordering = ["org_id", "location_id", "id"]
        indexes = [models.Index(fields=["org", "location"], name="appt_tally_org_location")]

    def __str__(self) -> str:
        return f"{self.n:+d} at location {self.location_id}"
