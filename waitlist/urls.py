"""Routes of the ASAP list (waitlist entries)."""

from rest_framework.routers import SimpleRouter

from waitlist import views

router = SimpleRouter(trailing_slash=False)
router.register("waitlist/entries", views.WaitlistEntryViewSet, basename="waitlist-entry")

urlpatterns = router.urls
