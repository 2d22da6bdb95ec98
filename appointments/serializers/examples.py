"""Request examples of the main appointment writes, shown in the API docs.

``tests/appointments/test_examples.py`` sends each one (its ids swapped for real rows of
the same kind) and expects it to succeed, so the docs never show a body that fails.
"""

from drf_spectacular.utils import OpenApiExample

LOCATION = "6f1f8a8e-2f4b-4c59-9a53-0c4a3d0e1a01"
OPERATORY = "6f1f8a8e-2f4b-4c59-9a53-0c4a3d0e1a02"
PATIENT = "6f1f8a8e-2f4b-4c59-9a53-0c4a3d0e1a03"
APPOINTMENT_TYPE = "6f1f8a8e-2f4b-4c59-9a53-0c4a3d0e1a04"
PROVIDER = "6f1f8a8e-2f4b-4c59-9a53-0c4a3d0e1a05"

CREATE = OpenApiExample(
    "Book a cleaning",
    request_only=True,
    value={
        "location_uuid": LOCATION,
        "patient_uuid": PATIENT,
        "operatory_uuid": OPERATORY,
        "appointment_type_uuid": APPOINTMENT_TYPE,
        "provider_uuids": [PROVIDER],
        "schedule_date": "2030-03-12",
        "start_time": "09:00",
        "end_time": "10:00",
        "note": "Prefers the window chair.",
    },
)
UPDATE = OpenApiExample(
    "Change the note and the end time",
    request_only=True,
    value={"base_version": 1, "note": "Bring x-rays.", "end_time": "10:30"},
)
MOVE = OpenApiExample(
    "Move to the next morning",
    request_only=True,
    value={
        "base_version": 1,
        "schedule_date": "2030-03-13",
        "start_time": "08:00",
        "end_time": "09:00",
        "note": "Patient asked for earlier.",
    },
)
PLACE = OpenApiExample(
    "Place in a chair",
    request_only=True,
    value={
        "base_version": 1,
        "operatory_uuid": OPERATORY,
        "schedule_date": "2030-03-14",
        "start_time": "13:00",
        "end_time": "14:00",
    },
)
CANCEL = OpenApiExample(
    "Patient called to cancel",
    request_only=True,
    value={"base_version": 1, "cancelled_by": "patient", "note": "Out of town."},
)
