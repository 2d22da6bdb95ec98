"""The Django admin as a practice administrator sees it: only the orgs they administer.

A superuser sees and changes everything. Any other staff user (``is_staff``) works
through their memberships: every org where they hold the ``admin`` role is theirs, and
the admin shows, offers and accepts rows of those orgs only. A staff user without an
admin membership sees an empty admin.

Permissions come from memberships, not from Django's per-model permissions
(``auth.Permission``): a practice administrator needs no per-model permission setup,
and granting one cannot widen what they see. Every ``has_*_permission`` below is
decided by :func:`admin_org_ids`.

Three rules keep tenants apart in forms:

* every foreign-key and many-to-many choice is limited to rows of the user's admin
  orgs (users: members of those orgs), see :func:`scope_choices`;
* a row never moves to another org: ``org`` is fixed once the row exists;
* a saved form never links rows of two orgs: :class:`OrgConsistentForm` checks that
  every related object belongs to the row's org (the model's own ``clean()`` runs too,
  as in every ``ModelForm``).

Versioned rows are written as versioned writes (``scheduling.services.versioned_update``):
an admin edit bumps ``version`` like an API write, and the change form carries the
version it showed, so an edit made meanwhile by someone else is refused, not overwritten.

Rows that belong to a location (appointments, blockouts) are also limited to the
locations the caller's admin membership opens (``scoped_by_location``, following the
model's declared ``location_scope``), as in the API.
Appointments and blockouts are written by the front desk through the API and its
services; the admin shows them read-only (:class:`ReadOnlyOrgAdmin`), with their times
in the wall time of their location (:func:`local_interval`).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from functools import reduce
from operator import or_

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.db.models import Q, QuerySet, Value
from django.http import HttpResponseRedirect
from django.utils import timezone
from django.utils.html import format_html

from scheduling.exceptions import Conflict
from scheduling.models import (
    Location,
    LocationScope,
    Membership,
    MembershipLocation,
    Organization,
    Role,
)
from scheduling.models.base import declared_scope, location_id_of
from scheduling.services import versioned_update
from scheduling.timezones import LocalDayStart, to_local, zone

#: Bookkeeping fields shown read-only wherever a model has them.
BOOKKEEPING_FIELDS = ("uuid", "version", "created_at", "updated_at")

#: The org filter of a changelist: only orgs of the rows the caller can see.
ORG_FILTER = ("org", admin.RelatedOnlyFieldListFilter)

_CACHE_ATTR = "_chairside_admin_org_ids"
_LOCATIONS_CACHE_ATTR = "_chairside_admin_location_ids"
_ZONE_CACHE_ATTR = "_chairside_admin_zone"


# --- Who may see what -------------------------------------------------------------------


def admin_org_ids(request) -> frozenset[int] | None:
    """Primary keys of the orgs ``request.user`` administers; ``None`` means every org.

    Computed once per request.
    """
    if not hasattr(request, _CACHE_ATTR):
        user = request.user
        if user.is_active and user.is_superuser:
            org_ids = None
        elif user.is_active and user.is_staff:
            org_ids = frozenset(
                Membership.objects.filter(user=user, role=Role.ADMIN).values_list(
                    "org_id", flat=True
                )
            )
        else:
            org_ids = frozenset()
        setattr(request, _CACHE_ATTR, org_ids)
    return getattr(request, _CACHE_ATTR)


def admin_location_ids(request) -> dict[int, frozenset[int] | None] | None:
    """For each org the caller administers, the locations their membership opens there
    (``None``: every location of that org); ``None`` overall means every org and location.

    A membership with "all locations" off opens only its listed locations, in the admin
    as in the API. Computed once per request.
    """
    if not hasattr(request, _LOCATIONS_CACHE_ATTR):
        org_ids = admin_org_ids(request)
        result: dict[int, frozenset[int] | None] | None = None
        if org_ids is not None:
            memberships = Membership.objects.filter(
                user=request.user, role=Role.ADMIN, org_id__in=org_ids
            ).values_list("pk", "org_id", "all_locations")
            limited = {pk: org_id for pk, org_id, every in memberships if not every}
            result = {org_id: None for _, org_id, every in memberships if every}
            opened: dict[int, set[int]] = {org_id: set() for org_id in limited.values()}
            if limited:
                for membership_id, location_id in MembershipLocation.objects.filter(
                    membership_id__in=limited
                ).values_list("membership_id", "location_id"):
                    opened[limited[membership_id]].add(location_id)
            result.update({org_id: frozenset(ids) for org_id, ids in opened.items()})
        setattr(request, _LOCATIONS_CACHE_ATTR, result)
    return getattr(request, _LOCATIONS_CACHE_ATTR)


def visible_locations_q(request, *, org_lookup: str = "org", location_lookup: str) -> Q | None:
    """The rows whose location (reached by ``location_lookup``) the caller may see;
    ``None`` when nothing is hidden. Rows without a location belong to the whole org."""
    access = admin_location_ids(request)
    if access is None:
        return None
    allowed = Q(pk__in=[])
    for org_id, location_ids in access.items():
        in_org = Q(**{org_lookup: org_id})
        if location_ids is not None:
            in_org &= Q(**{f"{location_lookup}__in": location_ids}) | Q(
                **{f"{location_lookup}__isnull": True}
            )
        allowed |= in_org
    return allowed


def may_see_location(request, org_id: int | None, location_id: int | None) -> bool:
    access = admin_location_ids(request)
    if access is None:
        return True
    if org_id not in access:
        return False
    location_ids = access[org_id]
    return location_ids is None or location_id is None or location_id in location_ids


def is_practice_admin(request) -> bool:
    """A superuser, or an admin of at least one org."""
    org_ids = admin_org_ids(request)
    return org_ids is None or bool(org_ids)


def may_administer(request, org_id: int | None) -> bool:
    org_ids = admin_org_ids(request)
    return org_ids is None or org_id in org_ids


def visible_users(request, queryset: QuerySet | None = None) -> QuerySet:
    """Users who are members of at least one of the caller's admin orgs."""
    queryset = get_user_model()._default_manager.all() if queryset is None else queryset
    org_ids = admin_org_ids(request)
    if org_ids is None:
        return queryset
    return queryset.filter(pk__in=Membership.objects.filter(org_id__in=org_ids).values("user_id"))


