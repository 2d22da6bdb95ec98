"""The ``import_reference`` command: upserts per kind, row validation, tenancy, batching."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from scheduling.models import (
    Location,
    Operatory,
    Patient,
    ProcedureCode,
    ProductionGoal,
    Provider,
)
from tests.factories import (
    LocationFactory,
    OperatoryFactory,
    PatientFactory,
    ProcedureCodeFactory,
    ProductionGoalFactory,
    ProviderFactory,
)


@pytest.fixture
def write_csv(tmp_path):
    """``write_csv(header_line, *row_lines)`` → path of a CSV file (header is line 1)."""

    def write(*lines: str, name: str = "import.csv", encoding: str = "utf-8") -> str:
        path = tmp_path / name
        path.write_text("\n".join(lines) + "\n", encoding=encoding)
        return str(path)

    return write


def run(kind, path, org, *options):
    """Run the command; return (stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "import_reference", kind, path, "--org", str(org.uuid), *options, stdout=out, stderr=err
    )
    return out.getvalue(), err.getvalue()


def run_rejected(kind, path, org, *options):
    """Run the command expecting it to fail; return (error message, stderr)."""
    err = io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command(
            "import_reference",
            kind,
            path,
            "--org",
            str(org.uuid),
            *options,
            stdout=io.StringIO(),
            stderr=err,
        )
    return str(exc.value), err.getvalue()


# --- a good file per kind ---------------------------------------------------------------


def test_locations_are_created(org, write_csv):
    path = write_csv(
        "external_id,name,timezone,address,phone,is_active",
        "L1,Chicago,America/Chicago,1 Main St,555-0100,yes",
        "L2,Denver,America/Denver,,,no",
    )

    out, _ = run("locations", path, org)

    assert out.strip() == "locations: 2 created, 0 updated, 0 unchanged, 0 skipped (invalid)"
    chicago = Location.objects.get(org=org, external_id="L1")
    assert (chicago.name, chicago.timezone, chicago.address, chicago.phone) == (
        "Chicago",
        "America/Chicago",
        "1 Main St",
        "555-0100",
    )
    assert chicago.is_active is True
    assert Location.objects.get(org=org, external_id="L2").is_active is False


def test_operatories_are_created_at_their_location_in_the_org(org, write_csv):
    location = LocationFactory(org=org, external_id="L1")
    path = write_csv(
        "external_id,location_external_id,name,abbrev,is_hygiene,item_order",
        "OP1,L1,Operatory 1,OP1,false,2",
        "OP2,L1,Hygiene 1,HYG1,TRUE,1",
    )

    run("operatories", path, org)

    ops = {op.external_id: op for op in Operatory.objects.filter(org=org)}
    assert set(ops) == {"OP1", "OP2"}
    assert ops["OP1"].location == location
    assert (ops["OP1"].is_hygiene, ops["OP1"].item_order) == (False, 2)
    assert (ops["OP2"].is_hygiene, ops["OP2"].abbrev) == (True, "HYG1")


def test_providers_are_created(org, write_csv):
    path = write_csv(
        "external_id,first_name,last_name,suffix,is_hygienist,color",
        "P1,Ann,Lee,DDS,0,#1A2b3C",
        "P2,Bob,Ray,RDH,1,",
    )

    run("providers", path, org)

    ann = Provider.objects.get(org=org, external_id="P1")
    assert (ann.name, ann.is_hygienist, ann.color) == ("Ann Lee, DDS", False, "#1A2b3C")
    assert Provider.objects.get(org=org, external_id="P2").is_hygienist is True


def test_patients_are_created_and_a_bom_is_tolerated(org, write_csv):
    path = write_csv(
        "external_id,first_name,last_name,preferred_name,birthdate,email,mobile_phone,chart_number,"
        "balance_due",
        "PT1,Jane,Doe,Janie,1980-02-29,jane@example.com,555-0101,C-1,125.5",
        "PT2,John,Roe,,,,,,",
        encoding="utf-8-sig",
    )

    run("patients", path, org)

    jane = Patient.objects.get(org=org, external_id="PT1")
    assert jane.birthdate == datetime.date(1980, 2, 29)
    assert (jane.preferred_name, jane.email, jane.chart_number) == (
        "Janie",
        "jane@example.com",
        "C-1",
    )
    assert jane.balance_due == Decimal("125.50")
    john = Patient.objects.get(org=org, external_id="PT2")
    assert (john.birthdate, john.balance_due) == (None, Decimal(0))


