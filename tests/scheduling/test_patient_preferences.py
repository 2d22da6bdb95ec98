"""Patients' scheduling preferences: one per patient (race-free), the rules of each field,
a person's write making the preference theirs, GET/PUT by patient (null when none, an
upsert guarded by base_version), and the ranking the free-time search calls."""

from datetime import date, time

import pytest

from scheduling.models import PatientPreference, Role
from scheduling.schedule.preferences import (
    FIT_INSIDE_WINDOW,
    FIT_MAX,
    FIT_OPERATORY,
    FIT_OVERLAPS_WINDOW,
    FIT_PROVIDER,
    FIT_WEEKDAY,
    preference_fit,
    preference_for,
)
from tests.concurrency import run_concurrently
from tests.conftest import api_for
from tests.factories import (
    LocationFactory,
    OperatoryFactory,
    PatientFactory,
    PatientPreferenceFactory,
    ProviderFactory,
)

pytestmark = pytest.mark.django_db

PREFERENCES = "schedule/patient-preferences"
FIELDS = {
    "id", "created_at", "updated_at", "version", "patient", "preferred_provider",
    "preferred_operatory", "preferred_days", "preferred_time_start", "preferred_time_end",
    "preferred_contact_method", "notes", "learned_from_history",
}  # fmt: skip


def by_patient(patient) -> str:
    return f"{PREFERENCES}/by-patient/{patient.uuid}"


@pytest.fixture
def patient(org):
    return PatientFactory(org=org, first_name="Ada", last_name="Lovelace")


@pytest.fixture
def provider(org):
    return ProviderFactory(org=org, first_name="Grace", last_name="Hopper")


@pytest.fixture
def chair(org, location):
    return OperatoryFactory(org=org, location=location, name="Op 1")


def full_body(patient, provider, chair, **fields) -> dict:
    return {
        "patient_uuid": str(patient.uuid),
        "preferred_provider_uuid": str(provider.uuid),
        "preferred_operatory_uuid": str(chair.uuid),
        "preferred_days": [3, 1],
        "preferred_time_start": "08:00",
        "preferred_time_end": "11:30:00",
        "preferred_contact_method": "sms",
        "notes": "Needs the ramp",
        **fields,
    }


def errors_at(response, *loc) -> list[dict]:
    assert response.status_code == 422, response.json()
    return [e for e in response.json()["detail"] if e["loc"] == ["body", *loc]]


# --- create -------------------------------------------------------------------------------


