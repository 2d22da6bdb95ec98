"""Production: what the practice expects to earn from its appointments, and the summary
of it per provider against their goals (``GET schedule/production-goals/production-summary``).

In the practice's words:

- An appointment's **production** is its ``production_override`` when the front desk set
  one, else the sum of its procedures' fees (nothing booked: zero). It is the rule of
  ``Appointment.production_amount`` in the display SELECT, written here as a SQL
  expression so that sums are taken in the database, never over loaded rows.
- **Scheduled** production is that of planned and scheduled appointments (still to be
  earned); **completed** is that of complete ones (earned); **lost** is that of broken
  and cancelled ones (booked, then not earned). Unscheduled and pinboard appointments
  hold no time on the calendar and count nowhere.
- An appointment counts on the local date of its start at its location, and for its
  **primary provider**: the first of its providers in their order (``item_order``, then
  id). One without a provider counts under no provider (``provider`` null), so the
  per-provider rows always add up to the totals.
- A provider's **goal** is the sum of their daily goals at the location in the range;
  **attainment** is completed ÷ goal × 100, to two places, and has no value (null) when
  there is no goal: 0 % would claim a goal was missed. The overall figure is 0.0 without
  any goal, as the reference specifies.

Money is exact: ``Decimal`` sums of ``numeric`` columns, never floats.

Cost: three statements, whatever the range and the number of appointments: the
appointments summed per primary provider, the goals summed per provider, and the
providers named by either.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    DecimalField,
    Expression,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from appointments.models import (
    Appointment,
    AppointmentProcedure,
    AppointmentProvider,
    AppointmentStatus,
)
from scheduling.models import Location, ProductionGoal, Provider
from scheduling.timezones import day_start

__all__ = [
    "COMPLETED_STATUSES",
    "LOST_STATUSES",
    "MAX_SUMMARY_DAYS",
    "SCHEDULED_STATUSES",
    "ZERO",
    "ProductionRow",
    "ProductionSummary",
    "attainment_pct",
    "money_sum",
    "production_amount",
    "production_summary",
]

#: The longest range a summary covers: a (leap) year, inclusive.
MAX_SUMMARY_DAYS = 366

SCHEDULED_STATUSES = (AppointmentStatus.PLANNED, AppointmentStatus.SCHEDULED)
COMPLETED_STATUSES = (AppointmentStatus.COMPLETE,)
LOST_STATUSES = (AppointmentStatus.BROKEN, AppointmentStatus.CANCELLED)

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
MONEY = DecimalField(max_digits=14, decimal_places=2)


def production_amount() -> Expression:
    """SQL: an appointment's production (its override, else the sum of its procedures'
    fees, else zero), for ``Sum`` over appointments."""
    fees = (
        AppointmentProcedure.objects.filter(appointment=OuterRef("pk"))
        .order_by()
        .values("appointment")
        .annotate(total=Sum("fee"))
        .values("total")
    )
    return Coalesce(
        "production_override",
        Subquery(fees, output_field=MONEY),
        Value(ZERO),
        output_field=MONEY,
    )


def money_sum(statuses) -> Sum:
    """SQL: the production of the grouped appointments in ``statuses`` (zero if none)."""
    return Coalesce(
        Sum("production", filter=Q(status__in=statuses)), Value(ZERO), output_field=MONEY
    )


def attainment_pct(completed: Decimal, goal: Decimal) -> Decimal | None:
    """Completed as a percentage of the goal, to two places; None without a goal."""
    if not goal:
        return None
    return (completed * 100 / goal).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class ProductionRow:
    """One provider's production (``provider`` None: appointments without a provider)."""

    provider: Provider | None
    scheduled_production: Decimal = ZERO
    completed_production: Decimal = ZERO
    lost_production: Decimal = ZERO
    production_goal: Decimal = ZERO

    @property
    def attainment_pct(self) -> Decimal | None:
        return attainment_pct(self.completed_production, self.production_goal)


@dataclass
class ProductionSummary:
    location: Location
    date_from: date
    date_to: date
    providers: list[ProductionRow]

    def _total(self, name: str) -> Decimal:
        return sum((getattr(row, name) for row in self.providers), ZERO)

    @property
    def total_scheduled(self) -> Decimal:
        return self._total("scheduled_production")

    @property
    def total_completed(self) -> Decimal:
        return self._total("completed_production")

    @property
    def total_lost(self) -> Decimal:
        return self._total("lost_production")

    @property
    def total_goal(self) -> Decimal:
        return self._total("production_goal")

    @property
    def overall_attainment_pct(self) -> Decimal:
        return attainment_pct(self.total_completed, self.total_goal) or ZERO


def production_summary(*, location: Location, date_from: date, date_to: date) -> ProductionSummary:
    """Production per primary provider at ``location`` over the local dates
    ``date_from`` … ``date_to`` (inclusive), with each provider's goal there.

    The caller has checked the range (``date_from`` ≤ ``date_to``, at most
    ``MAX_SUMMARY_DAYS``) and the caller's access to the location. Providers are in name
    order (last, first, id), the row of appointments without a provider last.
    """
    start = day_start(date_from, location.timezone)
    end = day_start(date_to + timedelta(days=1), location.timezone)
    primary = (
        AppointmentProvider.objects.filter(appointment=OuterRef("pk"))
        .order_by("item_order", "id")
        .values("provider")[:1]
    )
    counted = (*SCHEDULED_STATUSES, *COMPLETED_STATUSES, *LOST_STATUSES)
    produced = (
        Appointment.objects.filter(
            org=location.org_id,
            location=location,
            status__in=counted,
            start_at__gte=start,
            start_at__lt=end,
        )
        .annotate(primary_provider=Subquery(primary), production=production_amount())
        .order_by()
        .values("primary_provider")
        .annotate(
            scheduled=money_sum(SCHEDULED_STATUSES),
            completed=money_sum(COMPLETED_STATUSES),
            lost=money_sum(LOST_STATUSES),
        )
    )
    goals = (
        ProductionGoal.objects.filter(
            org=location.org_id,
            location=location,
            goal_date__gte=date_from,
            goal_date__lte=date_to,
        )
        .order_by()
        .values("provider")
        .annotate(goal=Sum("goal_amount"))
    )
    rows: dict[int | None, ProductionRow] = {}
    for found in produced:
        rows[found["primary_provider"]] = ProductionRow(
            None, found["scheduled"], found["completed"], found["lost"]
        )
    for found in goals:
        row = rows.setdefault(found["provider"], ProductionRow(None))
        row.production_goal = found["goal"]
    named = [pk for pk in rows if pk is not None]
    providers = Provider.objects.filter(org=location.org_id, pk__in=named) if named else ()
    for provider in providers:
        rows[provider.pk].provider = provider
    ordered = sorted(
        (row for pk, row in rows.items() if pk is not None),
        key=lambda row: (row.provider.last_name, row.provider.first_name, row.provider.pk),
    )
    if None in rows:
        ordered.append(rows[None])
    return ProductionSummary(location, date_from, date_to, ordered)
