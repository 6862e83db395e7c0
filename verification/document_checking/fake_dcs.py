"""Our fake issuer served in the Document Checking Service's wire format, outside production only.

``GET /fake-dcs/checks/passport`` answers the DCS's status (``{"available": true, ...}``).
``POST /fake-dcs/checks/passport`` takes what the DCS takes and answers as it does, so the real
client (``hmpo.DcsClient``) is tested end to end over a socket:

- the body must be ``application/jose``: a JWS whose signature is by our registered client
  signing certificate (``DCS_CLIENT_SIGNING_CERT_FILE``), with ``RS256`` and that
  certificate's ``x5t`` and ``x5t#S256`` thumbprints; inside it a JWE (``RSA-OAEP-256``,
  ``A128CBC-HS256``) that the fake's encryption key (``FAKE_DCS_ENCRYPTION_KEY_FILE``, the
  private half of ``DCS_ENCRYPTION_CERT_FILE``) decrypts; inside that a JWS signed the same
  way. Anything else is refused with 400 (the real DCS's status for this is not public);
- a message with a missing or malformed field, or a request id already seen, gets a 200
  answer with ``error: true`` and an ``errorMessage`` list;
- otherwise the answer is ``fake.decide``'s (500, 429 with ``Retry-After: 1``, a wait of
  ``FAKE_DCS_SLOW_SECONDS``, or ``valid`` true or false), signed with the fake's signing key
  (``FAKE_DCS_SIGNING_KEY_FILE``, the private half of ``DCS_SIGNING_CERT_FILE``) and encrypted
  to our encryption key's public half (``DCS_CLIENT_ENCRYPTION_KEY_FILE``).
"""

import datetime
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from jwcrypto import jwk

from verification.document_checking import jose
from verification.document_checking.fake import Decision, decide

JOSE = "application/jose"
REQUEST_ID_MEMORY = 24 * 60 * 60  # seconds


def _enabled():
    if not settings.FAKE_DCS_ENABLED:
        raise Http404


def _read(name: str) -> bytes | None:
    value = getattr(settings, name, None)
    if not value or not Path(value).is_file():
        return None
    return Path(value).read_bytes()


class _Keys:
    """The fake DCS's own keys and what it knows of our client, from settings."""

    def __init__(self):
        files = {
            name: _read(name)
            for name in (
                "DCS_CLIENT_SIGNING_CERT_FILE",
                "DCS_CLIENT_ENCRYPTION_KEY_FILE",
                "DCS_SIGNING_CERT_FILE",
                "FAKE_DCS_SIGNING_KEY_FILE",
                "FAKE_DCS_ENCRYPTION_KEY_FILE",
            )
        }
        self.missing = sorted(name for name, value in files.items() if value is None)
        if self.missing:
            return
        self.client = jose.Verifier(files["DCS_CLIENT_SIGNING_CERT_FILE"])
        self.client_encryption = jwk.JWK.from_pem(files["DCS_CLIENT_ENCRYPTION_KEY_FILE"]).public()
        self.signer = jose.Signer(
            files["FAKE_DCS_SIGNING_KEY_FILE"], files["DCS_SIGNING_CERT_FILE"]
        )
        self.decryption_key = jwk.JWK.from_pem(files["FAKE_DCS_ENCRYPTION_KEY_FILE"])


def _problems(message: dict) -> list[str]:
    """What is wrong with a passport check message, in the DCS's words where they are known."""
    problems = []
    for name in ("correlationId", "requestId"):
        try:
            uuid.UUID(str(message.get(name, "")))
        except ValueError:
            problems.append(f"{name} must be a UUID")
    if not isinstance(message.get("timestamp"), str) or not message["timestamp"]:
        problems.append("timestamp is required")
    for name in ("passportNumber", "surname"):
        if not isinstance(message.get(name), str) or not message[name].strip():
            problems.append(f"{name} is required")
    forenames = message.get("forenames")
    if not isinstance(forenames, list) or not all(isinstance(n, str) for n in forenames):
        problems.append("forenames must be a list of strings")
    for name in ("dateOfBirth", "expiryDate"):
        try:
            datetime.date.fromisoformat(str(message.get(name, "")))
        except ValueError:
            problems.append(f"{name} must be a date (YYYY-MM-DD)")
    return problems


def _answer(keys: _Keys, message: dict, **fields) -> HttpResponse:
    body = {
        "correlationId": message.get("correlationId"),
        "requestId": message.get("requestId"),
        **fields,
    }
    response = HttpResponse(jose.wrap(body, keys.signer, keys.client_encryption), content_type=JOSE)
    response["Cache-Control"] = "no-store"
    return response


def status() -> JsonResponse:
    return JsonResponse({"available": True, "scheduledOutages": []})


@csrf_exempt
def check_passport(request: HttpRequest) -> HttpResponse:
    """``GET``: the DCS's status. ``POST``: a passport validity check (see the module)."""
    _enabled()
    if request.method == "GET":
        return status()
    if request.method != "POST":
        return HttpResponse(status=405)
    if request.content_type != JOSE:
        return HttpResponse("Content-Type must be application/jose", status=415)
    keys = _Keys()
    if keys.missing:
        return HttpResponse(f"fake DCS not configured: {', '.join(keys.missing)}", status=503)
    try:
        message = jose.unwrap(request.body.decode("ascii"), keys.client, keys.decryption_key)
    except (jose.WrapperError, UnicodeDecodeError):
        return HttpResponse("Bad Request", status=400)
    if problems := _problems(message):
        return _answer(keys, message, error=True, valid=False, errorMessage=problems)
    if not cache.add(f"fake-dcs-request:{message['requestId']}", 1, REQUEST_ID_MEMORY):
        return _answer(
            keys, message, error=True, valid=False, errorMessage=["requestId already used"]
        )
    decision = decide(
        message["passportNumber"],
        message["surname"],
        message["forenames"],
        datetime.date.fromisoformat(message["dateOfBirth"]),
        datetime.date.fromisoformat(message["expiryDate"]),
    )
    if decision is Decision.SERVER_ERROR:
        return HttpResponse("Internal Server Error", status=500)
    if decision is Decision.THROTTLED:
        return HttpResponse("Limit exceeded", status=429, headers={"Retry-After": "1"})
    if decision is Decision.SLOW:
        time.sleep(settings.FAKE_DCS_SLOW_SECONDS)
    return _answer(keys, message, error=False, valid=decision is Decision.VALID)
