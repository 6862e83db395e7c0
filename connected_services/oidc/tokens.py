"""Access and refresh token values (settings OAUTH2_PROVIDER ACCESS_TOKEN_GENERATOR).

oauthlib's default draws 30 characters one by one from ``SystemRandom`` (60 Python calls per
token pair, ~2 % of a refresh grant's CPU); ``secrets.token_urlsafe`` gives 256 bits from the
operating system in one call. The values are opaque to connected services (RFC 6750
``b64token`` characters).
"""

import secrets


def generate_token(request=None) -> str:
    return secrets.token_urlsafe(32)
