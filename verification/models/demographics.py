"""The demographics trace (P5): synthetic patients for the local PDS, and trace attempts."""

from django.conf import settings
from django.db import models


class SyntheticPatient(models.Model):
    """One record in our stand-in for the national demographics service (PDS).

    Made up by ``manage.py generate_patients``: NHS numbers beginning with 9, which are never
    issued to real people. Names are stored as shown and as match keys (letters only, no
    accents, lower case: see ``verification.demographics.normalise``), so tracing by name is
    an index lookup, not a scan.
    """

    nhs_number = models.CharField(max_length=10, unique=True)
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    given_key = models.CharField(max_length=100)
    family_key = models.CharField(max_length=100)
    birth_date = models.DateField()
    postcode = models.CharField(max_length=8, blank=True)
    previous_postcode = models.CharField(max_length=8, blank=True)
    gp_ods_code = models.CharField(max_length=10, blank=True)
    mobile = models.CharField(max_length=16, blank=True)
    email = models.CharField(max_length=254, blank=True)
    restricted = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(
                fields=["family_key", "birth_date", "postcode"], name="synthetic_patient_trace"
            )
        ]

    def __str__(self):
        return f"Synthetic patient {self.pk}"


class TraceAttempt(models.Model):
    """One demographics trace a patient made: counted for the limit, kept for support.

    Holds no personal data: the outcome and which way the patient identified themselves.
    """

    class Outcome(models.TextChoices):
        MATCHED = "matched", "Matched one record"
        NO_MATCH = "no_match", "No match"
        MULTIPLE = "multiple", "More than one match"
        RESTRICTED = "restricted", "Restricted record"
        DUPLICATE = "duplicate", "Record already proved by another login"
        NOT_ELIGIBLE = "not_eligible", "Outside the nations served"
        UNAVAILABLE = "unavailable", "Demographics service unavailable"

    class By(models.TextChoices):
        NHS_NUMBER = "nhs_number", "NHS number"
        NAME = "name", "Name"
        # A photo ID check that traced the record (ADR 0043): limited on its own count.
        PHOTO_ID = "photo_id", "Photo ID check"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="trace_attempts"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    by = models.CharField(max_length=12, choices=By.choices)
    outcome = models.CharField(max_length=12, choices=Outcome.choices)

    class Meta:
        indexes = [models.Index(fields=["user", "created_at"], name="trace_attempt_user_time")]

    def __str__(self):
        return f"Trace attempt {self.pk} ({self.outcome})"