class TestCreate:
    def test_every_field_round_trips(self, staff_client, patient, provider, chair):
        response = staff_client.post(PREFERENCES, full_body(patient, provider, chair))

        assert response.status_code == 201, response.json()
        body = response.json()
        assert set(body) == FIELDS
        assert body["patient"] == {"id": str(patient.uuid), "name": patient.name}
        assert body["preferred_provider"]["id"] == str(provider.uuid)
        assert body["preferred_operatory"] == {"id": str(chair.uuid), "name": "Op 1"}
        assert body["preferred_days"] == [1, 3]  # kept in weekday order
        assert (body["preferred_time_start"], body["preferred_time_end"]) == (
            "08:00:00",
            "11:30:00",
        )
        assert (body["preferred_contact_method"], body["notes"]) == ("sms", "Needs the ramp")
        assert (body["learned_from_history"], body["version"]) == (False, 1)
        assert staff_client.get(f"{PREFERENCES}/{body['id']}").json() == body

    def test_a_patient_alone_is_a_preference_with_nothing_set(self, staff_client, patient):
        response = staff_client.post(PREFERENCES, {"patient_uuid": str(patient.uuid)})
        assert response.status_code == 201, response.json()
        body = response.json()
        assert body["preferred_provider"] is None and body["preferred_operatory"] is None
        assert body["preferred_days"] == [] and body["notes"] == ""
        assert body["preferred_time_start"] is None and body["preferred_time_end"] is None
        assert body["preferred_contact_method"] is None

    def test_learned_from_history_may_be_given(self, staff_client, patient):
        body = {"patient_uuid": str(patient.uuid), "learned_from_history": True}
        assert staff_client.post(PREFERENCES, body).json()["learned_from_history"] is True

    def test_a_second_for_the_patient_is_409(self, staff_client, patient):
        PatientPreferenceFactory(org=patient.org, patient=patient)
        response = staff_client.post(PREFERENCES, {"patient_uuid": str(patient.uuid)})
        assert response.status_code == 409
        assert response.json()["code"] == "DUPLICATE_PREFERENCE"
        assert PatientPreference.objects.count() == 1

    def test_a_patient_is_required(self, staff_client):
        assert errors_at(staff_client.post(PREFERENCES, {"notes": "x"}), "patient_uuid")

    @pytest.mark.parametrize(
        "field", ["patient_uuid", "preferred_provider_uuid", "preferred_operatory_uuid"]
    )
    def test_unknown_or_another_orgs_ids_are_404_naming_the_field(
        self, staff_client, other_org, patient, provider, chair, field
    ):
        theirs = {
            "patient_uuid": PatientFactory(org=other_org),
            "preferred_provider_uuid": ProviderFactory(org=other_org),
            "preferred_operatory_uuid": OperatoryFactory(org=other_org),
        }[field]
        for value in (str(theirs.uuid), "00000000-0000-4000-8000-000000000000"):
            body = full_body(patient, provider, chair, **{field: value})
            response = staff_client.post(PREFERENCES, body)
            assert response.status_code == 404
            assert response.json()["errors"][0]["loc"] == ["body", field]
        assert not PatientPreference.objects.exists()

    @pytest.mark.parametrize("field", ["preferred_provider_uuid", "preferred_operatory_uuid"])
    def test_an_inactive_provider_or_operatory_is_422(
        self, staff_client, patient, provider, chair, field
    ):
        row = provider if field == "preferred_provider_uuid" else chair
        type(row).objects.filter(pk=row.pk).update(is_active=False)
        (error,) = errors_at(
            staff_client.post(PREFERENCES, full_body(patient, provider, chair)), field
        )
        assert error["type"] == "inactive"

    def test_an_operatory_at_a_forbidden_location_is_403(
        self, limited_client, org, patient, second_location
    ):
        elsewhere = OperatoryFactory(org=org, location=second_location)
        body = {"patient_uuid": str(patient.uuid), "preferred_operatory_uuid": str(elsewhere.uuid)}
        assert limited_client.post(PREFERENCES, body).status_code == 403

    @pytest.mark.parametrize(
        ("days", "loc"),
        [
            ([7], ("preferred_days", 0)),
            ([0, -1], ("preferred_days", 1)),
            ([1.5], ("preferred_days", 0)),
            (["Monday"], ("preferred_days", 0)),
            ("0,1", ("preferred_days",)),
            ([0, 1, 2, 3, 4, 5, 6, 0], ("preferred_days",)),
            ([2, 4, 2], ("preferred_days",)),
        ],
        ids=["seven", "negative", "fraction", "name", "string", "eight", "repeat"],
    )
    def test_preferred_days_are_0_to_6_each_once(self, staff_client, patient, days, loc):
        body = {"patient_uuid": str(patient.uuid), "preferred_days": days}
        assert errors_at(staff_client.post(PREFERENCES, body), *loc)
        assert not PatientPreference.objects.exists()

    def test_a_repeated_day_says_so(self, staff_client, patient):
        body = {"patient_uuid": str(patient.uuid), "preferred_days": [2, 4, 2]}
        (error,) = errors_at(staff_client.post(PREFERENCES, body), "preferred_days")
        assert error["type"] == "duplicate"

    def test_every_day_once_is_fine(self, staff_client, patient):
        body = {"patient_uuid": str(patient.uuid), "preferred_days": [6, 5, 4, 3, 2, 1, 0]}
        assert staff_client.post(PREFERENCES, body).json()["preferred_days"] == list(range(7))

    @pytest.mark.parametrize("method", ["fax", "SMS", "", "carrier pigeon", 1])
    def test_contact_method_is_one_of_five(self, staff_client, patient, method):
        body = {"patient_uuid": str(patient.uuid), "preferred_contact_method": method}
        (error,) = errors_at(staff_client.post(PREFERENCES, body), "preferred_contact_method")
        assert error["type"] == "invalid_choice"

    @pytest.mark.parametrize("method", ["sms", "email", "phone", "app_notification", "none"])
    def test_each_contact_method_is_accepted(self, staff_client, patient, method):
        body = {"patient_uuid": str(patient.uuid), "preferred_contact_method": method}
        assert staff_client.post(PREFERENCES, body).json()["preferred_contact_method"] == method

    @pytest.mark.parametrize(
        ("start", "end"), [("12:00", "09:00"), ("09:00", "09:00")], ids=["reversed", "empty"]
    )
    def test_the_window_starts_before_it_ends(self, staff_client, patient, start, end):
        body = {
            "patient_uuid": str(patient.uuid),
            "preferred_time_start": start,
            "preferred_time_end": end,
        }
        (error,) = errors_at(staff_client.post(PREFERENCES, body), "preferred_time_end")
        assert error["type"] == "invalid_interval"

    @pytest.mark.parametrize("field", ["preferred_time_start", "preferred_time_end"])
    def test_a_window_may_be_open_on_one_side(self, staff_client, patient, field):
        body = {"patient_uuid": str(patient.uuid), field: "15:00"}
        assert staff_client.post(PREFERENCES, body).json()[field] == "15:00:00"

    @pytest.mark.parametrize("value", ["25:00", "9am", "09:00:00Z", 900])
    def test_times_are_wall_times(self, staff_client, patient, value):
        body = {"patient_uuid": str(patient.uuid), "preferred_time_start": value}
        assert errors_at(staff_client.post(PREFERENCES, body), "preferred_time_start")

    def test_viewers_read_but_do_not_write(self, org, patient):
        viewer = api_for(org, Role.VIEWER)
        response = viewer.post(PREFERENCES, {"patient_uuid": str(patient.uuid)})
        assert response.status_code == 403
        PatientPreferenceFactory(org=org, patient=patient)
        assert viewer.get(by_patient(patient)).json()["patient"]["id"] == str(patient.uuid)


