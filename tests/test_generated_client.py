"""A typed client generated from the schema parses every response of the demo flow.

Issue 8, point 3: ``openapi-python-client`` generates a client from the schema
``/api/schema/`` serves (once per test session, into a temporary directory outside the
repository, with no warnings about the schema), and the demo flow is run through the
generated functions (``sync_detailed``) against the Django app in-process (an httpx
``WSGITransport``). Each call checks its status, that ``.parsed`` is the generated model the
schema declares for that status, and that nothing in it fell back to a raw ``dict`` (the
generated code keeps the raw value when no member of a ``oneOf`` parses) or carried keys
the model does not declare.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import attrs
import httpx
import pytest
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections

from scheduling.demo import seed_demo
from tests.openapi import openapi_schema

pytestmark = pytest.mark.django_db

PACKAGE = "chairside_client"


class Generated:
    """The generated package: its operations by operationId, and its models by name."""

    def __init__(self, package):
        self.package = package
        self.models = importlib.import_module(f"{PACKAGE}.models")
        client_module = importlib.import_module(f"{PACKAGE}.client")
        self.AuthenticatedClient = client_module.AuthenticatedClient
        self.operations = {}
        api = importlib.import_module(f"{PACKAGE}.api")
        for tag in pkgutil.iter_modules(api.__path__):
            tag_package = importlib.import_module(f"{PACKAGE}.api.{tag.name}")
            for operation in pkgutil.iter_modules(tag_package.__path__):
                module = importlib.import_module(f"{PACKAGE}.api.{tag.name}.{operation.name}")
                self.operations[operation.name] = module

    def model(self, name: str) -> type:
        return getattr(self.models, name)


@pytest.fixture(scope="session")
def generated(tmp_path_factory):
    """Generate the client from the schema once per session and import it."""
    workdir = tmp_path_factory.mktemp("generated_client")
    schema_path = workdir / "schema.json"
    schema_path.write_text(json.dumps(openapi_schema()))
    bin_dir = Path(sys.executable).parent
    ruff = bin_dir / "ruff"
    config_path = workdir / "config.json"
    # The post-hooks format the generated code with the venv's ruff (not whatever is on PATH).
    config_path.write_text(
        json.dumps(
            {"post_hooks": [f"{ruff} check . --fix-only --extend-select=I", f"{ruff} format ."]}
        )
    )
    result = subprocess.run(
        [
            str(bin_dir / "openapi-python-client"),
            "generate",
            "--path",
            str(schema_path),
            "--output-path",
            str(workdir / PACKAGE),
            "--meta",
            "none",
            "--config",
            str(config_path),
        ],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = f"{result.stdout}\n{result.stderr}"
    assert result.returncode == 0, f"openapi-python-client failed:\n{output}"
    warnings = [line for line in output.splitlines() if "warning" in line.lower()]
    assert not warnings, f"openapi-python-client warned about the schema:\n{output}"

    sys.path.insert(0, str(workdir))
    try:
        yield Generated(importlib.import_module(PACKAGE))
    finally:
        sys.path.remove(str(workdir))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


@pytest.fixture
def wsgi_app():
    """The Django app, with the connection kept open across requests inside the test's
    transaction (as ``django.test.Client`` does): the raw handler would close it."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _untyped(value: Any, where: str) -> list[str]:
    """Where a parsed value holds a raw dict instead of a model, or undeclared keys."""
    problems = []
    if attrs.has(type(value)):
        declared = [f for f in attrs.fields(type(value)) if f.name != "additional_properties"]
        extra = getattr(value, "additional_properties", {})
        if declared and extra:
            problems.append(f"{where}: keys the model does not declare: {sorted(extra)}")
        elif not declared:  # a map (additionalProperties): typed values only if models
            for key, item in extra.items():
                if attrs.has(type(item)):
                    problems += _untyped(item, f"{where}[{key!r}]")
        for field in declared:
            problems += _untyped(getattr(value, field.name), f"{where}.{field.name}")
    elif isinstance(value, dict):
        problems.append(f"{where}: a raw dict (no member of its union parsed): {value!r:.200}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            problems += _untyped(item, f"{where}[{index}]")
    return problems


class Flow:
    """Calls the generated operations, each checked for its status and its parsed model."""

    def __init__(self, generated: Generated, app, token: str, org_id: str):
        self.generated = generated
        self.org = UUID(org_id)
        self.last_response: httpx.Response | None = None
        self.client = generated.AuthenticatedClient(
            base_url="http://testserver",
            token=token,
            raise_on_unexpected_status=True,
            httpx_args={
                "transport": httpx.WSGITransport(app=app),
                "event_hooks": {"response": [self._record]},
            },
        )

    def _record(self, response: httpx.Response) -> None:
        response.read()
        self.last_response = response

    def model(self, name: str) -> type:
        return self.generated.model(name)

    def call(self, operation_id: str, status: int, model: str | None, /, *args, **kwargs):
        """``operation_id(*args, client=..., **kwargs)``; its ``.parsed``, a ``model``."""
        module = self.generated.operations[operation_id]
        self.last_response = None
        try:
            response = module.sync_detailed(*args, client=self.client, **kwargs)
        except Exception as error:
            raw = self.last_response
            if raw is None:
                raise
            pytest.fail(
                f"{operation_id}: the generated client could not parse the {raw.status_code} "
                f"response ({type(error).__name__}: {error})\n  body: {raw.text[:2000]}"
            )
        body = response.content.decode(errors="replace")[:2000]
        assert response.status_code == status, (
            f"{operation_id}: status {response.status_code}, expected {status}\n  body: {body}"
        )
        parsed = response.parsed
        if model is None:
            assert parsed is None and not response.content, f"{operation_id}: {status} has a body"
            return None
        expected = self.model(model)
        assert parsed is not None, f"{operation_id}: {status} parsed as None\n  body: {body}"
        assert isinstance(parsed, expected), (
            f"{operation_id}: {status} parsed as {type(parsed).__name__}, not {model}\n"
            f"  body: {body}"
        )
        problems = _untyped(parsed, model)
        assert not problems, f"{operation_id}: {status} not fully typed:\n  " + "\n  ".join(
            problems
        )
        return parsed


def _future_weekday(weeks: int) -> date:
    """A weekday some weeks ahead: no demo appointments or blockouts there."""
    day = date.today() + timedelta(weeks=weeks)
    return day if day.weekday() < 5 else day + timedelta(days=7 - day.weekday())


@pytest.fixture
def demo(generated, wsgi_app):
    out = seed_demo("Client Demo")
    flow = Flow(generated, wsgi_app, out["token"], out["org_id"])
    with flow.client:
        yield flow, out


def test_reference_data_and_the_life_of_an_appointment(demo):
    flow, out = demo
    org, m = flow.org, flow.model
    location, other_location = (UUID(loc["id"]) for loc in out["locations"])
    chairs = [UUID(op["id"]) for op in out["operatories"] if op["location_id"] == str(location)]
    providers = [UUID(p["id"]) for p in out["providers"]]
    patient = UUID(out["patients"][0]["id"])
    day = _future_weekday(4)

    # --- who am I, and the reference data ------------------------------------------------
    me = flow.call("v1_me_retrieve", 200, "Me")
    membership = next(x for x in me.memberships if x.org_id == org)
    assert membership.role == m("MemberRoleEnum").ADMIN and membership.all_locations
    assert {x.id for x in membership.locations} == {location, other_location}

    locations = flow.call("v1_locations_list", 200, "PaginatedLocationList", org)
    assert [x.id for x in locations.items] == [location, other_location]
    assert locations.items[0].timezone == "America/Chicago"

    operatories = flow.call(
        "v1_operatories_list", 200, "PaginatedOperatoryList", org, location_uuid=location
    )
    assert {x.id for x in operatories.items} == set(chairs) and operatories.total == 3

    providers_page = flow.call("v1_providers_list", 200, "PaginatedProviderList", org)
    assert {x.id for x in providers_page.items} == set(providers) and providers_page.total == 4

    patients = flow.call(
        "v1_patients_list", 200, "PaginatedPatientList", org, search=out["patients"][0]["name"]
    )
    assert [x.id for x in patients.items] == [patient]

    codes = flow.call("v1_procedure_codes_list", 200, "PaginatedProcedureCodeList", org)
    code_ids = {x.code: x.id for x in codes.items}
    assert codes.total == 8 and "D2740" in code_ids

    tags = flow.call(
        "v1_definitions_list",
        200,
        "PaginatedDefinitionList",
        org,
        category=m("V1DefinitionsListCategory").APPOINTMENTTAG,
    )
    assert [x.name for x in tags.items] == ["New patient", "Premedicate", "Wheelchair"]

    types = flow.call("v1_appointment_types_list", 200, "PaginatedAppointmentTypeList", org)
    prophy = next(x for x in types.items if x.name == "Prophy")
    prophy = flow.call("v1_appointment_types_retrieve", 200, "AppointmentType", org, prophy.id)
    assert prophy.duration_minutes == 60 and prophy.procedure_codes_to_add == [
        "D0120",
        "D1110",
        "D0274",
    ]

    statuses = flow.call(
        "v1_appointments_confirmation_statuses_list", 200, "PaginatedDefinitionList", org
    )
    confirmed = next(x for x in statuses.items if x.name == "Confirmed")

    # --- book, read, change, move ----------------------------------------------------------
    created = flow.call(
        "v1_appointments_create",
        201,
        "Appointment",
        org,
        body=m("AppointmentCreateRequest")(
            location_uuid=location,
            patient_uuid=patient,
            operatory_uuid=chairs[0],
            appointment_type_uuid=prophy.id,
            provider_uuids=[providers[0], providers[2]],
            tag_uuids=[tags.items[0].id],
            schedule_date=day,
            start_time="09:00",
            note="Booked by the generated client",
        ),
    )
    appointment = created.id
    assert created.status == m("AppointmentStatusEnum").SCHEDULED
    assert created.operatory.id == chairs[0] and created.appointment_type.id == prophy.id
    assert [x.id for x in created.providers] == [providers[0], providers[2]]
    assert created.provider.id == providers[0] and created.tags[0].id == tags.items[0].id
    assert created.schedule_date == day and created.local_start_time == "09:00:00"
    assert created.local_end_time == "10:00:00" and created.start_time.tzinfo is not None
    assert created.production_amount == "240.00"  # D0120 + D1110 + D0274

    got = flow.call("v1_appointments_retrieve", 200, "Appointment", org, appointment)
    assert got.version == created.version and got.location.id == location

    patched = flow.call(
        "v1_appointments_partial_update",
        200,
        "Appointment",
        org,
        appointment,
        body=m("AppointmentUpdateRequest")(base_version=got.version, note="Prefers mornings"),
    )
    assert patched.note == "Prefers mornings" and patched.version == got.version + 1

    moved = flow.call(
        "v1_appointments_move_create",
        200,
        "Appointment",
        org,
        appointment,
        body=m("MoveRequest")(
            base_version=patched.version,
            schedule_date=day,
            start_time="10:00",
            end_time="11:00",
            operatory_uuid=chairs[1],
            note="Patient asked for later",
        ),
    )
    assert moved.operatory.id == chairs[1] and moved.local_start_time == "10:00:00"

    def check_conflicts(**extra):
        return flow.call(
            "v1_appointments_check_conflicts_create",
            200,
            "CheckConflictsResult",
            org,
            body=m("CheckConflictsRequest")(
                location_uuid=location,
                operatory_uuid=chairs[1],
                schedule_date=day,
                start_time="10:30",
                end_time="11:30",
                **extra,
            ),
        )

    assert not check_conflicts(exclude_appointment_uuid=appointment).has_conflicts
    clash = check_conflicts()
    assert clash.has_conflicts
    assert clash.reason_codes == [m("ReasonCodesEnum").APPOINTMENT_OVERLAP]
    assert [x.id for x in clash.conflicts.appointments] == [appointment]
    assert clash.location_timezone == "America/Chicago"

    # --- lists -------------------------------------------------------------------------------
    page = flow.call(
        "v1_appointments_list",
        200,
        "PaginatedAppointmentList",
        org,
        location_uuid=location,
        date_from=day.isoformat(),
        date_to=day.isoformat(),
        status="scheduled,planned",
        provider_uuid=providers[0],
        page_size=10,
    )
    assert [x.id for x in page.items] == [appointment] and page.total == 1

    first = flow.call(
        "v1_appointments_cursor_retrieve",
        200,
        "AppointmentCursorPage",
        org,
        location_uuid=location,
        date_from=(date.today() - timedelta(days=7)).isoformat(),
        date_to=(day + timedelta(days=1)).isoformat(),
        sort_by=m("V1AppointmentsCursorRetrieveSortBy").START_TIME,
        sort_dir=m("V1AppointmentsCursorRetrieveSortDir").ASC,
        first=2,
    )
    assert len(first.data) == 2 and first.page_info.has_next_page and first.org_uuid == org
    second = flow.call(
        "v1_appointments_cursor_retrieve",
        200,
        "AppointmentCursorPage",
        org,
        location_uuid=location,
        date_from=(date.today() - timedelta(days=7)).isoformat(),
        date_to=(day + timedelta(days=1)).isoformat(),
        sort_by=m("V1AppointmentsCursorRetrieveSortBy").START_TIME,
        sort_dir=m("V1AppointmentsCursorRetrieveSortDir").ASC,
        first=2,
        after=first.page_info.end_cursor,
    )
    assert second.data and not {x.id for x in second.data} & {x.id for x in first.data}
    assert second.data[0].start_time >= first.data[-1].start_time

    history = flow.call(
        "v1_appointments_history_list",
        200,
        "PaginatedAppointmentHistoryEntryList",
        org,
        appointment,
    )
    action = m("ActionEnum")
    assert [x.action for x in history.items] == [action.MOVED, action.UPDATED, action.CREATED]
    assert history.items[0].version == moved.version
    note_change = history.items[1].changes.additional_properties["note"].additional_properties
    assert note_change == {"old": "Booked by the generated client", "new": "Prefers mornings"}

    # --- procedures and providers ------------------------------------------------------------
    added = flow.call(
        "v1_appointments_procedures_create",
        201,
        "AppointmentProcedure",
        org,
        appointment,
        body=m("ProcedureInputRequest")(
            base_version=moved.version, procedure_code_uuid=code_ids["D2740"], fee="999.00"
        ),
    )
    assert added.procedure_code_value == "D2740" and added.fee == "999.00"
    assert added.status == m("ProcedureStatusEnum").PLANNED
    procedures = flow.call(
        "v1_appointments_procedures_list",
        200,
        "PaginatedAppointmentProcedureList",
        org,
        appointment,
    )
    assert [x.procedure_code_value for x in procedures.items] == [
        "D0120",
        "D1110",
        "D0274",
        "D2740",
    ]
    version = flow.call("v1_appointments_retrieve", 200, "Appointment", org, appointment).version
    flow.call(
        "v1_appointments_procedures_destroy",
        204,
        None,
        org,
        appointment,
        added.id,
        base_version=version,
    )

    assigned = flow.call(
        "v1_appointments_providers_list", 200, "PaginatedAppointmentProviderList", org, appointment
    )
    assert [x.provider.id for x in assigned.items] == [providers[0], providers[2]]
    assert assigned.items[1].role == m("ProviderRoleEnum").HYGIENIST
    version = flow.call("v1_appointments_retrieve", 200, "Appointment", org, appointment).version
    replaced = flow.call(
        "v1_appointments_providers_update",
        200,
        "Appointment",
        org,
        appointment,
        body=m("ProvidersReplaceRequest")(
            base_version=version,
            providers=[
                m("ProviderAssignmentInRequest")(provider_uuid=providers[1]),
                m("ProviderAssignmentInRequest")(
                    provider_uuid=providers[3], start_time="10:00", end_time="10:30"
                ),
            ],
        ),
    )
    assert [x.id for x in replaced.providers] == [providers[1], providers[3]]

    # --- patient flow ---------------------------------------------------------------------------
    arrived = UUID(out["flow_statuses"][0]["id"])
    event = flow.call(
        "v1_appointments_patient_flow_status_create",
        200,
        "PatientFlowEvent",
        org,
        appointment,
        body=m("FlowStatusInputRequest")(flow_status_uuid=arrived, change_note="At the desk"),
    )
    assert event.flow_status.id == arrived and event.change_note == "At the desk"
    events = flow.call(
        "v1_appointments_patient_flow_events_list",
        200,
        "PaginatedPatientFlowEventList",
        org,
        appointment,
    )
    assert [x.id for x in events.items] == [event.id]
    stats = flow.call(
        "v1_appointments_patient_flow_stats_retrieve",
        200,
        "PatientFlowStats",
        org,
        appointment,
        include_open=True,
    )
    assert stats.appointment_uuid == appointment and stats.current_flow_status.id == arrived
    assert len(stats.segments) == 1 and stats.totals[0].flow_status.id == arrived

    # --- confirmation, counts, frequency ----------------------------------------------------
    version = flow.call("v1_appointments_retrieve", 200, "Appointment", org, appointment).version
    left_message = next(x for x in statuses.items if x.name == "Left message")
    messaged = flow.call(
        "v1_appointments_confirmation_status_partial_update",
        200,
        "Appointment",
        org,
        appointment,
        body=m("ConfirmationStatusInputRequest")(
            base_version=version, confirmation_status_uuid=left_message.id
        ),
    )
    assert messaged.confirmation_status.id == left_message.id
    assert messaged.confirmation_status_label == "Left message"
    unknown = uuid4()
    bulk_confirmed = flow.call(
        "v1_appointments_bulk_confirm_create",
        200,
        "BulkConfirmResult",
        org,
        body=m("BulkConfirmRequest")(
            appointment_uuids=[appointment, unknown], confirmation_status_uuid=confirmed.id
        ),
    )
    assert [x.id for x in bulk_confirmed.confirmed] == [appointment]
    assert bulk_confirmed.confirmed[0].confirmation_status.id == confirmed.id
    assert bulk_confirmed.skipped == [unknown] and bulk_confirmed.conflicts == []

    counts = flow.call(
        "v1_appointments_counts_by_location_retrieve",
        200,
        "AppointmentCountsByLocation",
        org,
        date_from=day,
        date_to=day + timedelta(days=1),
        status_set=[m("V1AppointmentsCountsByLocationRetrieveStatusSetItem").SCHEDULED],
    )
    by_location = {x.location.id: x.count for x in counts.items}
    assert by_location == {location: 1, other_location: 0} and counts.total == 1

    frequency = flow.call(
        "v1_appointments_procedure_frequency_check_retrieve",
        200,
        "ProcedureFrequencyCheck",
        org,
        patient_uuid=patient,
        procedure_code="D1110",
    )
    assert frequency.patient.id == patient and frequency.procedure_code == "D1110"

    # --- pinboard, place, conflicts -------------------------------------------------------------
    version = flow.call("v1_appointments_retrieve", 200, "Appointment", org, appointment).version
    pinned = flow.call(
        "v1_appointments_pinboard_create",
        200,
        "Appointment",
        org,
        appointment,
        body=m("PinboardRequest")(base_version=version, note="Call back"),
    )
    assert pinned.status == m("AppointmentStatusEnum").PINBOARD
    pinboard = flow.call(
        "v1_appointments_pinboard_list",
        200,
        "PaginatedAppointmentList",
        org,
        location_uuid=location,
    )
    assert appointment in {x.id for x in pinboard.items}
    placed = flow.call(
        "v1_appointments_place_create",
        200,
        "Appointment",
        org,
        appointment,
        body=m("PlaceRequest")(
            base_version=pinned.version,
            schedule_date=day,
            start_time="13:00",
            end_time="14:00",
            operatory_uuid=chairs[0],
        ),
    )
    assert placed.status == m("AppointmentStatusEnum").SCHEDULED
    assert placed.operatory.id == chairs[0] and placed.local_start_time == "13:00:00"

    overlap = flow.call(
        "v1_appointments_create",
        409,
        "SchedulingConflictError",
        org,
        body=m("AppointmentCreateRequest")(
            location_uuid=location,
            patient_uuid=UUID(out["patients"][1]["id"]),
            operatory_uuid=chairs[0],
            schedule_date=day,
            start_time="13:30",
            end_time="14:30",
        ),
    )
    assert overlap.code == "APPOINTMENT_OVERLAP"
    assert overlap.reason_codes == ["APPOINTMENT_OVERLAP"]
    assert [x.id for x in overlap.conflicts.appointments] == [appointment]

    not_found = flow.call(
        "v1_appointments_create",
        404,
        "NotFoundError",
        org,
        body=m("AppointmentCreateRequest")(
            location_uuid=location,
            patient_uuid=unknown,
            operatory_uuid=chairs[2],
            appointment_type_uuid=prophy.id,
            schedule_date=day,
            start_time="08:00",
        ),
    )
    assert not_found.code == "NOT_FOUND"
    assert [x.loc for x in not_found.errors] == [["body", "patient_uuid"]]

    invalid = flow.call(
        "v1_appointments_create",
        422,
        "ValidationError",
        org,
        body=m("AppointmentCreateRequest")(
            location_uuid=location,
            patient_uuid=patient,
            operatory_uuid=chairs[2],
            appointment_type_uuid=prophy.id,
            schedule_date=day,
            start_time="25:00",
        ),
    )
    assert ["body", "start_time"] in [x.loc for x in invalid.detail]
    assert all(x.msg and x.type_ for x in invalid.detail)

    # --- transitions ----------------------------------------------------------------------
    unscheduled = flow.call(
        "v1_appointments_transition_create",
        200,
        "Appointment",
        org,
        appointment,
        body=m("TransitionRequest")(
            base_version=placed.version,
            status=m("AppointmentStatusEnum").UNSCHEDULED,
            note="Waiting for insurance",
        ),
    )
    assert unscheduled.status == m("AppointmentStatusEnum").UNSCHEDULED
    cancelled = flow.call(
        "v1_appointments_cancel_create",
        200,
        "Appointment",
        org,
        appointment,
        body=m("CancelRequest")(
            base_version=unscheduled.version,
            cancel_reason_uuid=UUID(out["cancel_reasons"][0]["id"]),
            cancelled_by=m("CancelledByEnum").PATIENT,
        ),
    )
    assert cancelled.status == m("AppointmentStatusEnum").CANCELLED
    assert cancelled.cancelled_by == m("CancelledByEnum").PATIENT
    assert cancelled.cancel_reason.id == UUID(out["cancel_reasons"][0]["id"])
    stuck = flow.call(
        "v1_appointments_transition_create",
        409,
        "SchedulingConflictError",
        org,
        appointment,
        body=m("TransitionRequest")(
            base_version=cancelled.version, status=m("AppointmentStatusEnum").SCHEDULED
        ),
    )
    assert stuck.code == "INVALID_TRANSITION"
    assert stuck.current_status == m("AppointmentStatusEnum").CANCELLED and stuck.allowed == []


def test_blockouts_templates_and_bulk_import(demo):
    flow, out = demo
    org, m = flow.org, flow.model
    location = UUID(out["locations"][0]["id"])
    chairs = [UUID(op["id"]) for op in out["operatories"] if op["location_id"] == str(location)]
    day = _future_weekday(5)

    # --- blockout types ----------------------------------------------------------------------
    types = flow.call("v1_blockouts_types_list", 200, "PaginatedBlockoutTypeList", org)
    assert {x.name for x in types.items} >= {"Lunch", "Staff meeting", "Holiday"}
    created_type = flow.call(
        "v1_blockouts_types_create",
        201,
        "BlockoutType",
        org,
        body=m("BlockoutTypeCreateRequest")(
            name="Implant consults", abbreviation="IMP", color="#3949AB", is_no_schedule=True
        ),
    )
    assert (
        created_type.is_no_schedule and created_type.status == m("ActiveInactiveStatusEnum").ACTIVE
    )
    updated_type = flow.call(
        "v1_blockouts_types_partial_update",
        200,
        "BlockoutType",
        org,
        created_type.id,
        body=m("BlockoutTypeUpdateRequest")(
            base_version=created_type.version, name="Implant consult"
        ),
    )
    assert updated_type.name == "Implant consult"
    assert updated_type.version == created_type.version + 1
    throwaway = flow.call(
        "v1_blockouts_types_create",
        201,
        "BlockoutType",
        org,
        body=m("BlockoutTypeCreateRequest")(name="Throwaway"),
    )
    flow.call("v1_blockouts_types_destroy", 204, None, org, throwaway.id)

    # --- blockouts ------------------------------------------------------------------------------
    made = flow.call(
        "v1_blockouts_instances_create",
        201,
        "BlockoutsCreated",
        org,
        body=m("BlockoutCreateRequest")(
            location_uuid=location,
            blockout_type_uuid=updated_type.id,
            schedule_date=day,
            start_time="15:00",
            end_time="16:00",
            operatory_uuids=[chairs[0], chairs[1]],
            note="Dr. Patel",
        ),
    )
    assert [x.operatory.id for x in made.items] == [chairs[0], chairs[1]]
    assert made.items[0].schedule_date == day and made.items[0].start_time == "15:00:00"
    assert made.warnings == []
    listed = flow.call(
        "v1_blockouts_instances_list",
        200,
        "PaginatedBlockoutList",
        org,
        location_uuid=location,
        date_from=day,
        date_to=day,
    )
    assert {x.id for x in listed.items} == {x.id for x in made.items}
    first, second = made.items
    changed = flow.call(
        "v1_blockouts_instances_partial_update",
        200,
        "Blockout",
        org,
        first.id,
        body=m("BlockoutUpdateRequest")(base_version=first.version, end_time="16:30"),
    )
    assert changed.end_time == "16:30:00" and changed.end_at > first.end_at
    flow.call("v1_blockouts_instances_destroy", 204, None, org, second.id)
    copied = flow.call(
        "v1_blockouts_instances_copy_day_create",
        200,
        "BlockoutBatchResult",
        org,
        body=m("BlockoutCopyDayRequest")(
            location_uuid=location, source_date=day, target_date=day + timedelta(days=1)
        ),
    )
    assert copied.count == 1 and copied.warnings == []

    # --- templates -------------------------------------------------------------------------------
    template = flow.call(
        "v1_blockouts_templates_create",
        201,
        "BlockoutTemplate",
        org,
        body=m("BlockoutTemplateCreateRequest")(
            name="Implant Fridays", location_uuid=location, day_of_week=4
        ),
    )
    assert template.location.id == location and template.day_of_week == 4
    item = flow.call(
        "v1_blockouts_templates_items_create",
        201,
        "BlockoutTemplateItem",
        org,
        template.id,
        body=m("BlockoutTemplateItemCreateRequest")(
            blockout_type_uuid=updated_type.id,
            operatory_uuid=chairs[2],
            start_time="08:00",
            end_time="09:00",
        ),
    )
    extra = flow.call(
        "v1_blockouts_templates_items_create",
        201,
        "BlockoutTemplateItem",
        org,
        template.id,
        body=m("BlockoutTemplateItemCreateRequest")(
            blockout_type_uuid=updated_type.id, start_time="17:00", end_time="18:00"
        ),
    )
    assert item.operatory.id == chairs[2] and extra.operatory is None
    items = flow.call(
        "v1_blockouts_templates_items_list",
        200,
        "PaginatedBlockoutTemplateItemList",
        org,
        template.id,
    )
    assert [x.id for x in items.items] == [item.id, extra.id]
    flow.call("v1_blockouts_templates_items_destroy", 204, None, org, template.id, extra.id)
    applied = flow.call(
        "v1_blockouts_templates_apply_create",
        200,
        "BlockoutBatchResult",
        org,
        template.id,
        body=m("BlockoutTemplateApplyRequest")(
            location_uuid=location, target_date=day + timedelta(days=7)
        ),
    )
    assert applied.count == 1

    # --- bulk import: one row made, one failing ------------------------------------------------
    def row(**fields):
        fields = {"start_time": "10:00", "end_time": "10:30", **fields}
        return m("AppointmentCreateRequest")(
            location_uuid=location, operatory_uuid=chairs[2], schedule_date=day, **fields
        )

    result = flow.call(
        "v1_appointments_bulk_create",
        200,
        "BulkResult",
        org,
        body=m("BulkImportRequest")(
            rows=[
                row(patient_uuid=UUID(out["patients"][2]["id"]), external_id="pms-1"),
                row(
                    patient_uuid=uuid4(), external_id="pms-2", start_time="11:00", end_time="11:30"
                ),
            ],
        ),
    )
    assert (result.total, result.created, result.failed, result.dry_run) == (2, 1, 1, False)
    made_row, failed_row = result.results
    assert made_row.status == m("BulkRowStatusEnum").CREATED and made_row.id is not None
    assert made_row.external_id == "pms-1" and made_row.errors == []
    assert failed_row.status == m("BulkRowStatusEnum").FAILED and failed_row.id is None
    assert failed_row.code == "NOT_FOUND" and failed_row.conflicts is None
    assert [x.loc for x in failed_row.errors] == [["body", "rows", 1, "patient_uuid"]]
    imported = flow.call("v1_appointments_retrieve", 200, "Appointment", org, made_row.id)
    assert imported.external_id == "pms-1" and imported.operatory.id == chairs[2]


def test_schedule_views_and_their_layouts(demo):
    """The three layouts are named components: the generated client reads them as models
    (no raw dicts), and writes them back from a preset template."""
    flow, out = demo
    org, m = flow.org, flow.model
    location = UUID(out["locations"][0]["id"])
    chairs = [UUID(op["id"]) for op in out["operatories"] if op["location_id"] == str(location)]

    presets = flow.call(
        "v1_schedule_views_templates_retrieve", 200, "ScheduleViewTemplates", org
    ).templates
    assert len(presets) == 6
    hygiene = next(x for x in presets if x.key == "hygiene")
    assert isinstance(hygiene.card_layout.lines[0], m("ScheduleCardLine"))
    assert hygiene.color_config.color_by == m("ColorByEnum").APPOINTMENT_TYPE

    made = flow.call(
        "v1_schedule_views_create",
        201,
        "ScheduleView",
        org,
        body=m("ScheduleViewCreateRequest")(
            location_uuid=location,
            name="Generated week",
            view_type=m("ViewTypeEnum").WEEKLY,
            time_increment=m("TimeIncrementEnum").VALUE_15,
            operatory_uuids=chairs[::-1],
            card_layout=m("ScheduleCardLayoutRequest").from_dict(hygiene.card_layout.to_dict()),
            color_config=m("ScheduleColorConfigRequest").from_dict(hygiene.color_config.to_dict()),
        ),
    )
    assert made.operatory_uuids == chairs[::-1] and made.keyboard_shortcut is None
    assert made.card_layout.to_dict() == hygiene.card_layout.to_dict()
    assert made.bubble_layout is None

    chosen = flow.call(
        "v1_schedule_views_set_shortcut_create", 200, "ScheduleView", org, made.id, shortcut=2
    )
    assert chosen.keyboard_shortcut == 2 and chosen.version == made.version
    listed = flow.call(
        "v1_schedule_views_list", 200, "PaginatedScheduleViewList", org, location_uuid=location
    )
    assert made.id in {x.id for x in listed.items}
    flow.call("v1_schedule_views_destroy", 204, None, org, made.id)


def test_saved_searches_and_patient_preferences(demo):
    """The caller's saved searches, and a patient's preference read back as null, then
    created and changed through PUT by patient."""
    flow, out = demo
    org, m = flow.org, flow.model
    patient = UUID(out["patients"][-1]["id"])  # the demo leaves the last one without

    searches = flow.call("v1_schedule_saved_searches_list", 200, "PaginatedSavedSearchList", org)
    assert [s.is_default for s in searches.items] == [True]
    saved = flow.call(
        "v1_schedule_saved_searches_create",
        201,
        "SavedSearch",
        org,
        body=m("SavedSearchCreateRequest")(
            name="Crowns, afternoons",
            criteria=m("SavedSearchCreateRequestCriteria").from_dict(
                {"duration_minutes": 90, "days": [1, 3]}
            ),
            is_default=True,
        ),
    )
    assert saved.criteria.to_dict() == {"duration_minutes": 90, "days": [1, 3]}
    renamed = flow.call(
        "v1_schedule_saved_searches_partial_update",
        200,
        "SavedSearch",
        org,
        saved.id,
        body=m("SavedSearchUpdateRequest")(base_version=saved.version, name="Crowns"),
    )
    assert (renamed.name, renamed.is_default) == ("Crowns", True)
    flow.call("v1_schedule_saved_searches_destroy", 204, None, org, saved.id)

    none = flow.generated.operations[
        "v1_schedule_patient_preferences_by_patient_retrieve"
    ].sync_detailed(org, patient, client=flow.client)
    assert (none.status_code, none.content, none.parsed) == (200, b"null", None)
    created = flow.call(
        "v1_schedule_patient_preferences_by_patient_update",
        201,
        "PatientPreference",
        org,
        patient,
        body=m("PatientPreferenceUpsertRequest")(
            preferred_days=[1, 3],
            preferred_time_start="08:00",
            preferred_time_end="11:00",
            preferred_contact_method=m("PreferredContactMethodEnum").SMS,
        ),
    )
    assert created.preferred_days == [1, 3] and created.preferred_time_start == "08:00:00"
    read = flow.call(
        "v1_schedule_patient_preferences_by_patient_retrieve",
        200,
        "PatientPreference",
        org,
        patient,
    )
    assert read.id == created.id and read.preferred_provider is None
    changed = flow.call(
        "v1_schedule_patient_preferences_partial_update",
        200,
        "PatientPreference",
        org,
        created.id,
        body=m("PatientPreferenceUpdateRequest")(base_version=read.version, notes="Mornings"),
    )
    assert (changed.notes, changed.version, changed.learned_from_history) == ("Mornings", 2, False)
