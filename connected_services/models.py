"""Connected services, their OpenID Connect clients, tokens, consents and signing keys.

django-oauth-toolkit's five models are swapped for the ones here (see settings and
docs/adr/0030-oidc-provider-on-django-oauth-toolkit.md): a connected service *is* its OAuth
client, and the vector of trust the patient satisfied travels with the code and the tokens so
``vot`` can be put in the ID token on code exchange and on refresh.
"""

import json
import uuid
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from oauth2_provider.models import (
    AbstractAccessToken,
    AbstractApplication,
    AbstractGrant,
    AbstractIDToken,
    AbstractRefreshToken,
    ApplicationManager,
)

from core.crypto import EncryptedTextField
from core.delivery import Claimable
from verification.models import Nation

MAX_REDIRECT_URIS = 10
# Parsed client public keys, per process, keyed on the PEM/JWKS text (Service.public_jwk_set).
MAX_PARSED_PUBLIC_KEYS = 512
_parsed_public_keys: dict[tuple[str, str], object] = {}
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}


def check_redirect_uri(uri: str) -> None:
    """A redirect URI as INTERFACE.md allows: https, no wildcard, no query, no fragment.

    Plain http is accepted only for a loopback host outside production (the demo service).
    """
    parts = urlsplit(uri)
    loopback_http = (
        parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS and not settings.PRODUCTION
    )
    if parts.scheme != "https" and not loopback_http:
        raise ValidationError(f"{uri} must start with https://")
    if not parts.hostname:
        raise ValidationError(f"{uri} must include a host name")
    if "*" in uri:
        raise ValidationError(f"{uri} must not contain a wildcard (*)")
    if parts.query or "?" in uri:
        raise ValidationError(f"{uri} must not contain a query string")
    if parts.fragment or "#" in uri:
        raise ValidationError(f"{uri} must not contain a fragment (#)")


def _rsa_bits(key) -> int:
    from jwcrypto.common import base64url_decode

    return len(base64url_decode(key.get("n", ""))) * 8


class Category(models.TextChoices):
    APPOINTMENTS = "appointments", "Appointments and prescriptions"
    RECORDS = "records", "Health records"
    CONDITIONS = "conditions", "Living with a condition"
    MENTAL_HEALTH = "mental_health", "Mental health"
    CARE = "care", "Social care"
    RESEARCH = "research", "Research"
    OTHER = "other", "Other"


def default_nations():
    return list(Nation.values)


def default_vectors():
    return "P9.Cp.Cd P9.Cm"


class ServiceQuerySet(models.QuerySet):
    def live(self):
        return self.filter(is_live=True)

    def offered_in(self, nation: str | None):
        """Live services offered in a nation; with no nation known, those offered in all."""
        services = self.live()
        if nation:
            return [s for s in services if nation in s.nations]
        return [s for s in services if set(s.nations) >= set(Nation.values)]


class ServiceManager(ApplicationManager.from_queryset(ServiceQuerySet)):
    pass


