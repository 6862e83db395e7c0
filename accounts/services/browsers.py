"""Remembered browsers: a revocable record per browser, found through a cookie token."""

import secrets

from django.utils import timezone

from accounts import events
from accounts.models import RememberedBrowser, Session, User
from accounts.sessions import end_sessions
from core import audit

COOKIE_NAME = "nhslogin_remembered_browser"


def describe(user_agent: str) -> str:
    """A short, recognisable name for a browser: "Chrome on Android"."""
    ua = user_agent or ""
    browser = next(
        (
            name
            for token, name in (
                ("Edg/", "Edge"),
                ("Firefox/", "Firefox"),
                ("Chrome/", "Chrome"),
                ("Safari/", "Safari"),
            )
            if token in ua
        ),
        "A browser",
    )
    system = next(
        (
            name
            for token, name in (
                ("Android", "Android"),
                ("iPhone", "iPhone"),
                ("iPad", "iPad"),
                ("Windows", "Windows"),
                ("Mac OS X", "Mac"),
                ("Linux", "Linux"),
            )
            if token in ua
        ),
        "",
    )
    return f"{browser} on {system}" if system else browser


def remember_browser(request, user: User) -> tuple[RememberedBrowser, str]:
    """Record this browser for 30 days. Returns the record and the token for its cookie."""
    token = secrets.token_urlsafe(32)
    browser = RememberedBrowser.objects.create(
        user=user,
        token_hash=RememberedBrowser.hash_token(token),
        description=describe(request.META.get("HTTP_USER_AGENT", "")),
        expires_at=timezone.now() + RememberedBrowser.LIFETIME,
    )
    audit.record(events.BROWSER_REMEMBERED, request=request, user=user, browser=browser.pk)
    return browser, token


def remembered_browser_for(request, user: User) -> RememberedBrowser | None:
    """This browser's live record for this patient, if it has one."""
    token = request.COOKIES.get(COOKIE_NAME)
    if not token:
        return None
    browser = (
        RememberedBrowser.objects.active()
        .filter(user=user, token_hash=RememberedBrowser.hash_token(token))
        .first()
    )
    if browser is not None:
        RememberedBrowser.objects.filter(pk=browser.pk).update(last_used_at=timezone.now())
    return browser


def forget_browsers(
    request, user: User, *, browser_id: int | None = None, audited: bool = True
) -> int:
    """Forget one remembered browser, or all of them. Returns how many were forgotten.

    ``audited=False``: the caller records the count in its own event (a password change)."""
    browsers = RememberedBrowser.objects.active().filter(user=user)
    if browser_id is not None:
        browsers = browsers.filter(pk=browser_id)
    forgotten = browsers.update(revoked_at=timezone.now())
    if forgotten and audited:
        audit.record(
            events.BROWSER_FORGOTTEN,
            request=request,
            user=user,
            count=forgotten,
            browser=browser_id,
        )
    return forgotten


def other_sessions(request, user: User):
    """The login's sessions in other browsers that are still signed in."""
    return Session.objects.filter(user_id=user.pk, expire_date__gt=timezone.now()).exclude(
        session_key=request.session.session_key or ""
    )


def sign_out_other_browsers(request, user: User) -> int:
    """End every other session signed in as this login (this one stays signed in). Returns
    how many ended; audited when any did."""
    ended = end_sessions(other_sessions(request, user))
    if ended:
        audit.record(events.SIGNED_OUT_ELSEWHERE, request=request, user=user, count=ended)
    return ended
