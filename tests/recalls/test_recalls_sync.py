"""``manage.py recalls_sync``: recalls built or repaired from the completed history
(created, repaired, idempotent, disabled recalls and own intervals left alone), in a
constant number of queries."""

from datetime import UTC, date, datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from recalls.models import PatientRecall
from tests.factories import (
    AppointmentFactory,
    AppointmentProcedureFactory,
    OperatoryFactory,
    PatientFactory,
    PatientRecallFactory,
    ProcedureCodeFactory,
    RecallTriggerFactory,
    RecallTypeFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def d1110(org):
    return ProcedureCodeFactory(org=org, code="D1110")


@pytest.fixture
def prophy(org, d1110):
    recall_type = RecallTypeFactory(org=org, name="Prophy", default_interval={"months": 6})
    RecallTriggerFactory(org=org, recall_type=recall_type, procedure_code=d1110)
    return recall_type


@pytest.fixture
def chair(org, location):
    return OperatoryFactory(org=org, location=location)


@pytest.fixture
def visit(org, chair, d1110):
    """``visit(patient, utc_datetime, status="complete", code=d1110)``: a past visit."""

    def _visit(patient, at, status="complete", code=None):
        appointment = AppointmentFactory(
            org=org, operatory=chair, patient=patient, status=status, start_at=at
        )
        AppointmentProcedureFactory(org=org, appointment=appointment, procedure_code=code or d1110)
        return appointment

    return _visit


def sync(org) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("recalls_sync", "--org", org.name, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


def open_recall(patient, recall_type) -> PatientRecall:
    return PatientRecall.objects.get(
        patient=patient, recall_type=recall_type, completed_at__isnull=True
    )


def test_creates_the_missing_cycle_from_the_latest_visit_on_its_local_date(org, prophy, visit):
    patient = PatientFactory(org=org)
    visit(patient, datetime(2029, 6, 3, 15, tzinfo=UTC))
    visit(patient, datetime(2030, 3, 5, 2, tzinfo=UTC))  # March 4, 20:00 in Chicago
    visit(patient, datetime(2030, 9, 1, 15, tzinfo=UTC), status="scheduled")  # not done
    visit(patient, datetime(2030, 8, 1, 15, tzinfo=UTC), code=ProcedureCodeFactory(org=org))
    summary, progress = sync(org)
    assert summary == "recalls: 1 created, 0 repaired, 0 unchanged"
    assert "100% (1 of 1)" in progress
    recall = open_recall(patient, prophy)
    assert (recall.date_previous, recall.date_due) == (date(2030, 3, 4), date(2030, 9, 4))


def test_repairs_wrong_dates_keeping_the_own_interval_and_note(org, prophy, visit):
    patient = PatientFactory(org=org)
    recall = PatientRecallFactory(
        org=org,
        patient=patient,
        recall_type=prophy,
        interval={"months": 3},
        note="Nervous",
        date_previous=date(2020, 1, 1),
        date_due=date(2020, 4, 1),
    )
    visit(patient, datetime(2030, 3, 4, 15, tzinfo=UTC))
    assert sync(org)[0] == "recalls: 0 created, 1 repaired, 0 unchanged"
    version = recall.version
    recall.refresh_from_db()
    assert (recall.date_previous, recall.date_due) == (date(2030, 3, 4), date(2030, 6, 4))
    assert (recall.interval, recall.note, recall.version) == ({"months": 3}, "Nervous", version + 1)
    assert PatientRecall.objects.count() == 1


def test_a_second_run_changes_nothing(org, prophy, visit):
    for _ in range(3):
        visit(PatientFactory(org=org), datetime(2030, 3, 4, 15, tzinfo=UTC))
    assert sync(org)[0] == "recalls: 3 created, 0 repaired, 0 unchanged"
    before = list(PatientRecall.objects.values_list("id", "version", "date_due", "updated_at"))
    assert sync(org)[0] == "recalls: 0 created, 0 repaired, 3 unchanged"
    assert list(PatientRecall.objects.values_list("id", "version", "date_due", "updated_at")) == (
        before
    )


def test_a_disabled_recall_is_left_alone(org, prophy, visit):
    patient = PatientFactory(org=org)
    recall = PatientRecallFactory(
        org=org, patient=patient, recall_type=prophy, is_disabled=True, date_due=None
    )
    visit(patient, datetime(2030, 3, 4, 15, tzinfo=UTC))
    assert sync(org)[0] == "recalls: 0 created, 0 repaired, 1 unchanged"
    version = recall.version
    recall.refresh_from_db()
    assert (recall.is_disabled, recall.date_previous, recall.date_due) == (True, None, None)
    assert recall.version == version


def test_inactive_types_and_other_orgs_are_not_touched(org, other_org, prophy, visit):
    prophy.is_active = False
    prophy.save()
    visit(PatientFactory(org=org), datetime(2030, 3, 4, 15, tzinfo=UTC))
    theirs = RecallTypeFactory(org=other_org, default_interval={"months": 6})
    code = ProcedureCodeFactory(org=other_org)
    RecallTriggerFactory(org=other_org, recall_type=theirs, procedure_code=code)
    AppointmentProcedureFactory(
        org=other_org,
        procedure_code=code,
        appointment=AppointmentFactory(org=other_org, status="complete"),
    )
    assert sync(org)[0] == "recalls: 0 created, 0 repaired, 0 unchanged"
    assert not PatientRecall.objects.exists()


def test_an_unknown_org_is_an_error():
    with pytest.raises(CommandError):
        call_command("recalls_sync", "--org", "Nobody Dental")


def test_the_cost_is_the_same_whatever_the_number_of_patients(org, prophy, visit):
    def run(size: int, repair: int) -> int:
        for n in range(size):
            patient = PatientFactory(org=org)
            if n < repair:
                PatientRecallFactory(
                    org=org, patient=patient, recall_type=prophy, date_due=date(2020, 1, 1)
                )
            visit(patient, datetime(2030, 3, 4, 15, tzinfo=UTC))
        with CaptureQueriesContext(connection) as ctx:
            sync(org)
        return len(ctx.captured_queries)

    assert run(2, 1) == run(20, 10)  # each run creates and repairs
