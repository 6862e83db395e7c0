"""One oauthlib server per process, built the way django-oauth-toolkit builds it."""

from functools import cache

from oauth2_provider.oauth2_backends import get_oauthlib_core


@cache
def oauthlib_core():
    """django-oauth-toolkit's OAuthLibCore with our validator (settings OAUTH2_PROVIDER)."""
    return get_oauthlib_core()


def oauthlib_server():
    return oauthlib_core().server
