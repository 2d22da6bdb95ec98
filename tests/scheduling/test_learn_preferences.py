"""``manage.py learn_preferences``: preferences learned from completed appointments at
the location's wall clock, never over a person's, in a constant number of queries."""

from datetime import date, time, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from appointments.services.preferences import MIN_VISITS, preferences_learn
from scheduling.models import PatientPreference
from scheduling.schedule.preferences import LearnedPreference
from scheduling.schedule.services import preferences_apply_learned
from scheduling.timezones import to_utc
from tests.factories import (
    AppointmentFactory,
    AppointmentProviderFactory,
    LocationFactory,
    OperatoryFactory,
    PatientFactory,
    PatientPreferenceFactory,
    ProviderFactory,
)

pytestmark = pytest.mark.django_db

TUESDAY = date(2031, 1, 7)  # winter (CST); TUESDAY + 26 weeks is in summer (CDT)


@pytest.fixture
def chair(org, location):
    return OperatoryFactory(org=org, location=location)


@pytest.fixture
def dentist(org):
    return ProviderFactory(org=org)


def visit(patient, chair, day, start, end, *providers, status="complete"):
    """An appointment of ``patient`` in ``chair`` from ``start`` to ``end`` (local wall
    times at the chair's location) on ``day``."""
    zone = chair.location.timezone
    appointment = AppointmentFactory(
        org=patient.org,
        patient=patient,
        operatory=chair,
        status=status,
        start_at=to_utc(day, start, zone),
        end_at=to_utc(day, end, zone),
    )
    for provider in providers:
        AppointmentProviderFactory(org=patient.org, appointment=appointment, provider=provider)
    return appointment


def tuesdays_at_nine(patient, chair, provider, weeks=(0, 13, 26)):
    for week in weeks:
        visit(patient, chair, TUESDAY + timedelta(weeks=week), time(9), time(10), provider)


def learn(org) -> dict:
    """Run the command; the patients' preferences afterwards, by patient id."""
    out = StringIO()
    call_command("learn_preferences", "--org", org.name, stdout=out)
    learn.output = out.getvalue()
    return {p.patient_id: p for p in PatientPreference.objects.filter(org=org)}


