import hmac
import time
import uuid
from base64 import b32encode
from datetime import timedelta
from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.utils import timezone
from django_otp.models import Device, DeviceManager, ThrottlingMixin, TimestampMixin
from django_otp.oath import TOTP
from django_otp.util import random_hex, random_number_token

from core.crypto import EncryptedTextField, blind_index


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
    # Set by support (``accounts.services.support``): the next sign-in must choose a new
    # password before anything else (``accounts.middleware.PasswordChangeRequiredMiddleware``).
    password_change_required = models.BooleanField(default=False)

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


CODE_LENGTH = 6
CODE_LIFETIME = timedelta(minutes=15)
CODE_MAX_WRONG_TRIES = 5


def hash_security_code(code: str) -> str:
    """Codes are stored hashed (keyed), so a database reader cannot use a live code."""
    return blind_index(code, "security-code")


class OneTimeCode(models.Model):
    """A 6-digit security code: expires after 15 minutes, void after 5 wrong tries."""

    code_hash = models.CharField(max_length=64, blank=True)
    valid_until = models.DateTimeField(null=True, blank=True)
    wrong_tries = models.PositiveSmallIntegerField(default=0)

    class Meta:
        abstract = True

    def new_code(self) -> str:
        """Make a fresh code (the old one stops working). Returns it, to be sent."""
        code = random_number_token(CODE_LENGTH)
        self.code_hash = hash_security_code(code)
        self.valid_until = timezone.now() + CODE_LIFETIME
        self.wrong_tries = 0
        self.save(update_fields=["code_hash", "valid_until", "wrong_tries"])
        return code

    def check_code(self, code: str) -> str:
        """Try a code. Returns "ok", "wrong", "expired" or "void" (too many wrong tries).

        A right code is used up; a wrong one counts towards voiding the code.
        """
        if not self.code_hash:
            return "void" if self.wrong_tries >= CODE_MAX_WRONG_TRIES else "expired"
        if self.valid_until is None or timezone.now() > self.valid_until:
            return "expired"
        if hmac.compare_digest(hash_security_code((code or "").strip()), self.code_hash):
            self.code_hash = ""
            self.valid_until = None
            self.save(update_fields=["code_hash", "valid_until"])
            return "ok"
        self.wrong_tries += 1
        if self.wrong_tries >= CODE_MAX_WRONG_TRIES:
            self.code_hash = ""
        self.save(update_fields=["code_hash", "wrong_tries"])
        return "void" if not self.code_hash else "wrong"


class PhoneDevice(OneTimeCode, Device):
    """The patient's phone as a django-otp device: a code by text (mobile) or call (landline).

    A device is ``confirmed`` once the patient has entered a code sent to it. A change of phone
    makes a new unconfirmed device, which replaces the old one when confirmed.
    """

    number = models.CharField(max_length=20, help_text="E.164")
    kind = models.CharField(max_length=8, choices=User.PhoneKind.choices)

    class Meta:
        verbose_name = "phone for security codes"

    def __str__(self):
        return f"{self.get_kind_display()} ending {self.number[-3:]}"

    def generate_challenge(self):
        """Send a new code (used by the admin sign-in form and our sign-in pages)."""
        from accounts.services.codes import send_phone_code

        send_phone_code(self)
        return "We sent a security code to your phone"

    def verify_token(self, token):
        return self.check_code(str(token)) == "ok"


class EmailCode(OneTimeCode):
    """A code sent to an email address, to confirm the patient can read it.

    ``decoy`` codes never match: they stand in for a sign-up with an email address that is
    already in use, so the page looks the same whether or not the address is taken. At sign-up
    the login itself is only created once the code is right; until then the password hash
    waits here.
    """

    class Purpose(models.TextChoices):
        SIGN_UP = "sign_up", "Confirm email at sign-up"
        CHANGE = "change", "Confirm a new email address"

    user = models.ForeignKey(User, on_delete=models.CASCADE, null=True, blank=True)
    email = models.EmailField()
    purpose = models.CharField(max_length=8, choices=Purpose.choices)
    decoy = models.BooleanField(default=False)
    password_hash = models.CharField(max_length=128, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.get_purpose_display()} ({self.created_at:%Y-%m-%d %H:%M})"

    def check_code(self, code: str) -> str:
        if self.decoy:
            self.wrong_tries += 1
            self.save(update_fields=["wrong_tries"])
            return "void" if self.wrong_tries >= CODE_MAX_WRONG_TRIES else "wrong"
        return super().check_code(code)


class RememberedBrowserQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


class RememberedBrowser(models.Model):
    """A browser the patient chose to remember for 30 days, so sign-in skips the code.

    The browser holds a random token in a cookie; we keep only its keyed hash. The patient can
    forget a browser (or all of them) from their settings; a password reset forgets them all.
    """

    LIFETIME = timedelta(days=30)

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="remembered_browsers")
    token_hash = models.CharField(max_length=64, unique=True)
    description = models.CharField(
        max_length=100, help_text="Browser and system, e.g. Chrome on Android"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = RememberedBrowserQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.description} (remembered {self.created_at:%Y-%m-%d})"

    @staticmethod
    def hash_token(token: str) -> str:
        return blind_index(token, "remembered-browser")


