"""Abstract bases every tenant-owned row builds on."""

import uuid

from django.core.exceptions import ValidationError
from django.db import models


def validate_same_org(instance: models.Model, *fields: str) -> None:
    """A row may only point at rows of its own org (the rule that keeps tenants apart).

    API inputs are resolved through the org of the path and never reach here with a
    foreign row; this guards every other writer (admin forms, imports, shell).
    """
    errors = {}
    for name in fields:
        if getattr(instance, f"{name}_id") is None:
            continue
        related = getattr(instance, name)
        if related.org_id != instance.org_id:
            errors[name] = ValidationError(
                "%(related)s belongs to another organization.",
                code="cross_org",
                params={"related": related},
            )
    if errors:
        raise ValidationError(errors)


class OrgOwnedModel(models.Model):
    """A row that belongs to exactly one organization.

    The public id is ``uuid`` (the API's ``id``); the integer primary key never leaves
    the database. The org's uniqueness constraint on ``uuid`` includes the org, like
    every unique constraint here, so the data can later be distributed by org.
    """

    org = models.ForeignKey("scheduling.Organization", on_delete=models.CASCADE, related_name="+")
    uuid = models.UUIDField(default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
        constraints = [
            models.UniqueConstraint(
                fields=["org", "uuid"], name="%(app_label)s_%(class)s_org_uuid"
            ),
        ]

    def __str__(self) -> str:
        return getattr(self, "name", None) or str(self.uuid)


class VersionedModel(OrgOwnedModel):
    """An org-owned row written under optimistic concurrency.

    ``version`` starts at 1 and grows by one with every successful write; writers send
    the version they read as ``base_version`` and the write is one conditional UPDATE
    (see ``scheduling.services.versioned_update``).
    """

    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta(OrgOwnedModel.Meta):
        abstract = True
