"""Admin forms that keep tenants apart and write versioned rows as versioned writes."""

from __future__ import annotations

from django import forms
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.db.models import QuerySet

from scheduling.models import (
    Organization,
)

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
