"""What a GOV.UK One Login account may do here: be linked to an NHS login, sign in to it,
bring an identity for P9 (``verification.one_login``), be unlinked by its owner or by support.

A One Login account never creates an NHS login. allauth's provider does the OpenID Connect
round trip; its adapter hands what came back to ``returned``, which checks the nonce and the
second factor One Login used, then signs in or links. Each function returns an outcome word
(``accounts.one_login.pages`` has a page for each). Why a One Login sign-in counts as ``Cp``
and ``Cd``: ADR 0066.
"""

from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import login, logout
from django.db import IntegrityError, transaction
from django.utils.crypto import constant_time_compare

from accounts.authentication import (
    DEVICE,
    FORCE_CODE_SESSION_KEY,
    PASSWORD,
    forget_asked,
    record_authentication,
)
from accounts.models import ProofingLevel, User
from accounts.one_login import events
from accounts.services.sign_in import BACKEND, record_last_login
from core import audit

PROVIDER = "one_login"

# What One Login must have checked for a sign-in: a password and a second factor.
REQUIRED_COMPONENTS = {"Cl", "Cm"}

SIGN_IN = "sign_in"
LINK = "link"

# Outcomes
SIGNED_IN = "signed_in"
LINKED = "linked"
PROVED = "proved"
NOT_LINKED = "not_linked"
CANNOT_SIGN_IN = "cannot_sign_in"
LINKED_ELSEWHERE = "linked_elsewhere"
ALREADY_LINKED = "already_linked"
FAILED = "failed"


def link_of(user) -> SocialAccount | None:
    """The One Login account linked to this NHS login, if any."""
    return SocialAccount.objects.filter(provider=PROVIDER, user=user).first()


def last_sign_in(user):
    """When this login last signed in with One Login (from the audit), or None."""
    from core.models import AuditEvent

    return (
        AuditEvent.objects.filter(user=user, event=events.SIGNED_IN)
        .order_by("-occurred_at")
        .values_list("occurred_at", flat=True)
        .first()
    )


def returned(request, sociallogin) -> str:
    """The browser is back from One Login with a checked ID token and userinfo (allauth's
    ``sociallogin``). Check it answers the request we sent (nonce) with a second factor, then
    sign in or link, as the state we stashed says."""
    state = sociallogin.state or {}
    data = getattr(sociallogin, "one_login", None) or {}  # set by the provider, never stored
    claims = data.get("id_token") or {}
    nonce = state.get("nonce") or ""
    if not nonce or not constant_time_compare(str(claims.get("nonce", "")), nonce):
        audit.record(events.FAILED, request=request, reason="nonce")
        return FAILED
    components = set(str(claims.get("vot", "")).split("."))
    if not components >= REQUIRED_COMPONENTS:
        audit.record(events.FAILED, request=request, reason="vot")
        return FAILED
    purpose = (state.get("data") or {}).get("purpose")
    if purpose == SIGN_IN:
        return sign_in(request, sociallogin.account.uid)
    if purpose == LINK:
        user = request.user
        if not user.is_authenticated or user.pk != state["data"].get("user"):
            audit.record(events.FAILED, request=request, reason="signed_out")
            return FAILED
        return link(request, user, sub=sociallogin.account.uid, userinfo=data.get("userinfo") or {})
    audit.record(events.FAILED, request=request, reason="purpose")
    return FAILED


def sign_in(request, sub: str) -> str:
    """Sign in to the NHS login linked to the One Login account ``sub``, as a sign-in with a
    password and a security code (``Cp`` and ``Cd``, ADR 0066). A login that cannot be used
    (suspended, or never finished) gets the answer a password sign-in gives, never "not
    linked"; an account linked to no login gets "not linked" and nothing is made."""
    account = (
        SocialAccount.objects.select_related("user").filter(provider=PROVIDER, uid=sub).first()
    )
    if account is None:
        audit.record(events.NOT_LINKED, request=request)
        return NOT_LINKED
    user = account.user
    # Staff sign in to admin with their own second factor, never through One Login.
    if not user.is_active or not user.is_p0_complete or user.is_staff:
        audit.record(events.SIGN_IN_REFUSED, request=request, user=user, actor=user)
        return CANNOT_SIGN_IN
    if request.user.is_authenticated and request.user.pk != user.pk:
        logout(request)
    login(request, user, backend=BACKEND)
    record_last_login(user)
    record_authentication(request, {PASSWORD, DEVICE})
    request.session.pop(FORCE_CODE_SESSION_KEY, None)
    forget_asked(request)
    SocialAccount.objects.filter(pk=account.pk).update(last_login=user.last_login)
    audit.record(events.SIGNED_IN, request=request, user=user)
    return SIGNED_IN