def test_procedure_codes_are_created(org, write_csv):
    path = write_csv(
        "code,description,abbrev,default_fee",
        "D0120,Periodic oral evaluation,PerEx,55.5",
        "D1110,Prophylaxis - adult,Pro,",
    )

    run("procedure-codes", path, org)

    exam = ProcedureCode.objects.get(org=org, code="D0120")
    assert (exam.description, exam.default_fee) == ("Periodic oral evaluation", Decimal("55.50"))
    assert ProcedureCode.objects.get(org=org, code="D1110").default_fee == Decimal("0")


# --- upsert -------------------------------------------------------------------------------


def test_reimport_updates_matching_rows_without_duplicates(org, write_csv):
    run(
        "patients",
        write_csv("external_id,first_name,last_name", "PT1,Jane,Doe", "PT2,John,Roe"),
        org,
    )
    before = Patient.objects.get(org=org, external_id="PT1")

    out, _ = run(
        "patients",
        write_csv(
            "external_id,first_name,last_name",
            "PT1,Jane,Smith",
            "PT2,John,Roe",
            "PT3,Max,Poe",
            name="again.csv",
        ),
        org,
    )

    assert out.strip() == "patients: 1 created, 1 updated, 1 unchanged, 0 skipped (invalid)"
    assert Patient.objects.filter(org=org).count() == 3
    after = Patient.objects.get(org=org, external_id="PT1")
    assert (after.pk, after.last_name) == (before.pk, "Smith")
    assert after.version == before.version + 1
    assert Patient.objects.get(org=org, external_id="PT2").version == 1


def test_columns_left_out_keep_their_values(org, write_csv):
    PatientFactory(org=org, external_id="PT1", email="old@example.com", is_active=False)

    run("patients", write_csv("external_id,first_name,last_name", "PT1,Jane,Doe"), org)

    patient = Patient.objects.get(org=org, external_id="PT1")
    assert (patient.first_name, patient.email, patient.is_active) == (
        "Jane",
        "old@example.com",
        False,
    )


def test_procedure_codes_are_matched_by_code(org, write_csv):
    old = ProcedureCodeFactory(org=org, code="D0120", description="Old", default_fee=Decimal("10"))
    ProcedureCodeFactory(org=org, code="D1110", description="Prophy", default_fee=Decimal("80"))
    path = write_csv(
        "code,description,default_fee,is_active", "D0120,New,12.50,no", "D1110,Prophy,80.0,"
    )

    out, _ = run("procedure-codes", path, org)

    assert out.strip().startswith("procedure-codes: 0 created, 1 updated, 1 unchanged")
    code = ProcedureCode.objects.get(org=org, code="D0120")
    assert (code.description, code.default_fee, code.is_active) == ("New", Decimal("12.50"), False)
    assert code.updated_at > old.updated_at


def test_only_the_given_orgs_rows_are_matched(org, other_org, write_csv):
    PatientFactory(org=other_org, external_id="PT1", last_name="Other")

    run("patients", write_csv("external_id,first_name,last_name", "PT1,Jane,Doe"), org)

    assert Patient.objects.get(org=org, external_id="PT1").last_name == "Doe"
    assert Patient.objects.get(org=other_org, external_id="PT1").last_name == "Other"


# --- invalid rows ----------------------------------------------------------------------


BAD_LOCATIONS = (
    "external_id,name,timezone,is_active",
    "L1,Chicago,America/Chicago,yes",  # line 2
    "L2,Mars Base,Mars/Olympus,yes",  # line 3
    "L3,,America/Denver,maybe",  # line 4
    "L4,Denver,America/Denver,",  # line 5
    f"L5,{'x' * 201},America/Denver,1",  # line 6
)


