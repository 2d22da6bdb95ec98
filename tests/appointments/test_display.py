"""The display path answers exactly what ``AppointmentSerializer`` declares, in a
constant number of queries however many appointments a page holds."""

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from appointments.models import Appointment, AppointmentTag
from appointments.serializers.appointments import AppointmentSerializer
from appointments.serializers.display import display_one, display_rows
from scheduling.access import Access
from scheduling.models import ApiToken, Role
from tests.conftest import Api, api_for
from tests.factories import (
    AppointmentFactory,
    AppointmentProcedureFactory,
    AppointmentProviderFactory,
    AppointmentTypeFactory,
    DefinitionFactory,
    FlowStatusFactory,
    LocationFactory,
    MembershipFactory,
    PatientRecallFactory,
    ProviderFactory,
    RecallTypeFactory,
)

pytestmark = pytest.mark.django_db


def declared(appointment: Appointment) -> dict:
    return dict(AppointmentSerializer(Appointment.objects.get(pk=appointment.pk)).data)


@pytest.fixture
def rich(org, location):
    """An appointment with every field and relation set (microseconds, suffixes, tags)."""
    appointment = AppointmentFactory(
        org=org,
        operatory__location=location,
        appointment_type=AppointmentTypeFactory(org=org, name="Crown"),
        start_at=datetime(2030, 11, 3, 6, 30, tzinfo=UTC),  # 01:30 CDT: fall-back day
        end_at=datetime(2030, 11, 3, 8, 0, tzinfo=UTC),
        ask_to_arrive_at=datetime(2030, 11, 3, 6, 15, 0, 123456, tzinfo=UTC),
        confirmation_status=DefinitionFactory(org=org, category="ApptConfirmed", name="Left msg"),
        flow_status=FlowStatusFactory(org=org, name="Seated"),
        cancel_reason=DefinitionFactory(org=org, category="CancelReason", name="Sick"),
        broken_reason=DefinitionFactory(org=org, category="BrokenReason", name="No show"),
        cancelled_by="patient",
        is_new_patient=True,
        is_time_locked=True,
        item_order=-3,
        priority=7,
        note="Bring x-rays ✓",
        color_override="#12ab34",
        estimated_insurance=Decimal("80.5"),
        estimated_patient_portion=Decimal("19.50"),
        external_id="pms-7",
    )
    for order, suffix in enumerate(["DDS", ""]):
        AppointmentProviderFactory(
            org=org,
            appointment=appointment,
            provider=ProviderFactory(org=org, suffix=suffix),
            item_order=1 - order,
        )
    for name, item_order in (("VIP", 2), ("Anxious", 1)):
        AppointmentTag.objects.create(
            org=org,
            appointment=appointment,
            definition=DefinitionFactory(
                org=org, category="AppointmentTag", name=name, item_order=item_order
            ),
        )
    AppointmentProcedureFactory(org=org, appointment=appointment, fee=Decimal("100.25"))
    AppointmentProcedureFactory(org=org, appointment=appointment, fee=Decimal("50"))
    return appointment


def test_a_rich_appointment_is_shown_as_declared(rich):
    (row,) = display_rows([rich.pk])
    assert row == declared(rich)
    assert row["production_amount"] == "150.25" and row["schedule_date"] == "2030-11-03"


def test_the_linked_recall_is_shown_as_declared(org, rich):
    recall = PatientRecallFactory(
        org=org,
        patient=rich.patient,
        recall_type=RecallTypeFactory(org=org, name="Prophy"),
        appointment=rich,
    )
    PatientRecallFactory(org=org, patient=rich.patient)  # the patient's, not linked

    (row,) = display_rows([rich.pk])

    assert row == declared(rich)
    assert row["recall"] == {"id": str(recall.uuid), "name": "Prophy"}


def test_of_several_linked_recalls_one_is_shown_open_earliest_due_then_type_order(org, location):
    appointment = AppointmentFactory(org=org, operatory__location=location)

    def linked(name: str, item_order: int, **fields):
        kind = RecallTypeFactory(org=org, name=name, item_order=item_order)
        return PatientRecallFactory(
            org=org,
            patient=appointment.patient,
            recall_type=kind,
            appointment=appointment,
            **fields,
        )

    # In the order they are shown, each once the ones before it are gone.
    shown = [
        linked("Perio", 2, date_due=date(2030, 6, 1)),
        linked("Bitewings", 3, date_due=date(2030, 6, 1)),  # same day: the types' order
        linked("Fluoride", 3, date_due=date(2030, 6, 1)),  # same order: the name
        linked("Exam", 0, date_due=date(2030, 9, 1)),
        linked("Ortho", 0),  # no due date: last of the open ones
        linked(
            "Prophy", 0, date_due=date(2030, 1, 1), completed_at=datetime(2030, 1, 2, tzinfo=UTC)
        ),
    ]
    for recall in shown:
        (row,) = display_rows([appointment.pk])
        assert row == declared(appointment)
        assert row["recall"] == {"id": str(recall.uuid), "name": recall.recall_type.name}
        recall.delete()
    (row,) = display_rows([appointment.pk])
    assert row["recall"] is None and row == declared(appointment)


