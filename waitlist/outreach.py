"""ASAP outreach: logging a contact about an opening and the patient's response.

Every contact and every response is a row of the contact log (``WaitlistContact``), with
who recorded it and when. The entry's status follows:

- contact: ``waiting`` → ``contacted``; ``contacted`` and ``offered`` stay as they are;
  ``scheduled``, ``removed`` and ``expired`` are closed (409 ``INVALID_TRANSITION``);
- response (to a contact, so from ``contacted`` or ``offered`` only; else 409):
  ``accepted`` → ``scheduled``; ``declined``, ``expired``, ``slot_taken`` → ``waiting``;
  ``no_answer`` → ``contacted``.
"""

from __future__ import annotations

from datetime import date, time

from django.db import transaction
from django.utils import timezone

from scheduling.exceptions import InvalidTransition
from scheduling.models import Location
from scheduling.timezones import field_instant
from waitlist.models import EntryStatus, PatientResponse, WaitlistContact, WaitlistEntry

#: Statuses a contact may be logged from (the others are closed).
CONTACTABLE = frozenset({EntryStatus.WAITING, EntryStatus.CONTACTED, EntryStatus.OFFERED})
#: Statuses a response may be recorded from: an outreach is outstanding.
RESPONDABLE = frozenset({EntryStatus.CONTACTED, EntryStatus.OFFERED})

RESPONSE_STATUS = {
    PatientResponse.ACCEPTED: EntryStatus.SCHEDULED,
    PatientResponse.DECLINED: EntryStatus.WAITING,
    PatientResponse.EXPIRED: EntryStatus.WAITING,
    PatientResponse.SLOT_TAKEN: EntryStatus.WAITING,
    PatientResponse.NO_ANSWER: EntryStatus.CONTACTED,
}


def _locked(entry: WaitlistEntry) -> WaitlistEntry:
    """The entry re-read under a row lock (two writers never both read the old status)."""
    return WaitlistEntry.objects.select_for_update().get(pk=entry.pk)


def entry_contact(
    *,
    entry: WaitlistEntry,
    actor,
    contact_method: str,
    slot_date: date,
    slot_start_time: time,
    slot_location: Location,
    initiated_by: str = "staff",
    message_id: str = "",
) -> WaitlistEntry:
    """Log that the patient was offered an opening; 409 when the entry is closed."""
    # The offered wall time must exist at the slot's location (a DST gap is a 422).
    field_instant(slot_date, slot_start_time, slot_location.timezone, "slot_start_time")
    with transaction.atomic():
        entry = _locked(entry)
        if entry.status not in CONTACTABLE:
            raise InvalidTransition(
                f"An entry that is {entry.status} cannot be contacted about an opening."
            )
        now = timezone.now()
        if entry.status == EntryStatus.WAITING:
            entry.status = EntryStatus.CONTACTED
        entry.contact_attempts += 1
        entry.contact_method_used = contact_method
        entry.contacted_at = now
        entry.last_offered_slot = {
            "date": slot_date.isoformat(),
            "start_time": slot_start_time.strftime("%H:%M:%S"),
            "location": {"id": str(slot_location.uuid), "name": slot_location.name},
        }
        entry.version += 1
        entry.save(
            update_fields=[
                "status",
                "contact_attempts",
                "contact_method_used",
                "contacted_at",
                "last_offered_slot",
                "version",
                "updated_at",
            ]
        )
        WaitlistContact.objects.create(
            org_id=entry.org_id,
            entry=entry,
            contact_method=contact_method,
            initiated_by=initiated_by or "staff",
            actor=actor,
            message_id=message_id or "",
            slot_date=slot_date,
            slot_start_time=slot_start_time,
            slot_location=slot_location,
        )
    return entry


def entry_response(
    *,
    entry: WaitlistEntry,
    actor,
    patient_response: str,
    contact_method: str = "",
    message_id: str = "",
) -> WaitlistEntry:
    """Record the patient's answer to the outstanding offer; 409 when there is none."""
    with transaction.atomic():
        entry = _locked(entry)
        if entry.status not in RESPONDABLE:
            raise InvalidTransition(
                f"An entry that is {entry.status} has no outreach to respond to; "
                "log a contact first."
            )
        entry.status = RESPONSE_STATUS[PatientResponse(patient_response)]
        entry.patient_response = patient_response
        entry.responded_at = timezone.now()
        entry.version += 1
        entry.save(
            update_fields=["status", "patient_response", "responded_at", "version", "updated_at"]
        )
        WaitlistContact.objects.create(
            org_id=entry.org_id,
            entry=entry,
            contact_method=contact_method or entry.contact_method_used,
            initiated_by="patient",
            actor=actor,
            message_id=message_id or "",
            patient_response=patient_response,
        )
    return entry
