"""Admin of the practice, its people and its reference data.

Scoping and permissions come from ``scheduling.admin_base``: a practice administrator
sees the orgs where they are an admin member, and nothing else.
"""

from zoneinfo import available_timezones

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.db.models import Count

from scheduling.admin_base import (
    ORG_FILTER,
    MembershipPermissionsMixin,
    OrgScopedAdmin,
    OrgScopedInline,
    ScopedChoicesMixin,
    admin_org_ids,
    flag_column,
    flag_filter,
    manageable_users,
    practice_time,
    practice_time_column,
    swatch_column,
    visible_users,
)
from scheduling.models import (
    ApiToken,
    Definition,
    FlowStatus,
    Location,
    Membership,
    MembershipLocation,
    Operatory,
    Organization,
    Patient,
    ProcedureCode,
    Provider,
    User,
)
from scheduling.schedule import services as schedule_services

TIMEZONE_CHOICES = [(name, name) for name in sorted(available_timezones())]

# The site as a practice's office manager opens it (every app registers on this one site).
admin.site.site_header = "Chairside"
admin.site.site_title = "Chairside"
admin.site.index_title = "Chairside administration"
admin.site.site_url = None  # no "View site": the API is the only other site here
# The app list beside every page would take a fifth of a 1,400-pixel screen from the lists;
# the breadcrumbs and the index lead everywhere.
admin.site.enable_nav_sidebar = False


# --- Tenancy ----------------------------------------------------------------------------


@admin.register(Organization)
class OrganizationAdmin(OrgScopedAdmin):
    """Practice administrators may rename their orgs; creating and deleting is for superusers."""

    org_lookup = "pk"
    list_display = ("name", "member_count", "uuid")
    search_fields = ("name", "uuid")
    ordering = ("name", "id")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_count=Count("memberships"))

    @admin.display(description="members", ordering="member_count")
    def member_count(self, obj):
        return obj.member_count

    def has_add_permission(self, request):
        return admin_org_ids(request) is None

    def has_delete_permission(self, request, obj=None):
        return admin_org_ids(request) is None


class MembershipInline(OrgScopedInline):
    """A user's memberships, on the user's page; a new user needs one (see ``get_min_num``)."""

    model = Membership
    fields = ("org", "role", "all_locations")
    show_change_link = True

    def get_min_num(self, request, obj=None, **kwargs):
        # A practice administrator's new user must join one of their orgs, or it would
        # vanish from their admin as soon as it is saved.
        return 0 if admin_org_ids(request) is None or obj is not None else 1

    def get_formset(self, request, obj=None, **kwargs):
        return super().get_formset(request, obj, validate_min=True, **kwargs)


class UserOrganizationFilter(admin.SimpleListFilter):
    """Members of one org; a practice administrator is offered only their admin orgs."""

    title = "organization"
    parameter_name = "org"

    def lookups(self, request, model_admin):
        orgs = Organization.objects.all()
        org_ids = admin_org_ids(request)
        if org_ids is not None:
            orgs = orgs.filter(pk__in=org_ids)
        return [(str(org.pk), org.name) for org in orgs]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        memberships = Membership.objects.filter(org_id=self.value())
        org_ids = admin_org_ids(request)
        if org_ids is not None:
            memberships = memberships.filter(org_id__in=org_ids)
        return queryset.filter(pk__in=memberships.values("user_id"))


@admin.register(User)
class UserAdmin(MembershipPermissionsMixin, ScopedChoicesMixin, DjangoUserAdmin):
    """Users who are members of the caller's admin orgs.

    A practice administrator may change (and issue tokens for) only users whose every
    membership is in orgs they administer, never superusers, and never the superuser
    flag, groups or model permissions. Deleting users is for superusers; deactivating a
    user or removing their membership does the same for a practice.
    """

    inlines = (MembershipInline,)
    list_display = (
        "username",
        "first_name",
        "last_name",
        "email",
        flag_column("is_staff", "admin login"),
        flag_column("is_active", "active"),
        "last_login",  # in the practice's zone, see get_list_display
    )
    list_filter = (
        UserOrganizationFilter,
        flag_filter("is_staff", "admin login"),
        "is_superuser",
        flag_filter("is_active", "active"),
    )
    search_fields = ("username", "first_name", "last_name", "email")
    ordering = ("username", "id")
    readonly_fields = ("last_login", "date_joined")

    def can_view(self, request, obj) -> bool:
        return visible_users(request).filter(pk=obj.pk).exists()

    def can_change(self, request, obj) -> bool:
        return manageable_users(request).filter(pk=obj.pk).exists()

    def get_queryset(self, request):
        return visible_users(request, super().get_queryset(request))

    def get_list_display(self, request):
        return [
            practice_time_column(request, "last_login", "last login")
            if column == "last_login"
            else column
            for column in super().get_list_display(request)
        ]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if admin_org_ids(request) is not None:
            readonly += ["is_superuser", "groups", "user_permissions"]
        return readonly

    def has_delete_permission(self, request, obj=None):
        return admin_org_ids(request) is None


