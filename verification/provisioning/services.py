"""Logins made for a patient by an organisation: submit, the patient's journey, expiry.

An organisation registered for provisioning (``ProvisioningOrganisation``) submits a
patient's details (``submit``). They must trace to exactly one PDS record, by name, date of
birth and postcode; the NHS number must be that record's; the mobile must be the one PDS
holds (a record with no mobile is refused: ADR 0065). Then the patient is emailed a link that
works once. Opening it (``start``) texts a security code to that mobile; the right code
(``confirm_phone_code``) proves the patient holds it. Then either a new login is made with the
password they choose (``create_login``) or, when they already have one, they sign in and it is
raised (``accept_with_login``). Either way the login is P9, route "provisioned by <the
organisation's full name>", and the proofing notice is sent (``set_proofing_level``).

The organisation never learns whether a login existed: ``submit`` does the same work and
gives the same answer either way. Every step writes its audit event; details hold ids,
outcomes and reasons, never personal data.
"""

import datetime
import secrets
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlencode

import phonenumbers
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import PhoneDevice, ProofingLevel, User
from accounts.services import proofing_hold, set_proofing_level
from accounts.services.codes import phone_code_message
from accounts.services.limits import absolute_url, address_key
from accounts.services.proofing_notice import moment_in_words
from core import audit, notifications, rows
from core.ratelimit import Limit
from verification import demographics
from verification.ages import old_enough_for_p9
from verification.demographics.normalise import nation_for_postcode
from verification.demographics.types import Outcome as TraceOutcome
from verification.demographics.types import PatientRecord, TraceQuery
from verification.models import Identity, ProvisioningOrganisation, ProvisionRequest
from verification.p5.services import store_identity
from verification.provisioning import events, messages

ROUTE_PREFIX = "provisioned by "


def route_for(organisation: ProvisioningOrganisation) -> str:
    """The route written on the level change: "provisioned by <full organisation name>"."""
    return f"{ROUTE_PREFIX}{organisation.name}"


def bad_link_limit() -> Limit:
    """Links that did not work, per client address, per hour."""
    return Limit("provisioning:bad-link", settings.PROVISIONING_BAD_LINKS_PER_ADDRESS, 3600)


# --- Submitting ----------------------------------------------------------------------------


class Answer(StrEnum):
    """What the organisation is told. ``ACCEPTED`` whether or not the patient has a login."""

    ACCEPTED = "accepted"
    NOT_REGISTERED = "not_registered"
    ORGANISATION_LIMIT = "organisation_limit"
    NHS_NUMBER_LIMIT = "nhs_number_limit"
    TOO_YOUNG = "too_young"
    NOT_MATCHED = "not_matched"
    UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class PatientDetails:
    """What the organisation submitted, already checked and tidied (``PatientDetailsForm``)."""

    nhs_number: str
    given_name: str
    family_name: str
    birth_date: datetime.date
    postcode: str
    email: str
    mobile: str  # E.164


@dataclass(frozen=True)
class Submitted:
    answer: Answer
    request: ProvisionRequest | None = None


def _e164(number: str) -> str | None:
    try:
        parsed = phonenumbers.parse(number, "GB")
    except phonenumbers.NumberParseException:
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _refuse_submission(organisation, reason: str, *, answer: Answer, staff, request, row=None):
    if row is not None:
        row.state = ProvisionRequest.State.REFUSED
        row.refused_reason = reason
        row.purge_personal_data()
        row.save()
    audit.record(
        events.REFUSED,
        request=request,
        actor=staff,
        organisation=organisation.ods_code,
        organisation_name=organisation.name,
        provision_request=row.pk if row is not None else None,
        stage="submit",
        reason=reason,
    )
    return Submitted(answer, row)


def refuse_unregistered(request, *, client_id: str, reason: str) -> None:
    """Audit a service that signed correctly but may not submit (not registered, disabled, or
    naming another organisation's ODS code)."""
    audit.record(
        events.REFUSED, request=request, stage="submit", reason=reason, client_id=client_id
    )


