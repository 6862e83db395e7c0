"""The client for HM Passport Office's Document Checking Service (DCS): is this UK passport
valid for this name, date of birth and expiry date?

What it sends (from the DCS's public documentation and GOV.UK One Login's open-source passport
credential issuer, which calls the DCS):

- ``POST <DCS_URL>/checks/passport`` with ``Content-Type: application/jose``, over mutual TLS
  (our client certificate and key; the DCS's certificate checked against its CA bundle).
- The body: the JSON message ``{"correlationId", "requestId", "timestamp", "passportNumber",
  "surname", "forenames": [...], "dateOfBirth", "expiryDate"}`` (dates ``YYYY-MM-DD``; ids
  random UUIDs; the timestamp ISO 8601 in UTC with milliseconds), signed by us, encrypted to
  the DCS's encryption certificate and signed again (``jose``).
- The answer: 200 with a body signed by the DCS, encrypted to our encryption certificate and
  signed again, holding ``{"correlationId", "requestId", "error", "valid", "errorMessage"}``.
  ``valid: true`` is VALID; ``valid: false`` is INVALID (the DCS does not say why: wrong
  details, cancelled, lost or stolen); ``error: true`` means the DCS did not check (for
  example a malformed request): UNAVAILABLE, never VALID.

Our choices: the correlation id is random per check and kept by the pipeline's answer; each
try has its own request id; a 5xx, a 429 or a timeout is tried once more after a short
back-off (``Retry-After`` honoured up to 2 seconds: a patient may be waiting), then the answer
is UNAVAILABLE. An answer that is not signed by the DCS's certificate, cannot be decrypted with
our key, or does not repeat our correlation and request ids is refused (UNAVAILABLE).

Not public (say so, and check at onboarding): the production and integration URLs and
certificates (issued to each service by the DCS team), the rate limit and what status a
limited client gets (the status endpoint names "Limit exceeded"; we treat 429 as throttling),
the HTTP status for a message whose signature or encryption the DCS refuses (we treat any
status other than 200, 429 and 5xx as UNAVAILABLE, without a retry), how HM Passport Office
compares names (we send the MRZ's names as read), and whether the JWE header must carry
``x5t`` thumbprints (the pilot's checking script expects them with ``RSA-OAEP``; its example
client and One Login send ``RSA-OAEP-256`` without them, which we follow).

No personal data is logged: only status codes, the correlation id and the try.
"""

import contextlib
import datetime
import logging
import ssl
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
from django.conf import settings
from jwcrypto import jwk

from verification.document_checking import jose, rules
from verification.document_checking.types import (
    DocumentCheckAnswer,
    DocumentCheckOutcome,
    DocumentCheckQuery,
)

logger = logging.getLogger(__name__)

PATH = "checks/passport"
RETRY_STATUSES = {429, 500, 502, 503, 504}
MAX_RETRY_AFTER = 2.0  # seconds


def _unavailable(reason: str, correlation_id: str) -> DocumentCheckAnswer:
    return DocumentCheckAnswer(DocumentCheckOutcome.UNAVAILABLE, reason, correlation_id)


