"""Account activity as the patient reads it: one entry for each thing they care about, what it
meant, and from where (a device and whether it was their network, never an address)."""

from dataclasses import dataclass
from datetime import datetime

from accounts.services.browsers import describe as describe_browser
from core import audit

# Read a few more events than entries shown: some are folded into one (shown_once_per).
_READ_PER_ENTRY = 3


@dataclass(frozen=True)
class ActivityEntry:
    when: datetime
    what: str
    where: str


def from_where(event, user, here: str | None) -> str:
    """Where an event came from, as the patient can recognise it.

    Staff (an identity checker, support) are named as staff, not by their browser; what the
    service did by itself is "NHS login". Otherwise the browser and system, and whether the
    network was the one the patient is using now (``here``, the address of this request)."""
    if event.actor_id is not None and event.actor_id != user.pk:
        return "NHS login staff"
    if not event.user_agent and not event.ip_address:
        return "NHS login"
    device = describe_browser(event.user_agent) if event.user_agent else "An unknown device"
    if not event.ip_address:
        return device
    network = "the network you are using now" if event.ip_address == here else "another network"
    return f"{device}, on {network}"


def activity_for(user, *, here: str | None, limit: int = 100) -> list[ActivityEntry]:
    """The patient's account activity, newest first: at most ``limit`` entries, events that
    mean one thing to a patient shown once (``audit.EventType.shown_once_per``)."""
    entries: list[ActivityEntry] = []
    seen: set[tuple] = set()
    for event in audit.visible_events_for(user)[: limit * _READ_PER_ENTRY]:
        once_per = audit.EVENT_TYPES[event.event].shown_once_per
        if once_per:
            key = (event.event, str((event.details or {}).get(once_per)))
            if key in seen:
                continue
            seen.add(key)
        where = from_where(event, user, here)
        entries.append(ActivityEntry(event.occurred_at, audit.description(event), where))
        if len(entries) == limit:
            break
    return entries
