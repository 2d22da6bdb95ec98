from appointments.models.appointment_types import (
    AppointmentType,
    AppointmentTypeLocation,
    AppointmentTypeStatus,
)
from appointments.models.appointments import (
    LIVE_STATUSES,
    START_SORT_KEY,
    Appointment,
    AppointmentHistory,
    AppointmentProcedure,
    AppointmentProvider,
    AppointmentRule,
    AppointmentStatus,
    AppointmentTag,
    CancelledBy,
    HistoryAction,
    PatientFlowEvent,
    ProcedureStatus,
    ProviderRole,
)
from appointments.models.tally import AppointmentTally

__all__ = [
    "LIVE_STATUSES",
    "START_SORT_KEY",
    "Appointment",
    "AppointmentHistory",
    "AppointmentProcedure",
    "AppointmentProvider",
    "AppointmentRule",
    "AppointmentStatus",
    "AppointmentTag",
    "AppointmentTally",
    "AppointmentType",
    "AppointmentTypeLocation",
    "AppointmentTypeStatus",
    "CancelledBy",
    "HistoryAction",
    "PatientFlowEvent",
    "ProcedureStatus",
    "ProviderRole",
]
