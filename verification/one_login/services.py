"""Proving who you are to P9 with an identity from GOV.UK One Login.

``check_identity`` reads the identity (``identity.read_identity``), traces it in PDS and
decides; it writes nothing but audit events, so a refusal changes nothing. ``raise_to_p9``
keeps the traced record as the login's identity and raises the level, inside the caller's
transaction (the link to the One Login account is made in the same one). Tries are limited
per login per day (``ONE_LOGIN_IDENTITY_TRIES_PER_DAY``), each counted before its trace.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import ProofingLevel, User
from accounts.services import set_proofing_level
from core import audit
from core.models import AuditEvent
from verification import demographics
from verification.ages import old_enough_for_p9
from verification.demographics.normalise import nation_for_postcode
from verification.demographics.types import Outcome, PatientRecord, TraceQuery
from verification.models import Identity
from verification.one_login import events
from verification.one_login.identity import IdentityRefused, read_identity
from verification.p5.services import store_identity

ROUTE = "GOV.UK One Login"

# Outcomes (each has its page: accounts.one_login.pages).
PROVED = "proved"
REFUSED = "identity_refused"
TOO_YOUNG = "too_young"
NO_MATCH = "no_match"
MULTIPLE = "multiple"
RESTRICTED = "restricted"
NOT_ELIGIBLE = "not_eligible"
IN_USE = "identity_in_use"
DIFFERENT_PERSON = "different_person"
UNAVAILABLE = "unavailable"
TOO_MANY_TRIES = "too_many_tries"


@dataclass(frozen=True)
class IdentityCheck:
    outcome: str
    record: PatientRecord | None = None
    nation: str | None = None


def tries_today(user: User) -> int:
    """Identities from One Login this login tried in the last 24 hours."""
    since = timezone.now() - timedelta(days=1)
    return AuditEvent.objects.filter(user=user, event=events.TRIED, occurred_at__gte=since).count()


def check_identity(request, user: User, *, sub: str, userinfo: dict) -> IdentityCheck:
    """Whether the identity One Login sent for ``sub`` proves who ``user`` is: a good
    ``coreIdentityJWT`` at P2 or higher, old enough for P9, exactly one PDS record for its
    name, date of birth and postcode, in a nation we serve, not proved by another login and
    not a different person from the identity this login already has. Audited either way."""
    with transaction.atomic():
        # Counted and taken under the login's row lock: two tries sent at once cannot both
        # see the last free one (each try traces PDS, which is what the limit protects).
        User.objects.select_for_update().filter(pk=user.pk).first()
        if tries_today(user) >= settings.ONE_LOGIN_IDENTITY_TRIES_PER_DAY:
            audit.record(events.TOO_MANY_TRIES, request=request, user=user)
            return IdentityCheck(TOO_MANY_TRIES)
        audit.record(events.TRIED, request=request, user=user)
    check = _check(user, sub=sub, userinfo=userinfo)
    if check.outcome != PROVED:
        audit.record(events.IDENTITY_REFUSED, request=request, user=user, reason=check.outcome)
    return check


def _check(user: User, *, sub: str, userinfo: dict) -> IdentityCheck:
    try:
        identity = read_identity(userinfo, sub=sub)
    except IdentityRefused as refused:
        return IdentityCheck(f"{REFUSED}:{refused.reason}")
    if not old_enough_for_p9(identity.birth_date):
        return IdentityCheck(TOO_YOUNG)
    result = demographics.trace(
        TraceQuery(
            birth_date=identity.birth_date,
            postcode=identity.postcode,
            given_name=identity.given_name,
            family_name=identity.family_name,
        )
    )
    outcomes = {
        Outcome.NO_MATCH: NO_MATCH,
        Outcome.MULTIPLE: MULTIPLE,
        Outcome.RESTRICTED: RESTRICTED,
        Outcome.UNAVAILABLE: UNAVAILABLE,
    }
    if result.outcome is not Outcome.MATCHED:
        return IdentityCheck(outcomes[result.outcome])
    record = result.record
    if record.birth_date is None or not old_enough_for_p9(record.birth_date):
        return IdentityCheck(TOO_YOUNG)
    nation = nation_for_postcode(record.postcode)
    if nation is None:
        return IdentityCheck(NOT_ELIGIBLE)
    own = Identity.objects.filter(user=user).first()
    matches = Identity.for_nhs_number(record.nhs_number)
    if own is not None and not matches.filter(pk=own.pk).exists():
        return IdentityCheck(DIFFERENT_PERSON)  # this login proved someone else at P5
    if matches.exclude(user=user).exists():
        return IdentityCheck(IN_USE)  # another login has proved this person
    return IdentityCheck(PROVED, record=record, nation=nation)


def raise_to_p9(request, user: User, check: IdentityCheck) -> None:
    """Keep the traced record as ``user``'s identity and raise the login to P9 (route "GOV.UK
    One Login": the audit event, and the "If this was not you" email as after every P9).
    Call inside a transaction; raises ``IntegrityError`` when another login proved the same
    NHS number a moment ago (the caller's transaction then rolls back)."""
    store_identity(user, check.record, check.nation)
    if not user.has_level(ProofingLevel.P9):
        set_proofing_level(user, ProofingLevel.P9, route=ROUTE, request=request)
    audit.record(events.IDENTITY_USED, request=request, user=user)
