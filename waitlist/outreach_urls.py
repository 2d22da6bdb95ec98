"""Routes of ASAP outreach and quick-fill (the entries' CRUD has its own)."""

from rest_framework.routers import SimpleRouter

from scheduling.api.views import UUID_PATTERN
from waitlist import outreach_views as views

router = SimpleRouter(trailing_slash=False)
router.register("waitlist/entries", views.OutreachViewSet, basename="waitlist-outreach")
router.register(
    rf"waitlist/entries/(?P<entry_uuid>{UUID_PATTERN})/contact-log",
    views.ContactLogViewSet,
    basename="waitlist-contact-log",
)
router.register("waitlist", views.QuickFillViewSet, basename="waitlist-quick-fill")

urlpatterns = router.urls
