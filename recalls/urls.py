"""Routes of the Recalls section."""

from rest_framework.routers import SimpleRouter

from recalls import views

router = SimpleRouter(trailing_slash=False)
router.register("recalls/types", views.RecallTypeViewSet, basename="recall-type")
router.register("recalls/triggers", views.RecallTriggerViewSet, basename="recall-trigger")
router.register("recalls/patient-recalls", views.PatientRecallViewSet, basename="patient-recall")

urlpatterns = router.urls
