"""OpenAPI generation: input/output serializers per action, tags, declared errors, and
the fixes that make the published schema one a strict OpenAPI 3.0.3 client can trust.

- Nullable references: spectacular writes ``allOf: [$ref]`` with ``nullable: true``, which
  OpenAPI 3.0.3 ignores (``nullable`` only counts next to a ``type``), so strict validators
  reject the ``null`` the server sends. ``postprocess_nullable_refs`` rewrites them as
  ``oneOf: [$ref, NullEnum]``, a reference or ``null``, which every 3.0 tool reads alike.
- Path parameters (``org_id``, ``*_uuid``) are ``format: uuid``, whatever regex routes them.
- Error bodies are named components: ``Error``, ``ValidationError`` (``loc`` items are
  field names or list positions), ``ConflictError`` (409, with the versions of a
  ``VERSION_CONFLICT``); apps extend ``ConflictError`` with what their conflicts carry.
- A list-valued filter (``?status=scheduled,complete``) is a string with a pattern naming
  its values, as the contract words it; the server also takes the parameter repeated.
- A response that may be JSON ``null`` (a patient's preference, when none is set) is
  declared with a serializer instance ``allow_null=True``: ``oneOf: [$ref, NullEnum]``.
"""

from __future__ import annotations

from django_filters import filters
from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import get_doc
from drf_spectacular.utils import OpenApiResponse, extend_schema_field
from rest_framework import serializers

from scheduling.api.filters import (
    CalendarDateFilter,
    ChoiceListFilter,
    IntegerFilter,
    comma_list_schema,
)
from scheduling.api.serializers import CALENDAR_DATE_SCHEMA, InputSerializer

NULL_COMPONENT = "NullEnum"  # the name spectacular gives ``null`` in nullable enums
NULL_SCHEMA = {"enum": [None]}


@extend_schema_field({"oneOf": [{"type": "string"}, {"type": "integer"}]})
class ErrorLocationPartField(serializers.JSONField):
    """One step of an error's ``loc``: ``"body"``, a field name, or a list position (``0``)."""


class ValidationErrorItemSerializer(serializers.Serializer):
    loc = serializers.ListField(
        child=ErrorLocationPartField(),
        help_text='Where: ["body"|"query"|"path", field or list position, ...], '
        'e.g. ["body", "providers", 0, "provider_uuid"].',
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


class NotFoundErrorSerializer(ErrorSerializer):
    """A 404. When ids in the request name nothing in the org, ``errors`` lists each with
    where it was given (``loc``), so a client can point at the field."""

    errors = ValidationErrorItemSerializer(
        many=True, required=False, help_text="Each unknown id named in the request."
    )

    class Meta:
        ref_name = "NotFoundError"


class ConflictErrorSerializer(ErrorSerializer):
    """A 409: the request is valid but collides with the current state.

    ``VERSION_CONFLICT`` (a stale ``base_version``) carries both versions; other codes
    (``CONFLICT``, ``DUPLICATE_NAME``, ``TEMPLATE_INACTIVE``, ``INVALID_STATE`` …) only
    ``detail`` and ``code``. Operations whose conflicts carry more declare a subclass.
    """

    current_version = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="VERSION_CONFLICT: the object's version now (null if it is gone).",
    )
    base_version = serializers.IntegerField(
        required=False, help_text="VERSION_CONFLICT: the base_version the request sent."
    )

    class Meta:
        ref_name = "ConflictError"


ERROR_RESPONSES = {
    "401": ErrorSerializer,
    "403": ErrorSerializer,
    "404": NotFoundErrorSerializer,
    "422": ValidationErrorSerializer,
}


class ChairsideAutoSchema(AutoSchema):
    """Adds what every operation shares: request serializers, tags, error responses, and
    path parameters typed as the public UUIDs they are."""

    def get_request_serializer(self):
        getter = getattr(self.view, "get_input_serializer_class", None)
        input_class = getter() if getter else None
        return input_class if input_class else super().get_request_serializer()

    def get_summary(self) -> str | None:
        """A plain resource's summary from its model ("List locations", "Get location");
        ``@extend_schema(summary=...)`` overrides it, and every other operation carries one."""
        model = getattr(getattr(self.view, "queryset", None), "model", None)
        action = getattr(self.view, "action", None)
        if model is None:
            return None
        names = model._meta.verbose_name, model._meta.verbose_name_plural
        summaries = {
            "list": f"List {names[1]}",
            "retrieve": f"Get {names[0]}",
            "create": f"Create {names[0]}",
            "partial_update": f"Update {names[0]}",
            "destroy": f"Delete {names[0]}",
        }
        return summaries.get(action)

    def _map_serializer(self, serializer, direction, bypass_extensions=False):
        """``Meta.documented_required``: fields the reference requires, which the server
        also accepts left out (with a documented default). Clients are told to send them."""
        schema = super()._map_serializer(serializer, direction, bypass_extensions)
        documented = getattr(getattr(serializer, "Meta", None), "documented_required", ())
        if documented and direction == "request":
            schema["required"] = sorted({*schema.get("required", []), *documented})
        if direction == "request" and isinstance(serializer, InputSerializer):
            schema["additionalProperties"] = False  # an unknown field is a 422 (unknown_field)
            if schema.get("description") == get_doc(InputSerializer):
                del schema["description"]  # the kit's docstring says nothing of this body
        return schema

    def get_tags(self) -> list[str]:
        tags = getattr(self.view, "schema_tags", None)
        return list(tags) if tags else super().get_tags()

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        errors = dict(ERROR_RESPONSES)
        if self.method in ("POST", "PATCH", "PUT", "DELETE"):
            errors["409"] = ConflictErrorSerializer
        if self.method in ("POST", "PATCH", "PUT") and self.get_request_serializer() is not None:
            errors["415"] = ErrorSerializer  # a body that is not JSON
        for code, serializer in errors.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(serializer, code, direction=direction)
        return responses

    def _get_response_for_code(
        self, serializer, status_code, media_types=None, direction="response"
    ):
        """``responses={200: XSerializer(allow_null=True)}``: the body is an X or ``null``
        (``postprocess_nullable_refs`` writes it as a ``oneOf`` with ``null``)."""
        response = super()._get_response_for_code(serializer, status_code, media_types, direction)
        declared = serializer.response if isinstance(serializer, OpenApiResponse) else serializer
        if isinstance(declared, serializers.BaseSerializer) and declared.allow_null:
            for content in response.get("content", {}).values():
                content["schema"] = {"allOf": [content["schema"]], "nullable": True}
        return response

    def _resolve_path_parameters(self, variables):
        parameters = super()._resolve_path_parameters(variables)
        for parameter in parameters:
            # Every path parameter is a public id; routing matches it with a regex, which
            # spectacular would publish as a pattern instead of the format clients know.
            parameter["schema"] = {"type": "string", "format": "uuid"}
            if parameter["name"] == "org_id" and not parameter.get("description"):
                parameter["description"] = "The organization's public id."
        return parameters


