"""ASAP entries for the outreach and quick-fill tests (the entries' CRUD suite has its own
factory in tests/factories.py; this one is local, to be unified at merge)."""

import factory
from factory.django import DjangoModelFactory

from tests.factories import LocationFactory, OrgOwnedFactory, PatientFactory
from waitlist.models import WaitlistEntry, WaitlistEntryLocation


class OutreachEntryFactory(OrgOwnedFactory):
    class Meta:
        model = WaitlistEntry

    patient = factory.SubFactory(PatientFactory, org=factory.SelfAttribute("..org"))
    location = factory.SubFactory(LocationFactory, org=factory.SelfAttribute("..org"))


class EntryLocationFactory(DjangoModelFactory):
    class Meta:
        model = WaitlistEntryLocation

    org = factory.SelfAttribute("entry.org")
