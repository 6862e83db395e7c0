"""P9 photo ID checks: what the patient sent, what the workers found, what a checker decided.

The photos and videos themselves are never in the database: each ``IdCheckMedia`` row names
a file in the storage, encrypted with ``core.crypto`` (see ``verification/idchecks/storage.py``).
"""

import datetime
import json
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from core.crypto import EncryptedTextField


class DocumentType(models.TextChoices):
    UK_PASSPORT = "uk_passport", "UK passport"
    PASSPORT = "passport", "Passport from another country"
    UK_DRIVING_LICENCE = "uk_driving_licence", "UK driving licence (photocard)"
    EU_ID_CARD = "eu_id_card", "EU national identity card"
    BIOMETRIC_RESIDENCE_CARD = "biometric_residence_card", "Biometric residence card"


# Cards have a back to photograph; on ID cards and residence cards it carries the MRZ.
DOCUMENTS_WITH_BACK = {
    DocumentType.UK_DRIVING_LICENCE,
    DocumentType.EU_ID_CARD,
    DocumentType.BIOMETRIC_RESIDENCE_CARD,
}
PASSPORTS = {DocumentType.UK_PASSPORT, DocumentType.PASSPORT}


class IdCheck(models.Model):
    """One attempt to prove identity to P9 with photo ID and a video or face scan."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Not sent yet"
        SUBMITTED = "submitted", "Being checked automatically"
        AWAITING_REVIEW = "awaiting_review", "Waiting for an identity checker"
        # Approved by one checker against a failed automated check: a second checker decides.
        AWAITING_SECOND_REVIEW = "awaiting_second", "Waiting for a second identity checker"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Not approved"

    class Method(models.TextChoices):
        VIDEO = "video", "Record a short video"
        FACE_SCAN = "face_scan", "Face scan: record your face with your camera for a few seconds"

    class DigitsWay(models.TextChoices):
        SPEAK = "speak", "Say them out loud"
        BSL = "bsl", "Sign them in British Sign Language (BSL)"
        WRITE = "write", "Write them down and hold the paper up to the camera"

    class RejectionReason(models.TextChoices):
        UNREADABLE = "unreadable", "The photo or video cannot be seen clearly"
        EXPIRED = "expired", "The ID document has expired"
        FACE_MISMATCH = "face_mismatch", "The face does not match the photo ID"
        DIGITS = "digits", "The 4 numbers were wrong or missing"
        DETAILS_MISMATCH = "details_mismatch", "The details do not match the NHS record"
        FRAUD = "fraud", "We think the document or video is not genuine"
        TOO_YOUNG = "too_young", "You are under the minimum age to prove who you are with photo ID"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="id_checks"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    document_type = models.CharField(max_length=30, choices=DocumentType.choices, blank=True)
    method = models.CharField(max_length=10, choices=Method.choices, blank=True)
    digits = models.CharField(max_length=4, help_text="The 4 numbers the patient shows.")
    digits_way = models.CharField(max_length=10, choices=DigitsWay.choices, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True, db_index=True)
    automated_at = models.DateTimeField(null=True, blank=True)
    fast_tracked = models.BooleanField(default=False)

    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    locked_until = models.DateTimeField(null=True, blank=True)

    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    rejection_reason = models.CharField(max_length=20, choices=RejectionReason.choices, blank=True)
    decision_note = EncryptedTextField(blank=True)
    media_deleted_at = models.DateTimeField(null=True, blank=True)

    # Four eyes: approving against a failed automated check needs a written reason and a second
    # checker. The first approval is recorded here; the second checker's is ``decided_by``.
    first_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    first_approved_at = models.DateTimeField(null=True, blank=True)
    override_reason = EncryptedTextField(
        blank=True, help_text="Why the first checker approved against a failed automated check."
    )

    # The face scan's random prompt (turn left or right, blink), offered on the capture page and
    # copied onto the clip it was recorded for (``IdCheckMedia.liveness_prompt``).
    liveness_prompt = models.CharField(max_length=20, blank=True)

    # The route after a failed P5 trace (ADR 0043): the patient had no NHS record match when
    # they started, so they also gave what a trace needs, and the pipeline traces them.
    needs_trace = models.BooleanField(
        default=False, help_text="Started with no NHS record match: this check traces one."
    )
    entered_details = EncryptedTextField(
        blank=True, help_text="JSON: name, date of birth, postcode, NHS number the patient gave."
    )
    traced_record = EncryptedTextField(
        blank=True, help_text="JSON: the matched NHS record (only what an Identity holds)."
    )

    class Meta:
        ordering = ["submitted_at", "created_at"]
        indexes = [models.Index(fields=["status", "submitted_at"])]

    def __str__(self):
        return f"ID check {self.id} ({self.status})"

    @property
    def needs_back(self) -> bool:
        return self.document_type in DOCUMENTS_WITH_BACK

    @property
    def route(self) -> str:
        """How the level was proved, in the words of ``set_proofing_level``."""
        if self.method == self.Method.FACE_SCAN:
            return "photo ID and face scan"
        return "photo ID and video"

    @property
    def entered(self) -> dict:
        """What the patient typed for the trace (decrypted): given_name, family_name,
        birth_date (ISO), postcode, nhs_number. Empty until they answer."""
        return json.loads(self.entered_details) if self.entered_details else {}

    def set_entered(self, **values) -> None:
        self.entered_details = json.dumps({**self.entered, **values}, sort_keys=True)
        self.save(update_fields=["entered_details"])

    @property
    def entered_birth_date(self) -> datetime.date | None:
        value = self.entered.get("birth_date")
        return datetime.date.fromisoformat(value) if value else None

    @property
    def traced(self):
        """The NHS record this check's trace matched, as a ``PatientRecord``, or None."""
        from verification.demographics.types import PatientRecord

        if not self.traced_record:
            return None
        data = json.loads(self.traced_record)
        return PatientRecord(
            nhs_number=data["nhs_number"],
            given_name=data["given_name"],
            family_name=data["family_name"],
            birth_date=datetime.date.fromisoformat(data["birth_date"]),
            postcode=data["postcode"],
            gp_ods_code=data["gp_ods_code"],
            mobile="",  # never kept: only whether it matched the patient's (below)
            email="",
            restricted=False,
        )

    @property
    def traced_phone_matched(self) -> bool:
        return bool(self.traced_record and json.loads(self.traced_record)["phone_matched"])

    @property
    def reason_for_patient(self) -> str:
        """The rejection reason as it reads inside a sentence ("the details do not match the
        NHS record"): only the first letter is lowered, so NHS and ID stay capitals."""
        text = self.get_rejection_reason_display()
        return text[:1].lower() + text[1:]

    @property
    def is_decided(self) -> bool:
        return self.status in (self.Status.APPROVED, self.Status.REJECTED)

    def media_of(self, kind: str):
        return next((m for m in self.media.all() if m.kind == kind), None)

    def has_media(self, kind: str) -> bool:
        return self.media_of(kind) is not None

    def is_locked_to(self, user) -> bool:
        return self.locked_by_id == user.pk and (
            self.locked_until is not None and self.locked_until > timezone.now()
        )