def link(request, user: User, *, sub: str, userinfo: dict) -> str:
    """Link the One Login account ``sub`` to ``user`` (signed in). Below P9 the identity One
    Login sent must prove who the patient is (``verification.one_login``): then the link, the
    identity and P9 are made together, or nothing is. Refused: an account linked to another
    NHS login, or a login already linked to a different account."""
    from verification.one_login import services as identity

    if user.is_staff:
        audit.record(events.FAILED, request=request, reason="staff")
        return FAILED
    refusal = _link_refused(request, user, sub)
    if refusal:
        return refusal
    needs_identity = not user.has_level(ProofingLevel.P9)
    check = None
    if needs_identity:
        check = identity.check_identity(request, user, sub=sub, userinfo=userinfo)
        if check.outcome != identity.PROVED:
            return check.outcome.split(":")[0]
    try:
        with transaction.atomic():
            # Under the login's row lock: two links finishing at once cannot both add one.
            User.objects.select_for_update().filter(pk=user.pk).first()
            current = link_of(user)
            if current is not None and current.uid != sub:
                raise _LinkedMeanwhile
            if current is None:
                SocialAccount.objects.create(user=user, provider=PROVIDER, uid=sub, extra_data={})
                audit.record(events.LINKED, request=request, user=user)
            if check is not None:
                identity.raise_to_p9(request, user, check)
    except (IntegrityError, _LinkedMeanwhile):
        # A parallel request linked an account, or proved the record, a moment ago.
        return _link_refused(request, user, sub) or identity.IN_USE
    return PROVED if needs_identity else LINKED


class _LinkedMeanwhile(Exception):
    """Another account was linked to the login while this one was being checked."""


def _link_refused(request, user: User, sub: str) -> str | None:
    owner = (
        SocialAccount.objects.filter(provider=PROVIDER, uid=sub)
        .values_list("user_id", flat=True)
        .first()
    )
    if owner is not None and owner != user.pk:
        audit.record(events.LINK_REFUSED, request=request, user=user, reason="linked_elsewhere")
        # Its owner reads it too: someone holding their One Login tried it on another login.
        audit.record(
            events.LINK_REFUSED, request=request, user=User(pk=owner), reason="linked_to_you"
        )
        return LINKED_ELSEWHERE
    own = link_of(user)
    if own is not None and own.uid != sub:
        audit.record(events.LINK_REFUSED, request=request, user=user, reason="already_linked")
        return ALREADY_LINKED
    return None


def unlink(request, user: User) -> bool:
    """The owner removes the link: One Login can no longer sign in to this login. The
    level stays (the identity was traced in PDS, not lent by One Login). Audited."""
    deleted, _ = SocialAccount.objects.filter(provider=PROVIDER, user=user).delete()
    if deleted:
        audit.record(events.UNLINKED, request=request, user=user)
    return bool(deleted)


def remove_by_support(user: User, *, staff: User, reason: str, ticket: str = "") -> bool:
    """Support staff remove the link (a patient who lost their One Login, or a link made by
    someone else), with a reason (a key of ``support.REASONS``, never free text). Audited
    with the member of staff as the actor; False when there was no link."""
    deleted, _ = SocialAccount.objects.filter(provider=PROVIDER, user=user).delete()
    if deleted:
        audit.record(
            events.REMOVED_BY_SUPPORT, user=user, actor=staff, reason=reason, ticket=ticket
        )
    return bool(deleted)
