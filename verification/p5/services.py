"""Proving who you are to P5: the trace, the identity it gives, the limit on attempts."""

import datetime

import phonenumbers
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from accounts.services import set_proofing_level
from core import audit
from verification import demographics
from verification.demographics.normalise import nation_for_postcode
from verification.demographics.types import Outcome, PatientRecord, TraceQuery
from verification.models import Identity, TraceAttempt
from verification.p5 import events
from verification.p5.state import P5State

ROUTE = "demographics trace"
LIMITED = "limited"


def _p5_traces(user: User):
    """This patient's P5 traces in the current window (24 hours by default)."""
    since = timezone.now() - settings.P5_TRACE_WINDOW
    return TraceAttempt.objects.filter(user=user, created_at__gte=since).exclude(
        by=TraceAttempt.By.PHOTO_ID
    )


def attempts_used(user: User) -> int:
    """Traces this patient made at P5 in the current window (24 hours by default)."""
    return _p5_traces(user).count()


def is_limited(user: User) -> bool:
    """True when the patient has used all their attempts for now."""
    return attempts_used(user) >= settings.P5_TRACE_ATTEMPTS


def attempts_left(user: User) -> int:
    return max(0, settings.P5_TRACE_ATTEMPTS - attempts_used(user))


def next_attempt_at(user: User) -> datetime.datetime | None:
    """When the oldest attempt in the window drops out, freeing one again."""
    oldest = _p5_traces(user).order_by("created_at").values_list("created_at", flat=True).first()
    return oldest + settings.P5_TRACE_WINDOW if oldest else None


def query_from_state(state: P5State) -> TraceQuery:
    return TraceQuery(
        birth_date=datetime.date.fromisoformat(state.birth_date),
        postcode=state.postcode,
        nhs_number=state.nhs_number or None,
        given_name=None if state.nhs_number else state.given_name,
        family_name=None if state.nhs_number else state.family_name,
    )


def phone_matches(user: User, record: PatientRecord) -> bool:
    """The patient's confirmed mobile is the mobile on their NHS record."""
    if not (record.mobile and user.phone_verified and user.phone_kind == User.PhoneKind.MOBILE):
        return False
    try:
        number = phonenumbers.parse(record.mobile, "GB")
    except phonenumbers.NumberParseException:
        return False
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return e164 == user.phone_number


@transaction.atomic
def store_identity(
    user: User, record: PatientRecord, nation: str, *, phone_matched: bool | None = None
) -> Identity:
    """Create or update the patient's ``Identity`` from their traced NHS record.

    The one place an NHS record becomes an identity: the P5 trace and the photo ID check that
    traces (``verification.idchecks``) both call it. ``phone_matched`` defaults to comparing
    the record's mobile with the patient's confirmed one. Raises ``IntegrityError`` when
    another login has already proved this NHS number.
    """
    if phone_matched is None:
        phone_matched = phone_matches(user, record)
    identity, _ = Identity.objects.select_for_update().get_or_create(
        user=user,
        defaults={
            "nhs_number": record.nhs_number,
            "family_name": record.family_name,
            "birth_date": record.birth_date,
            "traced_at": timezone.now(),
        },
    )
    identity.nhs_number = record.nhs_number
    identity.given_name = record.given_name
    identity.family_name = record.family_name
    identity.birth_date = record.birth_date
    identity.postcode = record.postcode
    identity.nation = nation
    identity.gp_ods_code = record.gp_ods_code
    identity.phone_number_pds_matched = phone_matched
    identity.traced_at = timezone.now()
    identity.save()
    return identity


def prove_with_trace(user: User, state: P5State, *, request=None) -> str:
    """Trace the patient's details in the demographics service and, on one match, make them P5.

    Returns the outcome: a ``TraceAttempt.Outcome`` value, or ``LIMITED`` when the patient has
    no attempts left (nothing is traced then). A trace that PDS could not answer is not counted
    against the patient. Every counted trace writes a ``TraceAttempt`` and an audit event; the
    audit details hold the outcome and route only, never the details the patient typed.
    """
    if is_limited(user):
        audit.record(events.DEMOGRAPHICS_TRACE_LIMITED, request=request, user=user)
        return LIMITED
    # Take the attempt before tracing, then count: two traces sent at once cannot both slip
    # under the limit. The row is given its real outcome, or removed if PDS did not answer.
    attempt = TraceAttempt.objects.create(
        user=user, by=state.by, outcome=TraceAttempt.Outcome.UNAVAILABLE
    )
    if attempts_used(user) > settings.P5_TRACE_ATTEMPTS:
        attempt.delete()
        audit.record(events.DEMOGRAPHICS_TRACE_LIMITED, request=request, user=user)
        return LIMITED
    result = demographics.trace(query_from_state(state))
    if result.outcome is Outcome.UNAVAILABLE:
        attempt.delete()
        return TraceAttempt.Outcome.UNAVAILABLE
    outcome = TraceAttempt.Outcome(result.outcome.value)
    if outcome == TraceAttempt.Outcome.MATCHED:
        nation = nation_for_postcode(result.record.postcode)
        if nation is None:
            outcome = TraceAttempt.Outcome.NOT_ELIGIBLE
        else:
            try:
                identity = store_identity(user, result.record, nation)
            except IntegrityError:
                # Another login has already proved this NHS number: one login per person.
                outcome = TraceAttempt.Outcome.DUPLICATE
    attempt.outcome = outcome
    attempt.save(update_fields=["outcome"])
    if outcome != TraceAttempt.Outcome.MATCHED:
        audit.record(
            events.DEMOGRAPHICS_TRACE_FAILED,
            request=request,
            user=user,
            by=state.by,
            outcome=outcome.value,
        )
        return outcome.value
    audit.record(
        events.DEMOGRAPHICS_TRACE_MATCHED,
        request=request,
        user=user,
        by=state.by,
        nation=identity.nation,
        phone_number_pds_matched=identity.phone_number_pds_matched,
    )
    if not user.has_level("P5"):
        set_proofing_level(user, "P5", route=ROUTE, request=request)
    return outcome.value
