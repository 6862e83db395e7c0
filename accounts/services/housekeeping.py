"""Removing what is no longer any use: old codes, abandoned phone changes, dead browsers,
expired sessions."""

from datetime import timedelta

from django.utils import timezone

from accounts.models import AuthenticatorApp, EmailCode, PhoneDevice, RememberedBrowser, Session

KEEP_CODES_FOR = timedelta(days=1)
KEEP_DEAD_BROWSERS_FOR = timedelta(days=30)


def delete_stale_records(now=None) -> dict[str, int]:
    """Delete sign-up codes (with their waiting password hashes) and unconfirmed phones older
    than a day, authenticator app secrets never confirmed within a day, remembered browsers 30
    days after they expired or were forgotten, and expired sessions (what Django's
    ``clearsessions`` does; their cached copies expire by themselves).
    Returns how many of each were deleted. Safe to run at any time, any number of times."""
    now = now or timezone.now()
    codes, _ = EmailCode.objects.filter(created_at__lt=now - KEEP_CODES_FOR).delete()
    # Unconfirmed phones have no creation time: their last code expired long ago, or never.
    phones, _ = PhoneDevice.objects.filter(
        confirmed=False, valid_until__lt=now - KEEP_CODES_FOR
    ).delete()
    # A secret shown for setting up an app that was never confirmed (ADR 0016).
    apps, _ = AuthenticatorApp.objects.filter(
        confirmed=False, created_at__lt=now - KEEP_CODES_FOR
    ).delete()
    dead = now - KEEP_DEAD_BROWSERS_FOR
    browsers, _ = RememberedBrowser.objects.filter(expires_at__lt=dead).delete()
    revoked, _ = RememberedBrowser.objects.filter(revoked_at__lt=dead).delete()
    sessions, _ = Session.objects.filter(expire_date__lt=now).delete()
    return {
        "codes": codes,
        "phones": phones,
        "apps": apps,
        "browsers": browsers + revoked,
        "sessions": sessions,
    }
