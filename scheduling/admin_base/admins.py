"""The org-scoped ModelAdmin and inline every admin page builds on, and the read-only
pages of rows the front desk writes through the API."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect

from scheduling.admin_base.access import (
    BOOKKEEPING_FIELDS,
    ORG_FILTER,
    _has_org_field,
    admin_org_ids,
    is_practice_admin,
    may_administer,
    may_see_location,
    scope_choices,
    visible_locations_q,
)
from scheduling.admin_base.forms import (
    OrgConsistentForm,
    VersionedAdminForm,
    _is_versioned,
    changed_model_fields,
)
from scheduling.exceptions import Conflict
from scheduling.models import (
    LocationScope,
)
from scheduling.models.base import declared_scope, location_id_of
from scheduling.services import versioned_update

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