def timestamp(now: datetime.datetime | None = None) -> str:
    now = now or datetime.datetime.now(datetime.UTC)
    return now.astimezone(datetime.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def tls_context(
    certificate_file: str | None, key_file: str | None, ca_file: str | None
) -> ssl.SSLContext:
    """The TLS settings for the DCS: its CA bundle (or the system's) and our client certificate."""
    context = ssl.create_default_context(cafile=ca_file or None)
    if certificate_file and key_file:
        context.load_cert_chain(certificate_file, key_file)
    return context


class DcsClient:
    """``check`` a UK passport with the DCS."""

    def __init__(
        self,
        base_url: str,
        *,
        client_signing_key_pem: bytes,
        client_signing_certificate_pem: bytes,
        client_encryption_key_pem: bytes,
        dcs_signing_certificate_pem: bytes,
        dcs_encryption_certificate_pem: bytes,
        tls: ssl.SSLContext | bool = True,
        timeout: float = 5.0,
        retries: int = 1,
        backoff: float = 0.5,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.http = httpx.Client(
            base_url=base_url.rstrip("/") + "/",
            headers={"Content-Type": "application/jose", "Accept": "application/jose"},
            timeout=timeout,
            verify=tls,
            transport=transport,
        )
        self.signer = jose.Signer(client_signing_key_pem, client_signing_certificate_pem)
        self.decryption_key = jwk.JWK.from_pem(client_encryption_key_pem)
        self.dcs = jose.Verifier(dcs_signing_certificate_pem)
        self.dcs_encryption = jwk.JWK.from_pem(dcs_encryption_certificate_pem)
        self.retries = retries
        self.backoff = backoff
        self.sleep = sleep

    @classmethod
    def from_settings(cls) -> "DcsClient":
        def read(name: str) -> bytes:
            return Path(getattr(settings, name)).read_bytes()

        tls: ssl.SSLContext | bool = True
        if settings.DCS_URL.startswith("https://"):
            tls = tls_context(
                settings.DCS_TLS_CLIENT_CERT_FILE,
                settings.DCS_TLS_CLIENT_KEY_FILE,
                settings.DCS_TLS_CA_FILE,
            )
        return cls(
            settings.DCS_URL,
            client_signing_key_pem=read("DCS_CLIENT_SIGNING_KEY_FILE"),
            client_signing_certificate_pem=read("DCS_CLIENT_SIGNING_CERT_FILE"),
            client_encryption_key_pem=read("DCS_CLIENT_ENCRYPTION_KEY_FILE"),
            dcs_signing_certificate_pem=read("DCS_SIGNING_CERT_FILE"),
            dcs_encryption_certificate_pem=read("DCS_ENCRYPTION_CERT_FILE"),
            tls=tls,
            timeout=settings.DCS_TIMEOUT,
        )

    def close(self) -> None:
        """Close the connection pool."""
        self.http.close()

    def message(self, query: DocumentCheckQuery, correlation_id: str, request_id: str) -> dict:
        """The JSON message the DCS asks for."""
        return {
            "correlationId": correlation_id,
            "requestId": request_id,
            "timestamp": timestamp(),
            "passportNumber": query.document_number,
            "surname": query.surname,
            "forenames": query.forenames,
            "dateOfBirth": query.birth_date.isoformat(),
            "expiryDate": query.expiry_date.isoformat(),
        }

    def _wait_before_retry(self, attempt: int, response: httpx.Response | None) -> None:
        delay = self.backoff * (2**attempt)
        if response is not None and response.status_code == 429:
            with contextlib.suppress(ValueError):
                delay = max(delay, float(response.headers.get("Retry-After", "")))
        self.sleep(min(delay, MAX_RETRY_AFTER))

    def check(self, query: DocumentCheckQuery) -> DocumentCheckAnswer:
        """The DCS's answer for ``query``; UNAVAILABLE whenever it cannot be trusted."""
        if answer := rules.answer_without_asking(query):
            return answer
        correlation_id = str(uuid.uuid4())
        reason = "unavailable"
        for attempt in range(self.retries + 1):
            request_id = str(uuid.uuid4())
            body = jose.wrap(self.message(query, correlation_id, request_id), self.signer,
                             self.dcs_encryption)  # fmt: skip
            response = None
            try:
                response = self.http.post(PATH, content=body)
            except httpx.TimeoutException:
                reason = "timeout"
            except httpx.TransportError as error:
                reason = f"unreachable-{type(error).__name__}"
            else:
                if response.status_code == 200:
                    return self._answer(response, correlation_id, request_id)
                reason = f"http-{response.status_code}"
                if response.status_code not in RETRY_STATUSES:
                    logger.warning("DCS answered %s (correlation %s)", reason, correlation_id)
                    return _unavailable(reason, correlation_id)
            logger.warning(
                "DCS check %s (correlation %s, try %s)", reason, correlation_id, attempt + 1
            )
            if attempt < self.retries:
                self._wait_before_retry(attempt, response)
        return _unavailable(reason, correlation_id)

    def _answer(
        self, response: httpx.Response, correlation_id: str, request_id: str
    ) -> DocumentCheckAnswer:
        try:
            # The DCS's certificate is pinned: its signature is what counts. Whether its
            # answers carry x5t thumbprints is not public, so they are not required.
            message = jose.unwrap(
                response.text, self.dcs, self.decryption_key, check_thumbprints=False
            )
        except jose.WrapperError as error:
            logger.warning("DCS answer refused: %s (correlation %s)", error, correlation_id)
            return _unavailable("bad-response", correlation_id)
        if message.get("correlationId") != correlation_id or message.get("requestId") != request_id:
            logger.warning("DCS answer is for another request (correlation %s)", correlation_id)
            return _unavailable("mismatched-response", correlation_id)
        if message.get("error") is not False:
            codes = message.get("errorMessage")
            logger.warning(
                "DCS did not check: %s error message(s) (correlation %s)",
                len(codes) if isinstance(codes, list) else 0,
                correlation_id,
            )
            return _unavailable("issuer-error", correlation_id)
        valid = message.get("valid")
        if valid is True:
            return DocumentCheckAnswer(DocumentCheckOutcome.VALID, "", correlation_id)
        if valid is False:
            return DocumentCheckAnswer(
                DocumentCheckOutcome.INVALID, "issuer-says-not-valid", correlation_id
            )
        logger.warning("DCS answer has no valid flag (correlation %s)", correlation_id)
        return _unavailable("bad-response", correlation_id)
