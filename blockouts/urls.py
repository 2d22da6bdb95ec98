"""Routes of the Blockouts section."""

from rest_framework.routers import SimpleRouter

from blockouts import views
from scheduling.api.views import UUID_PATTERN

router = SimpleRouter(trailing_slash=False)
router.register("blockouts/types", views.BlockoutTypeViewSet, basename="blockout-type")
router.register("blockouts/instances", views.BlockoutViewSet, basename="blockout")
router.register("blockouts/templates", views.BlockoutTemplateViewSet, basename="blockout-template")
router.register(
    rf"blockouts/templates/(?P<template_uuid>{UUID_PATTERN})/items",
    views.BlockoutTemplateItemViewSet,
    basename="blockout-template-item",
)

urlpatterns = router.urls
