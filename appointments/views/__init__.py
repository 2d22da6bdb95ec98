from appointments.views.appointment_types import AppointmentTypeViewSet, ConfirmationStatusViewSet
from appointments.views.appointments import AppointmentViewSet

__all__ = ["AppointmentTypeViewSet", "AppointmentViewSet", "ConfirmationStatusViewSet"]
