"""The ASAP list in the admin: entries to look up, with their contact log; read-only.

The front desk adds, changes, contacts and answers entries through the API, whose
services keep one active entry per patient, location and type, move the status only
along its transitions and log every contact; an admin form would bypass all of that.
Administrators look entries up here (scoped to their orgs and to the locations their
membership opens, by the entry's home location as in the API) and may take stale ones
off the list ("Remove from the ASAP list", the service's bulk remove). The priorities an
entry can carry are the ``WaitlistPriority`` definitions, under "Definitions" (filter by
category "Waitlist priority").
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from scheduling.admin_base import (
    ORG_FILTER,
    OrgScopedInline,
    ReadOnlyOrgAdmin,
    is_practice_admin,
    local_interval,
    short_day,
)
from scheduling.timezones import to_local
from waitlist.models import WaitlistContact, WaitlistEntry
from waitlist.services import entries_bulk_remove, with_score

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _patient(patient) -> str:
    if patient.chart_number:
        return f"{patient.name} ({patient.chart_number})"
    return patient.name


class WaitlistContactInline(OrgScopedInline):
    """The contact log, newest first: every contact and every answer, as recorded."""

    model = WaitlistContact
    fields = ("when", "contact_method", "initiated_by", "actor", "slot_offered", "response")
    readonly_fields = fields
    verbose_name = "contact"
    verbose_name_plural = "contact log (newest first)"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("entry__location", "slot_location", "actor")
        )

    @admin.display(description="when")
    def when(self, obj):
        return local_interval(obj.created_at, None, obj.entry.location.timezone, zone_name=False)

    @admin.display(description="slot offered")
    def slot_offered(self, obj):
        if obj.slot_date is None:
            return None
        text = f"{short_day(obj.slot_date)} {obj.slot_start_time:%H:%M}"
        return f"{text} at {obj.slot_location.name}" if obj.slot_location else text

    @admin.display(description="response")
    def response(self, obj):
        return obj.get_patient_response_display() or None


@admin.register(WaitlistEntry)
class WaitlistEntryAdmin(ReadOnlyOrgAdmin):
    """ASAP entries as the front desk keeps them (see the module docstring)."""

    scoped_by_location = True
    list_display = (
        "patient_column",
        "location",
        "reach_column",
        "urgency",
        "priority",
        "status",
        "contact_attempts",
        "added",
        "org",
    )
    list_display_links = ("patient_column",)
    list_filter = (
        "status",
        "urgency",
        ("location", admin.RelatedOnlyFieldListFilter),
        "reach",
        ("priority", admin.RelatedOnlyFieldListFilter),
        "source",
        ORG_FILTER,
    )
    list_select_related = ("org", "patient", "location", "priority")
    search_fields = (
        "patient__first_name",
        "patient__last_name",
        "patient__preferred_name",
        "=patient__chart_number",
    )
    search_help_text = "Patient name or chart number."
    ordering = ("-created_at", "id")
    actions = ("remove_selected",)
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "patient_link",
                    "status",
                    "urgency",
                    "priority",
                    "source",
                    "score",
                    "treatment_value",
                    "note",
                )
            },
        ),
        ("Where", {"fields": ("location", "reach", "other_locations")}),
        (
            "What would suit",
            {
                "fields": (
                    "provider",
                    "appointment_type",
                    "estimated_duration_mins",
                    "date_range",
                    "days",
                    "time_window",
                    "appointment",
                    "recall",
                )
            },
        ),
        (
            "Outreach",
            {
                "fields": (
                    "contact_attempts",
                    "contact_method_used",
                    "contacted",
                    "last_offered",
                    "patient_response",
                    "responded",
                )
            },
        ),
        (
            "Record",
            {"fields": ("uuid", "version", "created", "updated"), "classes": ("collapse",)},
        ),
    )
    inlines = (WaitlistContactInline,)

    def has_remove_permission(self, request) -> bool:
        return is_practice_admin(request)

    @admin.action(description="Remove from the ASAP list", permissions=["remove"])
    def remove_selected(self, request, queryset):
        by_org = defaultdict(list)
        for entry in queryset.select_related(None).select_related("org"):
            by_org[entry.org].append(entry)
        removed = sum(
            entries_bulk_remove(org=org, entries=entries) for org, entries in by_org.items()
        )
        self.message_user(
            request, f"Removed {removed} entry(ies) from the ASAP list.", messages.SUCCESS
        )

    def object_label(self, obj) -> str:
        return f"{obj.patient.name}, {obj.location.name}"

    # --- list columns ---

    @admin.display(description="patient", ordering="patient__last_name")
    def patient_column(self, obj):
        return _patient(obj.patient)

    @admin.display(description="reaches", ordering="reach")
    def reach_column(self, obj):
        return obj.get_reach_display()

    @admin.display(description="added", ordering="created_at")
    def added(self, obj):
        day = to_local(obj.created_at, obj.location.timezone).date()
        return format_html('<span style="white-space:nowrap">{}</span>', short_day(day))

    # --- change form ---

    @admin.display(description="patient")
    def patient_link(self, obj):
        url = reverse("admin:scheduling_patient_change", args=[obj.patient_id])
        return format_html('<a href="{}">{}</a>', url, _patient(obj.patient))

    @admin.display(description="score")
    def score(self, obj):
        scored = (
            with_score(WaitlistEntry.objects.filter(pk=obj.pk), org=obj.org)
            .values("patient_score", "days_waiting")
            .first()
        )
        return f"{scored['patient_score']} (waiting {scored['days_waiting']} day(s))"

    @admin.display(description="also at")
    def other_locations(self, obj):
        names = [location.name for location in obj.additional_locations.order_by("name", "id")]
        return ", ".join(names) or None

    @admin.display(description="dates")
    def date_range(self, obj):
        start, end = obj.date_range_start, obj.date_range_end
        if start is None and end is None:
            return None
        return f"{short_day(start) if start else '…'} – {short_day(end) if end else '…'}"

    @admin.display(description="days")
    def days(self, obj):
        return ", ".join(WEEKDAYS[day] for day in sorted(obj.preferred_days or [])) or None

    @admin.display(description="time of day")
    def time_window(self, obj):
        start, end = obj.preferred_time_start, obj.preferred_time_end
        if start is None and end is None:
            return None
        return f"{f'{start:%H:%M}' if start else '…'}–{f'{end:%H:%M}' if end else '…'}"

    @admin.display(description="last contacted")
    def contacted(self, obj):
        return local_interval(obj.contacted_at, None, obj.location.timezone)

    @admin.display(description="last slot offered")
    def last_offered(self, obj):
        slot = obj.last_offered_slot if isinstance(obj.last_offered_slot, dict) else None
        if not slot:
            return None
        location = (slot.get("location") or {}).get("name")
        try:
            day = short_day(date.fromisoformat(slot["date"]))
        except (KeyError, TypeError, ValueError):
            day = str(slot.get("date") or "")
        text = f"{day} {str(slot.get('start_time') or '')[:5]}".strip()
        return f"{text} at {location}" if location else text

    @admin.display(description="responded")
    def responded(self, obj):
        return local_interval(obj.responded_at, None, obj.location.timezone)

    @admin.display(description="created")
    def created(self, obj):
        return local_interval(obj.created_at, None, obj.location.timezone)

    @admin.display(description="updated")
    def updated(self, obj):
        return local_interval(obj.updated_at, None, obj.location.timezone)