def _check_record(details: PatientDetails, result) -> str | None:
    """Why a trace result does not allow this request, or None when it does."""
    if result.outcome is not TraceOutcome.MATCHED:
        return result.outcome.value  # no_match, multiple, restricted
    record = result.record
    if record.nhs_number != details.nhs_number:
        return "nhs_number_differs"
    if nation_for_postcode(record.postcode) is None:
        return "outside_nations"
    if record.birth_date is None or not old_enough_for_p9(record.birth_date):
        return "too_young"
    if not record.mobile:
        # Nothing to prove the patient holds the mobile but the organisation's word: refused,
        # not queued for a checker (ADR 0065).
        return "no_mobile_on_record"
    if _e164(record.mobile) != details.mobile:
        return "mobile_differs"
    return None


def existing_login(nhs_number_index: str, email: str) -> User | None:
    """The login this patient already has: the one that proved their NHS number, else the
    one with their email address."""
    identity = (
        Identity.objects.filter(nhs_number_index=nhs_number_index).select_related("user").first()
    )
    if identity is not None:
        return identity.user
    return User.objects.filter(email=email).first() if email else None


def submit(
    organisation: ProvisioningOrganisation, details: PatientDetails, *, staff=None, request=None
) -> Submitted:
    """An organisation asks for a login for a patient.

    Refused (and audited) when the organisation is not enabled, over its daily limit or the
    NHS number's, the patient is under the P9 minimum age, or the details do not trace to
    exactly one PDS record with this NHS number and this mobile. A PDS that cannot answer
    counts nothing and stores nothing (``UNAVAILABLE``: try again). Accepted: the link is
    emailed; the answer is the same whether or not the patient has a login.
    """
    organisation = ProvisioningOrganisation.objects.get(pk=organisation.pk)
    if not organisation.enabled:
        return _refuse_submission(
            organisation, "organisation_disabled", answer=Answer.NOT_REGISTERED,
            staff=staff, request=request,
        )  # fmt: skip
    now = timezone.now()
    # Take the request's place first, then count: two submissions at once cannot both slip
    # under a limit (as a P5 trace does). The row holds only the NHS number's blind index
    # until the details are accepted.
    row = ProvisionRequest(organisation=organisation, submitted_by=staff, created_at=now)
    row.set_nhs_number(details.nhs_number)
    row.nhs_number = ""
    row.state = ProvisionRequest.State.REFUSED
    row.refused_reason = "tracing"
    row.save()
    today = ProvisionRequest.objects.filter(
        organisation=organisation, created_at__gt=now - datetime.timedelta(days=1)
    ).count()
    if today > settings.PROVISIONING_REQUESTS_PER_ORGANISATION_PER_DAY:
        row.delete()
        return _refuse_submission(
            organisation, "organisation_limit", answer=Answer.ORGANISATION_LIMIT,
            staff=staff, request=request,
        )  # fmt: skip
    window = datetime.timedelta(days=settings.PROVISIONING_NHS_NUMBER_WINDOW_DAYS)
    # Links sent count from any organisation (each emails someone and texts the patient);
    # refusals count only for the organisation that made them, so one organisation's bad
    # requests cannot keep a patient's NHS number from their own practice.
    for_number = (
        ProvisionRequest.objects.filter(
            nhs_number_index=row.nhs_number_index, created_at__gt=now - window
        )
        .filter(Q(organisation=organisation) | ~Q(state=ProvisionRequest.State.REFUSED))
        .count()
    )
    if for_number > settings.PROVISIONING_REQUESTS_PER_NHS_NUMBER:
        return _refuse_submission(
            organisation, "nhs_number_limit", answer=Answer.NHS_NUMBER_LIMIT,
            staff=staff, request=request, row=row,
        )  # fmt: skip
    if not old_enough_for_p9(details.birth_date):
        return _refuse_submission(
            organisation, "too_young", answer=Answer.TOO_YOUNG,
            staff=staff, request=request, row=row,
        )  # fmt: skip

    result = demographics.trace(
        TraceQuery(
            birth_date=details.birth_date,
            postcode=details.postcode,
            given_name=details.given_name,
            family_name=details.family_name,
        )
    )
    if result.outcome is TraceOutcome.UNAVAILABLE:
        row.delete()  # nothing counted: the organisation sends the same details again
        audit.record(
            events.REFUSED,
            request=request,
            actor=staff,
            organisation=organisation.ods_code,
            organisation_name=organisation.name,
            stage="submit",
            reason="demographics_unavailable",
        )
        return Submitted(Answer.UNAVAILABLE)
    reason = _check_record(details, result)
    if reason is not None:
        answer = Answer.TOO_YOUNG if reason == "too_young" else Answer.NOT_MATCHED
        return _refuse_submission(
            organisation, reason, answer=answer, staff=staff, request=request, row=row
        )
    return Submitted(Answer.ACCEPTED, _accept(organisation, row, details, result.record, request))


