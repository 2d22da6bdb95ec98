"""``manage.py seed_demo``: the object API clients and tests rely on."""

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from scheduling.demo import DEMO_TOKEN_NAME
from scheduling.models import ApiToken, Location, Organization, Patient
from tests.conftest import Api

pytestmark = pytest.mark.django_db


def seed(*args) -> dict:
    out = StringIO()
    call_command("seed_demo", "--json", *args, stdout=out)
    return json.loads(out.getvalue())


def test_json_has_everything_conventions_promise():
    data = seed()
    assert [loc["timezone"] for loc in data["locations"]] == ["America/Chicago", "America/New_York"]
    first, second = (loc["id"] for loc in data["locations"])
    assert sum(op["location_id"] == first for op in data["operatories"]) >= 3
    assert sum(op["location_id"] == second for op in data["operatories"]) >= 2
    assert len(data["providers"]) >= 3 and len(data["patients"]) >= 10
    assert len(data["appointment_types"]) >= 3
    assert all(t["duration_minutes"] > 0 for t in data["appointment_types"])
    assert {"D0120", "D1110", "D0274", "D2740"} <= {c["code"] for c in data["procedure_codes"]}
    assert len(data["confirmation_statuses"]) >= 3
    assert len(data["cancel_reasons"]) >= 1 and len(data["broken_reasons"]) >= 1
    assert len(data["flow_statuses"]) >= 3
    kinds = {(t["is_no_schedule"], t["is_do_not_copy"]) for t in data["blockout_types"]}
    assert (False, False) in kinds
    assert any(ns for ns, _ in kinds) and any(dnc for _, dnc in kinds)
    assert data["recall_types"]
    org = Organization.objects.get(uuid=data["org_id"])
    assert org.name == "Demo Dental"


def test_tokens_work_and_the_limited_one_sees_only_the_first_location():
    data = seed()
    org = Organization.objects.get(uuid=data["org_id"])
    admin = Api(org, data["token"])
    limited = Api(org, data["limited_token"])
    assert admin.get("locations").json()["total"] == 2
    assert [loc["id"] for loc in limited.get("locations").json()["items"]] == [
        data["locations"][0]["id"]
    ]
    assert admin.post("appointment-types", {"name": "Seed check"}).status_code == 201
    assert limited.post("appointment-types", {"name": "Staff"}).status_code == 403


def test_running_again_creates_nothing_new_and_issues_fresh_tokens():
    first = seed()
    counts = (Location.objects.count(), Patient.objects.count())
    second = seed()
    assert second["org_id"] == first["org_id"]
    assert (Location.objects.count(), Patient.objects.count()) == counts
    assert second["patients"] == first["patients"]
    org = Organization.objects.get(uuid=first["org_id"])
    assert second["token"] != first["token"]
    assert Api(org, second["token"]).get("locations").status_code == 200
    assert Api(org, first["token"]).get("locations").status_code == 401


def test_org_name_makes_a_separate_practice():
    a = seed()
    b = seed("--org-name", "Second Smile")
    assert a["org_id"] != b["org_id"]
    org_b = Organization.objects.get(uuid=b["org_id"])
    assert Api(org_b, a["token"]).get("locations").status_code == 404


def test_plain_output_prints_tokens():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "admin token" in out.getvalue()


def keep(path, *args) -> dict:
    out, err = StringIO(), StringIO()
    call_command("seed_demo", "--json", "--keep-tokens", str(path), *args, stdout=out, stderr=err)
    return json.loads(out.getvalue())


def test_keep_tokens_prints_the_same_working_tokens_again(tmp_path):
    """`make run` over the same data: the tokens a developer's scripts use keep working."""
    first = seed()
    demo_json = tmp_path / "demo.json"
    demo_json.write_text(json.dumps(first))
    second = keep(demo_json)
    assert (second["token"], second["limited_token"]) == (first["token"], first["limited_token"])
    assert second["patients"] == first["patients"]
    org = Organization.objects.get(uuid=first["org_id"])
    assert Api(org, first["token"]).get("locations").status_code == 200
    assert Api(org, first["limited_token"]).get("locations").json()["total"] == 1
    # Only the kept tokens are active: nothing piles up run after run.
    assert ApiToken.objects.active().filter(name=DEMO_TOKEN_NAME).count() == 2


