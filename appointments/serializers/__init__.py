from appointments.serializers.appointment_rules import (
    AppointmentRuleCreateSerializer,
    AppointmentRuleSerializer,
    AppointmentRuleUpdateSerializer,
)
from appointments.serializers.appointment_types import (
    AppointmentTypeCreateSerializer,
    AppointmentTypeSerializer,
    AppointmentTypeUpdateSerializer,
)
from appointments.serializers.appointments import AppointmentSerializer
from appointments.serializers.results import ConflictDetailsSerializer

__all__ = [
    "AppointmentRuleCreateSerializer",
    "AppointmentRuleSerializer",
    "AppointmentRuleUpdateSerializer",
    "AppointmentSerializer",
    "AppointmentTypeCreateSerializer",
    "AppointmentTypeSerializer",
    "AppointmentTypeUpdateSerializer",
    "ConflictDetailsSerializer",
]
