from appointments.models.appointment_types import (
    AppointmentType,
    AppointmentTypeLocation,
    AppointmentTypeStatus,
)

__all__ = ["AppointmentType", "AppointmentTypeLocation", "AppointmentTypeStatus"]
