"""Audit events: one place to write them, one registry of what each means to a patient.

Each app registers its events (name and the sentence a patient sees in their account
activity) and calls ``record``. Details must never hold personal data: ids, outcomes, routes,
reasons and counts only.
"""

from collections.abc import Callable
from dataclasses import dataclass

from core import rows
from core.client_address import client_address as _client_address
from core.models import AuditEvent


@dataclass(frozen=True)
class EventType:
    name: str
    description: str  # as the patient reads it, e.g. "You signed in"
    visible_to_patient: bool = True
    # The sentence made from the event's details, when they say more ("... changed to high").
    describe: Callable[[dict], str] | None = None
    # A detail (e.g. "check") whose events a patient reads as one: an identity checker opening
    # 8 photos of one check is one "looked at your photo ID" in the account activity.
    shown_once_per: str | None = None


EVENT_TYPES: dict[str, EventType] = {}


def register(
    name: str,
    description: str,
    *,
    visible_to_patient: bool = True,
    describe: Callable[[dict], str] | None = None,
    shown_once_per: str | None = None,
) -> str:
    """Declare an audit event. Returns the name, so modules can keep it as a constant.

    ``describe(details)``: the patient's sentence from the event's details (falls back to
    ``description``); ``shown_once_per``: see ``EventType``."""
    EVENT_TYPES[name] = EventType(name, description, visible_to_patient, describe, shown_once_per)
    return name


def client_address(request) -> str | None:
    """The address the request came from, through the proxies we trust
    (``core.client_address``, ADR 0018)."""
    return _client_address(request)


def record(event: str, *, request=None, user=None, actor=None, **details) -> AuditEvent:
    """Write an audit event.

    ``user`` is the person it is about; ``actor`` who did it (defaults to the signed-in user of
    ``request``, or nobody for the system). ``details`` are non-personal facts.
    """
    return rows.insert(prepare(event, request=request, user=user, actor=actor, **details))


def prepare(event: str, *, request=None, user=None, actor=None, **details) -> AuditEvent:
    """The unsaved event ``record`` writes, for a caller that writes it in the same statement
    as the change it records (``core.rows.insert_parts``)."""
    if event not in EVENT_TYPES:
        raise ValueError(f"unregistered audit event {event!r}")
    signed_in = getattr(request, "user", None)
    if actor is None and signed_in is not None and signed_in.is_authenticated:
        actor = signed_in
    user_agent = request.META.get("HTTP_USER_AGENT", "")[:300] if request is not None else ""
    return AuditEvent(
        event=event,
        user=user,
        actor=actor,
        ip_address=client_address(request),
        user_agent=user_agent,
        details=details,
    )


def description(event: AuditEvent) -> str:
    """What the event means, as the patient reads it."""
    event_type = EVENT_TYPES.get(event.event)
    if event_type is None:
        return event.event
    if event_type.describe is not None:
        try:
            return event_type.describe(event.details or {})
        except (KeyError, TypeError, ValueError):  # an older event without those details
            pass
    return event_type.description


def visible_events_for(user):
    """The events a patient sees in their account activity, newest first."""
    names = [name for name, t in EVENT_TYPES.items() if t.visible_to_patient]
    return AuditEvent.objects.filter(user=user, event__in=names)
