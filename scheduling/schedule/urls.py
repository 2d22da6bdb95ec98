"""Routes of the Schedule section's provider schedules, day notes and views."""

from rest_framework.routers import SimpleRouter

from scheduling.schedule import views

router = SimpleRouter(trailing_slash=False)
router.register("schedule/templates", views.ScheduleTemplateViewSet, basename="schedule-template")
router.register("schedule/overrides", views.ScheduleOverrideViewSet, basename="schedule-override")
router.register("schedule/notes", views.ScheduleNoteViewSet, basename="schedule-note")
router.register("schedule", views.ProviderScheduleViewSet, basename="schedule")
# --- Flow statuses and production goals ---
router.register("schedule/flow-statuses", views.FlowStatusViewSet, basename="flow-status")
router.register(
    "schedule/production-goals", views.ProductionGoalViewSet, basename="production-goal"
)
# --- Saved searches and patient preferences ---
router.register("schedule/saved-searches", views.SavedSearchViewSet, basename="saved-search")
router.register(
    "schedule/patient-preferences", views.PatientPreferenceViewSet, basename="patient-preference"
)

# --- Schedule views (``templates`` is routed before ``{view_uuid}``: a list-level action)
router.register("schedule/views", views.ScheduleViewViewSet, basename="schedule-view")

urlpatterns = router.urls