@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_for_one_patient_leave_one_and_the_others_409(org):
    patient = PatientFactory(org=org)
    clients = [api_for(org, Role.STAFF) for _ in range(4)]
    responses = run_concurrently(
        len(clients),
        lambda i: clients[i].post(PREFERENCES, {"patient_uuid": str(patient.uuid)}),
    )
    assert sorted(r.status_code for r in responses) == [201, 409, 409, 409]
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"DUPLICATE_PREFERENCE"}
    assert PatientPreference.objects.filter(org=org).count() == 1


# --- list and detail ----------------------------------------------------------------------


class TestList:
    def test_by_id_and_filtered_by_patient(self, admin_client, org, patient):
        first = PatientPreferenceFactory(org=org)
        mine = PatientPreferenceFactory(org=org, patient=patient)
        last = PatientPreferenceFactory(org=org)
        body = admin_client.get(PREFERENCES).json()
        assert [item["id"] for item in body["items"]] == [str(p.uuid) for p in (first, mine, last)]
        only = admin_client.get(PREFERENCES, {"patient_uuid": str(patient.uuid)}).json()
        assert [item["id"] for item in only["items"]] == [str(mine.uuid)]
        assert only["total"] == 1

    def test_an_unknown_patient_in_the_filter_is_404(self, admin_client, other_org):
        theirs = PatientFactory(org=other_org)
        response = admin_client.get(PREFERENCES, {"patient_uuid": str(theirs.uuid)})
        assert response.status_code == 404

    def test_another_orgs_preference_is_404(self, admin_client, other_org):
        theirs = PatientPreferenceFactory(org=other_org)
        assert admin_client.get(f"{PREFERENCES}/{theirs.uuid}").status_code == 404


# --- update and delete --------------------------------------------------------------------


