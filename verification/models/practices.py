"""GP practices, their registered patients and the online registration details they issue.

This stands in for the GP clinical system (IM1 in production): practices, the patients
registered there (linked to demographics by NHS number) and the Account ID / linkage key pairs
practice staff give patients so they can prove who they are to a high level (P9).
"""

import hmac

from django.conf import settings
from django.db import models
from django.utils import timezone

from core.crypto import EncryptedTextField, blind_index
from verification import ages
from verification.models.identity import NHS_NUMBER_INDEX


class Practice(models.Model):
    """A GP practice, known by its ODS code (for example A12345)."""

    ods_code = models.CharField("ODS code", max_length=10, unique=True)
    name = models.CharField(max_length=200)
    address = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} ({self.ods_code})"

    def save(self, *args, **kwargs):
        self.ods_code = self.ods_code.strip().upper()
        super().save(*args, **kwargs)


class RegisteredPatientQuerySet(models.QuerySet):
    def for_practice(self, practice):
        return self.filter(practice=practice)

    def for_nhs_number(self, nhs_number: str):
        return self.filter(nhs_number_index=blind_index(nhs_number, NHS_NUMBER_INDEX))

    def for_identity(self, identity):
        # The same blind-index purpose as Identity, so the two can be matched without
        # decrypting anything.
        return self.filter(nhs_number_index=identity.nhs_number_index)


class RegisteredPatient(models.Model):
    """A patient on a practice's list, as the GP record has them.

    The NHS number is encrypted at rest and found by the same blind index as
    ``Identity.nhs_number_index``. The mobile number is the one on the GP record, used for
    the fast track (a P5 patient whose verified mobile matches it).
    """

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="patients")
    nhs_number = EncryptedTextField("NHS number")
    nhs_number_index = models.CharField(max_length=64, editable=False)
    given_name = models.CharField(max_length=100, blank=True)
    family_name = models.CharField(max_length=100)
    birth_date = models.DateField("date of birth")
    postcode = models.CharField(max_length=10, blank=True)
    mobile_number = models.CharField(
        max_length=20, blank=True, help_text="E.164, for example +447700900123"
    )

    objects = RegisteredPatientQuerySet.as_manager()

    class Meta:
        ordering = ["family_name", "given_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "nhs_number_index"], name="one_registration_per_practice"
            )
        ]

    def __str__(self):
        return f"{self.family_name.upper()}, {self.given_name} ({self.practice.ods_code})"

    def save(self, *args, **kwargs):
        self.nhs_number = "".join(self.nhs_number.split())
        self.nhs_number_index = blind_index(self.nhs_number, NHS_NUMBER_INDEX)
        super().save(*args, **kwargs)

    def age_on(self, day) -> int:
        return ages.age_on(self.birth_date, day)


class PracticeStaff(models.Model):
    """A member of staff at one practice. They see and act on that practice's patients only."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="practice_membership"
    )
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="staff")
    # What colleagues see in "Created by" and "Revoked by" (a login has no name of its own).
    name = models.CharField(
        "full name", max_length=100, blank=True, help_text="As colleagues know them"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "practice staff member"
        verbose_name_plural = "practice staff"

    def __str__(self):
        return f"{self.name or self.user.email} at {self.practice.ods_code}"


class OnlineRegistrationDetailsQuerySet(models.QuerySet):
    def for_practice(self, practice):
        return self.filter(patient__practice=practice)

    def current(self, now=None):
        """Details a patient can still use: not expired, revoked or used."""
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True, used_at__isnull=True, expires_at__gt=now)


class OnlineRegistrationDetails(models.Model):
    """An Account ID and linkage key a practice gave a patient, with the practice ODS code.

    The linkage key is encrypted at rest, compared in constant time, shown to staff only when
    created, and released to connected services allowed ``gp_integration_credentials`` once
    the patient has used the details (see ``verification.gp_online.services``).
    """

    class Status(models.TextChoices):
        CURRENT = "current", "Current"
        USED = "used", "Used"
        REVOKED = "revoked", "Revoked"
        EXPIRED = "expired", "Expired"

    patient = models.ForeignKey(
        RegisteredPatient, on_delete=models.CASCADE, related_name="online_details"
    )
    account_id = models.CharField("Account ID", max_length=20, unique=True)
    linkage_key = EncryptedTextField()
    ods_code = models.CharField("ODS code", max_length=10)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    used_at = models.DateTimeField(null=True, blank=True)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="gp_online_details",
    )
    replaces = models.OneToOneField(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="replaced_by"
    )

    objects = OnlineRegistrationDetailsQuerySet.as_manager()

    class Meta:
        verbose_name = "online registration details"
        verbose_name_plural = "online registration details"
        ordering = ["-created_at"]

    def __str__(self):
        return f"Account ID {self.account_id}"

    @property
    def status(self) -> str:
        if self.revoked_at:
            return self.Status.REVOKED
        if self.used_at:
            return self.Status.USED
        if self.expires_at <= timezone.now():
            return self.Status.EXPIRED
        return self.Status.CURRENT

    @property
    def is_current(self) -> bool:
        return self.status == self.Status.CURRENT

    def linkage_key_matches(self, candidate: str) -> bool:
        """Compare a typed linkage key with ours in constant time."""
        return hmac.compare_digest(self.linkage_key.encode(), candidate.encode())


__all__ = [
    "OnlineRegistrationDetails",
    "Practice",
    "PracticeStaff",
    "RegisteredPatient",
]