@transaction.atomic
def _accept(organisation, row, details: PatientDetails, record: PatientRecord, request):
    # One link per NHS number at a time: an earlier one stops working.
    for older in ProvisionRequest.objects.select_for_update().filter(
        nhs_number_index=row.nhs_number_index, state__in=ProvisionRequest.OPEN_STATES
    ):
        _end(older, ProvisionRequest.State.EXPIRED, "replaced")
    token = secrets.token_urlsafe(32)  # 256 random bits
    row.nhs_number = record.nhs_number
    row.given_name = record.given_name
    row.family_name = record.family_name
    row.birth_date_text = record.birth_date.isoformat()
    row.postcode = record.postcode
    row.gp_ods_code = record.gp_ods_code
    row.email = details.email
    row.mobile = details.mobile
    row.link_token_hash = ProvisionRequest.hash_token(token)
    row.link_expires_at = timezone.now() + datetime.timedelta(days=settings.PROVISIONING_LINK_DAYS)
    row.state = ProvisionRequest.State.SENT
    row.refused_reason = ""
    row.save()
    login = existing_login(row.nhs_number_index, details.email)
    # "Sign in to accept" only to the address of the login itself: its owner knows they have
    # one. Any other address gets the same email as a new patient, so whoever reads it (the
    # organisation, if it typed its own) learns nothing about a login (ADR 0065).
    owner_reads_it = login is not None and login.email == details.email
    message = messages.SIGN_IN_TO_ACCEPT_LINK if owner_reads_it else messages.SET_UP_LINK
    notifications.send(
        message.name,
        details.email,
        {
            "organisation": organisation.name,
            "link": absolute_url("provisioning:start") + "?" + urlencode({"token": token}),
            "expires": moment_in_words(row.link_expires_at),
        },
        user=login,
    )
    audit.record(
        events.SUBMITTED,
        request=request,
        user=login,
        actor=row.submitted_by,
        organisation=organisation.ods_code,
        organisation_name=organisation.name,
        provision_request=row.pk,
    )
    return row


def _end(row: ProvisionRequest, state: str, reason: str = "") -> None:
    row.state = state
    row.refused_reason = reason
    row.purge_personal_data()
    row.save()


# --- The patient's journey -----------------------------------------------------------------


def link_locked(request) -> bool:
    """True when this client address has opened too many links that did not work."""
    return bad_link_limit().exceeded(address_key(request))


def _bad_link(request, reason: str, row: ProvisionRequest | None = None) -> None:
    """Count a link that did not work against the client address. Audited the first time
    and when the address is stopped: a guesser cannot flood the audit log."""
    count = bad_link_limit().hit(address_key(request))
    if count == 1 or count == bad_link_limit().attempts:
        audit.record(
            events.LINK_REFUSED,
            request=request,
            reason=reason,
            provision_request=row.pk if row is not None else None,
            count=count,
            stopped=count >= bad_link_limit().attempts,
        )


