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
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.db.models import QuerySet
from django.http import HttpResponseRedirect

from scheduling.exceptions import Conflict
from scheduling.models import Membership, Organization, Role
from scheduling.services import versioned_update

#: Bookkeeping fields shown read-only wherever a model has them.
BOOKKEEPING_FIELDS = ("uuid", "version", "created_at", "updated_at")

#: The org filter of a changelist: only orgs of the rows the caller can see.
ORG_FILTER = ("org", admin.RelatedOnlyFieldListFilter)

_CACHE_ATTR = "_chairside_admin_org_ids"


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
    form = OrgConsistentForm
    show_full_result_count = False

    def __init__(self, model, admin_site):
        super().__init__(model, admin_site)
        if self.form is OrgConsistentForm and _is_versioned(model):
            self.form = VersionedAdminForm

    def object_org_id(self, obj) -> int | None:
        return obj.pk if self.org_lookup == "pk" else getattr(obj, f"{self.org_lookup}_id")

    def can_change(self, request, obj) -> bool:
        return may_administer(request, self.object_org_id(obj))

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        org_ids = admin_org_ids(request)
        if org_ids is None:
            return queryset
        return queryset.filter(**{f"{self.org_lookup}__in": org_ids})

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
