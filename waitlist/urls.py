"""Routes of the Waitlist section: the ASAP list, its outreach, quick-fill and openings."""

from rest_framework.routers import SimpleRouter

from scheduling.api.views import UUID_PATTERN
from waitlist import opening_views, outreach_views, views

router = SimpleRouter(trailing_slash=False)
router.register("waitlist/entries", views.WaitlistEntryViewSet, basename="waitlist-entry")
router.register("waitlist/entries", outreach_views.OutreachViewSet, basename="waitlist-outreach")
router.register(
    rf"waitlist/entries/(?P<entry_uuid>{UUID_PATTERN})/contact-log",
    outreach_views.ContactLogViewSet,
    basename="waitlist-contact-log",
)
router.register("waitlist/openings", opening_views.OpeningViewSet, basename="waitlist-opening")
router.register("waitlist", outreach_views.QuickFillViewSet, basename="waitlist-quick-fill")

urlpatterns = router.urls