class TestWhatIsLearned:
    def test_the_habit_of_a_patient(self, org, location, chair, dentist):
        patient = PatientFactory(org=org)
        tuesdays_at_nine(patient, chair, dentist)
        visit(patient, OperatoryFactory(org=org, location=location), TUESDAY + timedelta(weeks=39),
              time(14), time(15), ProviderFactory(org=org))  # fmt: skip

        preference = learn(org)[patient.pk]

        assert preference.learned_from_history is True
        assert preference.preferred_provider == dentist
        assert preference.preferred_operatory == chair
        assert preference.preferred_days == [1]  # Tuesday
        # Starts 9, 9, 9, 14: 25th percentile 09:00; ends 10, 10, 10, 15: 75th 10:00.
        assert (preference.preferred_time_start, preference.preferred_time_end) == (
            time(9),
            time(10),
        )
        assert (preference.preferred_contact_method, preference.notes) == ("", "")

    def test_local_times_at_the_location_whatever_the_season_or_zone(self, org, dentist):
        new_york = LocationFactory(org=org, timezone="America/New_York")
        chair = OperatoryFactory(org=org, location=new_york)
        patient = PatientFactory(org=org)
        # 09:00 New York time: 14:00 UTC in winter (EST), 13:00 in summer (EDT).
        tuesdays_at_nine(patient, chair, dentist, weeks=(0, 26, 52))
        preference = learn(org)[patient.pk]
        assert (preference.preferred_time_start, preference.preferred_time_end) == (
            time(9),
            time(10),
        )
        assert preference.preferred_days == [1]

    def test_the_window_is_rounded_outwards_to_the_quarter_hour(self, org, chair, dentist):
        patient = PatientFactory(org=org)
        for week, (start, end) in enumerate(
            [((8, 50), (9, 40)), ((9, 5), (9, 55)), ((9, 10), (10, 5)), ((13, 0), (13, 30))]
        ):
            visit(patient, chair, TUESDAY + timedelta(weeks=week), time(*start), time(*end))
        preference = learn(org)[patient.pk]
        # Starts: 25th percentile 08:50 → 08:45; ends 09:40, 09:55, 10:05, 13:30: 75th
        # percentile 10:05 → 10:15.
        assert (preference.preferred_time_start, preference.preferred_time_end) == (
            time(8, 45),
            time(10, 15),
        )

    def test_no_favourite_when_nothing_stands_out(self, org, location):
        patient = PatientFactory(org=org)
        for week in range(4):  # four providers, four chairs, Monday to Thursday
            visit(
                patient,
                OperatoryFactory(org=org, location=location),
                TUESDAY + timedelta(weeks=week, days=week - 1),
                time(9),
                time(10),
                ProviderFactory(org=org),
            )
        preference = learn(org)[patient.pk]
        assert preference.preferred_provider is None and preference.preferred_operatory is None
        assert preference.preferred_days == []
        assert preference.preferred_time_start == time(9)  # a window is always learned

    def test_of_two_as_frequent_the_provider_seen_last(self, org, chair):
        first, last = ProviderFactory(org=org), ProviderFactory(org=org)
        patient = PatientFactory(org=org)
        for week, provider in enumerate([first, last, first, last]):
            visit(patient, chair, TUESDAY + timedelta(weeks=week), time(9), time(10), provider)
        assert learn(org)[patient.pk].preferred_provider == last

    def test_a_provider_on_two_visits_of_three_is_preferred_and_days_need_two(
        self, org, chair, dentist
    ):
        patient = PatientFactory(org=org)
        visit(patient, chair, TUESDAY, time(9), time(10), dentist)
        visit(patient, chair, TUESDAY + timedelta(days=1), time(9), time(10), dentist)
        visit(patient, chair, TUESDAY + timedelta(days=2), time(9), time(10))
        preference = learn(org)[patient.pk]
        assert preference.preferred_provider == dentist
        assert preference.preferred_days == []  # one visit each day: no habit

    def test_inactive_providers_and_chairs_are_not_learned(self, org, chair, dentist):
        patient = PatientFactory(org=org)
        tuesdays_at_nine(patient, chair, dentist)
        type(dentist).objects.filter(pk=dentist.pk).update(is_active=False)
        type(chair).objects.filter(pk=chair.pk).update(is_active=False)
        preference = learn(org)[patient.pk]
        assert preference.preferred_provider is None and preference.preferred_operatory is None
        assert preference.preferred_days == [1]

    def test_only_completed_visits_count_and_a_few_are_not_enough(self, org, chair, dentist):
        few = PatientFactory(org=org)
        tuesdays_at_nine(few, chair, dentist, weeks=range(MIN_VISITS - 1))
        booked = PatientFactory(org=org)
        for week, status in enumerate(["scheduled", "cancelled", "broken", "planned"]):
            visit(booked, chair, TUESDAY + timedelta(weeks=week), time(9), time(10), dentist,
                  status=status)  # fmt: skip
        visit(booked, chair, TUESDAY + timedelta(weeks=9), time(9), time(10), dentist)

        assert learn(org) == {}
        assert "2 patients with fewer than 3 completed visits left alone" in learn.output

    def test_other_orgs_are_untouched(self, org, other_org, chair, dentist):
        theirs = OperatoryFactory(org=other_org)
        patient = PatientFactory(org=other_org)
        tuesdays_at_nine(patient, theirs, ProviderFactory(org=other_org))
        learn(org)
        assert not PatientPreference.objects.filter(org=other_org).exists()