class MembershipLocationInline(OrgScopedInline):
    model = MembershipLocation
    fields = ("location",)
    autocomplete_fields = ("location",)
    verbose_name = "permitted location"
    verbose_name_plural = "permitted locations (used when “all locations” is off)"


@admin.register(Membership)
class MembershipAdmin(OrgScopedAdmin):
    list_display = ("user", "org", "role", flag_column("all_locations", "all locations"))
    list_filter = (ORG_FILTER, "role", flag_filter("all_locations", "all locations"))
    list_select_related = ("user", "org")
    search_fields = ("user__username", "user__email", "user__first_name", "user__last_name")
    autocomplete_fields = ("user",)
    ordering = ("org__name", "user__username", "id")
    inlines = (MembershipLocationInline,)


class ApiTokenAddForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ("user", "name")


class ApiTokenChangeForm(forms.ModelForm):
    """Only ``revoked_at`` changes after issue; a revoked token stays revoked."""

    class Meta:
        model = ApiToken
        fields = ("revoked_at",)

    def clean_revoked_at(self):
        revoked_at = self.cleaned_data["revoked_at"]
        if revoked_at is None and self.instance.revoked_at is not None:
            raise ValidationError(
                "A revoked token stays revoked; issue a new one instead.", code="revoked"
            )
        return revoked_at


class TokenStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("active", "Active"), ("revoked", "Revoked")]

    def queryset(self, request, queryset):
        if self.value() == "active":
            return queryset.filter(revoked_at__isnull=True)
        if self.value() == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


