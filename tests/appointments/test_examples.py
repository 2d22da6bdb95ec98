"""Every request example in the API docs works: each is sent, with its ids swapped for
real rows of the same kind, and must succeed."""

import pytest
from drf_spectacular.generators import SchemaGenerator

from appointments.serializers import examples as ex
from tests.appointments.conftest import DAY

pytestmark = pytest.mark.django_db


def documented_examples():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            for name, example in content.get("application/json", {}).get("examples", {}).items():
                yield path, method, name, example["value"]


EXAMPLES = list(documented_examples())


def test_the_main_writes_have_examples():
    documented = {(path.rsplit("/", 1)[-1], method) for path, method, _, _ in EXAMPLES}
    for operation in [("appointments", "post"), ("{appointment_uuid}", "patch")]:
        assert operation in documented
    for action in ("move", "place", "cancel"):
        assert (action, "post") in documented


@pytest.mark.parametrize(
    "path,method,name,value", EXAMPLES, ids=[f"{m} {p} {n}" for p, m, n, _ in EXAMPLES]
)
def test_example_succeeds(
    path, method, name, value, org, location, chair, patient, provider, exam, staff_client, book
):
    real = {
        ex.LOCATION: str(location.uuid),
        ex.OPERATORY: str(chair.uuid),
        ex.PATIENT: str(patient.uuid),
        ex.APPOINTMENT_TYPE: str(exam.uuid),
        ex.PROVIDER: str(provider.uuid),
    }
    body = {
        key: [real.get(v, v) for v in val] if isinstance(val, list) else real.get(val, val)
        for key, val in value.items()
    }
    route = path.removeprefix("/api/v1/{org_id}/")
    if "{appointment_uuid}" in route:
        status = "pinboard" if route.endswith("/place") else "scheduled"
        appointment = book(day=DAY).json()
        if status == "pinboard":
            appointment = staff_client.post(
                f"appointments/{appointment['id']}/pinboard", {"base_version": 1}
            ).json()
        body["base_version"] = appointment["version"]
        route = route.replace("{appointment_uuid}", appointment["id"])
    response = getattr(staff_client, method)(route, body)
    assert 200 <= response.status_code < 300, response.json()
