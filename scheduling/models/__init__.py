from scheduling.models.base import (
    LiveOrgManager,
    LocationScope,
    OrgOwnedModel,
    OrgQuerySet,
    VersionedModel,
)
from scheduling.models.reference import (
    Definition,
    DefinitionCategory,
    FlowStatus,
    Location,
    Operatory,
    Patient,
    ProcedureCode,
    Provider,
)
from scheduling.models.schedules import (
    OverrideReason,
    ProviderScheduleOverride,
    ProviderScheduleTemplate,
    ScheduleNote,
)
from scheduling.models.tenancy import (
    ApiToken,
    Membership,
    MembershipLocation,
    Organization,
    Role,
    User,
)

__all__ = [
    "ApiToken",
    "Definition",
    "DefinitionCategory",
    "FlowStatus",
    "LiveOrgManager",
    "Location",
    "LocationScope",
    "Membership",
    "MembershipLocation",
    "Operatory",
    "OrgOwnedModel",
    "OrgQuerySet",
    "Organization",
    "OverrideReason",
    "Patient",
    "ProcedureCode",
    "Provider",
    "ProviderScheduleOverride",
    "ProviderScheduleTemplate",
    "Role",
    "ScheduleNote",
    "User",
    "VersionedModel",
]