class Session(AbstractBaseSession):
    """A browser's session (``accounts.sessions``: Django's ``cached_db`` store) with the id
    of the login it is signed in as, so that a login's sessions are found by an index rather
    than by reading every live session: to end them when the login is deleted, or when the
    patient signs out of their other browsers.

    ``user_id`` is a plain indexed column, not a foreign key: a session saved by a request
    still in flight when its login is deleted must not fail (the row is removed with the
    others, or expires), and the session's own data stays what Django's auth reads."""

    user_id = models.BigIntegerField(null=True, blank=True, db_index=True)

    class Meta(AbstractBaseSession.Meta):
        db_table = "accounts_session"

    @classmethod
    def get_session_store_class(cls):
        from accounts.sessions import SessionStore

        return SessionStore


def new_app_secret() -> str:
    """20 random bytes (RFC 4226's recommended length), in hex, for a new authenticator app."""
    return random_hex(20)


class AuthenticatorAppManager(DeviceManager):
    def devices_for_user(self, user, confirmed=None):
        """None: what django-otp lists as a user's devices (the admin sign-in form,
        ``django_otp.devices_for_user``) are staff second factors, and a patient's app is not
        one (ADR 0016)."""
        return self.none()


class AuthenticatorApp(ThrottlingMixin, TimestampMixin, Device):
    """The patient's authenticator app (the ``Ck`` component, ADR 0016): a secret shared with
    the app, which turns it and the time into a 6-digit code (TOTP, RFC 6238).

    django-otp's ``TOTPDevice`` checks codes the same way, but keeps its key in plain hex and
    is the admin's second factor too: this model keeps the secret encrypted at rest
    (``core.crypto``) and is only a patient's. The step, start and length are fixed (30 s,
    0, 6 digits: what every app assumes); ``drift`` follows the app's clock and ``last_t`` is
    the step of the last code used, so that no code (and no older one) is accepted twice.

    It is a django-otp ``Device`` so that ``django_otp.login`` can record a sign-in with it,
    but never a staff second factor: its manager lists no devices to django-otp, and
    ``verify_token`` (what django-otp's forms call) refuses every code; this service checks
    codes with ``verify_code``.
    """

    # TOTPDevice's defaults, fixed: the same names, so ``django_otp.oath`` reads alike.
    step = 30
    t0 = 0
    digits = 6
    tolerance = 1

    secret = EncryptedTextField(default=new_app_secret, help_text="The shared key, in hex.")
    drift = models.SmallIntegerField(default=0)
    last_t = models.BigIntegerField(default=-1)

    objects = AuthenticatorAppManager()

    class Meta(Device.Meta):
        verbose_name = "authenticator app"

    def __str__(self):
        return self.name

    @property
    def bin_key(self) -> bytes:
        return bytes.fromhex(self.secret)

    def verify_token(self, token):
        """Refused: not a second factor for django-otp's own forms (the admin's)."""
        return False

    def verify_code(self, code) -> bool:
        """Check a code from the app as ``TOTPDevice.verify_token`` does: one step of tolerance
        either way, the drift kept, only a step after ``last_t``, throttled after a wrong
        code. Call it on a row locked with ``select_for_update``."""
        allowed, _why = self.verify_is_allowed()
        if not allowed:
            return False
        try:
            code = int(code)
        except (TypeError, ValueError):
            verified = False
        else:
            totp = TOTP(self.bin_key, self.step, self.t0, self.digits, self.drift)
            totp.time = time.time()
            verified = totp.verify(code, self.tolerance, self.last_t + 1)
            if verified:
                self.last_t = totp.t()
                if getattr(settings, "OTP_TOTP_SYNC", True):
                    self.drift = totp.drift
                self.throttle_reset(commit=False)
                self.set_last_used_timestamp(commit=False)
                self.save()
        if not verified:
            self.throttle_increment(commit=True)
        return verified

    def get_throttle_factor(self):
        # The same setting as the admin's TOTP devices: 1 s, 2 s, 4 s... after wrong codes.
        return getattr(settings, "OTP_TOTP_THROTTLE_FACTOR", 1)

    @property
    def config_url(self) -> str:
        """The ``otpauth://`` URI for the app (Google's Key Uri Format): issuer
        ``OTP_TOTP_ISSUER`` ("NHS login"), account the email address."""
        label = str(self.user.get_username())
        params = urlencode(
            {
                "secret": b32encode(self.bin_key),
                "algorithm": "SHA1",
                "digits": self.digits,
                "period": self.step,
            }
        )
        issuer = (getattr(settings, "OTP_TOTP_ISSUER", "") or "").replace(":", "")
        if issuer:
            label = f"{issuer}:{label}"
            params += f"&issuer={quote(issuer)}"
        return f"otpauth://totp/{quote(label)}?{params}"


