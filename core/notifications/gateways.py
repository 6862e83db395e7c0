"""Where a notification goes: GOV.UK Notify in production, the outbox everywhere else."""

import json
from functools import cache

from django.conf import settings

from core.notifications.messages import Message


class DeliveryError(Exception):
    """The gateway could not take the message now; the task retries."""


class PermanentDeliveryError(Exception):
    """The gateway will never take this message (bad number, unknown template)."""


class OutboxGateway:
    """Keeps the message in the database, where the outbox page shows it."""

    name = "outbox"

    def deliver(self, message: Message, recipient: str, personalisation: dict) -> str:
        message.render(personalisation)  # fail now, not when someone opens the outbox
        return ""


class NotifyGateway:
    """GOV.UK Notify (notifications-python-client)."""

    name = "notify"

    def __init__(self, api_key: str, template_ids: dict[str, str]):
        from notifications_python_client.notifications import NotificationsAPIClient

        self.client = NotificationsAPIClient(api_key)
        self.template_ids = template_ids

    def deliver(self, message: Message, recipient: str, personalisation: dict) -> str:
        from notifications_python_client.errors import HTTPError

        template_id = self.template_ids.get(message.name)
        if not template_id:
            raise PermanentDeliveryError(f"no Notify template id for {message.name}")
        try:
            if message.channel == "email":
                response = self.client.send_email_notification(
                    email_address=recipient,
                    template_id=template_id,
                    personalisation=personalisation,
                )
            elif message.channel == "sms":
                response = self.client.send_sms_notification(
                    phone_number=recipient,
                    template_id=template_id,
                    personalisation=personalisation,
                )
            else:
                # GOV.UK Notify sends no voice calls: production needs a telephony provider
                # behind this same interface (see docs/adr/0003-notifications.md).
                raise PermanentDeliveryError("GOV.UK Notify cannot make voice calls")
        except HTTPError as error:
            if error.status_code in (429,) or error.status_code >= 500:
                raise DeliveryError(str(error.status_code)) from error
            raise PermanentDeliveryError(str(error.status_code)) from error
        return response.get("id", "")


@cache
def _notify_gateway(api_key: str, template_ids_file: str | None) -> NotifyGateway:
    template_ids = {}
    if template_ids_file:
        with open(template_ids_file) as f:
            template_ids = json.load(f)
    return NotifyGateway(api_key, template_ids)


def gateway():
    if settings.NOTIFY_API_KEY:
        return _notify_gateway(settings.NOTIFY_API_KEY, settings.NOTIFY_TEMPLATE_IDS_FILE)
    return OutboxGateway()
