"""Accounts made for a patient by an organisation (NHS login's account provisioning, ADR 0065).

An organisation registered here (a GP practice whose staff use Django admin, or a connected
service that calls the API with ``private_key_jwt``) submits a patient's details; the details
that trace to one PDS record wait here, encrypted, for the patient to use the emailed link.
"""

import datetime
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import OneTimeCode
from core.crypto import EncryptedTextField, blind_index
from verification.models.identity import NHS_NUMBER_INDEX
from verification.models.practices import Practice

LINK_INDEX = "provisioning-link"


class ProvisioningOrganisation(models.Model):
    """An organisation allowed to ask for logins for its patients.

    Either a practice (its staff submit in Django admin) or a connected service (it submits
    over the API, signing with the key registered for its OpenID Connect client). ``name`` is
    what the patient reads ("provisioned by <name>"), in full.
    """

    ods_code = models.CharField("ODS code", max_length=10, unique=True)
    name = models.CharField(max_length=200)
    practice = models.OneToOneField(
        Practice,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="provisioning_registration",
    )
    service = models.OneToOneField(
        "connected_services.Service",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="provisioning_registration",
        help_text="The connected service whose client signs its API requests",
    )
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "organisation registered for provisioning"
        verbose_name_plural = "organisations registered for provisioning"
        constraints = [
            models.CheckConstraint(
                condition=Q(practice__isnull=False) | Q(service__isnull=False),
                name="provisioning_organisation_is_a_practice_or_a_service",
            )
        ]

    def __str__(self):
        return f"{self.name} ({self.ods_code})"

    def save(self, *args, **kwargs):
        self.ods_code = self.ods_code.strip().upper()
        super().save(*args, **kwargs)


class ProvisionRequestQuerySet(models.QuerySet):
    def for_practice(self, practice):
        return self.filter(organisation__practice=practice)

    def for_nhs_number(self, nhs_number: str):
        return self.filter(nhs_number_index=blind_index(nhs_number, NHS_NUMBER_INDEX))


class ProvisionRequest(OneTimeCode):
    """One organisation's request for one patient's login.

    The NHS number is encrypted and found by the same blind index as ``Identity``; the traced
    name, date of birth, postcode, email and mobile are encrypted and blanked once the request
    ends (completed, expired or refused). The link's token is kept only as its keyed hash. The
    security code for the mobile (``OneTimeCode``) is the one sign-up uses: 15 minutes, void
    after 5 wrong tries.
    """

    class State(models.TextChoices):
        SENT = "sent", "Link sent"
        STARTED = "started", "Link used"
        COMPLETED = "completed", "Completed"
        EXPIRED = "expired", "Expired"
        REFUSED = "refused", "Refused"

    OPEN_STATES = (State.SENT, State.STARTED)

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        ProvisioningOrganisation, on_delete=models.PROTECT, related_name="requests"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The member of staff, for a practice's request",
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.SENT)
    refused_reason = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    nhs_number = EncryptedTextField(blank=True)
    nhs_number_index = models.CharField(max_length=64, editable=False, db_index=True)
    given_name = EncryptedTextField(blank=True)
    family_name = EncryptedTextField(blank=True)
    birth_date_text = EncryptedTextField(blank=True)
    postcode = EncryptedTextField(blank=True)
    gp_ods_code = models.CharField(max_length=10, blank=True)
    email = EncryptedTextField(blank=True)
    mobile = EncryptedTextField(blank=True, help_text="E.164")
    link_token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    link_expires_at = models.DateTimeField(null=True, blank=True)
    link_used_at = models.DateTimeField(null=True, blank=True)
    phone_confirmed_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="provision_requests",
    )

    objects = ProvisionRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["organisation", "created_at"], name="provision_org_time"),
            models.Index(fields=["state", "link_expires_at"], name="provision_state_expiry"),
        ]

    def __str__(self):
        return f"Provision request {self.public_id}"

    @staticmethod
    def hash_token(token: str) -> str:
        return blind_index(token, LINK_INDEX)

    def set_nhs_number(self, nhs_number: str) -> None:
        self.nhs_number = nhs_number
        self.nhs_number_index = blind_index(nhs_number, NHS_NUMBER_INDEX)

    @property
    def birth_date(self) -> datetime.date | None:
        return datetime.date.fromisoformat(self.birth_date_text) if self.birth_date_text else None

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES and (
            self.link_expires_at is not None and timezone.now() < self.link_expires_at
        )

    def purge_personal_data(self) -> None:
        """Blank what identifies the patient (the NHS number's blind index stays, for the
        per-NHS-number limit). The caller saves."""
        for name in ("nhs_number", "given_name", "family_name", "birth_date_text", "postcode"):
            setattr(self, name, "")
        self.gp_ods_code = ""
        self.email = ""
        self.mobile = ""
        self.code_hash = ""
        self.valid_until = None


__all__ = ["ProvisionRequest", "ProvisioningOrganisation"]
