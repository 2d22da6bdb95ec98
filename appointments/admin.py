"""Admin of appointment types (written through ``appointments.services``) and a
read-only view of appointments, which the front desk writes through the API."""

from decimal import Decimal

from django.contrib import admin, messages
from django.db.models import Exists, OuterRef, Prefetch
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from appointments.models import (
    Appointment,
    AppointmentProvider,
    AppointmentRule,
    AppointmentType,
    AppointmentTypeLocation,
    AppointmentTypeStatus,
)
from appointments.selectors import history_of, procedures_of
from appointments.services import (
    appointment_type_archive,
    appointment_type_create,
    appointment_type_update,
)
from scheduling.admin_base import (
    ORG_FILTER,
    InstantDayFilter,
    LocalDaySearchMixin,
    OperatoryListFilter,
    OrgScopedAdmin,
    OrgScopedInline,
    ReadOnlyOrgAdmin,
    admin_org_ids,
    changed_model_fields,
    color_swatch,
    flag_column,
    flag_filter,
    local_interval,
    swatch_column,
)
from scheduling.models import Provider


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
        swatch_column("color"),
        "org",
        "minutes",
        "status",
        flag_column("is_hidden", "hidden"),
        flag_column("blockout_only", "blockout only"),
        "item_order",
    )
    list_filter = (
        ORG_FILTER,
        "status",
        flag_filter("is_hidden", "hidden"),
        flag_filter("blockout_only", "blockout only"),
    )
    list_select_related = ("org",)
    search_fields = ("name", "abbrev")
    ordering = ("org__name", "item_order", "name", "id")
    readonly_fields = ("status", "deleted_at")
    inlines = (AppointmentTypeLocationInline,)
    actions = ("archive_selected",)

    def has_delete_permission(self, request, obj=None):
        return admin_org_ids(request) is None

    @admin.display(description="minutes", ordering="duration_minutes")
    def minutes(self, obj):
        return obj.duration_minutes

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


# --- Appointments (read-only) -----------------------------------------------------------


class ProviderFilter(admin.SimpleListFilter):
    """Appointments a provider is on (any of its providers, not only the first)."""

    title = "provider"
    parameter_name = "provider"

    def lookups(self, request, model_admin):
        providers = Provider.objects.order_by("last_name", "first_name", "id")
        org_ids = admin_org_ids(request)
        if org_ids is not None:
            providers = providers.filter(org_id__in=org_ids)
        return [(str(provider.pk), provider.name) for provider in providers]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        if not self.value().isdigit():
            return queryset.none()
        links = AppointmentProvider.objects.filter(
            appointment=OuterRef("pk"), provider_id=int(self.value())
        )
        return queryset.filter(Exists(links))


class AppointmentOperatoryFilter(OperatoryListFilter):
    empty_label = "No operatory"


