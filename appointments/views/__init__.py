from appointments.views.appointment_rules import AppointmentRuleViewSet
from appointments.views.appointment_types import AppointmentTypeViewSet, ConfirmationStatusViewSet
from appointments.views.appointments import AppointmentViewSet
from appointments.views.calendar_monthly import MonthlyCalendarViewSet
from appointments.views.collections import AppointmentCollectionViewSet
from appointments.views.details import (
    AppointmentHistoryViewSet,
    AppointmentProcedureViewSet,
    AppointmentProviderViewSet,
    PatientFlowEventViewSet,
)
from appointments.views.free_time import FreeTimeViewSet
from appointments.views.production import ProductionSummaryViewSet

__all__ = [
    "AppointmentCollectionViewSet",
    "AppointmentHistoryViewSet",
    "AppointmentProcedureViewSet",
    "AppointmentProviderViewSet",
    "AppointmentRuleViewSet",
    "AppointmentTypeViewSet",
    "AppointmentViewSet",
    "ConfirmationStatusViewSet",
    "FreeTimeViewSet",
    "MonthlyCalendarViewSet",
    "PatientFlowEventViewSet",
    "ProductionSummaryViewSet",
]