def request_for_link(request, token: str | None) -> ProvisionRequest | None:
    """The request whose emailed link this is, if it still works (sent, not yet used, not
    expired). A link that does not work (never issued, used, expired, ended) is counted
    against the client address and gives None."""
    if link_locked(request):
        return None
    row = (
        ProvisionRequest.objects.filter(link_token_hash=ProvisionRequest.hash_token(token)).first()
        if token
        else None
    )
    if row is None:
        _bad_link(request, "unknown")
        return None
    if row.state != ProvisionRequest.State.SENT:
        _bad_link(request, "used" if row.link_used_at else row.state, row)
        return None
    if not row.is_open:
        _bad_link(request, "expired", row)
        return None
    return row


def _send_code(row: ProvisionRequest) -> None:
    code = row.new_code()
    notifications.queue_delivery(
        rows.insert(phone_code_message(row.mobile, User.PhoneKind.MOBILE, code))
    )


@transaction.atomic
def start(request, row: ProvisionRequest) -> bool:
    """The patient pressed "Continue" on the link's page: the link is used up (a second use
    fails) and a security code is texted to the mobile. False if it was used a moment ago."""
    row = ProvisionRequest.objects.select_for_update().get(pk=row.pk)
    if row.state != ProvisionRequest.State.SENT or not row.is_open:
        _bad_link(request, "used", row)
        return False
    row.state = ProvisionRequest.State.STARTED
    row.link_used_at = timezone.now()
    row.save(update_fields=["state", "link_used_at"])
    _send_code(row)
    audit.record(
        events.LINK_USED,
        request=request,
        user=existing_login(row.nhs_number_index, row.email),
        provision_request=row.pk,
    )
    return True


def started_request(pk) -> ProvisionRequest | None:
    """A request whose link this browser used, while it is still open."""
    row = ProvisionRequest.objects.filter(pk=pk, state=ProvisionRequest.State.STARTED).first()
    return row if row is not None and row.is_open else None


def send_code_again(row: ProvisionRequest) -> None:
    """A new code to the same mobile (the caller limits how often)."""
    _send_code(row)


@transaction.atomic
def confirm_phone_code(request, row: ProvisionRequest, code: str) -> str:
    """Check the code texted to the mobile: "ok", "wrong", "expired" or "void".

    "void" (too many wrong codes) ends the request: whoever holds the link cannot prove they
    hold the mobile, so nothing is made or raised.
    """
    row = ProvisionRequest.objects.select_for_update().get(pk=row.pk)
    result = row.check_code(code)
    login = existing_login(row.nhs_number_index, row.email)
    if result == "ok":
        row.phone_confirmed_at = timezone.now()
        row.save(update_fields=["phone_confirmed_at"])
        audit.record(events.PHONE_CONFIRMED, request=request, user=login, provision_request=row.pk)
    elif result == "void":
        _end(row, ProvisionRequest.State.REFUSED, "phone_code_void")
        _audit_refused(request, row, "phone_code_void", login)
    return result


def _audit_refused(request, row, reason: str, user) -> None:
    audit.record(
        events.REFUSED,
        request=request,
        user=user,
        organisation=row.organisation.ods_code,
        organisation_name=row.organisation.name,
        provision_request=row.pk,
        stage="accept",
        reason=reason,
    )


def login_to_sign_in_to(row: ProvisionRequest) -> User | None:
    """The login the patient must sign in to, or None when a new one is to be made."""
    return existing_login(row.nhs_number_index, row.email)


def why_login_cannot_accept(row: ProvisionRequest, user: User) -> str | None:
    """Why this signed-in login may not take this request, or None when it may.

    One login per person: the login that proved this NHS number, or (when none has) a login
    that has proved no other; never one under a "this was not me" or fraud case.
    """
    holder = Identity.objects.filter(nhs_number_index=row.nhs_number_index).first()
    if holder is not None and holder.user_id != user.pk:
        return "another_login_has_this_nhs_number"
    if holder is None and Identity.objects.filter(user=user).exists():
        return "login_proved_someone_else"
    if proofing_hold(user):
        return "proofing_hold"
    return None


def _record(row: ProvisionRequest) -> PatientRecord:
    return PatientRecord(
        nhs_number=row.nhs_number,
        given_name=row.given_name,
        family_name=row.family_name,
        birth_date=row.birth_date,
        postcode=row.postcode,
        gp_ods_code=row.gp_ods_code,
        mobile=row.mobile,
        email=row.email,
        restricted=False,
    )


