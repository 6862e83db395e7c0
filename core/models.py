import uuid

from django.conf import settings
from django.db import models

from core.crypto import EncryptedTextField
from core.delivery import Claimable


class AuditEvent(models.Model):
    """Something that happened to an identity, a sign-in or a staff decision.

    Who (``actor``), to whom (``user``), what (``event`` and non-personal ``details``), when and
    from where. Events about a patient are shown to them in their account activity.
    """

    occurred_at = models.DateTimeField(auto_now_add=True, db_index=True)
    event = models.CharField(max_length=64, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_events",
        help_text="The person the event is about.",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_events_as_actor",
        help_text="Who did it: the patient, a member of staff, or empty for the system.",
    )
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["user", "-occurred_at"])]

    def __str__(self):
        return f"{self.event} at {self.occurred_at:%Y-%m-%d %H:%M:%S}"


class Notification(Claimable):
    """One email, text message or voice call, kept until it is delivered.

    Written in the same transaction as the change that needs it, then delivered by a Celery
    task that is given only this row's id, so nothing is lost if a worker or Redis restarts.
    Recipient and content are encrypted at rest.
    """

    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        SMS = "sms", "Text message"
        VOICE = "voice", "Voice call"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    template = models.CharField(max_length=64)
    recipient = EncryptedTextField()
    personalisation = EncryptedTextField(default="{}")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    gateway = models.CharField(max_length=16, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    provider_reference = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.get_channel_display()} {self.template} ({self.status})"
