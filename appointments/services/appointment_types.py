"""Creating, changing and archiving appointment types."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from appointments.models import AppointmentType, AppointmentTypeLocation, AppointmentTypeStatus
from appointments.models.appointment_types import SLOT_MINUTES
from scheduling.models import Location, Organization
from scheduling.services import unique_violations, update_versioned, versioned_update

UNIQUE_NAME = {
    "appointment_type_active_name": (
        "DUPLICATE_NAME",
        "An active appointment type with this name already exists.",
    ),
}


def _derive_duration(fields: dict) -> None:
    """A pattern given without a duration sets the duration (one character = 5 minutes)."""
    if fields.get("time_pattern") and "duration_minutes" not in fields:
        fields["duration_minutes"] = len(fields["time_pattern"]) * SLOT_MINUTES


def _validate(appointment_type: AppointmentType) -> None:
    appointment_type.full_clean(
        exclude=["org", "locations"], validate_unique=False, validate_constraints=False
    )


def _set_locations(
    appointment_type: AppointmentType,
    locations: Iterable[Location],
    visible_location_ids: frozenset[int] | None,
) -> bool:
    """Replace the type's locations with ``locations``; True when that changed them.

    A caller limited to some locations manages only those: the type's other locations
    are neither shown to it nor removed by it.
    """
    wanted = {location.pk for location in locations}
    links = AppointmentTypeLocation.objects.filter(
        org=appointment_type.org, appointment_type=appointment_type
    )
    current = set(links.values_list("location_id", flat=True))
    if visible_location_ids is not None:
        wanted |= current - visible_location_ids
    links.exclude(location_id__in=wanted).delete()
    AppointmentTypeLocation.objects.bulk_create(
        AppointmentTypeLocation(
            org=appointment_type.org, appointment_type=appointment_type, location_id=pk
        )
        for pk in sorted(wanted - current)
    )
    return wanted != current


def appointment_type_create(
    *, org: Organization, name: str, locations: Iterable[Location] = (), **fields
) -> AppointmentType:
    """Create an active appointment type; names are unique among active types."""
    _derive_duration(fields)
    appointment_type = AppointmentType(org=org, name=name, **fields)
    _validate(appointment_type)
    with unique_violations(UNIQUE_NAME):
        appointment_type.save()
        _set_locations(appointment_type, locations, None)
    return appointment_type


def appointment_type_update(
    *,
    appointment_type: AppointmentType,
    base_version: int,
    locations: Iterable[Location] | None = None,
    visible_location_ids: frozenset[int] | None = None,
    **changes,
) -> AppointmentType:
    """Change an appointment type if nobody changed it since ``base_version``."""
    _derive_duration(changes)
    with transaction.atomic():
        update_versioned(
            appointment_type, base_version=base_version, changes=changes, unique=UNIQUE_NAME
        )
        locations_changed = locations is not None and _set_locations(
            appointment_type, locations, visible_location_ids
        )
        if locations_changed and appointment_type.version == base_version:
            # Only the locations changed: the type's version still moves on.
            versioned_update(appointment_type, base_version=base_version, changes={})
    return appointment_type


@transaction.atomic
def appointment_type_archive(*, appointment_type: AppointmentType) -> AppointmentType:
    """Retire a type from booking; its history stays. Archiving twice changes nothing."""
    now = timezone.now()
    AppointmentType.objects.filter(
        pk=appointment_type.pk, status=AppointmentTypeStatus.ACTIVE
    ).update(
        status=AppointmentTypeStatus.ARCHIVED,
        deleted_at=now,
        updated_at=now,
        version=F("version") + 1,
    )
    appointment_type.refresh_from_db()
    return appointment_type