def test_invalid_rows_are_reported_by_line_and_nothing_is_written(org, write_csv):
    message, stderr = run_rejected("locations", write_csv(*BAD_LOCATIONS), org)

    assert "3 invalid row(s)" in message
    assert "nothing was imported" in message
    assert stderr.splitlines() == [
        "line 3: timezone: Mars/Olympus is not an IANA time zone name (e.g. America/Chicago).",
        'line 4: is_active: "maybe" is not a boolean (use true/false, 1/0 or yes/no)',
        "line 4: name: This field cannot be blank.",
        "line 6: name: Ensure this value has at most 200 characters (it has 201).",
    ]
    assert not Location.objects.filter(org=org).exists()


def test_skip_invalid_imports_the_good_rows_only(org, write_csv):
    out, stderr = run("locations", write_csv(*BAD_LOCATIONS), org, "--skip-invalid")

    assert out.strip() == "locations: 2 created, 0 updated, 0 unchanged, 3 skipped (invalid)"
    assert "line 3: timezone:" in stderr
    assert set(Location.objects.filter(org=org).values_list("external_id", flat=True)) == {
        "L1",
        "L4",
    }


@pytest.mark.parametrize(
    ("kind", "header", "row", "expected"),
    [
        (
            "providers",
            "external_id,first_name,last_name,color",
            "P1,Ann,Lee,red",
            "line 2: color: Colours are #RRGGBB hex strings.",
        ),
        (
            "procedure-codes",
            "code,description",
            "0120,Exam",
            "line 2: code: CDT codes are a D and four digits (e.g. D0120).",
        ),
        (
            "procedure-codes",
            "code,description,default_fee",
            "D0120,Exam,12.345",
            "line 2: default_fee: Ensure that there are no more than 2 decimal places.",
        ),
        (
            "procedure-codes",
            "code,description,default_fee",
            "D0120,Exam,$12",
            "line 2: default_fee: “$12” value must be a decimal number.",
        ),
        (
            "patients",
            "external_id,first_name,last_name,birthdate",
            "PT1,Jane,Doe,02/29/1980",
            "line 2: birthdate: “02/29/1980” value has an invalid date format. "
            "It must be in YYYY-MM-DD format.",
        ),
        (
            "patients",
            "external_id,first_name,last_name,balance_due",
            "PT1,Jane,Doe,12.345",
            "line 2: balance_due: Ensure that there are no more than 2 decimal places.",
        ),
        (
            "patients",
            "external_id,first_name,last_name,email",
            "PT1,Jane,Doe,not-an-email",
            "line 2: email: Enter a valid email address.",
        ),
        (
            "patients",
            "external_id,first_name,last_name",
            ",Jane,Doe",
            "line 2: external_id: is required (rows are matched on it)",
        ),
        (
            "operatories",
            "external_id,location_external_id,name,item_order",
            "OP1,L1,Op 1,first",
            "line 2: item_order: “first” value must be an integer.",
        ),
        (
            "patients",
            "external_id,first_name,last_name",
            "PT1,Jane",
            "line 2: has 2 fields, the header has 3",
        ),
    ],
)
def test_a_bad_value_is_reported_with_its_reason(org, write_csv, kind, header, row, expected):
    LocationFactory(org=org, external_id="L1")

    _, stderr = run_rejected(kind, write_csv(header, row), org)

    assert stderr.splitlines() == [expected]


def test_line_numbers_count_blank_lines_and_multiline_cells(org, write_csv):
    path = write_csv(
        "external_id,first_name,last_name,preferred_name",
        'PT1,Jane,Doe,"two',
        'lines"',
        "",
        "PT2,John,Doe,",
        "PT3,Max,Doe,,extra",  # line 6
    )

    _, stderr = run_rejected("patients", path, org)

    assert stderr.splitlines() == ["line 6: has 5 fields, the header has 4"]


def test_a_repeated_external_id_is_an_error_on_its_later_line(org, write_csv):
    path = write_csv(
        "external_id,first_name,last_name",
        "PT1,Jane,Doe",
        "PT2,John,Roe",
        "PT1,Janet,Doe",
    )

    out, stderr = run("patients", path, org, "--skip-invalid")

    assert stderr.splitlines() == ['line 4: external_id: "PT1" already appears on line 2']
    assert Patient.objects.get(org=org, external_id="PT1").first_name == "Jane"
    assert "2 created" in out


def test_a_repeated_procedure_code_is_an_error(org, write_csv):
    path = write_csv("code,description", "D0120,Exam", "D0120,Exam again")

    _, stderr = run_rejected("procedure-codes", path, org)

    assert stderr.splitlines() == ['line 3: code: "D0120" already appears on line 2']
    assert not ProcedureCode.objects.filter(org=org).exists()


