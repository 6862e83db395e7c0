"""The PDS FHIR R4 client: ``trace`` over HTTP with httpx.

By NHS number: ``GET Patient/{nhs_number}``, then date of birth and postcode must agree.
By name: ``GET Patient?family=&given=&birthdate=eq...&address-postalcode=&_max-results=1``;
PDS answers a search that finds more than one record with ``TOO_MANY_MATCHES``.

Throttling (429) is retried after ``Retry-After`` (or an exponential back-off), as are 5xx
answers, timeouts and refused connections, a few times; then the trace is ``UNAVAILABLE``,
which the journey shows as "try again later" without counting the attempt. No personal data
goes in the log: only status codes and the request id.
"""

import contextlib
import logging
import time
import uuid
from collections.abc import Callable

import httpx
from django.conf import settings

from verification.demographics import matching
from verification.demographics.fhir_shape import record_from_patient, spine_codes
from verification.demographics.types import (
    DemographicsUnavailable,
    Outcome,
    PatientRecord,
    TraceQuery,
    TraceResult,
)

logger = logging.getLogger(__name__)

RETRY_STATUSES = {429, 500, 502, 503, 504}
MAX_RETRY_AFTER = 5.0  # seconds: a patient is waiting for the page


class TooManyMatches(Exception):
    """PDS found more than one record for a search."""


class PdsFhirClient:
    """A small client for the parts of the PDS FHIR API that NHS login needs."""

    def __init__(
        self,
        base_url: str,
        *,
        access_token: str | None = None,
        timeout: float = 5.0,
        retries: int = 2,
        backoff: float = 0.25,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        headers = {"Accept": "application/fhir+json"}
        if access_token:
            headers["Authorization"] = f"Bearer {access_token}"
        self.http = httpx.Client(
            base_url=base_url.rstrip("/") + "/",
            headers=headers,
            timeout=timeout,
            transport=transport,
        )
        self.retries = retries
        self.backoff = backoff
        self.sleep = sleep

    @classmethod
    def from_settings(cls) -> "PdsFhirClient":
        return cls(
            settings.PDS_FHIR_BASE_URL,
            access_token=settings.PDS_FHIR_ACCESS_TOKEN,
            timeout=settings.PDS_FHIR_TIMEOUT,
        )

    def _wait_before_retry(self, attempt: int, response: httpx.Response | None) -> None:
        delay = self.backoff * (2**attempt)
        if response is not None and response.status_code == 429:
            with contextlib.suppress(ValueError):
                delay = max(delay, float(response.headers.get("Retry-After", "")))
        self.sleep(min(delay, MAX_RETRY_AFTER))

    def _get(self, path: str, params: dict | None = None) -> httpx.Response:
        """GET with retries; raises DemographicsUnavailable when PDS cannot answer."""
        request_id = str(uuid.uuid4())
        for attempt in range(self.retries + 1):
            response = None
            try:
                response = self.http.get(path, params=params, headers={"X-Request-ID": request_id})
            except httpx.TimeoutException:
                logger.warning("PDS timed out (request %s, try %s)", request_id, attempt + 1)
            except httpx.TransportError:
                logger.warning("PDS unreachable (request %s, try %s)", request_id, attempt + 1)
            else:
                if response.status_code not in RETRY_STATUSES:
                    return response
                logger.warning(
                    "PDS answered %s (request %s, try %s)",
                    response.status_code,
                    request_id,
                    attempt + 1,
                )
            if attempt < self.retries:
                self._wait_before_retry(attempt, response)
        raise DemographicsUnavailable(f"PDS did not answer request {request_id}")

    def read(self, nhs_number: str) -> PatientRecord | None:
        """The record for an NHS number, or None when PDS has none (404, or invalid id)."""
        response = self._get(f"Patient/{nhs_number}")
        if response.status_code in (404, 400):
            return None
        if response.status_code != 200:
            raise DemographicsUnavailable(f"PDS answered {response.status_code}")
        body = response.json()
        if body.get("resourceType") != "Patient":
            return None
        return record_from_patient(body)

    def search(self, query: TraceQuery) -> list[PatientRecord]:
        """Records matching names, date of birth and postcode; TooManyMatches if several."""
        params = {
            "family": query.family_name,
            "given": query.given_name,
            "birthdate": f"eq{query.birth_date.isoformat()}",
            "address-postalcode": query.postcode,
            "_exact-match": "false",
            "_fuzzy-match": "false",
            "_max-results": "1",
        }
        response = self._get("Patient", params)
        if response.status_code != 200:
            if response.status_code < 500 and "TOO_MANY_MATCHES" in _codes(response):
                raise TooManyMatches
            raise DemographicsUnavailable(f"PDS answered {response.status_code}")
        body = response.json()
        if body.get("resourceType") == "OperationOutcome":
            # PDS answers "more than one" with 200 and an OperationOutcome.
            if "TOO_MANY_MATCHES" in spine_codes(body) or "multiple-matches" in spine_codes(body):
                raise TooManyMatches
            raise DemographicsUnavailable("PDS answered with an OperationOutcome")
        records = []
        for entry in body.get("entry", []):
            resource = entry.get("resource") or {}
            if resource.get("resourceType") == "OperationOutcome":
                if spine_codes(resource) & {"TOO_MANY_MATCHES", "multiple-matches"}:
                    raise TooManyMatches
                continue
            if resource.get("resourceType") == "Patient":
                records.append(record_from_patient(resource))
        return records

    def trace(self, query: TraceQuery) -> TraceResult:
        try:
            if query.by_nhs_number:
                return matching.confirm_by_nhs_number(query, self.read(query.nhs_number))
            return matching.from_search(self.search(query))
        except TooManyMatches:
            return TraceResult(Outcome.MULTIPLE)
        except DemographicsUnavailable:
            return TraceResult(Outcome.UNAVAILABLE)


def _codes(response: httpx.Response) -> set[str]:
    try:
        body = response.json()
    except ValueError:
        return set()
    return spine_codes(body) if isinstance(body, dict) else set()
