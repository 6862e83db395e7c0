import uuid

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone


class ProofingLevel(models.TextChoices):
    """How sure we are of who the patient is (see DESIGN.md, Levels)."""

    P0 = "P0", "Low (P0)"
    P5 = "P5", "Medium (P5)"
    P9 = "P9", "High (P9)"

    @classmethod
    def rank(cls, level: str) -> int:
        return {"P0": 0, "P5": 5, "P9": 9}[level]


class UserManager(BaseUserManager):
    use_in_migrations = True

    def normalize_email(self, email):
        return (email or "").strip().lower()

    def create_user(self, email, password=None, **extra):
        if not email:
            raise ValueError("an email address is required")
        user = self.model(email=self.normalize_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """One NHS login: a patient, or a member of staff who signs in to Django admin.

    ``proofing_level`` only ever changes through ``accounts.services.set_proofing_level`` so
    that each change leaves an audit event.
    """

    class PhoneKind(models.TextChoices):
        MOBILE = "mobile", "Mobile"
        LANDLINE = "landline", "Landline"

    # The OpenID Connect ``sub``: stable, opaque, never the database id or the email.
    sub = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField(unique=True)
    email_verified = models.BooleanField(default=False)
    phone_number = models.CharField(
        max_length=20, blank=True, help_text="E.164, for example +447700900123"
    )
    phone_kind = models.CharField(max_length=8, choices=PhoneKind.choices, blank=True)
    phone_verified = models.BooleanField(default=False)
    proofing_level = models.CharField(
        max_length=2, choices=ProofingLevel.choices, default=ProofingLevel.P0
    )
    terms_accepted_at = models.DateTimeField(null=True, blank=True)
    is_staff = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        verbose_name = "NHS login"
        verbose_name_plural = "NHS logins"

    def __str__(self):
        return f"NHS login {self.sub}"

    @property
    def is_p0_complete(self) -> bool:
        """Email and phone both confirmed: the login can be used."""
        return self.email_verified and self.phone_verified

    def has_level(self, level: str) -> bool:
        return ProofingLevel.rank(self.proofing_level) >= ProofingLevel.rank(level)
