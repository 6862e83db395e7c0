"""The PDS FHIR R4 client: ``trace`` over HTTP with httpx.

By NHS number: ``GET Patient/{nhs_number}``, then date of birth and postcode must agree.
By name: ``GET Patient?family=&given=&birthdate=eq...&address-postalcode=&_max-results=1``;
PDS answers a search that finds more than one record with ``TOO_MANY_MATCHES``.

Access: NHS England's signed JWT authentication (``auth.SignedJwtAuth``, when ``PDS_API_KEY``
is set) or a fixed bearer token (``PDS_FHIR_ACCESS_TOKEN``).

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
from pathlib import Path

import httpx
from django.conf import settings

from verification.demographics import matching
from verification.demographics.auth import SignedJwtAuth, StaticToken
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
        auth: "SignedJwtAuth | StaticToken | None" = None,
        timeout: float = 5.0,
        retries: int = 2,
        backoff: float = 0.25,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.http = httpx.Client(
            base_url=base_url.rstrip("/") + "/",
            headers={"Accept": "application/fhir+json"},
            timeout=timeout,
            transport=transport,
        )
        self.auth = auth or (StaticToken(access_token) if access_token else None)
        self.retries = retries
        self.backoff = backoff
        self.sleep = sleep

    @classmethod
    def from_settings(cls) -> "PdsFhirClient":
        auth = None
        if settings.PDS_API_KEY:
            auth = SignedJwtAuth(
                settings.PDS_TOKEN_URL,
                settings.PDS_API_KEY,
                Path(settings.PDS_PRIVATE_KEY_FILE).read_bytes(),
                settings.PDS_KEY_ID,
                timeout=settings.PDS_FHIR_TIMEOUT,
            )
        return cls(
            settings.PDS_FHIR_BASE_URL,
            access_token=settings.PDS_FHIR_ACCESS_TOKEN,
            auth=auth,
            timeout=settings.PDS_FHIR_TIMEOUT,
        )

    def _send(self, path: str, params: dict | None, request_id: str) -> httpx.Response:
        """One GET with the access token; a token PDS refuses (401) is replaced once."""
        headers = {"X-Request-ID": request_id}
        if self.auth is None:
            return self.http.get(path, params=params, headers=headers)
        token = self.auth.token()
        response = self.http.get(
            path, params=params, headers={**headers, "Authorization": f"Bearer {token}"}
        )
        if response.status_code == 401 and self.auth.refused(token):
            logger.warning("PDS refused our access token (request %s); asking again", request_id)
            token = self.auth.token()
            response = self.http.get(
                path, params=params, headers={**headers, "Authorization": f"Bearer {token}"}
            )
        return response

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
                response = self._send(path, params, request_id)
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
