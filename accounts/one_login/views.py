"""allauth's OAuth 2.0 adapter for One Login, and the callback view built from it."""

import httpx
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
from django.conf import settings
from django.urls import reverse

from accounts.one_login import tokens
from accounts.one_login.client import OneLoginClient


class OneLoginOAuth2Adapter(OpenIDConnectOAuth2Adapter):
    client_class = OneLoginClient

    def __init__(self, request, provider_id: str = "one_login"):
        super().__init__(request, provider_id)

    @property
    def basic_auth(self):
        return False  # private_key_jwt: no secret, in a header or the body

    def get_callback_url(self, request, app):
        return request.build_absolute_uri(reverse("one_login:callback"))

    def complete_login(self, request, app, token, **kwargs):
        """Check the ID token (signature by One Login's published keys, issuer, audience,
        expiry), fetch userinfo with the access token and check it is about the same
        ``sub``. Raises ``OAuth2Error`` (allauth then calls the adapter's
        ``on_authentication_error``, which shows our page)."""
        config = self.openid_config
        try:
            claims = tokens.verify_with_published_keys(
                kwargs["response"]["id_token"],
                config["jwks_uri"],
                issuer=config["issuer"],
                audience=app.client_id,
            )
        except tokens.TokenRefused as refused:
            raise OAuth2Error(f"id_token:{refused.reason}") from None
        try:
            response = httpx.get(
                config["userinfo_endpoint"],
                headers={"Authorization": f"Bearer {token.token}"},
                timeout=settings.ONE_LOGIN_TIMEOUT,
            )
            response.raise_for_status()
            userinfo = response.json()
        except (httpx.HTTPError, ValueError):
            raise OAuth2Error("userinfo:unavailable") from None
        if not isinstance(userinfo, dict) or userinfo.get("sub") != claims["sub"]:
            raise OAuth2Error("userinfo:different_sub")
        return self.get_provider().sociallogin_from_response(
            request, {"id_token": claims, "userinfo": userinfo}
        )


# One Login sends the browser back here (``one_login:callback``).
callback = OAuth2CallbackView.adapter_view(OneLoginOAuth2Adapter)
