"""The help section at /help/: its pages, in order, and the figures they quote.

Each page is a mini-hub page (NHS.UK contents list and pagination) with its own template in
``templates/core/help/``. The figures a page quotes (how many tries, for how long, which photo
ID) are read here from the settings and the code that enforces them, so the help says what
the service really does when a setting changes. Pages where patients get stuck link here
through ``templates/macros/help.jinja``.
"""

from dataclasses import dataclass

from django.conf import settings

from accounts.models import CODE_LIFETIME, CODE_MAX_WRONG_TRIES, RememberedBrowser
from accounts.services import limits


@dataclass(frozen=True)
class HelpPage:
    name: str  # URL name: ``core:help_<name>``; also the template's name
    slug: str  # the address under /help/
    label: str  # in the contents list and on the hub
    title: str  # the page's heading (a question where one fits)
    summary: str  # one line on the hub


PAGES = (
    HelpPage(
        "setting_up",
        "setting-up-an-nhs-login",
        "Setting up an NHS login",
        "How do I set up an NHS login?",
        "What you need, and the steps to create your NHS login.",
    ),
    HelpPage(
        "proving_who_you_are",
        "proving-who-you-are",
        "Proving who you are",
        "How do I prove who I am?",
        "The ways to prove who you are, the photo ID you can use, and what to do without it.",
    ),
    HelpPage(
        "security_codes",
        "security-codes",
        "Security codes",
        "What if my security code does not arrive?",
        "Codes by email, text message, phone call or authenticator app.",
    ),
    HelpPage(
        "lost_phone",
        "lost-phone",
        "Lost or new phone",
        "What if I lose my phone or change my number?",
        "How to sign in and keep your NHS login safe without your phone.",
    ),
    HelpPage(
        "locked",
        "locked-nhs-login",
        "Locked NHS login",
        "What if I am locked out?",
        "Why we stop you signing in or trying again for a while, and for how long.",
    ),
    HelpPage(
        "levels",
        "levels-of-proof",
        "Levels of proof",
        "What can I do at each level of proof?",
        "What low, medium and high levels of proof let you do.",
    ),
    HelpPage(
        "gp_practice",
        "get-help-from-your-gp-practice",
        "Get help from your GP practice",
        "Get help from your GP practice",
        "What your GP practice can do, and what to ask them for.",
    ),
)
BY_NAME = {page.name: page for page in PAGES}


def _minutes(seconds: int) -> int:
    return seconds // 60


def figures() -> dict:
    """What the help pages quote, read from the settings and the rules that apply them."""
    from verification.gp_online.services import (
        ACCOUNT_ID_LENGTH,
        LINKAGE_KEY_LENGTH,
        account_limit,
    )
    from verification.models import DocumentType

    return {
        "code_minutes": int(CODE_LIFETIME.total_seconds()) // 60,
        "code_wrong_tries": CODE_MAX_WRONG_TRIES,
        "new_codes": limits.RESEND.attempts,
        "new_codes_minutes": _minutes(limits.RESEND.window),
        "code_tries_minutes": _minutes(limits.CODE_TRIES_PER_ADDRESS.window),
        "remembered_days": RememberedBrowser.LIFETIME.days,
        "lockout_tries": settings.SIGN_IN_LOCKOUT_ATTEMPTS,
        "lockout_minutes": int(settings.SIGN_IN_LOCKOUT_PERIOD.total_seconds()) // 60,
        "p5_tries": settings.P5_TRACE_ATTEMPTS,
        "p5_hours": int(settings.P5_TRACE_WINDOW.total_seconds()) // 3600,
        "gp_tries": account_limit().attempts,
        "gp_hours": account_limit().window // 3600,
        "account_id_length": ACCOUNT_ID_LENGTH,
        "linkage_key_length": LINKAGE_KEY_LENGTH,
        "gp_details_days": settings.GP_ONLINE_DETAILS_EXPIRY_DAYS,
        "p9_minimum_age": settings.P9_MINIMUM_AGE,
        "photo_ids": [label for _value, label in DocumentType.choices],
        "media_days": settings.P9_MEDIA_RETENTION_DAYS,
        "uploads_per_hour": settings.P9_UPLOADS_PER_HOUR,
        # GOV.UK One Login is a setting (off in production until the service is onboarded):
        # the help only offers it where the journey exists.
        "one_login": settings.ONE_LOGIN_ENABLED,
        "one_login_tries": settings.ONE_LOGIN_IDENTITY_TRIES_PER_DAY,
        "provisioning_link_days": settings.PROVISIONING_LINK_DAYS,
    }
