"""Who may call the API, for which organization, at which locations."""

import hashlib
import secrets
import uuid
import zoneinfo
from datetime import date

from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import connection, models
from django.utils import timezone

from scheduling.models.base import validate_same_org
from scheduling.validators import validate_timezone


class User(AbstractUser):
    """A person (or an integration) that signs in to the admin or calls the API."""

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"


class Organization(models.Model):
    """A dental practice or group: the tenant every other row belongs to."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200, unique=True)
    timezone = models.CharField(
        max_length=64,
        blank=True,
        validators=[validate_timezone],
        help_text="The practice's own day (\"today\" for recalls); blank: its first location's.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    def local_timezone(self) -> str:
        """The zone of the practice's day: its own, else its first location's, else UTC
        (looked up once per instance, unless read with the org: ``fallback_timezone_sql``)."""
        if self.timezone:
            return self.timezone
        if not hasattr(self, "_first_location_timezone"):
            location = apps.get_model("scheduling", "Location")
            first = location.objects.filter(org=self).order_by("id")
            self._first_location_timezone = first.values_list("timezone", flat=True).first()
        return self._first_location_timezone or "UTC"

    @staticmethod
    def fallback_timezone_sql(alias: str) -> str:
        """``local_timezone``'s first-location zone as SQL over the org's table alias (NULL
        when the org has a zone of its own), for a statement that reads the org; hand
        the value to ``fallback_timezone_read``."""
        location = apps.get_model("scheduling", "Location")
        table = connection.ops.quote_name(location._meta.db_table)
        return (
            f"CASE WHEN COALESCE({alias}.timezone, '') = '' THEN (SELECT fl.timezone"
            f" FROM {table} fl WHERE fl.org_id = {alias}.id ORDER BY fl.id LIMIT 1) END"
        )

    def fallback_timezone_read(self, value: str | None) -> None:
        """What ``fallback_timezone_sql`` read with this org (spares ``local_timezone`` its
        query)."""
        if not self.timezone:
            self._first_location_timezone = value

    def local_today(self) -> date:
        """The practice's calendar date now ("today" for recalls and the ASAP list)."""
        return timezone.localdate(timezone=zoneinfo.ZoneInfo(self.local_timezone()))


class Role(models.TextChoices):
    """What a member may do. Ordered: each role can do everything the one below can."""

    VIEWER = "viewer", "Viewer (read only)"
    STAFF = "staff", "Staff (everything but org configuration)"
    ADMIN = "admin", "Admin (everything)"

    @property
    def rank(self) -> int:
        return [Role.VIEWER, Role.STAFF, Role.ADMIN].index(self)


class Membership(models.Model):
    """A user's place in an organization: a role, and all locations or a chosen set."""

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.STAFF)
    all_locations = models.BooleanField(
        default=True, help_text="When off, only the locations listed below are accessible."
    )
    locations = models.ManyToManyField(
        "scheduling.Location", through="MembershipLocation", blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["org", "user", "id"]
        verbose_name = "team member"
        constraints = [
            models.UniqueConstraint(fields=["org", "user"], name="membership_org_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.org} ({self.role})"

    def has_role(self, role: Role) -> bool:
        return Role(self.role).rank >= Role(role).rank


class MembershipLocation(models.Model):
    """One location a limited membership may access."""

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE)
    location = models.ForeignKey("scheduling.Location", on_delete=models.CASCADE)

    class Meta:
        ordering = ["membership", "location", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "membership", "location"], name="membership_location_unique"
            ),
        ]

    def __str__(self) -> str:
        return str(self.location)

    def clean(self) -> None:
        validate_same_org(self, "membership", "location")


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    """A bearer token for the API, stored as a SHA-256 digest, never in clear.

    The clear token is ``cs_<prefix>_<secret>``: the prefix finds the row with an index,
    the digest of the whole token proves it. The secret carries 256 bits of randomness,
    so a fast hash is enough (no password stretching is needed against guessing).
    """

    PREFIX_LENGTH = 10

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, blank=True, help_text="What the token is for.")
    prefix = models.CharField(max_length=PREFIX_LENGTH, unique=True, editable=False)
    digest = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "id"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @staticmethod
    def parse_prefix(token: str) -> str | None:
        parts = token.split("_", 2)
        if len(parts) != 3 or parts[0] != "cs" or len(parts[1]) != ApiToken.PREFIX_LENGTH:
            return None
        return parts[1]

    @classmethod
    def issue(cls, *, user, name: str = "") -> tuple["ApiToken", str]:
        """Create a token for ``user``; return the row and the clear token (shown once)."""
        prefix = secrets.token_hex(cls.PREFIX_LENGTH // 2)
        clear = f"cs_{prefix}_{secrets.token_urlsafe(32)}"
        token = cls.objects.create(user=user, name=name, prefix=prefix, digest=cls.hash(clear))
        return token, clear

    def matches(self, clear: str) -> bool:
        return secrets.compare_digest(self.digest, self.hash(clear))

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
