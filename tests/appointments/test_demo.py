"""The demo practice has appointments in the weeks around today, made through the services."""

from datetime import timedelta

import pytest
from django.utils import timezone

from appointments.models import LIVE_STATUSES, Appointment, AppointmentHistory
from scheduling.demo import seed_demo
from scheduling.models import Operatory, Organization

pytestmark = pytest.mark.django_db


def test_demo_appointments_around_today():
    out = seed_demo("Demo Appointments Dental")
    org = Organization.objects.get(uuid=out["org_id"])
    appointments = Appointment.objects.filter(org=org)
    assert appointments.count() > 50
    now = timezone.now()
    assert appointments.filter(start_at__lt=now).exists()
    assert appointments.filter(start_at__gt=now).exists()
    assert not appointments.filter(start_at__lt=now - timedelta(days=15)).exists()
    assert not appointments.filter(start_at__gt=now + timedelta(days=15)).exists()
    statuses = set(appointments.values_list("status", flat=True))
    assert {"complete", "scheduled"} <= statuses
    # Through the services: every one has its history, and no chair is double-booked.
    assert (
        AppointmentHistory.objects.filter(org=org, action="created").count() == appointments.count()
    )
    live = list(appointments.filter(status__in=LIVE_STATUSES).order_by("operatory", "start_at"))
    for before, after in zip(live, live[1:], strict=False):
        if before.operatory_id == after.operatory_id:
            assert before.end_at <= after.start_at
    chairs = set(Operatory.objects.filter(org=org).values_list("id", flat=True))
    assert set(appointments.values_list("operatory", flat=True)) == chairs

    again = seed_demo("Demo Appointments Dental")
    assert again["org_id"] == out["org_id"]
    assert Appointment.objects.filter(org=org).count() == appointments.count()
