"""Changes to logins that other apps call. Views stay thin; audit lives here."""

from django.db import transaction

from accounts import events, signals
from accounts.models import ProofingLevel, SupportCase, User
from core import audit


@transaction.atomic
def set_proofing_level(user: User, level: str, *, route: str, request=None, actor=None) -> None:
    """Raise (or, on a staff decision, lower) a patient's proofing level, with an audit event.

    ``route`` says how it was proved: "demographics trace", "photo ID and video",
    "photo ID and face scan", "GP online details", "fast track".

    Every P9 route comes through here: a login that reaches P9 (from a lower level) is
    emailed "You have proved who you are to a high level" with an "If this was not you" link
    (``proofing_notice.send_notice``), sent once this transaction commits (ADR 0047).
    """
    if level not in ProofingLevel.values:
        raise ValueError(f"unknown proofing level {level!r}")
    # Read under a row lock, not from ``user``: two routes finishing at once must not both
    # see a lower level and both send the notice.
    previous = (
        User.objects.select_for_update().filter(pk=user.pk).values_list("proofing_level", flat=True)
    ).first() or user.proofing_level
    User.objects.filter(pk=user.pk).update(proofing_level=level)
    user.proofing_level = level
    audit.record(
        events.PROOFING_LEVEL_CHANGED,
        request=request,
        user=user,
        actor=actor,
        previous=previous,
        level=level,
        route=route,
    )
    if level != previous:
        signals.proofing_level_changed.send(User, user=user, previous=previous, level=level)
    if level == ProofingLevel.P9 and previous != ProofingLevel.P9:
        from accounts.services.proofing_notice import send_notice

        send_notice(user, route=route)


def proofing_hold(user) -> bool:
    """True while the owner of this login has said they did not prove who they are and
    support has not closed the case: no P9 may then be fast-tracked for the login (every
    fast track must ask; a person may still decide). ``user`` may be any object with ``pk``."""
    return SupportCase.objects.filter(
        user_id=user.pk,
        kind__in=[SupportCase.Kind.PROOFING_DISPUTED, SupportCase.Kind.IDENTITY_FRAUD],
        status=SupportCase.Status.OPEN,
    ).exists()
