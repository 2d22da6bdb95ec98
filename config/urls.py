"""The map from URL to app. Every API path lives under /api/v1/{org_id}/."""

from django.contrib import admin
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from scheduling.api.exceptions import not_found_view
from scheduling.views import MeView

API_PREFIX = "api/v1/<uuid:org_id>/"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/v1/me", MeView.as_view(), name="me"),
    path(API_PREFIX, include("scheduling.urls")),
    path(API_PREFIX, include("scheduling.schedule.urls")),
    path(API_PREFIX, include("appointments.urls")),
    path(API_PREFIX, include("blockouts.urls")),
    path(API_PREFIX, include("recalls.urls")),
    path(API_PREFIX, include("waitlist.urls")),
    # Last: anything else under /api/ (an unknown path, a malformed id) is the JSON 404 of
    # the envelope, also with DEBUG on (where Django would answer its HTML page), and for
    # every method (no CSRF page for a POST: the API authenticates by token).
    re_path(r"^api/", csrf_exempt(not_found_view), name="api-not-found"),
]

handler400 = "scheduling.api.exceptions.bad_request_view"
handler404 = "scheduling.api.exceptions.not_found_view"
handler500 = "scheduling.api.exceptions.server_error_view"
