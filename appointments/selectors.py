"""Reads of the appointments domain that views and other apps share."""

from django.db.models import Prefetch, QuerySet

from scheduling.api.access import Access
from scheduling.models import Location


def with_visible_locations(queryset: QuerySet, access: Access) -> QuerySet:
    """Prefetch each appointment type's locations the caller may see (``visible_locations``)."""
    locations = access.scope(Location.objects.filter(org=access.org), "pk")
    return queryset.prefetch_related(
        Prefetch("locations", queryset=locations, to_attr="visible_locations")
    )
