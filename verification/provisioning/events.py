"""Audit events for logins made by an organisation. The text is what the patient reads."""

from core.audit import register


def _by(details: dict) -> str:
    return details["organisation_name"]


SUBMITTED = register(
    "provisioning.submitted",
    "An organisation asked for an NHS login to be made for you",
    describe=lambda d: f"{_by(d)} asked for an NHS login to be made for you",
)
REFUSED = register(
    "provisioning.refused",
    "A request to make an NHS login for you was refused",
    describe=lambda d: f"A request from {_by(d)} to make an NHS login for you was refused",
)
LINK_USED = register(
    "provisioning.link_used",
    "You opened the link to set up the NHS login an organisation asked for",
)
LINK_REFUSED = register(
    # About no one patient: a link that does not work says nothing about whose it was.
    "provisioning.link_refused",
    "A link to set up an NHS login did not work",
    visible_to_patient=False,
)
PHONE_CONFIRMED = register(
    "provisioning.phone_confirmed",
    "You confirmed your mobile number to set up the NHS login an organisation asked for",
)
COMPLETED = register(
    "provisioning.completed",
    "An organisation set up your NHS login and you proved who you are to a high level",
    describe=lambda d: f"{_by(d)} set up your NHS login and you proved who you are",
)
EXPIRED = register(
    "provisioning.expired",
    "A link to set up your NHS login expired",
)
ORGANISATION_CHANGED = register(
    "provisioning.organisation_changed",
    "An organisation registered for provisioning was changed in administration",
    visible_to_patient=False,
)
