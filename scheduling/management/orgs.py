"""What management commands share: finding the organization an operator names."""

from __future__ import annotations

import uuid

from django.core.management.base import CommandError

from scheduling.models import Organization


def find_organization(value: str) -> Organization:
    """The org whose public UUID or exact name is ``value`` (else a CommandError)."""
    try:
        return Organization.objects.get(uuid=uuid.UUID(value))
    except (ValueError, Organization.DoesNotExist):
        pass
    try:
        return Organization.objects.get(name=value)
    except Organization.DoesNotExist:
        raise CommandError(f'no organization with the UUID or name "{value}"') from None
