"""The demo practice of ``manage.py seed_demo``.

Each app contributes its own part through ``register_demo_seeder`` in its
``AppConfig.ready()``; ready() runs in INSTALLED_APPS order, which is dependency order,
so a seeder can use what the apps below it seeded. Seeders are idempotent: run again,
they find what exists and create nothing new.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction

from scheduling.models import (
    ApiToken,
    Definition,
    DefinitionCategory,
    FlowStatus,
    Location,
    Membership,
    MembershipLocation,
    Operatory,
    Organization,
    Patient,
    ProcedureCode,
    Provider,
    Role,
    User,
)

Seeder = Callable[[Organization, dict[str, Any]], None]
_seeders: list[Seeder] = []

DEMO_TOKEN_NAME = "seed_demo"
# The demo users, by the key of their token in seed_demo's output.
DEMO_USERS = {"token": "admin", "limited_token": "frontdesk"}


def register_demo_seeder(seeder: Seeder) -> None:
    if seeder not in _seeders:
        _seeders.append(seeder)


def ref(obj, **extra) -> dict[str, Any]:
    return {"id": str(obj.uuid), "name": obj.name, **extra}


def seed_demo(
    org_name: str = "Demo Dental", keep_tokens: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Create (or find) the demo practice and issue fresh tokens; return its ids.

    Earlier demo tokens of the demo users are revoked, so only the returned ones work.
    ``keep_tokens`` (an earlier output, e.g. ``.data/demo.json``): a token there that still
    authenticates as its demo user is returned again instead of a fresh one.
    """
    keep_tokens = keep_tokens or {}
    with transaction.atomic():
        org, _ = Organization.objects.get_or_create(name=org_name)
        out: dict[str, Any] = {"org_id": str(org.uuid)}
        for seeder in _seeders:
            seeder(org, out)
        for key in DEMO_USERS:
            user = User.objects.get(username=demo_username(org, key))
            out[key] = demo_token(user, keep=keep_tokens.get(key))
    return out


def demo_username(org: Organization, key: str) -> str:
    return f"{org.name.lower().replace(' ', '-')}-{DEMO_USERS[key]}"


def demo_token(user: User, keep: Any = None) -> str:
    """The user's demo token: ``keep`` if it is still the user's working demo token, else a
    fresh one. Every other demo token of the user is revoked."""
    kept = _working_demo_token(user, keep) if isinstance(keep, str) else None
    for token in ApiToken.objects.active().filter(user=user, name=DEMO_TOKEN_NAME):
        if token != kept:
            token.revoke()
    return keep if kept is not None else ApiToken.issue(user=user, name=DEMO_TOKEN_NAME)[1]


def _working_demo_token(user: User, clear: str) -> ApiToken | None:
    prefix = ApiToken.parse_prefix(clear)
    token = (
        ApiToken.objects.active().filter(prefix=prefix, user=user, name=DEMO_TOKEN_NAME).first()
        if prefix and user.is_active
        else None
    )
    return token if token is not None and token.matches(clear) else None


LOCATIONS = [
    ("Lakeview Dental (Chicago)", "America/Chicago", 3),
    ("Midtown Dental (New York)", "America/New_York", 2),
]
PROVIDERS = [
    ("Maya", "Patel", "DDS", "MP", False, "#1E88E5"),
    ("Daniel", "Okafor", "DMD", "DO", False, "#43A047"),
    ("Sofia", "Reyes", "RDH", "SR", True, "#8E24AA"),
    ("Liam", "Chen", "RDH", "LC", True, "#F4511E"),
]
PATIENTS = [
    ("Olivia", "Martin"),
    ("Noah", "Johnson"),
    ("Emma", "Williams"),
    ("James", "Brown"),
    ("Ava", "Garcia"),
    ("Lucas", "Miller"),
    ("Mia", "Davis"),
    ("Ethan", "Rodriguez"),
    ("Isabella", "Wilson"),
    ("Mason", "Anderson"),
    ("Harper", "Thomas"),
    ("Elijah", "Moore"),
]
PROCEDURE_CODES = [
    ("D0120", "Periodic oral evaluation", "55.00"),
    ("D0150", "Comprehensive oral evaluation", "95.00"),
    ("D0210", "Intraoral complete series of radiographic images", "140.00"),
    ("D0274", "Bitewings - four radiographic images", "75.00"),
    ("D1110", "Prophylaxis - adult", "110.00"),
    ("D1120", "Prophylaxis - child", "80.00"),
    ("D2740", "Crown - porcelain/ceramic", "1250.00"),
    ("D4910", "Periodontal maintenance", "160.00"),
]
DEFINITIONS = {
    DefinitionCategory.APPT_CONFIRMED: [
        ("Unconfirmed", "#9E9E9E"),
        ("Confirmed", "#43A047"),
        ("Left message", "#FB8C00"),
        ("Texted", "#1E88E5"),
    ],
    DefinitionCategory.CANCEL_REASON: [
        ("Patient request", ""),
        ("Illness", ""),
        ("Scheduling conflict", ""),
    ],
    DefinitionCategory.BROKEN_REASON: [("No show", ""), ("Late cancellation", "")],
    DefinitionCategory.WAITLIST_PRIORITY: [("High", "#E53935"), ("Normal", ""), ("Low", "")],
    DefinitionCategory.APPOINTMENT_TAG: [
        ("New patient", "#00ACC1"),
        ("Premedicate", "#E53935"),
        ("Wheelchair", "#5E35B1"),
    ],
}
FLOW_STATUSES = [
    ("Arrived", "arrived", "#FDD835"),
    ("Seated", "seated", "#43A047"),
    ("Ready for checkout", "ready-for-checkout", "#1E88E5"),
    ("Checked out", "checked-out", "#9E9E9E"),
]