class QueryFilterExtension(DjangoFilterExtension):
    """django-filter parameters, plus comma-separated lists.

    A ``ChoiceListFilter`` (``?status=scheduled,complete``) is published as the contract
    words it, a string, with a pattern naming the allowed values.

    A filter reads one query value unless it is a multiple-choice filter, so a filter
    declared (``extend_schema_field``) as an array takes its items comma-separated in that
    one value: ``?status=scheduled,complete``, i.e. ``style: form, explode: false``.
    """

    target_class = "scheduling.api.filters.QueryFilterBackend"
    priority = 1

    def resolve_filter_field(self, auto_schema, model, filterset_class, field_name, filter_field):
        parameters = super().resolve_filter_field(
            auto_schema, model, filterset_class, field_name, filter_field
        )
        if isinstance(filter_field, ChoiceListFilter):
            for parameter in parameters:
                parameter["schema"] = comma_list_schema(filter_field.choices)
            return parameters
        if isinstance(filter_field, CalendarDateFilter):
            for parameter in parameters:
                parameter["schema"] = dict(CALENDAR_DATE_SCHEMA)
            return parameters
        if isinstance(filter_field, IntegerFilter):
            bounds = {"minimum": "min_value", "maximum": "max_value"}
            for parameter in parameters:
                parameter["schema"] = {"type": "integer"} | {
                    key: filter_field.extra[name]
                    for key, name in bounds.items()
                    if filter_field.extra.get(name) is not None
                }
            return parameters
        multiple = isinstance(filter_field, (filters.MultipleChoiceFilter, filters.BaseCSVFilter))
        for parameter in parameters:
            if parameter["schema"].get("type") == "array" and not multiple:
                parameter["style"] = "form"
                parameter["explode"] = False
        return parameters


def _null_branch(schemas: list) -> bool:
    return any(
        s == NULL_SCHEMA or s.get("$ref") == f"#/components/schemas/{NULL_COMPONENT}"
        for s in schemas
    )


def _fix_nullable(node) -> bool:
    """Rewrite, in place, every ``nullable`` that has no ``type`` beside it (3.0.3 ignores
    those) as a ``oneOf`` with a ``null`` branch. True if a ``null`` branch was used."""
    used = False
    if isinstance(node, list):
        for item in node:
            used |= _fix_nullable(item)
        return used
    if not isinstance(node, dict):
        return False
    for value in node.values():
        used |= _fix_nullable(value)
    if node.get("nullable") is not True or "type" in node:
        return used
    null_ref = {"$ref": f"#/components/schemas/{NULL_COMPONENT}"}
    del node["nullable"]
    if "$ref" in node:
        node["oneOf"] = [{"$ref": node.pop("$ref")}, null_ref]
    elif "allOf" in node:
        parts = node.pop("allOf")
        node["oneOf"] = [parts[0] if len(parts) == 1 else {"allOf": parts}, null_ref]
    elif "oneOf" in node or "anyOf" in node:
        key = "oneOf" if "oneOf" in node else "anyOf"
        if not _null_branch(node[key]):
            node[key].append(null_ref)
    else:  # any value or null: any value already includes null
        return used
    return True


def postprocess_nullable_refs(result, generator, request, public):
    """OpenAPI 3.0.3 nullability that strict validators and client generators agree on:
    ``oneOf: [{$ref: X}, {$ref: NullEnum}]`` instead of ``allOf: [X]`` + ``nullable``."""
    if _fix_nullable(result.get("paths", {})) | _fix_nullable(result.get("components", {})):
        result["components"].setdefault("schemas", {})
        result["components"]["schemas"].setdefault(NULL_COMPONENT, dict(NULL_SCHEMA))
        result["components"]["schemas"] = dict(sorted(result["components"]["schemas"].items()))
    return result


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "scheduling.api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token: `Authorization: Bearer cs_…`.",
        }