class Service(AbstractApplication):
    """A connected service: what patients see in the catalogue and its OpenID Connect client.

    It can only go live (and its client can only authorize) when the three assurance answers
    from the GP good practice guidance are all yes.
    """

    class SigningAlgorithm(models.TextChoices):
        RS512 = "RS512", "RS512 (the default)"
        RS256 = "RS256", "RS256"

    # What patients see
    description = models.TextField(blank=True)
    url = models.URLField("Service address", blank=True, help_text="Where patients start")
    category = models.CharField(max_length=20, choices=Category.choices, default=Category.OTHER)
    logo = models.ImageField(upload_to="service-logos/", blank=True)
    minimum_age = models.PositiveSmallIntegerField(
        default=0, help_text="Patients younger than this are not offered the service"
    )
    nations = models.JSONField(default=default_nations, help_text="Where the service is offered")

    # Assurance answers (GP good practice guidance)
    has_care_benefit = models.BooleanField("It has a health or social care benefit", default=False)
    is_nhs_commissioned = models.BooleanField(
        "It is commissioned, contracted or sponsored by an NHS organisation", default=False
    )
    is_free_at_point_of_delivery = models.BooleanField(
        "It is free at the point of delivery", default=False
    )
    is_live = models.BooleanField(default=False)

    # OpenID Connect client settings beyond django-oauth-toolkit's
    public_key_pem = models.TextField(
        "Public key (PEM)", blank=True, help_text="RSA, 2048 bits or more"
    )
    jwks = models.JSONField("Public keys (JWKS)", null=True, blank=True)
    allowed_vectors = models.TextField(
        default=default_vectors,
        help_text="Vectors of trust the service may ask for, separated by spaces",
    )
    allowed_scopes = models.TextField(
        default="openid", help_text="Scopes the service may ask for, separated by spaces"
    )
    allow_gp_integration_credentials = models.BooleanField(default=False)
    id_token_signing_alg = models.CharField(
        max_length=5, choices=SigningAlgorithm.choices, default=SigningAlgorithm.RS512
    )
    backchannel_logout_uri = models.URLField(blank=True)
    # Opt-in to security event tokens (OpenID Shared Signals, RISC and CAEP; RFC 8417 tokens
    # pushed per RFC 8935): empty, none are sent.
    security_event_uri = models.URLField(
        "Security event push address",
        blank=True,
        help_text="Where account and proofing changes are pushed (RFC 8935); empty: none",
    )

    objects = ServiceManager()

    class Meta(AbstractApplication.Meta):
        swappable = "OAUTH2_PROVIDER_APPLICATION_MODEL"
        ordering = ["name"]

    def __str__(self):
        return self.name or self.client_id

    def natural_key(self):
        return (self.client_id,)

    @property
    def assured(self) -> bool:
        return (
            self.has_care_benefit and self.is_nhs_commissioned and self.is_free_at_point_of_delivery
        )

    @property
    def vector_list(self) -> list[str]:
        return self.allowed_vectors.split()

    @property
    def scope_list(self) -> list[str]:
        return self.allowed_scopes.split()

    @property
    def lowest_level(self) -> str:
        """The lowest proofing level any of the service's vectors needs."""
        from connected_services.vectors import Vector

        levels = [Vector.parse(v).level for v in self.vector_list]
        return min(levels, key=lambda lv: int(lv[1:]), default="P9")

    def public_jwk_set(self):
        """The client's registered public keys (PEM or JWKS) as a jwcrypto JWKSet.

        Parsed once per process for each distinct registration (every client assertion at
        /token needs them): the cache is keyed on the key material itself, so a changed key
        is parsed afresh and the old one is never used again.
        """
        from jwcrypto import jwk

        material = (self.public_key_pem.strip(), json.dumps(self.jwks, sort_keys=True))
        keys = _parsed_public_keys.get(material)
        if keys is not None:
            return keys
        keys = jwk.JWKSet()
        if self.jwks:
            keys = jwk.JWKSet.from_json(json.dumps(self.jwks))
        if self.public_key_pem.strip():
            keys.add(jwk.JWK.from_pem(self.public_key_pem.strip().encode()))
        if len(_parsed_public_keys) >= MAX_PARSED_PUBLIC_KEYS:
            _parsed_public_keys.clear()
        _parsed_public_keys[material] = keys
        return keys

    def clean(self):
        from connected_services.vectors import Vector, VectorError

        errors: dict[str, list] = {}
        uris = self.redirect_uris.split()
        if len(uris) > MAX_REDIRECT_URIS:
            errors.setdefault("redirect_uris", []).append(
                f"Enter {MAX_REDIRECT_URIS} redirect URIs or fewer"
            )
        for uri in uris:
            try:
                check_redirect_uri(uri)
            except ValidationError as error:
                errors.setdefault("redirect_uris", []).extend(error.messages)
        for vector in self.vector_list:
            try:
                Vector.parse(vector)
            except VectorError as error:
                errors.setdefault("allowed_vectors", []).append(str(error))
        unknown = set(self.scope_list) - set(settings.OAUTH2_PROVIDER["SCOPES"])
        if unknown:
            errors.setdefault("allowed_scopes", []).append(
                f"Unknown scopes: {', '.join(sorted(unknown))}"
            )
        if "openid" not in self.scope_list:
            errors.setdefault("allowed_scopes", []).append("Allowed scopes must include openid")
        if self.client_type == self.CLIENT_CONFIDENTIAL:
            try:
                keys = self.public_jwk_set()
            except Exception:
                errors.setdefault("public_key_pem", []).append(
                    "Enter an RSA public key in PEM format, or a JWKS"
                )
            else:
                if not keys["keys"]:
                    errors.setdefault("public_key_pem", []).append(
                        "A confidential client needs a public key (PEM) or a JWKS"
                    )
                for key in keys["keys"]:
                    if key.get("kty") != "RSA" or _rsa_bits(key) < 2048:
                        errors.setdefault("public_key_pem", []).append(
                            "Keys must be RSA, 2048 bits or larger"
                        )
        bad_nations = set(self.nations or []) - set(Nation.values)
        if bad_nations:
            errors.setdefault("nations", []).append("Choose nations from the list")
        if self.is_live and not self.assured:
            errors.setdefault("is_live", []).append(
                "A service can only go live when all three assurance answers are yes"
            )
        if errors:
            raise ValidationError(errors)


