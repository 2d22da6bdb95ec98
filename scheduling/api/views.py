"""The CRUD kit: every endpoint under ``/api/v1/{org_id}/`` inherits its tenancy from here.

``OrgScopedMixin.initial`` runs after DRF has authenticated the request: it resolves
the caller's ``Access`` from the path (404 for non-members and unknown orgs alike),
checks the role, and refuses query parameters the operation does not declare.
``get_queryset`` reads through ``restrict(access)``, so no view can forget the org or
the caller's locations; a model that declares no location scope shows nothing.

A plain resource is a declaration (see the README, "Adding a resource"):

    class BlockoutTypeViewSet(OrgModelViewSet):
        queryset = BlockoutType.objects.all()
        serializer_class = BlockoutTypeSerializer
        input_serializer_classes = {"create": ..., "partial_update": ...}
        lookup_url_kwarg = "blockout_type_uuid"
        write_role = Role.ADMIN

        def perform_create(self, data): return blockout_type_create(org=self.access.org, **data)
        ...
"""

from __future__ import annotations

from django.db.models import Model, QuerySet
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from scheduling.access import NOT_READ, Access
from scheduling.api.access import RolePermission
from scheduling.api.exceptions import RequestValidationError, error_items
from scheduling.api.filters import empty_parameters
from scheduling.api.relations import ResolutionCache, named_ids, preresolve, query_ids
from scheduling.exceptions import NotFound
from scheduling.models import Role

UUID_PATTERN = r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"
PAGE_PARAMS = frozenset({"page", "page_size"})


class OrgScopedMixin:
    permission_classes = [IsAuthenticated, RolePermission]
    write_role: Role = Role.STAFF
    action_roles: dict[str, Role] = {}
    #: Actions answering a page of ``{items, page, page_size, total}``.
    paged_actions: frozenset[str] = frozenset({"list"})
    #: Actions that apply ``filterset_class`` (others refuse its parameters, never ignore them).
    filtered_actions: frozenset[str] = frozenset({"list"})
    #: Query parameters per action, checked by ``validated_query`` and documented.
    query_serializer_classes: dict[str, type] = {}
    schema_tags: tuple[str, ...] = ()
    access: Access

    def initial(self, request, *args, **kwargs):
        self.perform_authentication(request)
        if request.user is None:
            raise exceptions.NotAuthenticated()
        prefetched = getattr(request.auth, "access", NOT_READ)  # read with the token
        self.access = Access.member(request.user, kwargs["org_id"], prefetched=prefetched)
        self.read_with_token_row = getattr(request.auth, "companion_row", NOT_READ)
        request.access = self.access
        request.org = self.access.org
        super().initial(request, *args, **kwargs)
        self.check_query_params(request)

    def read_with_token(self):
        """A ``Companion``: the action's first read, sent in the statement that reads the
        caller's token (one round trip instead of two); its row is then
        ``read_with_token_row`` (None when it found none, ``NOT_READ`` when none was sent).
        None: the action reads after authenticating, as usual."""
        return None

    # --- query parameters ----------------------------------------------------------------

    def get_query_serializer_class(self):
        return self.query_serializer_classes.get(getattr(self, "action", None))

    def allowed_query_params(self) -> set[str]:
        allowed: set[str] = set()
        action = getattr(self, "action", None)
        if action in self.paged_actions:
            allowed |= PAGE_PARAMS
        filterset_class = getattr(self, "filterset_class", None)
        if filterset_class is not None and action in self.filtered_actions:
            allowed |= set(filterset_class.base_filters)
        query_class = self.get_query_serializer_class()
        if query_class is not None:
            allowed |= set(query_class().fields)
        return allowed

    def check_query_params(self, request) -> None:
        """A query parameter the operation does not know is a 422 naming it, never ignored."""
        if request.method in ("HEAD", "OPTIONS") or getattr(self, "action", None) is None:
            return  # a method the route does not take is a 405, whatever the query
        allowed = self.allowed_query_params()
        unknown = [name for name in request.query_params if name not in allowed]
        if unknown:
            known = ", ".join(sorted(allowed)) or "none"
            raise RequestValidationError(
                {
                    name: [
                        exceptions.ErrorDetail(
                            f"Unknown query parameter; this operation accepts: {known}.",
                            code="unknown_parameter",
                        )
                    ]
                    for name in unknown
                },
                location="query",
            )

    def validated_query(self, query=None) -> dict:
        """The action's declared query parameters (or ``query``, a ``QueryDict`` built
        from them), checked; errors are 422 ``query`` (ids that name nothing in the org:
        404, as in a body). The ids are read in one round trip, however many fields name
        them."""
        serializer = self.query_serializer(query)
        query = self.request.query_params if query is None else query
        # As for filters: a typed parameter given empty is a 422, not "any".
        typed = (
            name
            for name, field in serializer.fields.items()
            if not isinstance(field, serializers.CharField)
        )
        empty = empty_parameters(query, typed)
        if empty:
            raise RequestValidationError(empty, location="query")
        if not serializer.is_valid():
            raise_for_input_errors(serializer.errors, location="query")
        return serializer.validated_data

    def query_serializer(self, query=None):
        """The action's query serializer over ``query`` (default: the request's), its ids
        resolved in one round trip, not yet validated."""
        context = self.get_serializer_context()
        context["resolution_cache"] = cache = ResolutionCache()
        query = self.request.query_params if query is None else query
        serializer = self.get_query_serializer_class()(data=query, context=context)
        # Every id the query names, resolved in one round trip before the fields look.
        preresolve(self.access, cache, query_ids(query, serializer.fields))
        return serializer

    # --- reads -------------------------------------------------------------------------

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["access"] = getattr(self, "access", None)
        return context

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().restrict(self.access)