def manageable_users(request, queryset: QuerySet | None = None) -> QuerySet:
    """Users whose every membership is in one of the caller's admin orgs.

    Changing such a user (password, tokens …) affects no org the caller does not
    administer. Superusers are managed by superusers only.
    """
    org_ids = admin_org_ids(request)
    queryset = visible_users(request, queryset)
    if org_ids is None:
        return queryset
    return queryset.filter(is_superuser=False).exclude(
        pk__in=Membership.objects.exclude(org_id__in=org_ids).values("user_id")
    )


def _has_org_field(model) -> bool:
    try:
        field = model._meta.get_field("org")
    except FieldDoesNotExist:
        return False
    return field.is_relation and field.related_model is Organization


def scope_choices(queryset: QuerySet, request) -> QuerySet:
    """Limit a form's choices to rows of the caller's admin orgs.

    Models that belong to no org and are not users offer nothing to a non-superuser:
    a new relation to such a model must decide its scoping here first.
    """
    org_ids = admin_org_ids(request)
    if org_ids is None:
        return queryset
    model = queryset.model
    if model is Organization:
        return queryset.filter(pk__in=org_ids)
    if model is get_user_model():
        return visible_users(request, queryset)
    if _has_org_field(model):
        return queryset.filter(org_id__in=org_ids)
    return queryset.none()


# --- Forms ------------------------------------------------------------------------------


