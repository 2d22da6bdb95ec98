"""Routes of the Appointments and Appointment Types sections, and of the Schedule
section's appointment rules and free-time search (they read appointments; the conflict
engine lives here)."""

from django.urls import re_path
from rest_framework.routers import SimpleRouter

from appointments import views
from appointments.views.calendars import DayCalendarViewSet
from scheduling.api.views import UUID_PATTERN

APPOINTMENT = rf"appointments/(?P<appointment_uuid>{UUID_PATTERN})"

router = SimpleRouter(trailing_slash=False)
router.register("appointment-types", views.AppointmentTypeViewSet, basename="appointment-type")
router.register(
    "appointments/confirmation-statuses",
    views.ConfirmationStatusViewSet,
    basename="confirmation-status",
)
router.register(
    "schedule/appointment-rules", views.AppointmentRuleViewSet, basename="appointment-rule"
)
router.register("appointments", views.AppointmentViewSet, basename="appointment")
router.register("appointments", views.AppointmentCollectionViewSet, basename="appointments")
router.register("schedule", views.FreeTimeViewSet, basename="free-time")
router.register("schedule", DayCalendarViewSet, basename="day-calendar")
router.register("schedule/calendar", views.MonthlyCalendarViewSet, basename="calendar-monthly")
# Matched after scheduling.schedule.urls' goals, whose detail route takes only a UUID.
router.register(
    "schedule/production-goals", views.ProductionSummaryViewSet, basename="production-summary"
)
router.register(
    f"{APPOINTMENT}/history", views.AppointmentHistoryViewSet, basename="appointment-history"
)
router.register(
    f"{APPOINTMENT}/patient-flow-events",
    views.PatientFlowEventViewSet,
    basename="appointment-flow-event",
)
router.register(
    f"{APPOINTMENT}/procedures",
    views.AppointmentProcedureViewSet,
    basename="appointment-procedure",
)

urlpatterns = [
    *router.urls,
    # The provider list is replaced whole: PUT on the collection, which routers do not map.
    re_path(
        rf"^{APPOINTMENT}/providers$",
        views.AppointmentProviderViewSet.as_view({"get": "list", "put": "replace"}),
        name="appointment-providers",
    ),
]
