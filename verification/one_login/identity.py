"""The identity One Login sends: its ``coreIdentityJWT`` checked, and what we trace from it.

The JWT (a verifiable credential, ES256) is signed with keys One Login publishes in a DID
document. We believe it only when the signature, issuer, audience (our client id) and expiry
are good, its ``sub`` is the ``sub`` of the ID token it came with, and its ``vot`` is P2 or
higher. Then: the current name, the date of birth, and the postcode of the current address
(the address claim).
"""

import datetime
from dataclasses import dataclass

from django.conf import settings

from accounts.one_login import tokens
from accounts.one_login.provider import ADDRESS_CLAIM, CORE_IDENTITY_CLAIM
from verification.demographics.normalise import postcode as normalise_postcode

# One Login's identity levels, lowest first; P2 (medium) is the least we reuse.
LEVELS = ["P1", "P2", "P3", "P4"]
LEAST_LEVEL = "P2"


class IdentityRefused(Exception):
    """The identity cannot be used. ``reason`` (for the audit) names the failed check."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class OneLoginIdentity:
    given_name: str
    family_name: str
    birth_date: datetime.date
    postcode: str


def did_url() -> str:
    return settings.ONE_LOGIN_DID_URL or f"{settings.ONE_LOGIN_URL}/.well-known/did.json"


def _current(entries) -> dict | None:
    """The entry valid now: no ``validUntil``, else the first."""
    if not isinstance(entries, list):
        return None
    entries = [entry for entry in entries if isinstance(entry, dict)]
    for entry in entries:
        if not entry.get("validUntil"):
            return entry
    return entries[0] if entries else None


def _name(subject: dict) -> tuple[str, str]:
    name = _current(subject.get("name")) or {}
    parts = [part for part in name.get("nameParts", []) if isinstance(part, dict)]
    given = [str(p.get("value", "")) for p in parts if p.get("type") == "GivenName"]
    family = [str(p.get("value", "")) for p in parts if p.get("type") == "FamilyName"]
    if not given or not family or not given[0].strip():
        raise IdentityRefused("no_name")
    return given[0].strip(), " ".join(family).strip()


def _birth_date(subject: dict) -> datetime.date:
    entry = _current(subject.get("birthDate")) or {}
    try:
        return datetime.date.fromisoformat(str(entry.get("value", "")))
    except ValueError:
        raise IdentityRefused("no_birth_date") from None


def read_identity(userinfo: dict, *, sub: str) -> OneLoginIdentity:
    """Check the ``coreIdentityJWT`` in ``userinfo`` (see the module) and return what it says.
    Raises ``IdentityRefused``."""
    token = userinfo.get(CORE_IDENTITY_CLAIM)
    if not isinstance(token, str) or not token:
        raise IdentityRefused("no_identity")
    try:
        claims = tokens.verify_with_published_keys(
            token,
            did_url(),
            did=True,
            issuer=settings.ONE_LOGIN_IDENTITY_ISSUER,
            audience=settings.ONE_LOGIN_CLIENT_ID,
            algorithms=["ES256"],
        )
    except tokens.TokenRefused as refused:
        raise IdentityRefused(refused.reason) from None
    if claims["sub"] != sub:
        raise IdentityRefused("different_sub")
    vot = claims.get("vot")
    if vot not in LEVELS or LEVELS.index(vot) < LEVELS.index(LEAST_LEVEL):
        raise IdentityRefused("level")
    credential = claims.get("vc")
    subject = credential.get("credentialSubject") if isinstance(credential, dict) else None
    if not isinstance(subject, dict):
        raise IdentityRefused("malformed")
    given_name, family_name = _name(subject)
    birth_date = _birth_date(subject)
    address = _current(userinfo.get(ADDRESS_CLAIM)) or {}
    postcode = normalise_postcode(str(address.get("postalCode", "")))
    if not postcode:
        raise IdentityRefused("no_postcode")
    return OneLoginIdentity(given_name, family_name, birth_date, postcode)