@admin.register(Appointment)
class AppointmentAdmin(LocalDaySearchMixin, ReadOnlyOrgAdmin):
    """Appointments as the schedule holds them, to look a day up; read-only.

    The front desk books, moves and cancels through the API, whose services check the
    chair, take its lock and record history; nobody writes appointments here. Times are
    the location's wall time; "day" is the local day at each appointment's location.
    """

    scoped_by_location = True
    day_filter = InstantDayFilter
    list_display = (
        "when",
        "patient_column",
        "location",
        "operatory",
        "providers_column",
        "type_column",
        "status",
        "org",
    )
    list_display_links = ("when",)
    list_filter = (
        InstantDayFilter,
        ("location", admin.RelatedOnlyFieldListFilter),
        ("operatory", AppointmentOperatoryFilter),
        ProviderFilter,
        "status",
        ORG_FILTER,
    )
    list_select_related = ("org", "location", "operatory", "patient", "appointment_type")
    search_fields = (
        "patient__first_name",
        "patient__last_name",
        "patient__preferred_name",
        "=patient__chart_number",
    )
    search_help_text = (
        "Patient name or chart number; a date (2030-03-04 or 3/4/2030) shows that day."
    )
    ordering = ("start_at", "location__name", "operatory__item_order", "id")
    fieldsets = (
        (None, {"fields": ("when_at_location", "status", "patient_link", "providers_list")}),
        (
            "Where",
            {"fields": ("location", "operatory")},
        ),
        (
            "What",
            {
                "fields": (
                    "appointment_type",
                    "procedures_list",
                    "production",
                    "estimated_insurance",
                    "estimated_patient_portion",
                    "note",
                    "tags_list",
                    "color_override_swatch",
                )
            },
        ),
        (
            "Front desk",
            {
                "fields": (
                    "ask_to_arrive",
                    "confirmation_status",
                    "flow_status",
                    "is_new_patient",
                    "is_time_locked",
                    "priority",
                    "cancelled_by",
                    "cancel_reason",
                    "broken_reason",
                )
            },
        ),
        ("History", {"fields": ("history_list",)}),
        (
            "Record",
            {
                "fields": ("uuid", "external_id", "version", "created", "updated"),
                "classes": ("collapse",),
            },
        ),
    )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related(
                Prefetch(
                    "provider_links",
                    queryset=AppointmentProvider.objects.select_related("provider").order_by(
                        "item_order", "id"
                    ),
                    to_attr="ordered_provider_links",
                )
            )
        )

    def object_label(self, obj) -> str:
        when = local_interval(obj.start_at, obj.end_at, obj.location.timezone, zone_name=False)
        return f"{obj.patient.name}, {when or 'no time'}"

    @admin.display(description="when", ordering="start_at")
    def when(self, obj):
        text = local_interval(obj.start_at, obj.end_at, obj.location.timezone, zone_name=False)
        return format_html('<span style="white-space:nowrap">{}</span>', text or "No time")

    @admin.display(description="when")
    def when_at_location(self, obj):
        return local_interval(obj.start_at, obj.end_at, obj.location.timezone) or "No time"

    @admin.display(description="patient", ordering="patient__last_name")
    def patient_column(self, obj):
        patient = obj.patient
        if patient.chart_number:
            return f"{patient.name} ({patient.chart_number})"
        return patient.name

    @admin.display(description="patient")
    def patient_link(self, obj):
        url = reverse("admin:scheduling_patient_change", args=[obj.patient_id])
        return format_html('<a href="{}">{}</a>', url, self.patient_column(obj))

    @admin.display(description="providers")
    def providers_column(self, obj):
        links = obj.ordered_provider_links
        return (
            format_html_join(
                ", ",
                '<span title="{}">{}</span>',
                ((link.provider.name, link.provider.last_name) for link in links),
            )
            or None
        )

    @admin.display(description="type", ordering="appointment_type__name")
    def type_column(self, obj):
        appointment_type = obj.appointment_type
        if appointment_type is None:
            return None
        return color_swatch(obj.color_override or appointment_type.color, appointment_type.name)

    @admin.display(description="providers")
    def providers_list(self, obj):
        tz_name = obj.location.timezone
        rows = []
        for link in obj.ordered_provider_links:
            part = ""
            if link.start_at is not None:
                part = " " + local_interval(link.start_at, link.end_at, tz_name, zone_name=False)
            rows.append((link.provider.name, link.get_role_display().lower(), part))
        return (
            format_html_join(mark_safe("<br>"), "{} ({}){}", rows) or self.get_empty_value_display()
        )

    @admin.display(description="procedures")
    def procedures_list(self, obj):
        rows = [
            (procedure.procedure_code, procedure.fee, procedure.get_status_display().lower())
            for procedure in procedures_of(obj)
        ]
        return (
            format_html_join(mark_safe("<br>"), "{} — {} ({})", rows)
            or self.get_empty_value_display()
        )

    @admin.display(description="production")
    def production(self, obj):
        if obj.production_override is not None:
            return f"{obj.production_override} (set)"
        total = sum((procedure.fee for procedure in procedures_of(obj)), Decimal("0.00"))
        return f"{total:.2f} (the procedures' fees)"

    @admin.display(description="tags")
    def tags_list(self, obj):
        return (
            format_html_join(
                " ", "{}", ((color_swatch(tag.color, tag.name),) for tag in obj.tags.all())
            )
            or self.get_empty_value_display()
        )

    @admin.display(description="color override")
    def color_override_swatch(self, obj):
        return color_swatch(obj.color_override) or self.get_empty_value_display()

    @admin.display(description="ask to arrive")
    def ask_to_arrive(self, obj):
        if obj.ask_to_arrive_at is None:
            return self.get_empty_value_display()
        return local_interval(obj.ask_to_arrive_at, None, obj.location.timezone)

    @admin.display(description="history (newest first)")
    def history_list(self, obj):
        tz_name = obj.location.timezone
        rows = [
            (
                local_interval(entry.created_at, None, tz_name, zone_name=False),
                entry.get_action_display(),
                entry.actor_name or "system",
            )
            for entry in history_of(obj)[:20]
        ]
        return (
            format_html_join(mark_safe("<br>"), "{} — {} by {}", rows)
            or self.get_empty_value_display()
        )

    @admin.display(description="created")
    def created(self, obj):
        return local_interval(obj.created_at, None, obj.location.timezone)

    @admin.display(description="updated")
    def updated(self, obj):
        return local_interval(obj.updated_at, None, obj.location.timezone)