def _complete(request, row: ProvisionRequest, user: User, outcome: str) -> None:
    record = _record(row)
    store_identity(
        user,
        record,
        nation_for_postcode(record.postcode),
        phone_matched=user.phone_verified and user.phone_number == row.mobile,
    )
    if not user.has_level(ProofingLevel.P9):
        set_proofing_level(
            user, ProofingLevel.P9, route=route_for(row.organisation), request=request
        )
    row.user = user
    row.completed_at = timezone.now()
    _end(row, ProvisionRequest.State.COMPLETED)
    audit.record(
        events.COMPLETED,
        request=request,
        user=user,
        organisation=row.organisation.ods_code,
        organisation_name=row.organisation.name,
        provision_request=row.pk,
        outcome=outcome,
    )


def _ready(row: ProvisionRequest) -> ProvisionRequest | None:
    row = ProvisionRequest.objects.select_for_update().get(pk=row.pk)
    if row.state != ProvisionRequest.State.STARTED or not row.is_open:
        return None
    return row if row.phone_confirmed_at else None


@transaction.atomic
def create_login(request, row: ProvisionRequest, password: str) -> User | None:
    """Make the patient's login at P9: the email from the link, the mobile from the code, the
    password they chose. None when the request cannot finish this way (used, expired, the
    mobile not confirmed, or a login for this person or address appeared meanwhile)."""
    row = _ready(row)
    if row is None or login_to_sign_in_to(row) is not None:
        return None
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                row.email,
                password,
                email_verified=True,
                phone_number=row.mobile,
                phone_kind=User.PhoneKind.MOBILE,
                phone_verified=True,
                terms_accepted_at=timezone.now(),
            )
    except IntegrityError:  # the address was taken a moment ago
        return None
    PhoneDevice.objects.create(
        user=user, name="mobile phone", number=row.mobile, kind=User.PhoneKind.MOBILE,
        confirmed=True,
    )  # fmt: skip
    from accounts import events as account_events

    audit.record(account_events.ACCOUNT_CREATED, request=request, user=user, via="provisioning")
    _complete(request, row, user, "new_login")
    return user


@transaction.atomic
def accept_with_login(request, row: ProvisionRequest, user: User) -> str | None:
    """Raise the signed-in login to P9 with this request. Returns None on success, or why
    not: "not_ready" (used, expired, code not confirmed), or the login may not take it
    (``why_login_cannot_accept``; audited, and the request ends)."""
    row = _ready(row)
    if row is None:
        return "not_ready"
    reason = why_login_cannot_accept(row, user)
    if reason is not None:
        # The link is used up, so the request ends here: nothing is raised, nothing is kept.
        _end(row, ProvisionRequest.State.REFUSED, reason)
        _audit_refused(request, row, reason, user)
        return reason
    _complete(request, row, user, "existing_login")
    return None


# --- Expiry --------------------------------------------------------------------------------


def expire_provisions(now=None) -> int:
    """Requests whose link has expired unused (or unfinished) end: their personal data is
    blanked and each is audited. Returns how many. Safe to run again."""
    now = now or timezone.now()
    ended = 0
    pks = ProvisionRequest.objects.filter(
        state__in=ProvisionRequest.OPEN_STATES, link_expires_at__lte=now
    ).values_list("pk", flat=True)
    for pk in pks:
        with transaction.atomic():
            row = (
                ProvisionRequest.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, state__in=ProvisionRequest.OPEN_STATES)
                .select_related("organisation")
                .first()
            )
            if row is None:
                continue
            login = existing_login(row.nhs_number_index, row.email)
            _end(row, ProvisionRequest.State.EXPIRED, "link_expired")
            audit.record(
                events.EXPIRED,
                user=login,
                organisation=row.organisation.ods_code,
                organisation_name=row.organisation.name,
                provision_request=row.pk,
            )
            ended += 1
    return ended