def test_keep_tokens_replaces_a_token_that_no_longer_works(tmp_path):
    first = seed()
    ApiToken.objects.get(prefix=ApiToken.parse_prefix(first["token"])).revoke()
    demo_json = tmp_path / "demo.json"
    demo_json.write_text(json.dumps(first))
    second = keep(demo_json)
    assert second["token"] != first["token"]
    assert second["limited_token"] == first["limited_token"]
    org = Organization.objects.get(uuid=first["org_id"])
    assert Api(org, second["token"]).get("locations").status_code == 200
    assert Api(org, first["token"]).get("locations").status_code == 401


@pytest.mark.parametrize("content", [None, "", "{not json", "[]", '{"token": 5}'])
def test_keep_tokens_without_a_usable_file_issues_fresh_ones(tmp_path, content):
    first = seed()
    demo_json = tmp_path / "demo.json"
    if content is not None:
        demo_json.write_text(content)
    second = keep(demo_json)
    assert second["token"] != first["token"]
    assert second["limited_token"] != first["limited_token"]
    org = Organization.objects.get(uuid=first["org_id"])
    assert Api(org, second["token"]).get("locations").status_code == 200
    assert Api(org, first["token"]).get("locations").status_code == 401


def test_keep_tokens_does_not_hand_one_users_token_to_another(tmp_path):
    first = seed()
    swapped = {**first, "token": first["limited_token"], "limited_token": first["token"]}
    demo_json = tmp_path / "demo.json"
    demo_json.write_text(json.dumps(swapped))
    second = keep(demo_json)
    assert {second["token"], second["limited_token"]}.isdisjoint(
        {first["token"], first["limited_token"]}
    )
    other = keep(demo_json, "--org-name", "Second Smile")
    assert {other["token"], other["limited_token"]}.isdisjoint(
        {first["token"], first["limited_token"]}
    )


def test_seed_demo_by_hand_after_a_kept_run_still_issues_fresh_tokens(tmp_path):
    first = seed()
    demo_json = tmp_path / "demo.json"
    demo_json.write_text(json.dumps(first))
    keep(demo_json)
    fresh = seed()
    assert fresh["token"] != first["token"]
    org = Organization.objects.get(uuid=first["org_id"])
    assert Api(org, first["token"]).get("locations").status_code == 401
    assert Api(org, fresh["token"]).get("locations").status_code == 200


def test_help_documents_keep_tokens():
    from scheduling.management.commands.seed_demo import Command

    text = Command().create_parser("manage.py", "seed_demo").format_help()
    assert "--keep-tokens FILE" in text and "still work" in text


def test_every_provider_works_weekdays_and_the_weeks_around_today_have_exceptions():
    data = seed()
    org = Organization.objects.get(uuid=data["org_id"])
    admin = Api(org, data["token"])
    templates = admin.get("schedule/templates", {"page_size": 200}).json()["items"]
    by_provider: dict[str, set] = {}
    for template in templates:
        by_provider.setdefault(template["provider"]["id"], set()).add(
            (template["day_of_week"], template["start_time"], template["end_time"])
        )
    workweek = {
        (day, start, end)
        for day in range(5)
        for start, end in (("08:00:00", "12:00:00"), ("13:00:00", "17:00:00"))
    }
    assert set(by_provider) == {p["id"] for p in data["providers"]}
    assert all(week == workweek for week in by_provider.values())
    assert any(t["operatory"] is not None for t in templates)  # a hygienist in her chair
    reasons = {o["override_reason"] for o in admin.get("schedule/overrides").json()["items"]}
    assert reasons == {"vacation", "extra_hours"}
    assert admin.get("schedule/notes").json()["total"] == 1
    rules = admin.get("schedule/appointment-rules").json()["items"]
    assert [(r["location"], r["allow_overlap"]) for r in rules] == [(None, True)]
    again = Api(org, seed()["token"])  # nothing new
    assert again.get("schedule/templates").json()["total"] == len(templates)