def _member(org: Organization, key: str, role: Role, locations: list[Location] | None) -> None:
    user, _ = User.objects.get_or_create(username=demo_username(org, key))
    membership, _ = Membership.objects.update_or_create(
        org=org, user=user, defaults={"role": role, "all_locations": locations is None}
    )
    for location in locations or []:
        MembershipLocation.objects.get_or_create(org=org, membership=membership, location=location)


def seed_reference_data(org: Organization, out: dict[str, Any]) -> None:
    locations, operatories = [], []
    for index, (name, tz, chairs) in enumerate(LOCATIONS, start=1):
        location, _ = Location.objects.get_or_create(
            org=org, external_id=f"demo-loc-{index}", defaults={"name": name, "timezone": tz}
        )
        locations.append(location)
        for chair in range(1, chairs + 1):
            operatory, _ = Operatory.objects.get_or_create(
                org=org,
                external_id=f"demo-op-{index}-{chair}",
                defaults={
                    "location": location,
                    "name": f"Op {chair}",
                    "abbrev": f"OP{chair}",
                    "item_order": chair,
                    "is_hygiene": chair == chairs,
                },
            )
            operatories.append(operatory)
    providers = [
        Provider.objects.get_or_create(
            org=org,
            external_id=f"demo-prov-{abbrev}",
            defaults={
                "first_name": first,
                "last_name": last,
                "suffix": suffix,
                "abbrev": abbrev,
                "is_hygienist": hygienist,
                "color": color,
            },
        )[0]
        for first, last, suffix, abbrev, hygienist, color in PROVIDERS
    ]
    patients = [
        Patient.objects.get_or_create(
            org=org,
            external_id=f"demo-pat-{index}",
            defaults={
                "first_name": first,
                "last_name": last,
                "birthdate": date(1960 + index * 4, 1 + index % 12, 1 + index),
                "email": f"{first.lower()}.{last.lower()}@example.com",
                "mobile_phone": f"555-01{index:02d}",
                "chart_number": f"C{1000 + index}",
            },
        )[0]
        for index, (first, last) in enumerate(PATIENTS, start=1)
    ]
    codes = [
        ProcedureCode.objects.get_or_create(
            org=org, code=code, defaults={"description": text, "default_fee": Decimal(fee)}
        )[0]
        for code, text, fee in PROCEDURE_CODES
    ]
    definitions: dict[str, list[Definition]] = {}
    for category, values in DEFINITIONS.items():
        definitions[category] = [
            Definition.objects.get_or_create(
                org=org,
                category=category,
                name=name,
                defaults={"color": color, "item_order": order},
            )[0]
            for order, (name, color) in enumerate(values)
        ]
    flow_statuses = [
        FlowStatus.objects.get_or_create(
            org=org, slug=slug, defaults={"name": name, "color": color, "item_order": order}
        )[0]
        for order, (name, slug, color) in enumerate(FLOW_STATUSES)
    ]
    _member(org, "token", Role.ADMIN, None)  # seed_demo issues the tokens
    _member(org, "limited_token", Role.STAFF, [locations[0]])
    out.update(
        locations=[ref(loc, timezone=loc.timezone) for loc in locations],
        operatories=[ref(op, location_id=str(op.location.uuid)) for op in operatories],
        providers=[ref(p) for p in providers],
        patients=[ref(p) for p in patients],
        procedure_codes=[{"id": str(c.uuid), "code": c.code} for c in codes],
        confirmation_statuses=[ref(d) for d in definitions[DefinitionCategory.APPT_CONFIRMED]],
        cancel_reasons=[ref(d) for d in definitions[DefinitionCategory.CANCEL_REASON]],
        broken_reasons=[ref(d) for d in definitions[DefinitionCategory.BROKEN_REASON]],
        flow_statuses=[ref(f) for f in flow_statuses],
    )
