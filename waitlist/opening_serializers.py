"""Response shape of the openings (``GET /waitlist/openings``): the freed chair time, and
its matches in the shape quick-fill answers them."""

from __future__ import annotations

from rest_framework import serializers

from scheduling.api.serializers import LocalTimeField, RefSerializer
from waitlist.models import Opening, OpeningReason, OpeningStatus
from waitlist.quick_fill_serializers import QuickFillMatchSerializer


class OpeningSerializer(serializers.ModelSerializer):
    """Chair time a live appointment gave up, and whom to call for it."""

    id = serializers.UUIDField(source="uuid", read_only=True)
    status = serializers.ChoiceField(
        choices=OpeningStatus.choices,
        read_only=True,
        help_text="filled: a live appointment takes some of its time in the chair; else "
        "expired once its start has passed; else open (as of the request).",
    )
    reason = serializers.ChoiceField(
        choices=OpeningReason.choices, read_only=True, help_text="What freed the time."
    )
    location = RefSerializer(read_only=True)
    location_timezone = serializers.CharField(source="location.timezone", read_only=True)
    operatory = RefSerializer(read_only=True)
    provider = RefSerializer(
        read_only=True, allow_null=True, help_text="The freed appointment's primary provider."
    )
    appointment_type = RefSerializer(read_only=True, allow_null=True)
    appointment_id = serializers.UUIDField(
        source="appointment.uuid",
        read_only=True,
        allow_null=True,
        help_text="The appointment that freed the time (null once deleted).",
    )
    start_time = serializers.DateTimeField(source="start_at", read_only=True)
    end_time = serializers.DateTimeField(source="end_at", read_only=True)
    slot_date = serializers.DateField(read_only=True, help_text="Local date at the location.")
    slot_start_time = LocalTimeField(source="start_time", read_only=True)
    slot_end_time = LocalTimeField(source="end_time", read_only=True)
    duration_minutes = serializers.SerializerMethodField()
    matches = QuickFillMatchSerializer(
        source="ranked_matches",
        many=True,
        read_only=True,
        help_text="The best matches (at most 10) as quick-fill ranked them when the time "
        "was freed; each entry as it is now.",
    )
    total_matches = serializers.IntegerField(
        source="shown_total",
        read_only=True,
        help_text="All matches when the time was freed; for a caller limited to some "
        "locations, the matches shown (entries at other locations are neither shown nor "
        "counted).",
    )

    class Meta:
        model = Opening
        ref_name = "WaitlistOpening"
        fields = [
            "id",
            "status",
            "reason",
            "location",
            "location_timezone",
            "operatory",
            "provider",
            "appointment_type",
            "appointment_id",
            "start_time",
            "end_time",
            "slot_date",
            "slot_start_time",
            "slot_end_time",
            "duration_minutes",
            "matches",
            "total_matches",
            "created_at",
        ]
        read_only_fields = fields

    def get_duration_minutes(self, obj) -> int:
        return int((obj.end_at - obj.start_at).total_seconds() // 60)
