"""The services catalogue and 'services you have used', shaped for the pages."""

from dataclasses import dataclass

from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone

from accounts.models import ProofingLevel
from connected_services.claims import CLAIM_DESCRIPTIONS
from connected_services.models import Consent, Service

LEVEL_NAMES = {
    "P0": "an NHS login",
    "P5": "to prove who you are (medium level)",
    "P9": "to prove who you are (high level)",
}


@dataclass
class CatalogueEntry:
    service: Service
    level_needed: str
    minimum_age: int
    can_use: bool

    @property
    def needs(self) -> str:
        return LEVEL_NAMES[self.level_needed]


def _identity(user):
    try:
        return user.identity
    except ObjectDoesNotExist:
        return None


def catalogue_for(user) -> list[CatalogueEntry]:
    """Live services for the patient's nation (all-nation services when we do not know it),
    without those the patient is too young for; each says what it needs."""
    identity = _identity(user)
    nation = identity.nation if identity and identity.nation else None
    age = identity.age_on(timezone.localdate()) if identity else None
    entries = []
    for service in Service.objects.offered_in(nation):
        if age is not None and age < service.minimum_age:
            continue
        level = service.lowest_level
        entries.append(
            CatalogueEntry(
                service=service,
                level_needed=level,
                minimum_age=service.minimum_age,
                can_use=ProofingLevel.rank(user.proofing_level) >= ProofingLevel.rank(level),
            )
        )
    return entries


@dataclass
class UsedService:
    consent: Consent

    @property
    def shared(self) -> list[str]:
        return [CLAIM_DESCRIPTIONS[c] for c in self.consent.claims if c in CLAIM_DESCRIPTIONS]


def services_used_by(user) -> list[UsedService]:
    """Services the patient shares information with now, the most recently used first."""
    consents = (
        Consent.objects.filter(user=user, withdrawn_at__isnull=True)
        .select_related("service")
        .order_by("-last_used_at", "-granted_at")
    )
    return [UsedService(c) for c in consents]


def services_stopped_by(user) -> list[UsedService]:
    """Services the patient used and then stopped sharing with, the latest stop first: they
    have used their NHS login with these, and each will ask again next time."""
    consents = (
        Consent.objects.filter(user=user, withdrawn_at__isnull=False)
        .select_related("service")
        .order_by("-withdrawn_at")
    )
    return [UsedService(c) for c in consents]