# --- operatories and tenancy -------------------------------------------------------------


def test_an_unknown_location_is_a_row_error(org, write_csv):
    LocationFactory(org=org, external_id="L1")
    path = write_csv(
        "external_id,location_external_id,name",
        "OP1,L1,Op 1",
        "OP2,L9,Op 2",
        "OP3,,Op 3",
    )

    _, stderr = run_rejected("operatories", path, org)

    assert stderr.splitlines() == [
        'line 3: location_external_id: no location "L9" in this organization',
        "line 4: location_external_id: is required",
    ]
    assert not Operatory.objects.exists()


def test_a_location_of_another_org_is_never_linked(org, other_org, write_csv):
    LocationFactory(org=other_org, external_id="L-OTHER")
    path = write_csv("external_id,location_external_id,name", "OP1,L-OTHER,Op 1")

    _, stderr = run_rejected("operatories", path, org)

    assert stderr.splitlines() == [
        'line 2: location_external_id: no location "L-OTHER" in this organization'
    ]
    assert not Operatory.objects.exists()


def test_an_operatory_can_move_to_another_location_of_the_org(org, write_csv):
    OperatoryFactory(org=org, external_id="OP1", location__external_id="L1")
    new_home = LocationFactory(org=org, external_id="L2")

    run("operatories", write_csv("external_id,location_external_id,name", "OP1,L2,Op 1"), org)

    assert Operatory.objects.get(org=org, external_id="OP1").location == new_home


# --- the file and the arguments ---------------------------------------------------------


def test_a_missing_required_column_fails_before_any_row(org, write_csv):
    path = write_csv("external_id,name", "L1,Chicago")

    message, _ = run_rejected("locations", path, org)

    assert "missing required column(s): timezone" in message
    assert not Location.objects.exists()


def test_an_unknown_column_fails(org, write_csv):
    path = write_csv("external_id,first_name,last_name,birth_date", "PT1,Jane,Doe,1980-01-01")

    message, _ = run_rejected("patients", path, org)

    assert "unknown column(s): birth_date" in message
    assert not Patient.objects.exists()


