from django.conf import settings
from django.db import models

from core.crypto import EncryptedTextField, blind_index
from verification import ages

NHS_NUMBER_INDEX = "nhs_number"


class Nation(models.TextChoices):
    """Where the patient's NHS record says they live: decides which services they see."""

    ENGLAND = "england", "England"
    WALES = "wales", "Wales"
    SCOTLAND = "scotland", "Scotland"
    NORTHERN_IRELAND = "northern_ireland", "Northern Ireland"
    ISLE_OF_MAN = "isle_of_man", "Isle of Man"


class Identity(models.Model):
    """Who a patient proved they are: their record in the demographics service (PDS).

    Created at P5 by a demographics trace and kept up to date by later proofing. The NHS
    number is encrypted at rest and found through a keyed blind index; it is released only to
    connected services allowed the ``profile`` scope, and never shown to the patient.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="identity"
    )
    nhs_number = EncryptedTextField()
    nhs_number_index = models.CharField(max_length=64, unique=True, editable=False)
    given_name = models.CharField(max_length=100, blank=True)
    family_name = models.CharField(max_length=100)
    birth_date = models.DateField()
    postcode = models.CharField(max_length=10, blank=True)
    nation = models.CharField(max_length=20, choices=Nation.choices, blank=True)
    gp_ods_code = models.CharField(max_length=10, blank=True)
    phone_number_pds_matched = models.BooleanField(default=False)
    traced_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "identities"

    def __str__(self):
        return f"Identity of {self.user}"

    def save(self, *args, **kwargs):
        self.nhs_number_index = blind_index(self.nhs_number, NHS_NUMBER_INDEX)
        super().save(*args, **kwargs)

    @classmethod
    def for_nhs_number(cls, nhs_number: str):
        return cls.objects.filter(nhs_number_index=blind_index(nhs_number, NHS_NUMBER_INDEX))

    def age_on(self, day) -> int:
        return ages.age_on(self.birth_date, day)