class TestUpdate:
    def test_a_persons_change_makes_a_learned_preference_theirs(self, staff_client, org):
        learned = PatientPreferenceFactory(
            org=org, learned_from_history=True, preferred_days=[1], notes=""
        )
        response = staff_client.patch(
            f"{PREFERENCES}/{learned.uuid}", {"base_version": 1, "notes": "Confirmed by phone"}
        )
        assert response.status_code == 200, response.json()
        body = response.json()
        assert (body["notes"], body["preferred_days"]) == ("Confirmed by phone", [1])
        assert (body["learned_from_history"], body["version"]) == (False, 2)

    def test_learned_from_history_stays_when_the_body_says_so(self, staff_client, org):
        learned = PatientPreferenceFactory(org=org, learned_from_history=True)
        response = staff_client.patch(
            f"{PREFERENCES}/{learned.uuid}",
            {"base_version": 1, "preferred_days": [0], "learned_from_history": True},
        )
        assert response.json()["learned_from_history"] is True

    def test_null_means_unchanged_and_an_empty_list_clears_the_days(
        self, staff_client, org, provider
    ):
        preference = PatientPreferenceFactory(
            org=org, preferred_provider=provider, preferred_days=[2], notes="keep"
        )
        response = staff_client.patch(
            f"{PREFERENCES}/{preference.uuid}",
            {"base_version": 1, "preferred_provider_uuid": None, "preferred_days": []},
        )
        body = response.json()
        assert body["preferred_provider"]["id"] == str(provider.uuid)
        assert (body["preferred_days"], body["notes"]) == ([], "keep")

    def test_the_window_is_checked_as_it_would_be_left(self, staff_client, org):
        preference = PatientPreferenceFactory(org=org, preferred_time_end=time(12, 0))
        response = staff_client.patch(
            f"{PREFERENCES}/{preference.uuid}",
            {"base_version": 1, "preferred_time_start": "13:00"},
        )
        (error,) = errors_at(response, "preferred_time_end")
        assert error["type"] == "invalid_interval"
        preference.refresh_from_db()
        assert (preference.preferred_time_start, preference.version) == (None, 1)

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("preferred_days", [9]),
            ("preferred_days", [3, 3]),
            ("preferred_contact_method", "fax"),
            ("preferred_time_end", "noon"),
            ("learned_from_history", "sometimes"),
            ("patient_uuid", "00000000-0000-4000-8000-000000000000"),
        ],
    )
    def test_invalid_values_are_422_naming_the_field(self, staff_client, org, field, value):
        preference = PatientPreferenceFactory(org=org)
        response = staff_client.patch(
            f"{PREFERENCES}/{preference.uuid}", {"base_version": 1, field: value}
        )
        assert response.status_code == 422
        assert any(e["loc"][:2] == ["body", field] for e in response.json()["detail"])

    def test_stale_and_missing_base_version(self, staff_client, org):
        preference = PatientPreferenceFactory(org=org)
        path = f"{PREFERENCES}/{preference.uuid}"
        assert errors_at(staff_client.patch(path, {"notes": "x"}), "base_version")
        stale = staff_client.patch(path, {"base_version": 3, "notes": "x"})
        assert (stale.status_code, stale.json()["code"]) == (409, "VERSION_CONFLICT")

    def test_delete_is_for_good(self, staff_client, org, patient):
        preference = PatientPreferenceFactory(org=org, patient=patient)
        assert staff_client.delete(f"{PREFERENCES}/{preference.uuid}").status_code == 204
        assert staff_client.get(f"{PREFERENCES}/{preference.uuid}").status_code == 404
        assert staff_client.get(by_patient(patient)).json() is None


# --- by patient ---------------------------------------------------------------------------


