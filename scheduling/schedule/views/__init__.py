"""The Schedule section's viewsets, one module per part (routes: ``urls.py``)."""

from scheduling.schedule.views.personal import PatientPreferenceViewSet, SavedSearchViewSet
from scheduling.schedule.views.practice import FlowStatusViewSet, ProductionGoalViewSet
from scheduling.schedule.views.provider_schedules import (
    RELATED,
    SCHEDULE_409,
    TAGS,
    ProviderScheduleViewSet,
    ScheduleNoteViewSet,
    ScheduleOverrideViewSet,
    ScheduleTemplateViewSet,
)
from scheduling.schedule.views.schedule_views import (
    CALLERS_CHOICE,
    VIEW_ROLES,
    ScheduleViewViewSet,
    SharedViewPermission,
)

__all__ = [
    "CALLERS_CHOICE",
    "FlowStatusViewSet",
    "PatientPreferenceViewSet",
    "ProductionGoalViewSet",
    "ProviderScheduleViewSet",
    "RELATED",
    "SCHEDULE_409",
    "SavedSearchViewSet",
    "ScheduleNoteViewSet",
    "ScheduleOverrideViewSet",
    "ScheduleTemplateViewSet",
    "ScheduleViewViewSet",
    "SharedViewPermission",
    "TAGS",
    "VIEW_ROLES",
]
