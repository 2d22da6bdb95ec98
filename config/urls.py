"""The map from URL to app. Every API path lives under /api/v1/{org_id}/."""

from itertools import chain

from django.contrib import admin
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

import appointments.urls
import blockouts.urls
import recalls.urls
import scheduling.schedule.urls
import scheduling.urls
import waitlist.urls
from scheduling.api.exceptions import not_found_view
from scheduling.api.routes import BySegmentResolver
from scheduling.views import MeView

API_PREFIX = "api/v1/<uuid:org_id>/"
API_ROUTES = (
    scheduling.urls.urlpatterns,
    scheduling.schedule.urls.urlpatterns,
    appointments.urls.urlpatterns,
    blockouts.urls.urlpatterns,
    recalls.urls.urlpatterns,
    waitlist.urls.urlpatterns,
)

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/v1/me", MeView.as_view(), name="me"),
    # Every app's routes, in this order, each tried only by paths of its first segment.
    path(API_PREFIX, include([BySegmentResolver(chain(*API_ROUTES))])),
    # Last: anything else under /api/ (an unknown path, a malformed id) is the JSON 404 of
    # the envelope, also with DEBUG on (where Django would answer its HTML page), and for
    # every method (no CSRF page for a POST: the API authenticates by token).
    re_path(r"^api/", csrf_exempt(not_found_view), name="api-not-found"),
]

handler400 = "scheduling.api.exceptions.bad_request_view"
handler404 = "scheduling.api.exceptions.not_found_view"
handler500 = "scheduling.api.exceptions.server_error_view"
