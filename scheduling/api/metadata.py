"""What ``OPTIONS`` answers: the endpoint's name, description and allowed methods.

DRF's ``SimpleMetadata`` also describes the serializer of each write method, and to
decide which ones to describe it clones the request and runs the permission checks on
the clone. The clone lacks what the base view resolved on the request (``request.access``),
so every ``OPTIONS`` failed; and the published OpenAPI schema already describes every
body, better. So this metadata class describes the endpoint and nothing else.

``OPTIONS`` still goes through authentication and the org check like any other method
(no token → 401, another org → 404); the ``Allow`` header is set by DRF itself.
"""

from __future__ import annotations

from rest_framework.metadata import BaseMetadata


class EndpointMetadata(BaseMetadata):
    def determine_metadata(self, request, view) -> dict:
        return {
            "name": view.get_view_name(),
            "description": view.get_view_description(),
            "allowed_methods": list(view.allowed_methods),
            "renders": [renderer.media_type for renderer in view.renderer_classes],
            "parses": [parser.media_type for parser in view.parser_classes],
        }
