"""The appointment fixtures (a chair at Chicago, a patient, ``book``): the recall engine
is driven by booking and completing appointments."""

from tests.appointments.conftest import book, chair, other_chair, patient  # noqa: F401
