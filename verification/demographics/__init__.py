"""The demographics service (PDS): one interface, ``trace(query)``, two implementations.

- ``local``: the synthetic patients table in our own database (development, tests, demo).
- ``pds-fhir``: the PDS FHIR R4 API over HTTP (``fhir.PdsFhirClient``). Pointed at our own
  fake (``/fake-pds/FHIR/R4``, served outside production) it exercises the real client end
  to end; pointed at NHS England's API it is the production client.

``settings.DEMOGRAPHICS_BACKEND`` chooses. Both apply the same matching rules: by NHS number
the record's date of birth and postcode must also agree; by name the given name, family name,
date of birth and postcode must all agree, and more than one such record is no answer at all.
"""

from django.conf import settings

from verification.demographics.types import (
    DemographicsUnavailable,
    Outcome,
    PatientRecord,
    TraceQuery,
    TraceResult,
)

__all__ = [
    "DemographicsUnavailable",
    "Outcome",
    "PatientRecord",
    "TraceQuery",
    "TraceResult",
    "backend",
    "trace",
]


def backend():
    """The implementation chosen in settings."""
    if settings.DEMOGRAPHICS_BACKEND == "pds-fhir":
        from verification.demographics.fhir import PdsFhirClient

        return PdsFhirClient.from_settings()
    from verification.demographics.local import LocalStore

    return LocalStore()


def trace(query: TraceQuery) -> TraceResult:
    """Find the one record in the demographics service that matches ``query``."""
    return backend().trace(query)