def test_every_provider_has_goals_on_the_weekdays_around_today():
    data = seed()
    org = Organization.objects.get(uuid=data["org_id"])
    admin = Api(org, data["token"])
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    this_week = {"date_from": monday.isoformat(), "date_to": (monday + timedelta(6)).isoformat()}
    goals = admin.get("schedule/production-goals", {**this_week, "page_size": 200}).json()
    by_provider: dict[str, set] = {}
    for goal in goals["items"]:
        by_provider.setdefault(goal["provider"]["id"], set()).add(goal["goal_date"])
        assert goal["goal_amount"] in ("3200.00", "1400.00")
    weekdays = {(monday + timedelta(n)).isoformat() for n in range(5)}
    assert set(by_provider) == {p["id"] for p in data["providers"]}
    assert all(days == weekdays for days in by_provider.values())
    total = admin.get("schedule/production-goals").json()["total"]
    assert total == 3 * len(goals["items"])  # last week, this week and next week
    limited = Api(org, data["limited_token"]).get("schedule/production-goals", this_week).json()
    first = data["locations"][0]["id"]
    assert 0 < limited["total"] < goals["total"]
    assert {goal["location"]["id"] for goal in limited["items"]} == {first}
    again = Api(org, seed()["token"])  # nothing new
    assert again.get("schedule/production-goals").json()["total"] == total


def test_the_admin_has_a_default_free_time_search_and_patients_have_preferences():
    data = seed()
    org = Organization.objects.get(uuid=data["org_id"])
    admin = Api(org, data["token"])
    (search,) = admin.get("schedule/saved-searches").json()["items"]
    assert (search["search_type"], search["is_default"]) == ("find_free_time", True)
    assert search["criteria"]["location_uuid"] == data["locations"][0]["id"]
    limited = Api(org, data["limited_token"])  # another user: the admin's search is theirs
    assert limited.get("schedule/saved-searches").json()["total"] == 0
    preferences = admin.get("schedule/patient-preferences").json()
    assert preferences["total"] == 3
    first = admin.get(f"schedule/patient-preferences/by-patient/{data['patients'][0]['id']}")
    assert first.json()["preferred_days"] == [0, 2]
    assert first.json()["learned_from_history"] is False
    last = data["patients"][-1]["id"]
    assert admin.get(f"schedule/patient-preferences/by-patient/{last}").json() is None
    again = Api(org, seed()["token"])  # nothing new
    assert again.get("schedule/saved-searches").json()["total"] == 1
    assert again.get("schedule/patient-preferences").json()["total"] == 3


def test_patients_have_recalls_in_every_status_around_today():
    data = seed()
    org = Organization.objects.get(uuid=data["org_id"])
    admin = Api(org, data["token"])
    recalls = admin.get("recalls/patient-recalls", {"page_size": 200}).json()
    statuses = [recall["status"] for recall in recalls["items"]]
    assert statuses.count("overdue") >= 2 and statuses.count("due") >= 2
    assert {"scheduled", "completed"} <= set(statuses)
    (disabled,) = [recall for recall in recalls["items"] if recall["is_disabled"]]
    assert disabled["status"] == "due"
    scheduled = [recall for recall in recalls["items"] if recall["status"] == "scheduled"]
    today = timezone.localdate()
    assert all(recall["date_scheduled"] >= today.isoformat() for recall in scheduled)
    completed = admin.get("recalls/patient-recalls", {"status": "completed"}).json()["items"]
    assert all(recall["appointment"] is not None for recall in completed)
    again = Api(org, seed()["token"])  # nothing new
    assert again.get("recalls/patient-recalls").json()["total"] == recalls["total"]