class OrgViewSet(OrgScopedMixin, viewsets.GenericViewSet):
    """A resource under the org. Subclasses declare, they do not compute.

    Request bodies and responses use different serializers: ``serializer_class`` is the
    response, ``input_serializer_classes`` maps an action to its request serializer.
    """

    lookup_field = "uuid"
    lookup_value_regex = UUID_PATTERN
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    input_serializer_classes: dict[str, type] = {}

    def get_object(self):
        """The object named by the path, in the org and the caller's locations.

        List filters (``?status=`` …) do not apply: a detail route names one object.
        """
        queryset = self.get_queryset()
        obj = queryset.filter(**{self.lookup_field: self.kwargs[self.lookup_url_kwarg]}).first()
        if obj is None:
            raise NotFound(f"{queryset.model._meta.verbose_name.capitalize()} not found.")
        if getattr(obj, "org_id", None) == self.access.org.pk:
            obj.org = self.access.org  # read with the token: following the key costs no query
        self.check_object_permissions(self.request, obj)
        return obj

    def get_input_serializer_class(self):
        return self.input_serializer_classes.get(getattr(self, "action", None))

    def validated_input(self, **kwargs) -> dict:
        """The request body, checked by the action's input serializer.

        When the only errors are ids that name nothing in the org, the answer is a 404
        listing each of them with its ``loc``; any other error makes it a 422.
        """
        context = self.get_serializer_context()
        context["resolution_cache"] = cache = ResolutionCache()
        serializer = self.get_input_serializer_class()(
            data=self.request.data, context=context, **kwargs
        )
        if isinstance(serializer, serializers.Serializer):
            # Every id the body names, resolved in one round trip before the fields look.
            named = named_ids([self.request.data], serializer.fields)
            preresolve(self.access, cache, named)
        if not serializer.is_valid():
            raise_for_input_errors(serializer.errors)
        return serializer.validated_data

    def respond(self, instance: Model, status_code: int = status.HTTP_200_OK) -> Response:
        """Serialize ``instance`` as read through this view's queryset (same shape as GET).

        The write has committed; a row deleted by someone else meanwhile is a 404 (it is
        gone), not a 500."""
        fresh = self.get_queryset().filter(pk=instance.pk).first()
        if fresh is None:
            model = self.get_queryset().model
            raise NotFound(f"{model._meta.verbose_name.capitalize()} no longer exists.")
        if hasattr(instance, "warnings"):  # what the write had to say (see the services)
            fresh.warnings = instance.warnings
        return Response(self.get_serializer(fresh).data, status=status_code)

    def page(self, queryset: QuerySet, serializer_class=None) -> Response:
        """A page of ``queryset`` (for actions listed in ``paged_actions``)."""
        serializer_class = serializer_class or self.get_serializer_class()
        rows = self.paginate_queryset(queryset)
        context = self.get_serializer_context()
        return self.get_paginated_response(serializer_class(rows, many=True, context=context).data)


def raise_for_input_errors(errors, location: str = "body") -> None:
    items = error_items(errors, [location])
    if items and all(item["type"] == "not_found" for item in items):
        raise NotFound(" ".join(item["msg"] for item in items), errors=items)
    raise RequestValidationError(errors, location=location)


class CreateMixin:
    """POST → 201 with the created object. The subclass's ``perform_create`` calls a service."""

    def create(self, request, *args, **kwargs):
        instance = self.perform_create(self.validated_input())
        return self.respond(instance, status.HTTP_201_CREATED)

    def perform_create(self, data: dict):  # pragma: no cover - abstract
        raise NotImplementedError


class PartialUpdateMixin:
    """PATCH with ``base_version``. The subclass's ``perform_update`` calls a service."""

    def partial_update(self, request, *args, **kwargs):
        instance = self.get_object()
        instance = self.perform_update(instance, dict(self.validated_input()))
        return self.respond(instance)

    def perform_update(self, instance, data: dict):  # pragma: no cover - abstract
        raise NotImplementedError


class DestroyMixin:
    """DELETE → 204 with no body. The subclass's ``perform_destroy`` calls a service."""

    def destroy(self, request, *args, **kwargs):
        self.perform_destroy(self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    def perform_destroy(self, instance) -> None:  # pragma: no cover - abstract
        raise NotImplementedError


class ReadOnlyOrgViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgViewSet):
    pass


class OrgModelViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    CreateMixin,
    PartialUpdateMixin,
    DestroyMixin,
    OrgViewSet,
):
    """List, get, create, PATCH and DELETE of one org-owned resource, through its services."""


class NestedOrgViewSet(OrgViewSet):
    """The children of one parent named in the path (``/templates/{template_uuid}/items``).

    The parent is resolved once, through ``restrict`` (in the org and the caller's
    locations, else 404) before the body is read; children are listed and looked up
    under it only.
    """

    parent_queryset: QuerySet
    parent_lookup_url_kwarg: str
    #: The child's foreign key to the parent.
    parent_field: str

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.get_parent()  # an unknown parent is a 404 before anything else

    def get_parent(self):
        if not hasattr(self, "_parent"):
            queryset = self.parent_queryset.restrict(self.access)
            parent = queryset.filter(uuid=self.kwargs[self.parent_lookup_url_kwarg]).first()
            if parent is None:
                raise NotFound(f"{queryset.model._meta.verbose_name.capitalize()} not found.")
            self._parent = parent
        return self._parent

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().filter(**{self.parent_field: self.get_parent()})
