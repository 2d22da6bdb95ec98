"""Routes of the Schedule section's provider schedules and day notes."""

from rest_framework.routers import SimpleRouter

from scheduling.schedule import views

router = SimpleRouter(trailing_slash=False)
router.register("schedule/templates", views.ScheduleTemplateViewSet, basename="schedule-template")
router.register("schedule/overrides", views.ScheduleOverrideViewSet, basename="schedule-override")
router.register("schedule/notes", views.ScheduleNoteViewSet, basename="schedule-note")
router.register("schedule", views.ProviderScheduleViewSet, basename="schedule")

urlpatterns = router.urls