@admin.register(ApiToken)
class ApiTokenAdmin(MembershipPermissionsMixin, ScopedChoicesMixin, admin.ModelAdmin):
    """API tokens. Issued here through ``ApiToken.issue``: the clear token is shown once.

    Practice administrators see the tokens of members of their admin orgs, and issue or
    revoke tokens only for users they may manage (``manageable_users``): a token works
    in every org of its user, so issuing one for a member of another org would open it.
    """

    # The times are shown in the practice's zone (see get_list_display).
    list_display = ("prefix", "user", "name", "created_at", "last_used_at", "revoked_at")
    list_filter = (TokenStateFilter,)
    list_select_related = ("user",)
    search_fields = ("prefix", "name", "user__username", "user__email")
    autocomplete_fields = ("user",)
    ordering = ("-created_at", "id")
    actions = ("revoke_tokens",)

    def can_view(self, request, obj) -> bool:
        return visible_users(request).filter(pk=obj.user_id).exists()

    def can_change(self, request, obj) -> bool:
        return manageable_users(request).filter(pk=obj.user_id).exists()

    def has_delete_permission(self, request, obj=None):
        # Revoke instead: the row is the audit trail of who could call the API.
        return admin_org_ids(request) is None

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if admin_org_ids(request) is None:
            return queryset
        return queryset.filter(user__in=visible_users(request))

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = ApiTokenChangeForm if obj is not None else ApiTokenAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("user", "name")
        return (
            "user",
            "name",
            "prefix",
            "created_at",
            "last_used_at",
            "revoked_at",
            "is_active",
        )

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return ("user", "name", "prefix", "created_at", "last_used_at", "is_active")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            kwargs["queryset"] = manageable_users(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:
            obj.save(update_fields=["revoked_at"])
            return
        issued, clear = ApiToken.issue(user=obj.user, name=obj.name)
        obj.pk = issued.pk
        obj.refresh_from_db()
        obj._state.adding = False
        messages.success(
            request,
            f"API token for {obj.user}: {clear} — copy it now, it will not be shown again.",
        )

    @admin.display(boolean=True, description="active")
    def is_active(self, obj):
        return obj.is_active

    def get_list_display(self, request):
        @admin.display(description="state", ordering="revoked_at")
        def state(token):
            if token.revoked_at is None:
                return "Active"
            return f"Revoked {practice_time(request, token.revoked_at)}"

        return (
            "prefix",
            "user",
            "name",
            practice_time_column(request, "created_at", "issued"),
            practice_time_column(request, "last_used_at", "last used"),
            state,
        )

    @admin.action(description="Revoke selected tokens", permissions=["change"])
    def revoke_tokens(self, request, queryset):
        allowed = queryset.filter(user__in=manageable_users(request), revoked_at__isnull=True)
        count = 0
        for token in allowed:
            token.revoke()
            count += 1
        self.message_user(request, f"Revoked {count} token(s).", messages.SUCCESS)


# --- Reference data ---------------------------------------------------------------------


class OperatoryInline(OrgScopedInline):
    model = Operatory
    fields = ("name", "abbrev", "is_hygiene", "item_order", "is_active")
    show_change_link = True


@admin.register(Location)
class LocationAdmin(OrgScopedAdmin):
    list_display = (
        "name",
        "org",
        "timezone",
        "phone",
        "external_id",
        flag_column("is_active", "active"),
    )
    list_filter = (ORG_FILTER, flag_filter("is_active", "active"), "timezone")
    list_select_related = ("org",)
    search_fields = ("name", "address", "phone", "external_id")
    ordering = ("org__name", "name", "id")
    inlines = (OperatoryInline,)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "timezone":
            return forms.ChoiceField(
                choices=TIMEZONE_CHOICES,
                label="Time zone",
                help_text="IANA name; turns the front desk's wall times into instants.",
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)


@admin.register(Operatory)
class OperatoryAdmin(OrgScopedAdmin):
    list_display = (
        "name",
        "abbrev",
        "location",
        "org",
        flag_column("is_hygiene", "hygiene"),
        "item_order",
        flag_column("is_active", "active"),
    )
    list_filter = (
        ORG_FILTER,
        ("location", admin.RelatedOnlyFieldListFilter),
        flag_filter("is_hygiene", "hygiene"),
        flag_filter("is_active", "active"),
    )
    list_select_related = ("location", "org")
    search_fields = ("name", "abbrev", "external_id", "location__name")
    autocomplete_fields = ("location",)
    ordering = ("org__name", "location__name", "item_order", "name", "id")


@admin.register(Provider)
class ProviderAdmin(OrgScopedAdmin):
    list_display = (
        "last_name",
        "first_name",
        "suffix",
        "abbrev",
        swatch_column("color"),
        "org",
        flag_column("is_hygienist", "hygienist"),
        flag_column("is_active", "active"),
    )
    list_display_links = ("last_name", "first_name")
    list_filter = (
        ORG_FILTER,
        flag_filter("is_hygienist", "hygienist"),
        flag_filter("is_active", "active"),
    )
    list_select_related = ("org",)
    search_fields = ("first_name", "last_name", "abbrev", "external_id")
    ordering = ("org__name", "last_name", "first_name", "id")


@admin.register(Patient)
class PatientAdmin(OrgScopedAdmin):
    list_display = (
        "last_name",
        "first_name",
        "chart_number",
        "birthdate",
        "mobile_phone",
        "email",
        "org",
        flag_column("is_active", "active"),
    )
    list_display_links = ("last_name", "first_name")
    list_filter = (ORG_FILTER, flag_filter("is_active", "active"))
    list_select_related = ("org",)
    search_fields = (
        "first_name",
        "last_name",
        "preferred_name",
        "chart_number",
        "email",
        "mobile_phone",
        "external_id",
    )
    ordering = ("org__name", "last_name", "first_name", "id")


@admin.register(ProcedureCode)
class ProcedureCodeAdmin(OrgScopedAdmin):
    list_display = (
        "code",
        "description",
        "abbrev",
        "default_fee",
        "org",
        flag_column("is_active", "active"),
    )
    list_filter = (ORG_FILTER, flag_filter("is_active", "active"))
    list_select_related = ("org",)
    search_fields = ("code", "description", "abbrev")
    ordering = ("org__name", "code", "id")


@admin.register(Definition)
class DefinitionAdmin(OrgScopedAdmin):
    list_display = (
        "name",
        "category",
        swatch_column("color"),
        "item_order",
        flag_column("is_hidden", "hidden"),
        "org",
    )
    list_filter = (ORG_FILTER, "category", flag_filter("is_hidden", "hidden"))
    list_select_related = ("org",)
    search_fields = ("name",)
    ordering = ("org__name", "category", "item_order", "name", "id")


@admin.register(FlowStatus)
class FlowStatusAdmin(OrgScopedAdmin):
    """Live flow statuses only; deleting one is the API's DELETE (``flow_status_delete``):
    the row stays for the appointments and flow events that name it, out of every list."""

    list_display = (
        "name",
        "slug",
        swatch_column("color"),
        "item_order",
        flag_column("is_active", "active"),
        "org",
    )
    list_filter = (ORG_FILTER, flag_filter("is_active", "active"))
    list_select_related = ("org",)
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    ordering = ("org__name", "item_order", "name", "id")

    def get_queryset(self, request):
        # Said here, not left to the default manager: a deleted status must never show.
        return super().get_queryset(request).filter(deleted_at__isnull=True)

    def get_deleted_objects(self, objs, request):
        """Nothing is really deleted (and nothing cascades): the confirmation lists the
        statuses only, where Django would call them protected by their flow events."""
        label = FlowStatus._meta.verbose_name.capitalize()
        objs = list(objs)
        count = {FlowStatus._meta.verbose_name_plural: len(objs)}
        return [f"{label}: {obj}" for obj in objs], count, set(), []

    def delete_model(self, request, obj):
        schedule_services.flow_status_delete(flow_status=obj)

    def delete_queryset(self, request, queryset):
        for flow_status in queryset:
            schedule_services.flow_status_delete(flow_status=flow_status)


# The Schedule section's models register from their own module.
from scheduling.schedule import admin as schedule_admin  # noqa: E402, F401
