"""Routes of the Recalls section's patient recalls."""

from rest_framework.routers import SimpleRouter

from recalls.patient_recall_views import PatientRecallViewSet

router = SimpleRouter(trailing_slash=False)
router.register("recalls/patient-recalls", PatientRecallViewSet, basename="patient-recall")

urlpatterns = router.urls