class Grant(AbstractGrant):
    """An authorization code, with the vector satisfied when it was issued.

    A code is marked used rather than deleted, so a second use can be recognised and what the
    first use issued revoked (the refresh-token family recorded here).
    """

    vot = models.CharField(max_length=40, blank=True)
    auth_time = models.PositiveBigIntegerField(null=True, blank=True)
    used_at = models.DateTimeField(null=True, blank=True)
    token_family = models.UUIDField(null=True, blank=True)
    # Which browser session signed in for this code (a keyed digest of its session key, never
    # the key): single sign-on needs the same session still live (ADR 0067).
    session_digest = models.CharField(max_length=64, blank=True)

    class Meta(AbstractGrant.Meta):
        swappable = "OAUTH2_PROVIDER_GRANT_MODEL"


class AccessToken(AbstractAccessToken):
    """An access token; the vector and sign-in time survive refreshes for ``vot``.

    It also names the ID token issued with it (its ``jti``) and the browser session that
    signed in, so a service can assert that sign-in to another service (single sign-on,
    ADR 0067) for as long as the ID token lives and the token is not revoked. Kept here, not
    in an ID token row: the token endpoint writes this row anyway, so it costs no statement.
    """

    vot = models.CharField(max_length=40, blank=True)
    auth_time = models.PositiveBigIntegerField(null=True, blank=True)
    id_token_jti = models.CharField(max_length=64, blank=True, db_index=True)
    session_digest = models.CharField(max_length=64, blank=True)

    class Meta(AbstractAccessToken.Meta):
        swappable = "OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL"


class RefreshToken(AbstractRefreshToken):
    class Meta(AbstractRefreshToken.Meta):
        swappable = "OAUTH2_PROVIDER_REFRESH_TOKEN_MODEL"


class IDToken(AbstractIDToken):
    class Meta(AbstractIDToken.Meta):
        swappable = "OAUTH2_PROVIDER_ID_TOKEN_MODEL"


class Consent(models.Model):
    """What a patient agreed to share with a service, and when they last used it.

    One row per patient and service. Withdrawing keeps the row (the history) and the service
    asks again next time.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="consents"
    )
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="consents")
    claims = models.JSONField(default=list, help_text="Names of the claims agreed to")
    scopes = models.JSONField(default=list)
    level = models.CharField(max_length=2)
    granted_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    client_user_metadata = models.CharField(max_length=1024, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "service"], name="one_consent_per_service")
        ]

    def __str__(self):
        return f"Consent {self.pk}"

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None


class SigningKey(models.Model):
    """An RSA key that signs ID tokens. The newest unretired key signs; retired keys stay
    published in JWKS until every ID token they signed has expired."""

    kid = models.CharField(max_length=64, unique=True)
    private_key_pem = EncryptedTextField()
    created_at = models.DateTimeField(default=timezone.now)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Signing key {self.kid}"


class LogoutNotice(Claimable):
    """A back-channel logout token to deliver to a service (OpenID Connect Back-Channel
    Logout 1.0). The Celery task carries only this row's id."""

    class Reason(models.TextChoices):
        SIGNED_OUT = "signed_out", "Signed out"
        SUSPENDED = "suspended", "Account suspended"
        DELETED = "deleted", "Account deleted"
        CONSENT_WITHDRAWN = "consent_withdrawn", "Consent withdrawn"
        # The owner said they did not prove who they are to P9 ("If this was not you").
        PROOFING_DISPUTED = "proofing_disputed", "Proofing disputed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    service = models.ForeignKey(Service, on_delete=models.CASCADE)
    sub = models.UUIDField()
    reason = models.CharField(max_length=20, choices=Reason.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_status = models.CharField(max_length=40, blank=True)

    def __str__(self):
        return f"Logout notice {self.pk}"


class SecurityEvent(Claimable):
    """A security event token (RFC 8417) to push to a service that asked for them (RFC 8935):
    an account disabled, enabled or purged, a credential changed, the level of proof changed,
    or account recovery started. The Celery task carries only this row's id; its id is the
    token's ``jti``, the same on every retry, so the service can drop a repeat."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    service = models.ForeignKey(Service, on_delete=models.CASCADE)
    sub = models.UUIDField()
    event_type = models.CharField(max_length=120)
    # The event's attributes as the token carries them: levels, kinds of change; never
    # personal data.
    attributes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_status = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Security event {self.pk}"