class OrgConsistentForm(forms.ModelForm):
    """A model form that refuses to link rows of two organizations.

    The row's org is the form's ``org`` (or, when the form has none, the instance's,
    which inlines inherit from their parent). Every related object chosen in the form
    that carries an ``org`` must carry the same one.
    """

    def row_org_id(self) -> int | None:
        if "org" in self.fields:
            org = self.cleaned_data.get("org")
            return org.pk if org is not None else None
        return getattr(self.instance, "org_id", None)

    def clean(self):
        cleaned_data = super().clean()
        org_id = self.row_org_id()
        if org_id is None:
            return cleaned_data
        for name, value in list(cleaned_data.items()):
            if name == "org" or name in self.errors:
                continue
            related = value if isinstance(value, QuerySet | list | tuple) else [value]
            foreign = [
                obj
                for obj in related
                if isinstance(obj, models.Model)
                and not isinstance(obj, Organization)
                and getattr(obj, "org_id", org_id) != org_id
            ]
            if foreign:
                self.add_error(
                    name,
                    ValidationError(
                        "“%(objects)s” belongs to another organization.",
                        code="cross_org",
                        params={"objects": ", ".join(str(obj) for obj in foreign)},
                    ),
                )
        return cleaned_data

    def validate_unique(self):
        super().validate_unique()
        if self.errors:
            return
        # Django skips every constraint that names a field the form lacks: ``org`` of an
        # inline row, a read-only ``status`` in a constraint's condition. Those fields
        # already hold their final values here (the admin never sets them later), and
        # every org-wide constraint names one, so check the constraints once more in full.
        try:
            self.instance.validate_constraints()
        except ValidationError as error:
            for field, errors in error.error_dict.items():
                self.add_error(field if field in self.fields else None, errors)


class VersionedAdminForm(OrgConsistentForm):
    """Carries the version the change form showed; a newer version in the database wins."""

    base_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["base_version"].initial = self.instance.version
            self.fields["base_version"].required = True

    def clean(self):
        cleaned_data = super().clean()
        base_version = cleaned_data.get("base_version")
        stale = base_version is not None and base_version != self.instance.version
        if self.instance.pk is not None and stale:
            raise ValidationError(
                "Someone changed this %(model)s since you opened it (version %(base)s, "
                "now %(current)s). Reload the page and make your change again.",
                code="version_conflict",
                params={
                    "model": self._meta.model._meta.verbose_name,
                    "base": base_version,
                    "current": self.instance.version,
                },
            )
        return cleaned_data


def changed_model_fields(form: forms.ModelForm) -> dict:
    """Concrete model fields ``form`` changed, with their new values (already on the instance)."""
    opts = form._meta.model._meta
    changes = {}
    for name in form.changed_data:
        try:
            field = opts.get_field(name)
        except FieldDoesNotExist:
            continue
        if field.concrete and not field.many_to_many:
            changes[name] = getattr(form.instance, name)
    return changes


def _is_versioned(model) -> bool:
    try:
        model._meta.get_field("version")
    except FieldDoesNotExist:
        return False
    return True


# --- Admin classes ----------------------------------------------------------------------


class ScopedChoicesMixin:
    """Every foreign-key and many-to-many choice limited by :func:`scope_choices`."""

    def _scoped(self, db_field, request, kwargs):
        if "queryset" not in kwargs:
            queryset = self.get_field_queryset(None, db_field, request)
            if queryset is None:
                queryset = db_field.remote_field.model._default_manager.all()
            kwargs["queryset"] = scope_choices(queryset, request)
        return kwargs

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        kwargs = self._scoped(db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs = self._scoped(db_field, request, kwargs)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class MembershipPermissionsMixin:
    """Admin permissions decided by memberships instead of Django model permissions.

    A practice administrator (see :func:`is_practice_admin`) may open the module, list,
    and add; whether they may view or change one row is ``can_view`` / ``can_change``.
    Deleting follows changing.
    """

    def can_change(self, request, obj) -> bool:
        raise NotImplementedError

    def can_view(self, request, obj) -> bool:
        return self.can_change(request, obj)

    def has_module_permission(self, request):
        return is_practice_admin(request)

    def has_view_permission(self, request, obj=None):
        return is_practice_admin(request) and (obj is None or self.can_view(request, obj))

    def has_change_permission(self, request, obj=None):
        return is_practice_admin(request) and (obj is None or self.can_change(request, obj))

    def has_delete_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)

    def has_add_permission(self, request):
        return is_practice_admin(request)


