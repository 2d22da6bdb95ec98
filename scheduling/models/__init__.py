from scheduling.models.base import OrgOwnedModel, VersionedModel
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
    "Location",
    "Membership",
    "MembershipLocation",
    "Operatory",
    "OrgOwnedModel",
    "Organization",
    "Patient",
    "ProcedureCode",
    "Provider",
    "Role",
    "User",
    "VersionedModel",
]