class TestByPatient:
    def test_null_when_the_patient_has_none(self, admin_client, patient):
        response = admin_client.get(by_patient(patient))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/json"
        assert response.content == b"null"

    def test_the_preference_when_there_is_one(self, admin_client, org, patient):
        preference = PatientPreferenceFactory(org=org, patient=patient, preferred_days=[4])
        body = admin_client.get(by_patient(patient)).json()
        assert (body["id"], body["preferred_days"]) == (str(preference.uuid), [4])

    def test_an_unknown_or_another_orgs_patient_is_404(self, admin_client, other_org):
        theirs = PatientFactory(org=other_org)
        PatientPreferenceFactory(org=other_org, patient=theirs)
        for response in (
            admin_client.get(by_patient(theirs)),
            admin_client.put(by_patient(theirs), {"notes": "x"}),
        ):
            assert response.status_code == 404
            assert response.json() == {"detail": "Patient not found.", "code": "NOT_FOUND"}

    def test_put_creates_without_base_version(self, staff_client, patient, provider):
        response = staff_client.put(
            by_patient(patient),
            {"preferred_provider_uuid": str(provider.uuid), "preferred_days": [0]},
        )
        assert response.status_code == 201, response.json()
        body = response.json()
        assert (body["patient"]["id"], body["version"]) == (str(patient.uuid), 1)
        assert body["learned_from_history"] is False

    def test_put_with_base_version_when_there_is_none_is_409(self, staff_client, patient):
        response = staff_client.put(by_patient(patient), {"base_version": 1, "notes": "x"})
        assert response.status_code == 409
        assert (response.json()["code"], response.json()["current_version"]) == (
            "VERSION_CONFLICT",
            None,
        )
        assert not PatientPreference.objects.exists()

    def test_put_needs_base_version_once_there_is_one(self, staff_client, org, patient):
        PatientPreferenceFactory(org=org, patient=patient, notes="old")
        response = staff_client.put(by_patient(patient), {"notes": "new"})
        (error,) = errors_at(response, "base_version")
        assert "version 1" in error["msg"]
        stale = staff_client.put(by_patient(patient), {"base_version": 2, "notes": "new"})
        assert (stale.status_code, stale.json()["code"]) == (409, "VERSION_CONFLICT")
        assert PatientPreference.objects.get().notes == "old"

    def test_put_replaces_the_whole_preference(self, staff_client, org, patient, provider, chair):
        preference = PatientPreferenceFactory(
            org=org,
            patient=patient,
            preferred_provider=provider,
            preferred_operatory=chair,
            preferred_days=[1, 2],
            preferred_time_start=time(8),
            preferred_time_end=time(10),
            preferred_contact_method="email",
            notes="old",
            learned_from_history=True,
        )
        response = staff_client.put(
            by_patient(patient), {"base_version": 1, "preferred_days": [5], "notes": None}
        )
        assert response.status_code == 200, response.json()
        body = response.json()
        assert body["id"] == str(preference.uuid) and body["version"] == 2
        assert body["preferred_days"] == [5]
        cleared = ("preferred_provider", "preferred_operatory", "preferred_time_start")
        assert all(body[name] is None for name in cleared)
        assert (body["preferred_contact_method"], body["notes"]) == (None, "")
        assert body["learned_from_history"] is False  # a person wrote it

    def test_put_keeps_learned_from_history_when_sent(self, staff_client, org, patient):
        PatientPreferenceFactory(org=org, patient=patient, learned_from_history=True)
        response = staff_client.put(
            by_patient(patient), {"base_version": 1, "learned_from_history": True}
        )
        assert response.json()["learned_from_history"] is True

    def test_put_checks_the_fields_like_a_create(self, staff_client, patient, provider):
        provider.is_active = False
        provider.save()
        response = staff_client.put(by_patient(patient), {"preferred_days": [1, 1]})
        assert errors_at(response, "preferred_days")
        body = {"preferred_provider_uuid": str(provider.uuid)}
        assert errors_at(staff_client.put(by_patient(patient), body), "preferred_provider_uuid")
        assert not PatientPreference.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_first_puts_leave_one_preference(org):
    """Of several first PUTs at once one creates; the others are told it exists (409)."""
    patient = PatientFactory(org=org)
    clients = [api_for(org, Role.STAFF) for _ in range(4)]
    responses = run_concurrently(
        len(clients),
        lambda i: clients[i].put(by_patient(patient), {"preferred_days": [i]}),
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses[0] == 201 and statuses.count(201) == 1
    # Those that saw none and lost the insert: 409; those that saw the winner's: 422.
    assert set(statuses[1:]) <= {409, 422}
    codes = {r.json().get("code") for r in responses if r.status_code == 409}
    assert codes <= {"DUPLICATE_PREFERENCE"}
    assert PatientPreference.objects.filter(org=org).count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_updating_puts_one_wins(org):
    patient = PatientFactory(org=org)
    PatientPreferenceFactory(org=org, patient=patient)
    clients = [api_for(org, Role.STAFF) for _ in range(4)]
    responses = run_concurrently(
        len(clients),
        lambda i: clients[i].put(by_patient(patient), {"base_version": 1, "notes": f"{i}"}),
    )
    assert sorted(r.status_code for r in responses) == [200, 409, 409, 409]
    assert PatientPreference.objects.get().version == 2


# --- ranking for the free-time search -----------------------------------------------------

MONDAY = date(2033, 3, 7)


class TestPreferenceFit:
    @pytest.fixture
    def preference(self, org, provider, chair):
        return PatientPreferenceFactory(
            org=org,
            preferred_provider=provider,
            preferred_operatory=chair,
            preferred_days=[0, 2],
            preferred_time_start=time(8),
            preferred_time_end=time(12),
        )

    def fit(self, preference, *, provider_id=None, operatory_id=None, day=MONDAY, at=(9, 10)):
        return preference_fit(
            preference,
            provider_id=provider_id,
            operatory_id=operatory_id,
            local_date=day,
            local_start=time(at[0]),
            local_end=time(at[1]),
        )

    def test_everything_met_is_the_best_fit(self, preference, provider, chair):
        fit = self.fit(preference, provider_id=provider.pk, operatory_id=chair.pk)
        assert fit == FIT_MAX

    def test_each_part_counts_and_the_provider_counts_most(self, preference, provider, chair):
        tuesday = date(2033, 3, 8)
        assert self.fit(preference, day=tuesday, at=(13, 14)) == 0
        assert self.fit(preference, provider_id=provider.pk, day=tuesday, at=(13, 14)) == (
            FIT_PROVIDER
        )
        assert self.fit(preference, day=MONDAY, at=(13, 14)) == FIT_WEEKDAY
        assert self.fit(preference, day=tuesday) == FIT_INSIDE_WINDOW
        assert self.fit(preference, operatory_id=chair.pk, day=tuesday, at=(13, 14)) == (
            FIT_OPERATORY
        )
        # The provider alone beats every other part together.
        everything_else = self.fit(preference, operatory_id=chair.pk)
        assert everything_else < FIT_PROVIDER

    def test_the_window_is_half_open_and_overlapping_counts_less(self, preference):
        tuesday = date(2033, 3, 8)
        assert self.fit(preference, day=tuesday, at=(11, 12)) == FIT_INSIDE_WINDOW
        assert self.fit(preference, day=tuesday, at=(11, 13)) == FIT_OVERLAPS_WINDOW
        assert self.fit(preference, day=tuesday, at=(7, 9)) == FIT_OVERLAPS_WINDOW
        assert self.fit(preference, day=tuesday, at=(12, 13)) == 0  # starts as it ends
        assert self.fit(preference, day=tuesday, at=(7, 8)) == 0

    def test_an_open_ended_window(self, org):
        after_three = PatientPreferenceFactory(org=org, preferred_time_start=time(15))
        assert self.fit(after_three, at=(15, 16)) == FIT_INSIDE_WINDOW
        assert self.fit(after_three, at=(14, 16)) == FIT_OVERLAPS_WINDOW
        assert self.fit(after_three, at=(9, 10)) == 0

    def test_no_preference_or_an_empty_one_fits_everything_alike(self, org, provider, chair):
        empty = PatientPreferenceFactory(org=org)
        for preference in (None, empty):
            assert self.fit(preference, provider_id=provider.pk, operatory_id=chair.pk) == 0

    def test_a_slot_without_provider_or_chair_never_matches_an_unset_one(self, org):
        empty = PatientPreferenceFactory(org=org)  # provider and operatory are None
        assert self.fit(empty, provider_id=None, operatory_id=None) == 0

    def test_preference_for_reads_the_patients_in_the_org(
        self, org, other_org, patient, django_assert_num_queries
    ):
        preference = PatientPreferenceFactory(org=org, patient=patient)
        with django_assert_num_queries(1):
            assert preference_for(org.pk, patient.pk) == preference
        assert preference_for(other_org.pk, patient.pk) is None
        assert preference_for(org.pk, PatientFactory(org=org).pk) is None

    def test_fit_makes_no_query(self, preference, provider, chair, django_assert_num_queries):
        fresh = PatientPreference.objects.get(pk=preference.pk)
        with django_assert_num_queries(0):
            self.fit(fresh, provider_id=provider.pk, operatory_id=chair.pk)


def test_a_preference_in_another_location_is_shown_to_every_member(org, second_location):
    """Preferences are org-wide like patients; the chair they name is shown as a reference."""
    chair = OperatoryFactory(org=org, location=second_location)
    preference = PatientPreferenceFactory(org=org, preferred_operatory=chair)
    limited = api_for(org, Role.STAFF, locations=[LocationFactory(org=org)])
    body = limited.get(f"{PREFERENCES}/{preference.uuid}").json()
    assert body["preferred_operatory"]["id"] == str(chair.uuid)