class TestWhatIsWritten:
    def test_a_persons_preference_is_never_overwritten(self, org, chair, dentist):
        patient = PatientFactory(org=org)
        tuesdays_at_nine(patient, chair, dentist)
        entered = PatientPreferenceFactory(
            org=org, patient=patient, preferred_days=[4], notes="Fridays only"
        )
        learn(org)
        entered.refresh_from_db()
        assert (entered.preferred_days, entered.version, entered.learned_from_history) == (
            [4],
            1,
            False,
        )
        assert "0 created, 0 updated, 0 unchanged, 1 skipped" in learn.output

    def test_an_earlier_learned_preference_is_updated_then_left_unchanged(
        self, org, chair, dentist
    ):
        patient = PatientFactory(org=org)
        tuesdays_at_nine(patient, chair, dentist)
        earlier = PatientPreferenceFactory(
            org=org, patient=patient, learned_from_history=True, preferred_days=[0]
        )
        assert learn(org)[patient.pk].preferred_days == [1]
        earlier.refresh_from_db()
        assert (earlier.version, earlier.preferred_provider) == (2, dentist)
        assert learn.output.startswith("preferences: 0 created, 1 updated, 0 unchanged")

        learn(org)
        earlier.refresh_from_db()
        assert earlier.version == 2
        assert learn.output.startswith("preferences: 0 created, 0 updated, 1 unchanged")

    def test_a_new_preference_starts_at_version_one(self, org, chair, dentist):
        patient = PatientFactory(org=org)
        tuesdays_at_nine(patient, chair, dentist)
        preference = learn(org)[patient.pk]
        assert preference.version == 1
        assert learn.output.startswith("preferences: 1 created, 0 updated, 0 unchanged, 0 skipped")

    def test_a_preference_entered_meanwhile_wins(self, org, monkeypatch):
        """Learning read no preference; a person entered one before the insert."""
        patient = PatientFactory(org=org)
        learned = LearnedPreference(patient_id=patient.pk, days=(1,), visits=3)
        entered = PatientPreferenceFactory(org=org, patient=patient, notes="entered")
        # The writer reads the table itself: the person's row is found and skipped …
        summary = preferences_apply_learned(org=org, learned=[learned])
        assert (summary.created, summary.skipped) == (0, 1)
        # … and a row it could not see (deleted here, inserted "meanwhile") is not
        # overwritten either: the insert skips it on the unique constraint.
        entered.delete()
        other = PatientPreferenceFactory.build(org=org, patient=patient, notes="entered")
        real_bulk_create = PatientPreference.objects.bulk_create

        def insert_first(rows, **kwargs):
            other.save()
            return real_bulk_create(rows, **kwargs)

        monkeypatch.setattr(PatientPreference.objects, "bulk_create", insert_first)
        summary = preferences_apply_learned(org=org, learned=[learned])
        assert (summary.created, summary.skipped) == (0, 1)
        assert PatientPreference.objects.get(patient=patient).notes == "entered"

    def test_queries_do_not_grow_with_patients(self, org, chair, dentist):
        def queries(patients: int) -> int:
            for _ in range(patients):
                tuesdays_at_nine(PatientFactory(org=org), chair, dentist)
            PatientPreference.objects.filter(org=org).update(preferred_days=[6])  # all stale
            with CaptureQueriesContext(connection) as ctx:
                preferences_learn(org=org)
            return len(ctx.captured_queries)

        few = queries(2)  # 2 created
        many = queries(10)  # 10 created, 2 updated
        assert many == few + 1  # a bulk update, now that there are learned rows to change
        assert PatientPreference.objects.filter(org=org, learned_from_history=True).count() == 12


class TestCommand:
    def test_the_org_by_uuid_and_a_dry_run_writes_nothing(self, org, chair, dentist):
        tuesdays_at_nine(PatientFactory(org=org), chair, dentist)
        out = StringIO()
        call_command("learn_preferences", "--org", str(org.uuid), "--dry-run", stdout=out)
        assert out.getvalue().strip() == (
            "preferences: 1 created, 0 updated, 0 unchanged, 0 skipped (entered by a person); "
            "0 patients with fewer than 3 completed visits left alone (dry run: nothing written)"
        )
        assert not PatientPreference.objects.exists()

    def test_an_unknown_org_is_an_error(self, db):
        with pytest.raises(CommandError, match="no organization"):
            call_command("learn_preferences", "--org", "Nobody's Practice")