def test_an_empty_file_fails(org, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("")

    message, _ = run_rejected("patients", str(path), org)

    assert "no header row" in message


def test_a_file_that_is_not_utf8_fails(org, write_csv):
    path = write_csv("external_id,first_name,last_name", "PT1,Zoë,Doe", encoding="latin-1")

    message, _ = run_rejected("patients", path, org)

    assert "not UTF-8" in message
    assert not Patient.objects.exists()


def test_the_org_may_be_named(org, other_org, write_csv):
    path = write_csv("external_id,first_name,last_name", "PT1,Jane,Doe")

    call_command("import_reference", "patients", path, "--org", org.name, stdout=io.StringIO())

    assert Patient.objects.filter(org=org, external_id="PT1").exists()
    assert not Patient.objects.filter(org=other_org).exists()


def test_an_unknown_org_fails(db, write_csv):
    path = write_csv("external_id,first_name,last_name", "PT1,Jane,Doe")

    for org in ("No Such Practice", "00000000-0000-0000-0000-000000000000"):
        with pytest.raises(CommandError, match="no organization"):
            call_command("import_reference", "patients", path, "--org", org)
    assert not Patient.objects.exists()


# --- batching ----------------------------------------------------------------------------


def test_thousands_of_rows_are_created_and_updated_in_batches(org, write_csv):
    header = "external_id,first_name,last_name,birthdate"
    existing = [PatientFactory(org=org, external_id=f"PT{n}", last_name="Old") for n in range(5)]
    rows = [f"PT{n},First{n},Last{n},1990-01-{n % 28 + 1:02d}" for n in range(2500)]

    out, _ = run("patients", write_csv(header, *rows), org, "--no-progress")

    assert out.strip() == "patients: 2495 created, 5 updated, 0 unchanged, 0 skipped (invalid)"
    assert Patient.objects.filter(org=org).count() == 2500
    assert Patient.objects.get(pk=existing[3].pk).last_name == "Last3"
    last = Patient.objects.get(org=org, external_id="PT2499")
    assert (last.first_name, last.birthdate) == ("First2499", datetime.date(1990, 1, 8))

    out, _ = run("patients", write_csv(header, *rows, name="again.csv"), org, "--no-progress")

    assert out.strip() == "patients: 0 created, 0 updated, 2500 unchanged, 0 skipped (invalid)"
    assert Patient.objects.filter(org=org).count() == 2500


class TestChartNumbers:
    HEADER = "external_id,first_name,last_name,chart_number"

    def test_a_chart_number_twice_in_a_file_is_an_error(self, org, write_csv):
        path = write_csv(self.HEADER, "PT1,Jane,Doe,C-1", "PT2,John,Roe,C-1")
        _, err = run_rejected("patients", path, org)
        assert 'line 3: chart_number: "C-1" already appears on line 2' in err
        assert not Patient.objects.filter(org=org).exists()

    def test_a_chart_number_of_another_patient_is_an_error(self, org, write_csv):
        PatientFactory(org=org, external_id="OLD", chart_number="C-1")
        path = write_csv(self.HEADER, "PT1,Jane,Doe,C-1", "PT2,John,Roe,C-2")
        out, err = run("patients", path, org, "--skip-invalid")
        assert "1 created" in out
        assert 'line 2: chart_number: "C-1" belongs to another patient (OLD)' in err
        assert Patient.objects.get(org=org, chart_number="C-2").external_id == "PT2"
        assert not Patient.objects.filter(org=org, external_id="PT1").exists()

    def test_re_importing_a_patient_keeps_its_chart_number(self, org, write_csv):
        path = write_csv(self.HEADER, "PT1,Jane,Doe,C-1", "PT2,John,Roe,")
        run("patients", path, org)
        run("patients", path, org)
        assert Patient.objects.filter(org=org, chart_number="C-1").count() == 1

    def test_blank_chart_numbers_may_repeat_and_other_orgs_may_share(
        self, org, other_org, write_csv
    ):
        PatientFactory(org=other_org, chart_number="C-1")
        path = write_csv(self.HEADER, "PT1,Jane,Doe,C-1", "PT2,John,Roe,", "PT3,Ann,Poe,")
        run("patients", path, org)
        assert Patient.objects.filter(org=org).count() == 3

    def test_the_database_refuses_a_second_chart_number(self, org):
        PatientFactory(org=org, chart_number="C-9")
        with pytest.raises(ValidationError):
            Patient(org=org, first_name="A", last_name="B", chart_number="C-9").full_clean()


# --- production goals --------------------------------------------------------------------


class TestGoals:
    """Goals name their provider and location by external id, like an operatory its
    location, and are matched on provider, location and date (they have no id of their own)."""

    HEADER = "provider_external_id,location_external_id,goal_date,goal_amount"

    @pytest.fixture
    def practice(self, org):
        return {
            "ann": ProviderFactory(org=org, external_id="P1"),
            "bob": ProviderFactory(org=org, external_id="P2"),
            "chicago": LocationFactory(org=org, external_id="L1"),
            "denver": LocationFactory(org=org, external_id="L2"),
        }

    def test_goals_are_created(self, org, practice, write_csv):
        path = write_csv(
            self.HEADER,
            "P1,L1,2031-03-03,1500",
            "P1,L2,2031-03-03,800.5",
            "P2,L1,2031-03-03,0",
        )

        out, _ = run("goals", path, org)

        assert out.strip() == "goals: 3 created, 0 updated, 0 unchanged, 0 skipped (invalid)"
        goals = {
            (g.provider.external_id, g.location.external_id): g
            for g in ProductionGoal.objects.filter(org=org)
        }
        assert set(goals) == {("P1", "L1"), ("P1", "L2"), ("P2", "L1")}
        assert goals["P1", "L1"].goal_date == datetime.date(2031, 3, 3)
        assert goals["P1", "L2"].goal_amount == Decimal("800.50")
        assert goals["P2", "L1"].goal_amount == Decimal("0")

    def test_a_reimport_changes_the_amounts_of_the_same_days(self, org, practice, write_csv):
        kept = ProductionGoalFactory(
            org=org,
            provider=practice["ann"],
            location=practice["chicago"],
            goal_date=datetime.date(2031, 3, 3),
            goal_amount=Decimal("1500"),
        )
        changed = ProductionGoalFactory(
            org=org,
            provider=practice["ann"],
            location=practice["chicago"],
            goal_date=datetime.date(2031, 3, 4),
            goal_amount=Decimal("1500"),
        )
        path = write_csv(
            self.HEADER,
            "P1,L1,2031-03-03,1500.00",
            "P1,L1,2031-3-4,1750",
            "P1,L1,2031-03-05,1600",
        )

        out, _ = run("goals", path, org)

        assert out.strip() == "goals: 1 created, 1 updated, 1 unchanged, 0 skipped (invalid)"
        assert ProductionGoal.objects.filter(org=org).count() == 3
        changed.refresh_from_db()
        assert (changed.goal_amount, changed.version) == (Decimal("1750.00"), 2)
        kept.refresh_from_db()
        assert kept.version == 1

    def test_bad_rows_are_reported_by_line(self, org, practice, write_csv):
        path = write_csv(
            self.HEADER,
            "P1,L1,2031-03-03,1500",  # line 2
            "P9,L1,2031-03-03,1500",  # line 3
            "P1,,2031-03-03,1500",  # line 4
            "P1,L1,,1500",  # line 5
            "P2,L1,03/03/2031,1500",  # line 6
            "P2,L1,2031-03-03,-1",  # line 7
            "P2,L2,2031-03-03,12.345",  # line 8
            "P2,L2,2031-03-04,",  # line 9
            "P1,L1,2031-3-3,900",  # line 10: line 2's day again
        )

        message, stderr = run_rejected("goals", path, org)

        assert "8 invalid row(s)" in message
        assert stderr.splitlines() == [
            'line 3: provider_external_id: no provider "P9" in this organization',
            "line 4: location_external_id: is required",
            "line 5: goal_date: is required (rows are matched on it)",
            "line 6: goal_date: “03/03/2031” value has an invalid date format. "
            "It must be in YYYY-MM-DD format.",
            "line 7: goal_amount: Ensure this value is greater than or equal to 0.",
            "line 8: goal_amount: Ensure that there are no more than 2 decimal places.",
            "line 9: goal_amount: This field cannot be null.",
            "line 10: provider_external_id,location_external_id,goal_date: "
            '"P1,L1,2031-3-3" already appears on line 2',
        ]
        assert not ProductionGoal.objects.exists()

    def test_skip_invalid_imports_the_good_rows(self, org, practice, write_csv):
        path = write_csv(self.HEADER, "P1,L1,2031-03-03,1500", "P1,L9,2031-03-03,1500")
        out, stderr = run("goals", path, org, "--skip-invalid")
        assert out.strip() == "goals: 1 created, 0 updated, 0 unchanged, 1 skipped (invalid)"
        assert stderr.splitlines() == [
            'line 3: location_external_id: no location "L9" in this organization'
        ]

    def test_providers_and_locations_of_another_org_are_never_linked(
        self, org, other_org, write_csv
    ):
        ProviderFactory(org=other_org, external_id="P1")
        LocationFactory(org=other_org, external_id="L1")
        path = write_csv(self.HEADER, "P1,L1,2031-03-03,1500")

        _, stderr = run_rejected("goals", path, org)

        assert stderr.splitlines() == [
            'line 2: provider_external_id: no provider "P1" in this organization',
            'line 2: location_external_id: no location "L1" in this organization',
        ]
        assert not ProductionGoal.objects.exists()

    def test_another_orgs_goal_of_the_same_day_is_not_matched(
        self, org, other_org, practice, write_csv
    ):
        theirs = ProductionGoalFactory(org=other_org, goal_date=datetime.date(2031, 3, 3))
        run("goals", write_csv(self.HEADER, "P1,L1,2031-03-03,99"), org)
        theirs.refresh_from_db()
        assert (theirs.goal_amount, theirs.version) == (Decimal("1500.00"), 1)
        assert ProductionGoal.objects.filter(org=org).get().goal_amount == Decimal("99")

    def test_the_help_names_the_columns(self):
        from scheduling.management.commands.import_reference import Command

        text = Command().create_parser("manage.py", "import_reference").format_help()
        assert "goals: provider_external_id,location_external_id,goal_date,goal_amount" in text
