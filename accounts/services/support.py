"""What the support desk can do to a patient's login (issue 17, item 1; ``accounts.support_admin``).

Support staff act only with a reason. Each action writes an audit event naming the member of
staff (``actor``), which the patient sees in their account activity, worded for them. Where
the action changes what the patient can do, the patient gets an email too. Connected services
learn of it through the receivers in ``connected_services.signals``: a back-channel logout and
security events for a suspension, security events for a reinstatement or a change of level.
Staff logins are never acted on here.
"""

from django.db import transaction

from accounts import events, messages
from accounts.models import ProofingLevel, Session, SupportCase, User
from accounts.services import set_proofing_level
from accounts.services.limits import absolute_url, unlock_sign_in
from accounts.sessions import end_sessions
from connected_services.services import revoke_every_token
from core import audit, notifications

# Why staff acted: a short list, so the audit trail holds no free text about the patient.
REASONS = {
    "patient_asked": "The patient asked us to",
    "suspected_fraud": "We suspect someone else is using the login",
    "not_me_report": "The patient reported a change they did not make",
    "death_reported": "We were told the patient has died",
    "proofing_error": "The level of proof was given in error",
}


SUPPORT_STAFF_GROUP = "Support staff"  # made by migration accounts 0007


def support_staff_group():
    """The Support staff group with its one permission, ``accounts.look_after_logins``
    (made by a migration; made again here for a database emptied since, as a test's is)."""
    from django.contrib.auth.models import Group, Permission

    group, _ = Group.objects.get_or_create(name=SUPPORT_STAFF_GROUP)
    group.permissions.add(
        Permission.objects.get(codename="look_after_logins", content_type__app_label="accounts")
    )
    return group


class SupportError(Exception):
    """The action cannot be taken on this login (a staff login, or nothing to change)."""


def _patient(user: User) -> User:
    """The login, locked for the change; refuses staff logins."""
    locked = User.objects.select_for_update().get(pk=user.pk)
    if locked.is_staff:
        raise SupportError("Staff logins are looked after by an administrator.")
    return locked


def _check_reason(reason: str) -> None:
    if reason not in REASONS:
        raise SupportError("Choose why you are doing this.")


def _email(user: User, message, **personalisation) -> None:
    notifications.send(message.name, user.email, personalisation, user=user)


@transaction.atomic
def suspend(user: User, *, staff: User, reason: str, ticket: str = "") -> None:
    """Suspend a login: it cannot sign in, its sessions end, every token is revoked, and the
    services it used are told (back-channel logout and an ``account-disabled`` event)."""
    _check_reason(reason)
    user = _patient(user)
    if not user.is_active:
        raise SupportError("This login is already suspended.")
    user.is_active = False
    user.save(update_fields=["is_active"])  # the receivers tell the services
    revoke_every_token(user)
    end_sessions(Session.objects.filter(user_id=user.pk))
    audit.record(events.SUPPORT_SUSPENDED, user=user, actor=staff, reason=reason, ticket=ticket)
    _email(user, messages.LOGIN_SUSPENDED)


@transaction.atomic
def reinstate(user: User, *, staff: User, reason: str, ticket: str = "") -> None:
    """Let a suspended login sign in again (services get an ``account-enabled`` event)."""
    _check_reason(reason)
    user = _patient(user)
    if user.is_active:
        raise SupportError("This login is not suspended.")
    user.is_active = True
    user.save(update_fields=["is_active"])
    audit.record(events.SUPPORT_REINSTATED, user=user, actor=staff, reason=reason, ticket=ticket)
    _email(user, messages.LOGIN_REINSTATED, sign_in_url=absolute_url("accounts:sign_in"))


@transaction.atomic
def unlock(user: User, *, staff: User, reason: str, ticket: str = "") -> None:
    """End a sign-in lockout now rather than when it runs out."""
    _check_reason(reason)
    user = _patient(user)
    unlock_sign_in(user.email)
    audit.record(events.SUPPORT_UNLOCKED, user=user, actor=staff, reason=reason, ticket=ticket)


@transaction.atomic
def require_new_password(user: User, *, staff: User, reason: str, ticket: str = "") -> None:
    """At its next sign-in the login must choose a new password before anything else; it is
    signed out everywhere now, so that is soon."""
    _check_reason(reason)
    user = _patient(user)
    User.objects.filter(pk=user.pk).update(password_change_required=True)
    end_sessions(Session.objects.filter(user_id=user.pk))
    audit.record(
        events.SUPPORT_PASSWORD_REQUIRED, user=user, actor=staff, reason=reason, ticket=ticket
    )
    _email(user, messages.NEW_PASSWORD_REQUIRED, sign_in_url=absolute_url("accounts:sign_in"))


@transaction.atomic
def take_level_down(user: User, *, staff: User, reason: str, ticket: str = "") -> None:
    """Take the level of proof back to P0, so the patient must prove who they are again
    (after a "this was not you" report, or a level given in error). Services get an
    ``assurance-level-change`` event, and the patient is signed out of them."""
    _check_reason(reason)
    user = _patient(user)
    if user.proofing_level == ProofingLevel.P0:
        raise SupportError(
            "This login has not proved who they are: there is no level to take down."
        )
    previous = user.proofing_level
    set_proofing_level(user, ProofingLevel.P0, route="support", actor=staff)
    revoke_every_token(user)
    audit.record(
        events.SUPPORT_LEVEL_TAKEN_DOWN,
        user=user,
        actor=staff,
        reason=reason,
        ticket=ticket,
        previous=previous,
    )
    _email(user, messages.PROVE_AGAIN, start_url=absolute_url("verification:start"))


@transaction.atomic
def mark_identity_fraud(user: User, *, staff: User, reason: str, ticket: str = "") -> SupportCase:
    """Mark the login as a victim of identity fraud (identity repair): until support closes
    the case, no level of proof is fast-tracked for it and a person decides every P9
    (``accounts.services.proofing_hold``). No email: the person holding the login may be the
    fraudster."""
    _check_reason(reason)
    user = _patient(user)
    case, created = SupportCase.objects.get_or_create(
        user=user,
        kind=SupportCase.Kind.IDENTITY_FRAUD,
        status=SupportCase.Status.OPEN,
        defaults={"level_before": user.proofing_level},
    )
    if not created:
        raise SupportError("This login is already marked as a victim of identity fraud.")
    audit.record(events.SUPPORT_FRAUD_MARKED, user=user, actor=staff, reason=reason, ticket=ticket)
    return case


@transaction.atomic
def remove_one_login(user: User, *, staff: User, reason: str, ticket: str = "") -> None:
    """Remove the link to a GOV.UK One Login (lost, or linked by someone else): it can no
    longer sign in to this login. The level of proof stays; audited with the reason."""
    from accounts.one_login.services import remove_by_support

    _check_reason(reason)
    user = _patient(user)
    if not remove_by_support(user, staff=staff, reason=reason, ticket=ticket):
        raise SupportError("This login is not linked to a GOV.UK One Login.")


ACTIONS = {
    "suspend": ("Suspend", suspend),
    "reinstate": ("Reinstate", reinstate),
    "unlock": ("Unlock sign in", unlock),
    "require_new_password": ("Require a new password at next sign in", require_new_password),
    "take_level_down": ("Take the level of proof down (prove again)", take_level_down),
    "mark_identity_fraud": ("Mark as a victim of identity fraud", mark_identity_fraud),
    "remove_one_login": ("Remove the link to GOV.UK One Login", remove_one_login),
}
