"""How to try GOV.UK One Login against the fake (``manage.py seed_demo``; never in production).
No data of its own: the fake One Login keeps nothing but a few minutes of codes in Redis."""

from django.conf import settings
from django.urls import reverse

from verification.demo import DEMO_LOGIN_EMAIL, DEMO_LOGIN_PASSWORD


def seed() -> list[str]:
    """The lines ``make run`` prints about One Login."""
    if not settings.FAKE_ONE_LOGIN_ENABLED:
        return []
    site = settings.SITE_URL
    return [
        "",
        "GOV.UK One Login (a fake One Login at "
        f"{site}{reverse('one_login:fake_one_login:discovery').removesuffix('/.well-known/openid-configuration')}/)",
        f"  Sign in as {DEMO_LOGIN_EMAIL} / {DEMO_LOGIN_PASSWORD}, then 'GOV.UK One Login' on",
        f"  {site}{reverse('one_login:manage')} (or 'Use your GOV.UK One Login' when proving who",
        "  you are). On the fake's page choose any account email, P2, and Ffion Hughes, born",
        "  1990-02-14, postcode CF10 1EP: the login is linked and reaches P9. Then sign out and",
        "  press 'Sign in with GOV.UK One Login' on the sign-in page with the same account email.",
        "  The fake's page also injects faults: a wrong signature, audience or nonce, an expiry.",
    ]
