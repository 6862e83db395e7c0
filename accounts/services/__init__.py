"""Changes to logins that other apps call. Views stay thin; audit lives here."""

from django.db import transaction

from accounts import events
from accounts.models import ProofingLevel, User
from core import audit


@transaction.atomic
def set_proofing_level(user: User, level: str, *, route: str, request=None, actor=None) -> None:
    """Raise (or, on a staff decision, lower) a patient's proofing level, with an audit event.

    ``route`` says how it was proved: "demographics trace", "photo ID and video",
    "photo ID and face scan", "GP online details", "fast track".
    """
    if level not in ProofingLevel.values:
        raise ValueError(f"unknown proofing level {level!r}")
    previous = user.proofing_level
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
