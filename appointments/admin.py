"""Admin of appointment types. Writes go through ``appointments.services``."""

from django.contrib import admin, messages

from appointments.models import (
    AppointmentRule,
    AppointmentType,
    AppointmentTypeLocation,
    AppointmentTypeStatus,
)
from appointments.services import (
    appointment_type_archive,
    appointment_type_create,
    appointment_type_update,
)
from scheduling.admin_base import (
    ORG_FILTER,
    OrgScopedAdmin,
    OrgScopedInline,
    admin_org_ids,
    changed_model_fields,
)


class AppointmentTypeLocationInline(OrgScopedInline):
    model = AppointmentTypeLocation
    fields = ("location",)
    autocomplete_fields = ("location",)
    verbose_name = "offered at location"
    verbose_name_plural = "offered at locations (none: every location)"


@admin.register(AppointmentType)
class AppointmentTypeAdmin(OrgScopedAdmin):
    """Appointment types; archived through the service, never deleted by practices.

    Appointments keep pointing at their type, so a practice retires a type with the
    "Archive selected" action; deleting is left to superusers.
    """

    list_display = (
        "name",
        "abbrev",
        "org",
        "duration_minutes",
        "time_pattern",
        "status",
        "is_hidden",
        "blockout_only",
        "item_order",
    )
    list_filter = (ORG_FILTER, "status", "is_hidden", "blockout_only")
    list_select_related = ("org",)
    search_fields = ("name", "abbrev")
    ordering = ("org__name", "item_order", "name", "id")
    readonly_fields = ("status", "deleted_at")
    inlines = (AppointmentTypeLocationInline,)
    actions = ("archive_selected",)

    def has_delete_permission(self, request, obj=None):
        return admin_org_ids(request) is None

    def save_model(self, request, obj, form, change):
        if change:
            appointment_type_update(
                appointment_type=obj,
                base_version=form.cleaned_data["base_version"],
                **changed_model_fields(form),
            )
            return
        fields = {
            field.name: getattr(obj, field.name)
            for field in obj._meta.concrete_fields
            if field.name in form.cleaned_data and field.name not in ("org", "name")
        }
        created = appointment_type_create(org=obj.org, name=obj.name, **fields)
        obj.pk = created.pk
        obj.refresh_from_db()
        obj._state.adding = False

    @admin.action(description="Archive selected", permissions=["change"])
    def archive_selected(self, request, queryset):
        archived = 0
        for appointment_type in queryset.filter(status=AppointmentTypeStatus.ACTIVE):
            appointment_type_archive(appointment_type=appointment_type)
            archived += 1
        self.message_user(request, f"Archived {archived} appointment type(s).", messages.SUCCESS)


@admin.register(AppointmentRule)
class AppointmentRuleAdmin(OrgScopedAdmin):
    """Which pairs of appointment types may share a chair (read by the conflict engine)."""

    list_display = ("appointment_type_a", "appointment_type_b", "location", "allow_overlap", "org")
    list_filter = (ORG_FILTER, "allow_overlap")
    list_select_related = ("org", "appointment_type_a", "appointment_type_b", "location")
    autocomplete_fields = ("appointment_type_a", "appointment_type_b", "location")
    ordering = ("org__name", "id")