class BackupCodes(ThrottlingMixin, TimestampMixin, Device):
    """A staff member's backup codes for the admin's second factor, kept only as keyed
    hashes (``BackupCode``): django-otp's ``StaticDevice`` keeps its tokens in plain text, so
    anyone who could read the table could sign in as staff with them (ADR 0060).

    A django-otp ``Device`` (its documented extension point), so the admin's sign-in form
    lists it and checks a code with ``verify_token``, as it did ``StaticDevice``. Codes are
    made by ``accounts.services.backup_codes``; each works once.
    """

    class Meta(Device.Meta):
        verbose_name = "backup codes"
        verbose_name_plural = "backup codes"

    def __str__(self):
        return self.name

    def verify_token(self, token) -> bool:
        """Use up this code if it is one of the device's: the row is deleted, so of two
        requests with the same code only one succeeds. Throttled after a wrong code, as
        ``StaticDevice`` is."""
        allowed, _why = self.verify_is_allowed()
        if not allowed:
            return False
        code = BackupCode.normalise(token)
        used = 0
        if code:
            used, _ = self.codes.filter(code_hash=BackupCode.hash_code(code)).delete()
        if used:
            self.throttle_reset(commit=False)
            self.set_last_used_timestamp(commit=False)
            self.save()
        else:
            self.throttle_increment(commit=True)
        return bool(used)

    def get_throttle_factor(self):
        # The same setting as django-otp's static tokens: 1 s, 2 s, 4 s... after wrong codes.
        return getattr(settings, "OTP_STATIC_THROTTLE_FACTOR", 1)


class BackupCode(models.Model):
    """One backup code, as a keyed hash (``core.crypto.blind_index``, keyed with SECRET_KEY):
    the table alone never gives a code that works."""

    device = models.ForeignKey(BackupCodes, related_name="codes", on_delete=models.CASCADE)
    code_hash = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["device", "code_hash"], name="backup_code_once")
        ]

    def __str__(self):
        return f"A backup code of {self.device}"  # never the code: it is not kept

    @staticmethod
    def normalise(code) -> str:
        """What was typed, as it is kept: lower case, no spaces or dashes."""
        return str(code or "").strip().lower().replace(" ", "").replace("-", "")

    @staticmethod
    def hash_code(code: str) -> str:
        return blind_index(BackupCode.normalise(code), "staff-backup-code")


class ProofingNotice(models.Model):
    """The "If this was not you" link in the email sent each time a login reaches P9
    (``accounts.services.proofing_notice``, ADR 0052).

    The link carries a random token; only its keyed hash is kept, so a database reader cannot
    use a live link. It works once (``used_at``) and until ``expires_at``
    (``PROOFING_NOTICE_DAYS``). ``route`` is how the level was proved, in the words of
    ``set_proofing_level``.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="proofing_notices")
    token_hash = models.CharField(max_length=64, unique=True)
    # Long enough for "provisioned by " and an organisation's full name (ADR 0065).
    route = models.CharField(max_length=255)
    proved_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-proved_at"]

    def __str__(self):
        return f"Proofing notice {self.pk}"

    @staticmethod
    def hash_token(token: str) -> str:
        return blind_index(token, "proofing-notice")

    @property
    def usable(self) -> bool:
        return self.used_at is None and timezone.now() < self.expires_at


class SupportCase(models.Model):
    """Something the support team must look into about a login.

    Opened by the service, never typed in by a visitor. A "proofing disputed" case is opened
    when the owner of a login says they did not prove who they are ("If this was not you");
    while it is open, the login may not be fast-tracked to P9 (``proofing_hold``). The login
    is ``SET_NULL`` so the case outlives a deleted login, as the identity audit does (ADR 0014).
    """

    class Kind(models.TextChoices):
        PROOFING_DISPUTED = "proofing_disputed", "Proofing disputed"
        # Support marked the login as a victim of identity fraud (identity repair): while
        # open, as for a dispute, no P9 is fast-tracked for it; a person decides every one.
        IDENTITY_FRAUD = "identity_fraud", "Identity fraud victim"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    user = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="support_cases"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # What was disputed: the level the login had and how it was proved (no personal data).
    level_before = models.CharField(max_length=2, blank=True)
    route_disputed = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "kind", "status"])]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.get_status_display().lower()})"


class PatientLogin(User):
    """A patient's NHS login as the support desk sees it in admin (``accounts.support_admin``):
    found by email address, phone number or NHS number, acted on with a reason."""

    class Meta:
        proxy = True
        verbose_name = "patient login"
        verbose_name_plural = "patient logins"
        default_permissions = ()
        permissions = [("look_after_logins", "Can find and look after patients' NHS logins")]
