"""The unfiltered appointment list's ``total`` comes from the tally the database keeps
(``appointments.tally``): it must equal the count of the rows the caller may list after
every kind of write, for every kind of member, and stay exact while it is folded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Sum

from appointments import tally
from appointments.models import Appointment, AppointmentStatus, AppointmentTag, AppointmentTally
from scheduling.access import Access
from scheduling.models import Role
from tests.appointments.conftest import DAY
from tests.concurrency import run_concurrently
from tests.conftest import api_for
from tests.factories import (
    AppointmentFactory,
    AppointmentProviderFactory,
    DefinitionFactory,
    OperatoryFactory,
    PatientFactory,
)

pytestmark = pytest.mark.django_db


def built(count: int, chair) -> list[Appointment]:
    """Unsaved appointments in ``chair`` (for ``bulk_create``)."""
    patient = PatientFactory(org=chair.org)
    return AppointmentFactory.build_batch(count, org=chair.org, operatory=chair, patient=patient)


def total(client, **query) -> int:
    response = client.get("appointments", query)
    assert response.status_code == 200, response.json()
    return response.json()["total"]


def deltas(org) -> int:
    return AppointmentTally.objects.filter(org=org).count()


def tally_sum(org, location=None) -> int:
    rows = AppointmentTally.objects.filter(org=org)
    if location is not None:
        rows = rows.filter(location=location)
    return rows.aggregate(n=Sum("n"))["n"] or 0


def assert_exact(client, org) -> None:
    """The unfiltered total is the count of the appointments ``client`` may see."""
    access = Access.member(client.user, org.uuid)
    assert total(client) == Appointment.objects.restrict(access).count()


@pytest.fixture
def ny_chair(org, second_location):
    return OperatoryFactory(org=org, location=second_location, name="NY Op")


@pytest.fixture
def admin(org):
    client = api_for(org, Role.ADMIN)
    return client


class TestTheTotalIsTheCount:
    def test_creates_deletes_and_moves(self, org, admin, book, second_location, ny_chair):
        assert total(admin) == 0
        created = [book(start=f"{hour:02d}:00", end=f"{hour:02d}:30") for hour in (8, 9, 10)]
        assert [r.status_code for r in created] == [201] * 3
        AppointmentFactory.create_batch(4, org=org, operatory=ny_chair)
        assert total(admin) == 7
        assert_exact(admin, org)

        assert admin.delete(f"appointments/{created[0].json()['id']}").status_code == 204
        Appointment.objects.filter(location=second_location).first().delete()
        assert total(admin) == 5
        assert_exact(admin, org)

        # Moved to another location (the API keeps an appointment where it was booked).
        moved = Appointment.objects.get(uuid=created[1].json()["id"])
        Appointment.objects.filter(pk=moved.pk).update(location=second_location)
        assert total(admin, location_uuid=str(second_location.uuid)) == 4
        assert tally_sum(org, second_location) == 4
        assert total(admin) == 5
        # An update that moves nothing writes no delta.
        before = deltas(org)
        Appointment.objects.filter(org=org).update(note="seen")
        assert deltas(org) == before

    def test_a_bulk_post_adds_one_delta_per_location(self, org, admin, location, chair, patient):
        book_rows = [
            {
                "location_uuid": str(location.uuid),
                "patient_uuid": str(patient.uuid),
                "operatory_uuid": str(chair.uuid),
                "schedule_date": DAY,
                "start_time": f"{8 + i // 4:02d}:{i % 4 * 15:02d}",
                "end_time": f"{8 + (i + 1) // 4:02d}:{(i + 1) % 4 * 15:02d}",
            }
            for i in range(24)
        ]
        before = deltas(org)
        response = admin.post("appointments/bulk", {"rows": book_rows})
        assert response.status_code == 200, response.json()
        assert response.json()["created"] == 24
        assert deltas(org) == before + 1  # one COPY statement, one location
        assert total(admin) == 24
        assert_exact(admin, org)

    def test_orm_bulk_writes_and_raw_statements(self, org, admin, chair, ny_chair):
        Appointment.objects.bulk_create(built(5, chair) + built(3, ny_chair))
        assert total(admin) == 8
        with connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM appointments_appointment WHERE operatory_id = %s", [ny_chair.pk]
            )
        assert total(admin) == 5
        Appointment.objects.filter(org=org).delete()
        assert total(admin) == 0
        assert_exact(admin, org)

    def test_a_rolled_back_write_counts_nothing(self, org, admin, chair):
        AppointmentFactory(org=org, operatory=chair)
        with pytest.raises(RuntimeError), transaction.atomic():
            AppointmentFactory.create_batch(3, org=org, operatory=chair)
            Appointment.objects.filter(org=org).first().delete()
            raise RuntimeError("changed my mind")
        assert total(admin) == 1
        assert_exact(admin, org)

    def test_truncate_clears_the_tally(self, org, other_org, admin, chair):
        AppointmentFactory.create_batch(2, org=org, operatory=chair)
        AppointmentFactory(org=other_org)
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no FK check pending
            cursor.execute("TRUNCATE appointments_appointment CASCADE")
        assert not AppointmentTally.objects.exists()
        assert total(admin) == 0
        AppointmentFactory(org=org, operatory=chair)
        assert total(admin) == 1

    def test_another_orgs_appointments_never_count(self, org, other_org, admin, chair):
        AppointmentFactory.create_batch(2, org=org, operatory=chair)
        AppointmentFactory.create_batch(3, org=other_org)
        assert total(admin) == 2
        assert total(api_for(other_org, Role.ADMIN)) == 3


class TestTenancy:
    def test_a_limited_member_totals_what_they_may_list(
        self, org, admin, limited_client, chair, ny_chair, second_location
    ):
        AppointmentFactory.create_batch(3, org=org, operatory=chair)
        AppointmentFactory.create_batch(4, org=org, operatory=ny_chair)
        assert total(limited_client) == 3
        assert_exact(limited_client, org)
        assert total(admin) == 7
        only_ny = api_for(org, Role.VIEWER, locations=[second_location])
        assert total(only_ny) == 4
        assert_exact(only_ny, org)
        # After a fold too (one row per location: the restriction still picks its own).
        tally.fold(org.pk)
        assert deltas(org) == 2
        assert (total(limited_client), total(only_ny), total(admin)) == (3, 4, 7)

    def test_a_member_without_locations_totals_nothing(self, org, chair):
        AppointmentFactory.create_batch(2, org=org, operatory=chair)
        nowhere = api_for(org, Role.STAFF, locations=[])
        assert_exact(nowhere, org)


class TestFilteredListsCount:
    def test_any_filter_counts_the_rows(self, org, admin, chair, ny_chair, second_location):
        AppointmentFactory.create_batch(2, org=org, operatory=chair)
        AppointmentFactory.create_batch(3, org=org, operatory=ny_chair, status="cancelled")
        # A stray delta shows which totals read the tally: only the unfiltered one.
        AppointmentTally.objects.create(org=org, location=second_location, n=100)
        assert total(admin) == 105
        assert total(admin, page=2, page_size=1) == 105
        assert total(admin, location_uuid=str(second_location.uuid)) == 3
        assert total(admin, status="cancelled") == 3
        assert total(admin, date_from="2000-01-01") == 5


class TestQueries:
    def test_the_unfiltered_page_counts_nothing(
        self, org, staff_client, chair, django_assert_num_queries
    ):
        AppointmentFactory.create_batch(3, org=org, operatory=chair)
        total(staff_client)  # the token's last_used_at is written once a minute
        # The token (1); the page's ids, their display and the tally in one statement (1).
        with django_assert_num_queries(2) as captured:
            assert total(staff_client, page_size=2) == 3
        assert not any("COUNT(*) AS" in q["sql"] for q in captured.captured_queries)
        # A page past the end too: no row of the page, the total still read with it.
        with django_assert_num_queries(2):
            assert total(staff_client, page=3, page_size=2) == 3

    def test_a_filtered_page_counts(self, org, staff_client, chair, django_assert_num_queries):
        AppointmentFactory.create_batch(3, org=org, operatory=chair)
        total(staff_client)
        with django_assert_num_queries(4) as captured:
            assert total(staff_client, status="scheduled") == 3
        assert any("COUNT(*) AS" in q["sql"] for q in captured.captured_queries)


class TestFolding:
    def test_a_read_folds_many_deltas_and_keeps_the_sum(
        self, org, other_org, admin, chair, ny_chair
    ):
        for _ in range(tally.FOLD_ABOVE + 1):
            AppointmentFactory(org=org, operatory=chair)
        AppointmentFactory.create_batch(2, org=org, operatory=ny_chair)
        AppointmentFactory.create_batch(2, org=other_org)
        others = deltas(other_org)
        expected = tally.FOLD_ABOVE + 3
        assert deltas(org) == expected  # one per INSERT
        assert total(admin) == expected  # this read folds
        assert deltas(org) == 2  # one per location
        assert tally_sum(org) == expected == Appointment.objects.filter(org=org).count()
        assert deltas(other_org) == others  # another org's deltas are its own business
        assert total(admin) == expected

    def test_a_location_that_sums_to_zero_folds_away(self, org, admin, chair, ny_chair):
        AppointmentFactory.create_batch(2, org=org, operatory=chair)
        for appointment in AppointmentFactory.create_batch(3, org=org, operatory=ny_chair):
            appointment.delete()
        tally.fold(org.pk)
        assert list(AppointmentTally.objects.filter(org=org).values_list("location", "n")) == [
            (chair.location_id, 2)
        ]
        assert total(admin) == 2

    def test_a_fold_that_cannot_write_leaves_the_read_exact(self, org, admin, chair):
        many = tally.FOLD_ABOVE + 2  # one per location is no surplus
        for _ in range(many):
            AppointmentFactory(org=org, operatory=chair)
        total(admin, status="scheduled")  # the token's last_used_at is written once a minute
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION READ ONLY")
            assert total(admin) == many
        assert deltas(org) == many  # not folded, nothing failed
        assert total(admin) == many
        assert deltas(org) == 1

    def test_an_org_of_many_locations_is_not_folded_again_at_every_read(self, org, admin):
        chairs = [OperatoryFactory(org=org) for _ in range(tally.FOLD_ABOVE + 6)]
        for chair in chairs:
            AppointmentFactory(org=org, operatory=chair)
        assert deltas(org) == len(chairs)  # one per location: nothing to fold
        before = set(AppointmentTally.objects.filter(org=org).values_list("id", flat=True))
        assert total(admin) == total(admin) == len(chairs)
        after = set(AppointmentTally.objects.filter(org=org).values_list("id", flat=True))
        assert after == before  # no read rewrote the tally


class TestRecount:
    def test_a_tally_the_triggers_missed_is_repaired(self, org, other_org, admin, chair):
        AppointmentFactory.create_batch(3, org=org, operatory=chair)
        AppointmentFactory.create_batch(2, org=other_org)
        theirs = AppointmentTally.objects.filter(org=other_org).values_list("n", flat=True)
        others = list(theirs)
        AppointmentTally.objects.filter(org=org).update(n=7)  # as a careless restore leaves it
        assert total(admin) != 3
        call_command("recount_appointments", org=str(org.uuid), stdout=StringIO())
        assert total(admin) == 3 == tally_sum(org, chair.location)
        assert deltas(org) == 1
        assert (
            list(AppointmentTally.objects.filter(org=other_org).values_list("n", flat=True))
            == others
        )


@pytest.mark.django_db(transaction=True)
class TestConcurrency:
    def test_concurrent_creates_and_folds_keep_the_sum(self, org, chair, ny_chair, monkeypatch):
        """Writers commit deltas while readers fold the org's rows over and over: the
        total never drifts from the count."""
        monkeypatch.setattr(tally, "FOLD_ABOVE", 1)
        clients = [api_for(org, Role.ADMIN) for _ in range(6)]
        access = Access.member(clients[0].user, org.uuid)
        chairs = [chair, ny_chair]

        def work(index: int) -> list[int]:
            seen = []
            for round_ in range(8):
                if index % 2:  # a writer: single creates and a bulk insert
                    AppointmentFactory(org=org, operatory=chairs[round_ % 2])
                    Appointment.objects.bulk_create(built(3, chairs[index % 2]))
                else:  # a reader: every read folds (and a fold of its own now and then)
                    seen.append(total(clients[index]))
                    tally.fold(org.pk)
            return seen

        results = run_concurrently(6, work)
        count = Appointment.objects.filter(org=org).count()
        assert count == 3 * 8 * 4
        assert tally_sum(org) == count
        assert tally.appointment_total(access) == count
        assert total(clients[0]) == count
        for location in (chair.location, ny_chair.location):
            assert tally_sum(org, location) == Appointment.objects.filter(location=location).count()
        for seen in results[0::2]:  # a reader's totals never go down (nothing is deleted)
            assert seen == sorted(seen)


EVERY_STATUS = ",".join(AppointmentStatus.values)


class TestTheUnfilteredPageIsTheFilteredOne:
    """The unfiltered page is read its own way (one statement with the tally): its items
    are those of the counted path, a filter that keeps every row, page by page."""

    @pytest.fixture
    def rows(self, org, chair, ny_chair):
        start = datetime(2031, 3, 3, 15, 0, tzinfo=UTC)
        tags = [DefinitionFactory(org=org, category="AppointmentTag") for _ in range(2)]
        for i in range(7):  # ties on the start (ordered by uuid), and two locations
            at = start + timedelta(hours=i // 3)
            row = AppointmentFactory(org=org, operatory=(chair, ny_chair)[i % 2], start_at=at)
            for order in range(i % 3):  # no provider, one, two (the lists are read per page)
                AppointmentProviderFactory(org=org, appointment=row, item_order=2 - order)
            AppointmentTag.objects.bulk_create(
                AppointmentTag(org=org, appointment=row, definition=tag) for tag in tags[: i % 3]
            )
        for operatory in (chair, ny_chair):  # no time: after every other
            AppointmentFactory(
                org=org, operatory=operatory, status="unscheduled", start_at=None, end_at=None
            )
        AppointmentFactory(org=org, operatory=chair, status="cancelled")
        AppointmentFactory.create_batch(2)  # another org's

    @pytest.mark.parametrize("who", ["admin", "limited_client"])
    def test_every_page(self, request, who, rows):
        client = request.getfixturevalue(who)
        pages, listed_with_lists = [], []
        for page in (1, 2, 3, 9):
            fast = client.get("appointments", {"page": page, "page_size": 4}).json()
            counted = client.get(
                "appointments", {"page": page, "page_size": 4, "status": EVERY_STATUS}
            ).json()
            assert fast == counted
            pages.append([item["id"] for item in fast["items"]])
            listed_with_lists += [
                i for i in fast["items"] if len(i["providers"]) == len(i["tags"]) == 2
            ]
        listed = [uuid for page in pages for uuid in page]
        access = Access.member(client.user, client.org.uuid)
        expected = [
            str(u) for u in Appointment.objects.restrict(access).values_list("uuid", flat=True)
        ]
        assert listed == expected
        assert pages[-1] == [] and fast["total"] == len(expected)
        assert listed_with_lists  # two providers and two tags, in their order
        # A page of more than 50 (prepared apart: its statement reads up to 200 keys).
        big = client.get("appointments", {"page_size": 51}).json()
        assert [item["id"] for item in big["items"]] == expected
        assert big == client.get("appointments", {"page_size": 51, "status": EVERY_STATUS}).json()