class OrgScopedAdmin(MembershipPermissionsMixin, ScopedChoicesMixin, admin.ModelAdmin):
    """Admin of an org-owned model (a model with an ``org`` foreign key).

    Superusers see every row. Other staff users see, add, change and delete only rows of
    the orgs where they are members with the ``admin`` role; the Django model permissions
    are not consulted (see the module docstring), so a practice administrator needs no
    per-model permission setup. ``org`` is chosen among those orgs on add and is fixed
    afterwards; every other choice is limited to rows of those orgs and must belong to
    the row's org when saved.
    """

    #: The lookup from this model to its organization.
    org_lookup = "org"
    #: Limit rows to the locations the caller's admin membership opens, following the
    #: model's declared ``location_scope`` (the one the API's ``restrict`` follows).
    scoped_by_location: bool = False
    form = OrgConsistentForm
    show_full_result_count = False
    list_per_page = 50

    def __init__(self, model, admin_site):
        super().__init__(model, admin_site)
        if self.form is OrgConsistentForm and _is_versioned(model):
            self.form = VersionedAdminForm

    def object_org_id(self, obj) -> int | None:
        return obj.pk if self.org_lookup == "pk" else getattr(obj, f"{self.org_lookup}_id")

    @property
    def location_lookup(self) -> str | None:
        """The lookup from the model to the location deciding who sees a row, if scoped."""
        scope = declared_scope(self.model) if self.scoped_by_location else None
        if scope in (None, LocationScope.ORG_WIDE):
            return None
        return "pk" if scope == LocationScope.SELF else scope

    def object_location_id(self, obj) -> int | None:
        return location_id_of(obj)

    def can_change(self, request, obj) -> bool:
        org_id = self.object_org_id(obj)
        if not may_administer(request, org_id):
            return False
        return self.location_lookup is None or may_see_location(
            request, org_id, self.object_location_id(obj)
        )

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        org_ids = admin_org_ids(request)
        if org_ids is None:
            return queryset
        queryset = queryset.filter(**{f"{self.org_lookup}__in": org_ids})
        if self.location_lookup is not None:
            visible = visible_locations_q(
                request, org_lookup=self.org_lookup, location_lookup=self.location_lookup
            )
            if visible is not None:
                queryset = queryset.filter(visible)
        return queryset

    def administers_one_org(self, request) -> bool:
        org_ids = admin_org_ids(request)
        return org_ids is not None and len(org_ids) <= 1

    def get_list_display(self, request):
        # A practice administrator of one org needs no org column: every row is theirs.
        columns = super().get_list_display(request)
        if self.administers_one_org(request):
            columns = [column for column in columns if column != "org"]
        return columns

    def get_list_filter(self, request):
        filters = super().get_list_filter(request)
        if self.administers_one_org(request):
            filters = [spec for spec in filters if spec != ORG_FILTER]
        return filters

    def get_readonly_fields(self, request, obj=None):
        present = {field.name for field in self.opts.get_fields()}
        bookkeeping = [name for name in BOOKKEEPING_FIELDS if name in present]
        return [
            *bookkeeping,
            *(f for f in super().get_readonly_fields(request, obj) if f not in bookkeeping),
        ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is not None and "org" in form.base_fields:
            # A disabled field rather than a read-only one: the form still validates the
            # org-wide unique constraints, which all include ``org``.
            form.base_fields["org"].disabled = True
            form.base_fields["org"].help_text = "A row stays in its organization."
        return form

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        org_ids = admin_org_ids(request)
        if org_ids is not None and len(org_ids) == 1 and "org" not in initial:
            initial["org"] = next(iter(org_ids))
        return initial

    def changeform_view(self, request, *args, **kwargs):
        # A write that loses a race after the form validated (another save took the
        # version, or a unique name) is rolled back and reported, not a server error.
        try:
            return super().changeform_view(request, *args, **kwargs)
        except Conflict as conflict:
            self.message_user(request, f"Nothing was saved: {conflict.detail}", messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def save_model(self, request, obj, form, change):
        if change and isinstance(form, VersionedAdminForm):
            versioned_update(
                obj,
                base_version=form.cleaned_data["base_version"],
                changes=changed_model_fields(form),
            )
        else:
            super().save_model(request, obj, form, change)


class OrgInlineFormSet(forms.BaseInlineFormSet):
    """Inline rows of an org-owned parent live in the parent's org.

    ``org`` is not a field of such inline forms; it is copied from the parent, which
    lets :class:`OrgConsistentForm` check each row's relations against it. Because the
    form has no ``org`` field, Django's own check of the org-wide unique constraints is
    skipped, so duplicates among the rows are refused here.
    """

    inherit_org = False

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        if self.inherit_org:
            form.instance.org_id = self.instance.org_id
        return form

    def save_existing(self, form, obj, commit=True):
        if commit and _is_versioned(self.model):
            # Versioned rows are written like everywhere else: one conditional UPDATE.
            changes = changed_model_fields(form)
            return versioned_update(obj, base_version=obj.version, changes=changes)
        return super().save_existing(form, obj, commit=commit)

    def clean(self):
        super().clean()
        if not self.inherit_org:
            return
        skip = {"org", self.fk.name}
        for constraint in self.model._meta.constraints:
            fields = [f for f in getattr(constraint, "fields", ()) if f not in skip]
            if not fields or getattr(constraint, "condition", None) is not None:
                continue
            seen = set()
            for form in self.forms:
                if not hasattr(form, "cleaned_data") or not form.cleaned_data:
                    continue
                if self.can_delete and self._should_delete_form(form):
                    continue
                key = tuple(form.cleaned_data.get(name) for name in fields)
                if None in key:
                    continue
                if key in seen:
                    raise ValidationError(
                        "The same %(fields)s appears twice.",
                        code="duplicate",
                        params={"fields": ", ".join(fields)},
                    )
                seen.add(key)


class OrgScopedInline(ScopedChoicesMixin, admin.TabularInline):
    """An inline whose permissions follow its parent admin's, with scoped choices.

    When the parent is org-owned, the inline rows inherit its org (see
    :class:`OrgInlineFormSet`); otherwise the inline model's own ``org`` is a field
    limited to the caller's admin orgs.
    """

    form = OrgConsistentForm
    formset = OrgInlineFormSet
    extra = 0

    def _parent_admin(self):
        return self.admin_site._registry[self.parent_model]

    def _inherits_org(self) -> bool:
        return _has_org_field(self.parent_model) and _has_org_field(self.model)

    def get_exclude(self, request, obj=None):
        exclude = list(super().get_exclude(request, obj) or [])
        if self._inherits_org():
            exclude.append("org")
        return exclude

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.inherit_org = self._inherits_org()
        return formset

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        org_ids = admin_org_ids(request)
        if org_ids is None or not _has_org_field(self.model):
            return queryset
        return queryset.filter(org_id__in=org_ids)

    def has_view_permission(self, request, obj=None):
        return self._parent_admin().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._parent_admin().has_change_permission(request, obj)

    def has_add_permission(self, request, obj=None):
        parent = self._parent_admin()
        if obj is None:
            return parent.has_add_permission(request)
        return parent.has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)


# --- Display ----------------------------------------------------------------------------

_HEX_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")


def color_swatch(value: str | None, label: str | None = None):
    """A small square of ``value`` (``#RRGGBB``) followed by ``label`` (default: the hex).

    Only a well-formed hex colour reaches the ``style`` attribute; anything else (an
    unvalidated ``color_override``) is shown as escaped text without a swatch.
    """
    if not value:
        return label or None  # None: the admin's "-" for an empty value
    if not _HEX_COLOR.match(value):
        return label or value
    return format_html(
        '<span class="cs-swatch" style="white-space:nowrap"><span title="{}" style="'
        "display:inline-block;width:0.9rem;height:0.9rem;margin-right:0.4rem;"
        "vertical-align:-0.15rem;border-radius:3px;box-shadow:inset 0 0 0 1px rgba(0,0,0,.25);"
        'background:{}"></span>{}</span>',
        value,
        value,
        label if label is not None else value,
    )


def flag_column(field: str, description: str):
    """A yes/no ``list_display`` column with a short header ("hidden", not "is hidden")."""

    @admin.display(description=description, boolean=True, ordering=field)
    def column(obj):
        return getattr(obj, field)

    column.__name__ = f"{field}_flag"
    return column


def flag_filter(field: str, title: str):
    """A yes/no ``list_filter`` entry titled ``title`` ("By hidden", not "By is hidden")."""

    class TitledBooleanFilter(admin.BooleanFieldListFilter):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.title = title

    return (field, TitledBooleanFilter)


def swatch_column(field: str, description: str = "color"):
    """A ``list_display`` column showing the colour in ``field`` as :func:`color_swatch`."""

    @admin.display(description=description, ordering=field)
    def column(obj):
        return color_swatch(getattr(obj, field))

    column.__name__ = f"{field}_swatch"
    return column


def short_day(day: date, *, year: bool = True) -> str:
    """``Mon 4 Mar 2030`` (``Mon 4 Mar`` without the year)."""
    text = f"{day:%a} {day.day} {day:%b}"
    return f"{text} {day.year}" if year else text


def local_interval(
    start: datetime | None, end: datetime | None, tz_name: str, *, zone_name: bool = True
) -> str | None:
    """``Mon 4 Mar 2030 09:00–10:00 (America/Chicago)``: a UTC interval in the wall time of
    the zone ``tz_name`` (a location's), as the front desk booked it. ``zone_name=False``
    gives the zone's abbreviation instead (``CST``), for narrow list columns."""
    if start is None:
        return None
    local_start = to_local(start, tz_name)
    text = f"{short_day(local_start.date())} {local_start:%H:%M}"
    if end is not None:
        local_end = to_local(end, tz_name)
        text += f"–{local_end:%H:%M}"
        if local_end.date() != local_start.date():
            text += f" ({short_day(local_end.date())})"
    if zone_name:
        return f"{text} ({tz_name})"
    return f"{text} {start.astimezone(zone(tz_name)):%Z}"


def practice_zone(request) -> str:
    """The practice's time zone for times that belong to no location (a token's last use,
    "today"): the zone of the caller's first visible location by name, else UTC."""
    if not hasattr(request, _ZONE_CACHE_ATTR):
        locations = Location.objects.order_by("name", "id")
        org_ids = admin_org_ids(request)
        if org_ids is not None:
            visible = visible_locations_q(request, location_lookup="pk")
            locations = locations.filter(org_id__in=org_ids)
            if visible is not None:
                locations = locations.filter(visible)
        tz_name = locations.values_list("timezone", flat=True).first() or "UTC"
        setattr(request, _ZONE_CACHE_ATTR, tz_name)
    return getattr(request, _ZONE_CACHE_ATTR)


def practice_today(request) -> date:
    """Today at the practice (see :func:`practice_zone`): where the day filter starts."""
    return timezone.now().astimezone(zone(practice_zone(request))).date()


def practice_time(request, instant: datetime | None) -> str | None:
    """``Fri 27 Nov 2026 22:36 CST``: an instant in :func:`practice_zone`, zone named."""
    return local_interval(instant, None, practice_zone(request), zone_name=False)


def practice_time_column(request, field: str, description: str):
    """A ``list_display`` column (from ``get_list_display``) showing the instant in
    ``field`` as :func:`practice_time` for this request's caller."""

    @admin.display(description=description, ordering=field)
    def column(obj):
        return practice_time(request, getattr(obj, field))

    column.__name__ = f"{field}_local"
    return column


# --- Days -------------------------------------------------------------------------------


def _us_date(text: str) -> date:
    month, day, year = (int(part) for part in text.split("/"))
    return date(year, month, day)


_DATE_TERMS = (
    (re.compile(r"^\d{4}-\d{2}-\d{2}$"), date.fromisoformat),
    (re.compile(r"^\d{1,2}/\d{1,2}/\d{4}$"), _us_date),  # the US 3/4/2030
)


def split_dates(search_term: str) -> tuple[list[date], str]:
    """The dates in a search (``2030-03-04``, ``3/4/2030``) and the remaining words."""
    days, words = [], []
    for word in search_term.split():
        day = None
        for pattern, parse in _DATE_TERMS:
            if pattern.match(word):
                try:
                    day = parse(word)
                except ValueError:
                    day = None
                break
        if day is None:
            words.append(word)
        else:
            days.append(day)
    return days, " ".join(words)


class LocalDayFilter(admin.SimpleListFilter):
    """One calendar day at each row's own location (``?day=2030-03-04``).

    A day in Chicago and a day in New York are different instants, so this filter, not a
    ``date_hierarchy`` (which cuts days in the server's zone, UTC), decides what a day is.
    The choices are today and the week around the chosen day, with links to the weeks
    before and after; any other day is one search away (see :class:`LocalDaySearchMixin`).
    Subclasses say how a row's local day is stored (``filter_day``).
    """

    title = "day"
    parameter_name = "day"

    def chosen_day(self) -> date | None:
        value = self.value()
        if value is None:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError as exc:
            raise IncorrectLookupParameters(f"{value!r} is not a date (YYYY-MM-DD).") from exc

    def lookups(self, request, model_admin):
        today = practice_today(request)
        try:
            selected = self.chosen_day() or today
        except IncorrectLookupParameters:
            selected = today
        monday = selected - timedelta(days=selected.weekday())
        week = [monday + timedelta(days=offset) for offset in range(7)]

        def label(day: date) -> str:
            return short_day(day, year=day.year != today.year)

        choices = [] if today in week else [(today.isoformat(), f"Today ({label(today)})")]
        choices.append(((monday - timedelta(days=7)).isoformat(), "‹ previous week"))
        choices += [
            (day.isoformat(), f"{label(day)} (today)" if day == today else label(day))
            for day in week
        ]
        choices.append(((monday + timedelta(days=7)).isoformat(), "next week ›"))
        return choices

    def queryset(self, request, queryset):
        day = self.chosen_day()
        return queryset if day is None else self.filter_day(queryset, day)

    @classmethod
    def filter_day(cls, queryset: QuerySet, day: date) -> QuerySet:
        raise NotImplementedError


class InstantDayFilter(LocalDayFilter):
    """Rows stored as a UTC ``start_at`` at a ``location`` (appointments): the day runs
    from local midnight to local midnight at each row's location (23 or 25 hours on DST
    days), cut by PostgreSQL with the location's zone, as the API's date filters do."""

    @classmethod
    def filter_day(cls, queryset, day):
        return queryset.filter(
            start_at__gte=LocalDayStart(models.F("location__timezone"), Value(day)),
            start_at__lt=LocalDayStart(
                models.F("location__timezone"), Value(day + timedelta(days=1))
            ),
        )


class ScheduleDateDayFilter(LocalDayFilter):
    """Rows that store their local ``schedule_date`` (blockouts)."""

    @classmethod
    def filter_day(cls, queryset, day):
        return queryset.filter(schedule_date=day)


class OperatoryListFilter(admin.RelatedOnlyFieldListFilter):
    """The operatories of the rows listed, each with its location (two locations often
    both have an "Op 1"). ``empty_label`` names the rows without one."""

    empty_label: str | None = None

    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        if self.empty_label:
            self.empty_value_display = self.empty_label

    def field_choices(self, field, request, model_admin):
        listed = model_admin.get_queryset(request).values(f"{self.field_path}__pk")
        operatories = (
            field.related_model._default_manager.filter(pk__in=listed)
            .select_related("location")
            .order_by("location__name", "item_order", "name", "id")
        )
        return [(op.pk, f"{op.name} · {op.location.name}") for op in operatories]


class LocalDaySearchMixin:
    """A date in the search box (``2030-03-04`` or ``3/4/2030``) shows that local day, so an
    administrator can look any day up; the other words search as usual. Set
    ``day_filter`` to the list's :class:`LocalDayFilter`."""

    day_filter: type[LocalDayFilter]

    def get_search_results(self, request, queryset, search_term):
        days, words = split_dates(search_term)
        if days:
            queryset = reduce(or_, (self.day_filter.filter_day(queryset, day) for day in days))
        return super().get_search_results(request, queryset, words)


# --- Read-only pages --------------------------------------------------------------------


class _Labelled:
    """A row as a change page's breadcrumb shows it: ``label`` instead of ``str(row)``; every
    attribute (``pk`` …) is the row's."""

    def __init__(self, obj, label: str):
        self._obj, self._label = obj, label

    def __getattr__(self, name):
        return getattr(self._obj, name)

    def __str__(self) -> str:
        return self._label


class ReadOnlyOrgAdmin(OrgScopedAdmin):
    """A read-only window on rows that are written elsewhere.

    Appointments and blockouts are written by the front desk through the API, whose
    services check conflicts, take the chair locks and record history; an admin form
    would bypass all of that. Practice administrators look them up here, scoped to their
    orgs and (set ``scoped_by_location``) to the locations their membership opens, as in the
    API; nobody, superusers included, adds, changes or deletes.
    """

    actions = None

    def object_label(self, obj) -> str:
        """How the page names ``obj`` (its title and breadcrumb); ``str(obj)`` by default."""
        return str(obj)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            label = self.object_label(obj)
            context["subtitle"] = label
            context["original"] = _Labelled(obj, label)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
