from rest_framework.routers import SimpleRouter

from scheduling import views

router = SimpleRouter(trailing_slash=False)
router.register("locations", views.LocationViewSet, basename="location")
router.register("operatories", views.OperatoryViewSet, basename="operatory")
router.register("providers", views.ProviderViewSet, basename="provider")
router.register("patients", views.PatientViewSet, basename="patient")
router.register("procedure-codes", views.ProcedureCodeViewSet, basename="procedure-code")
router.register("definitions", views.DefinitionViewSet, basename="definition")

urlpatterns = router.urls
