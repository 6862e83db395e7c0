"""Scopes and the claims they release, exactly as the table in INTERFACE.md.

Claims come from the login (``accounts.User``) and the proved identity
(``verification.models.Identity``). A claim the patient does not have is left out, never
``null``. Address, postcode and gender are never released.
"""

from dataclasses import dataclass

from django.core.exceptions import ObjectDoesNotExist

from accounts.models import ProofingLevel

# scope -> (claims, lowest level at which they are released)
SCOPES: dict[str, tuple[tuple[str, ...], str]] = {
    "openid": (("iss", "aud", "sub"), "P0"),
    "profile": (("nhs_number", "family_name", "birthdate", "identity_proofing_level"), "P5"),
    "basic_demographics": (("family_name", "birthdate", "identity_proofing_level"), "P5"),
    "profile_extended": (("given_name",), "P5"),
    "email": (("email", "email_verified"), "P0"),
    "phone": (("phone_number", "phone_number_verified", "phone_number_pds_matched"), "P0"),
    "landline": (("landline_number", "landline_number_verified"), "P0"),
    "gp_registration_details": (("gp_ods_code",), "P5"),
    "gp_integration_credentials": (("gp_user_id", "gp_linkage_key", "gp_ods_code"), "P9"),
    "client_metadata": (("client_user_metadata",), "P0"),
}
# The claims an ID token may carry besides the protocol ones (iss, sub, aud, exp, ...).
ID_TOKEN_CLAIMS = ("family_name", "birthdate", "nhs_number", "identity_proofing_level")

# What the patient reads on the consent page and in "services you have used".
CLAIM_DESCRIPTIONS = {
    "nhs_number": "your NHS number",
    "given_name": "your first name",
    "family_name": "your last name",
    "birthdate": "your date of birth",
    "identity_proofing_level": "how well you have proved who you are",
    "email": "your email address",
    "phone_number": "your mobile phone number",
    "landline_number": "your landline phone number",
    "gp_ods_code": "your GP surgery",
    "gp_user_id": "your GP online services account ID",
    "gp_linkage_key": "your GP online services linkage key",
}


@dataclass(frozen=True)
class GPCredentials:
    gp_user_id: str
    gp_linkage_key: str
    gp_ods_code: str


def gp_integration_credentials(user) -> GPCredentials | None:
    """The patient's GP online registration details, or None when they have none.

    Read from the details the patient used to reach P9 (GP online details or fast track), and
    gone once their practice revokes them (``verification.gp_online``).
    """
    from verification.gp_online.services import gp_integration_credentials as from_practice

    credentials = from_practice(user)
    return GPCredentials(**credentials) if credentials else None


def _identity(user):
    try:
        return user.identity
    except ObjectDoesNotExist:
        return None


def released_scopes(scopes, level: str) -> list[str]:
    """The requested scopes whose claims may be released at ``level``."""
    return [
        s
        for s in scopes
        if s in SCOPES and ProofingLevel.rank(level) >= ProofingLevel.rank(SCOPES[s][1])
    ]


def claims_for(user, scopes, *, service, metadata: str = "") -> dict:
    """Every claim the scopes allow for this patient at their level (for userinfo)."""
    scopes = released_scopes(scopes, user.proofing_level)
    identity = _identity(user) if any(SCOPES[s][1] != "P0" for s in scopes) else None
    claims: dict = {}
    if "profile" in scopes or "basic_demographics" in scopes:
        if identity:
            claims["family_name"] = identity.family_name
            claims["birthdate"] = identity.birth_date.isoformat()
        claims["identity_proofing_level"] = user.proofing_level
    if "profile" in scopes and identity and identity.nhs_number:
        claims["nhs_number"] = identity.nhs_number
    if "profile_extended" in scopes and identity and identity.given_name:
        claims["given_name"] = identity.given_name
    if "email" in scopes and user.email:
        claims["email"] = user.email
        claims["email_verified"] = user.email_verified
    if user.phone_number and user.phone_kind == user.PhoneKind.MOBILE and "phone" in scopes:
        claims["phone_number"] = user.phone_number
        claims["phone_number_verified"] = user.phone_verified
        pds_identity = identity if identity is not None else _identity(user)
        if pds_identity is not None:
            claims["phone_number_pds_matched"] = pds_identity.phone_number_pds_matched
    if user.phone_number and user.phone_kind == user.PhoneKind.LANDLINE and "landline" in scopes:
        claims["landline_number"] = user.phone_number
        claims["landline_number_verified"] = user.phone_verified
    if "gp_registration_details" in scopes and identity and identity.gp_ods_code:
        claims["gp_ods_code"] = identity.gp_ods_code
    if "gp_integration_credentials" in scopes and service.allow_gp_integration_credentials:
        credentials = gp_integration_credentials(user)
        if credentials:
            claims["gp_user_id"] = credentials.gp_user_id
            claims["gp_linkage_key"] = credentials.gp_linkage_key
            claims["gp_ods_code"] = credentials.gp_ods_code
    if "client_metadata" in scopes and metadata:
        claims["client_user_metadata"] = metadata
    return claims


def id_token_claims(user, scopes, *, service) -> dict:
    """The personal claims an ID token carries: a subset of ``claims_for``."""
    if not {"profile", "basic_demographics"} & set(scopes):
        return {}
    claims = claims_for(user, scopes, service=service)
    return {k: v for k, v in claims.items() if k in ID_TOKEN_CLAIMS}


def shared_claim_names(user, scopes, *, service) -> list[str]:
    """Names of the personal claims a service would receive now, for consent: exactly those
    ``claims_for`` would send this patient, so the consent page never names what will not be
    sent (a landline user asked for "phone" sends no mobile number). In the order of
    ``CLAIM_DESCRIPTIONS``, as the patient reads them."""
    sent = claims_for(user, scopes, service=service)
    return [name for name in CLAIM_DESCRIPTIONS if name in sent]
