from rest_framework.routers import SimpleRouter

from appointments import views

router = SimpleRouter(trailing_slash=False)
router.register("appointment-types", views.AppointmentTypeViewSet, basename="appointment-type")
router.register(
    "appointments/confirmation-statuses",
    views.ConfirmationStatusViewSet,
    basename="confirmation-status",
)
router.register("appointments", views.AppointmentViewSet, basename="appointment")

urlpatterns = router.urls
