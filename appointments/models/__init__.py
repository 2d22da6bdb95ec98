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
    HistoryAction,
    PatientFlowEvent,
    ProcedureStatus,
    ProviderRole,
)

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
    "AppointmentType",
    "AppointmentTypeLocation",
    "AppointmentTypeStatus",
    "HistoryAction",
    "PatientFlowEvent",
    "ProcedureStatus",
    "ProviderRole",
]