def test_a_set_production_amount_wins_over_the_fees(rich):
    Appointment.objects.filter(pk=rich.pk).update(production_override=Decimal("999"))
    rich.refresh_from_db()
    (row,) = display_rows([rich.pk])
    assert row == declared(rich) and row["production_amount"] == "999.00"


def test_a_bare_appointment_without_time_is_shown_as_declared(org, location, patient):
    bare = Appointment.objects.create(
        org=org, location=location, patient=patient, status="unscheduled"
    )
    (row,) = display_rows([bare.pk])
    assert row == declared(bare)
    assert row["operatory"] is None and row["providers"] == [] and row["schedule_date"] is None


def test_rows_come_in_the_order_asked_and_only_those_asked(org, location):
    made = [AppointmentFactory(org=org, operatory__location=location) for _ in range(3)]
    ids = [made[2].pk, made[0].pk]
    assert [row["id"] for row in display_rows(ids)] == [str(made[2].uuid), str(made[0].uuid)]
    access = Access.operator(org)
    assert display_one(access, made[1].uuid)["id"] == str(made[1].uuid)
    assert display_one(access, uuid.uuid4()) is None


def test_one_is_read_only_where_the_caller_may_see_it(org, other_org, location):
    here, elsewhere = location, LocationFactory(org=org)
    mine = AppointmentFactory(org=org, operatory__location=here)
    theirs = AppointmentFactory(org=org, operatory__location=elsewhere)
    foreign = AppointmentFactory(org=other_org)
    limited = Access(org, MembershipFactory(org=org, role=Role.STAFF, locations=[here]))
    assert display_one(limited, mine.uuid)["id"] == str(mine.uuid)
    assert display_one(limited, theirs.uuid) is None
    assert display_one(Access.operator(org), theirs.uuid)["id"] == str(theirs.uuid)
    assert display_one(Access.operator(org), foreign.uuid) is None


def test_one_query_whatever_the_number_of_appointments(org, location):
    made = [AppointmentFactory(org=org, operatory__location=location) for _ in range(12)]
    for appointment in made:
        AppointmentProviderFactory(org=org, appointment=appointment)
    with CaptureQueriesContext(connection) as one:
        display_rows([made[0].pk])
    with CaptureQueriesContext(connection) as many:
        display_rows([a.pk for a in made])
    assert len(one.captured_queries) == len(many.captured_queries) == 1


def test_a_detail_over_http_costs_one_query(org, location, staff_client):
    appointment = AppointmentFactory(org=org, operatory__location=location)
    path = f"appointments/{appointment.uuid}"
    staff_client.get(path)  # the token's last_used_at is written once a minute
    with CaptureQueriesContext(connection) as ctx:
        response = staff_client.get(path)
    assert response.status_code == 200 and response.json()["id"] == str(appointment.uuid)
    # the appointment is read in the statement that reads the token and the membership
    assert len(ctx.captured_queries) == 1
    assert response.json() == display_one(Access.operator(org), appointment.uuid)


def test_the_detail_read_with_the_token_shows_only_what_the_caller_may_see(
    org, other_org, location, second_location
):
    here = AppointmentFactory(org=org, operatory__location=location)
    there = AppointmentFactory(org=org, operatory__location=second_location)
    foreign = AppointmentFactory(org=other_org)
    limited = api_for(org, Role.VIEWER, locations=[location])
    assert limited.get(f"appointments/{here.uuid}").status_code == 200
    assert limited.get(f"appointments/{there.uuid}").status_code == 404  # another location
    assert limited.get(f"appointments/{foreign.uuid}").status_code == 404  # another org
    outsider = api_for(other_org)
    outsider.org = org  # a token of another org's member, on this org's path
    assert outsider.get(f"appointments/{here.uuid}").status_code == 404
    revoked = api_for(org)
    ApiToken.objects.filter(user=revoked.user).update(revoked_at=timezone.now())
    assert revoked.get(f"appointments/{here.uuid}").status_code == 401
    prefix = ApiToken.objects.get(user=limited.user).prefix
    forged = Api(org, f"cs_{prefix}_{'x' * 43}")  # a member's prefix, a wrong secret
    assert forged.get(f"appointments/{here.uuid}").status_code == 401
