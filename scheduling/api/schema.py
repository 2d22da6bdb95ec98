"""OpenAPI generation: input/output serializers per action, tags, declared errors."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers


class ValidationErrorItemSerializer(serializers.Serializer):
    loc = serializers.ListField(
        child=serializers.CharField(), help_text='Where: ["body"|"query"|"path", field, ...]'
    )
    msg = serializers.CharField()
    type = serializers.CharField(help_text="Machine-readable error type.")

    class Meta:
        ref_name = "ValidationErrorItem"


class ValidationErrorSerializer(serializers.Serializer):
    detail = ValidationErrorItemSerializer(many=True)

    class Meta:
        ref_name = "ValidationError"


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField(help_text="Machine-readable code, e.g. NOT_FOUND.")

    class Meta:
        ref_name = "Error"


class ConflictErrorSerializer(ErrorSerializer):
    conflicts = serializers.DictField(required=False, help_text="What the request collides with.")
    reason_codes = serializers.ListField(child=serializers.CharField(), required=False)
    current_version = serializers.IntegerField(required=False, allow_null=True)

    class Meta:
        ref_name = "ConflictError"


ERROR_RESPONSES = {
    "401": ErrorSerializer,
    "403": ErrorSerializer,
    "404": ErrorSerializer,
    "422": ValidationErrorSerializer,
}


class ChairsideAutoSchema(AutoSchema):
    """Adds what every operation shares: request serializers, tags and error responses."""

    def get_request_serializer(self):
        getter = getattr(self.view, "get_input_serializer_class", None)
        input_class = getter() if getter else None
        return input_class if input_class else super().get_request_serializer()

    def get_tags(self) -> list[str]:
        tags = getattr(self.view, "schema_tags", None)
        return list(tags) if tags else super().get_tags()

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        errors = dict(ERROR_RESPONSES)
        if self.method in ("POST", "PATCH", "PUT", "DELETE"):
            errors["409"] = ConflictErrorSerializer
        for code, serializer in errors.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(serializer, code, direction=direction)
        return responses


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "scheduling.api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token: `Authorization: Bearer cs_…`.",
        }