class IdCheckMedia(models.Model):
    """A photo or video the patient sent, stored encrypted under an unguessable name."""

    class Kind(models.TextChoices):
        DOCUMENT_FRONT = "document_front", "Photo ID (front or data page)"
        DOCUMENT_BACK = "document_back", "Photo ID (back)"
        VIDEO = "video", "Video"
        FACE = "face", "Face scan"  # a short live clip, not a photo
        # A short clip the camera step records while the document photo is taken: evidence that
        # the document was in front of a camera, not a file chosen from disk.
        DOCUMENT_CLIP = "document_clip", "Photo ID (camera clip)"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    id_check = models.ForeignKey(IdCheck, on_delete=models.CASCADE, related_name="media")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    storage_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    duration_seconds = models.FloatField(null=True, blank=True)
    liveness_prompt = models.CharField(
        max_length=20, blank=True, help_text="The prompt shown while this face scan was recorded."
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["id_check", "kind"], name="one_media_of_each_kind")
        ]
        verbose_name_plural = "ID check media"

    def __str__(self):
        return f"{self.get_kind_display()} for {self.id_check_id}"


# What each automated check is called on the checker's page (the results keep short names).
CHECK_LABELS = {
    "image_quality": "Photo quality",
    "document_face": "Face on the ID",
    "nhs_record": "NHS record",
    "machine_readable_zone": "Machine-readable zone (MRZ) and details",
    "document_capture": "A photo of a real document",
    "document_camera": "Taken with the camera",
    "document_issuer": "Issuer's check",
    "document_reuse": "Used by another NHS login",
    "face_match": "Face match",
    "liveness": "Live person",
    "video_face": "Face in the video",
    "spoken_digits": "Spoken numbers",
    "face_scan": "Face scan",
}


class AutomatedCheck(models.Model):
    """The result of one automated check of an ``IdCheck``, with how sure it is.

    ``advisory`` results (the spoken numbers) are hints for the identity checker and never
    decide anything. ``details`` holds non-personal facts only (booleans, counts, scores).
    """

    class Outcome(models.TextChoices):
        PASS = "pass", "Passed"
        FAIL = "fail", "Failed"
        UNSURE = "unsure", "Not sure"
        NOT_APPLICABLE = "not_applicable", "Not used for this document or route"

    id_check = models.ForeignKey(IdCheck, on_delete=models.CASCADE, related_name="results")
    name = models.CharField(max_length=30)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    confidence = models.FloatField()
    summary = models.CharField(max_length=300)
    details = models.JSONField(default=dict, blank=True)
    advisory = models.BooleanField(default=False)
    completed_at = models.DateTimeField(auto_now=True)
    seconds = models.FloatField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["id_check", "name"], name="one_result_per_check")
        ]
        ordering = ["id"]

    def __str__(self):
        return f"{self.name}: {self.outcome} ({self.confidence:.2f})"

    @property
    def label(self) -> str:
        return CHECK_LABELS.get(self.name, self.name.replace("_", " ").capitalize())


class DocumentUse(models.Model):
    """A document or a picture used in an ID check, kept as a keyed fingerprint only.

    The fingerprint is a blind index (``core.crypto.blind_index``) of the issuing state and
    document number, or of a picture's SHA-256: it finds the same document or picture used by
    another login without holding either. Kept after the media are deleted and after a login is
    deleted (``user`` becomes empty), because reuse is what it exists to catch (ADR 0046).
    """

    class Kind(models.TextChoices):
        DOCUMENT_NUMBER = "document_number", "Document number"
        PICTURE = "picture", "Photo or video"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    fingerprint = models.CharField(max_length=64, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    id_check = models.ForeignKey(IdCheck, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["fingerprint", "id_check"], name="one_use_per_fingerprint_and_check"
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} used in {self.id_check_id}"
