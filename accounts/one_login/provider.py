"""GOV.UK One Login as an allauth provider: the stock OpenID Connect provider, with what One
Login needs and the stock one cannot send through its settings (ADR 0066):

- ``private_key_jwt`` at the token endpoint (``client.OneLoginClient``);
- a ``nonce`` in every request, kept in allauth's state and compared on return
  (``adapter.OneLoginAdapter.pre_social_login``);
- ``vtr`` and the ``claims`` request, chosen per journey by the view that starts it
  (``auth_params``), never taken from the query string;
- the ID token's signature always checked (``views.OneLoginOAuth2Adapter``);
- nothing personal kept by allauth: no email addresses, no names.
"""

import json
import secrets

from allauth.socialaccount.providers.openid_connect.provider import OpenIDConnectProvider
from django.conf import settings
from django.urls import reverse

from accounts.one_login.views import OneLoginOAuth2Adapter

CORE_IDENTITY_CLAIM = "https://vocab.account.gov.uk/v1/coreIdentityJWT"
ADDRESS_CLAIM = "https://vocab.account.gov.uk/v1/address"

# What each journey asks One Login for.
SIGN_IN_VTR = ["Cl.Cm"]  # a password and a second factor
IDENTITY_VTR = ["P2.Cl.Cm"]  # the same, and an identity checked to medium confidence (P2)


def auth_params(*, identity: bool) -> dict:
    """The extra authorization parameters for a journey: the vector of trust, and with
    ``identity`` the claims request for the identity and the address."""
    params = {"vtr": json.dumps(IDENTITY_VTR if identity else SIGN_IN_VTR), "ui_locales": "en"}
    if identity:
        params["claims"] = json.dumps(
            {"userinfo": {CORE_IDENTITY_CLAIM: None, ADDRESS_CLAIM: None}}
        )
    return params


class OneLoginProvider(OpenIDConnectProvider):
    id = "one_login"
    name = "GOV.UK One Login"
    oauth2_adapter_class = OneLoginOAuth2Adapter

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.name = "GOV.UK One Login"

    @property
    def server_url(self):
        # From our settings, not the app's, so tests can point it at a live server.
        return f"{settings.ONE_LOGIN_URL}/.well-known/openid-configuration"

    def get_default_scope(self):
        return ["openid"]

    def get_scope_from_request(self, request):
        return self.get_scope()  # never widened from the query string

    def get_auth_params_from_request(self, request, action):
        return auth_params(identity=False)  # never widened from the query string

    def get_login_url(self, request, **kwargs):
        return reverse("one_login:sign_in")

    def get_callback_url(self):
        return reverse("one_login:callback")

    def get_oauth2_adapter(self, request):
        return self.oauth2_adapter_class(request)

    def redirect(self, request, process, next_url=None, data=None, **kwargs):
        """Send the browser to One Login, with a fresh nonce in the request and in the
        state allauth keeps in the session (single use, 10 minutes)."""
        nonce = secrets.token_urlsafe(32)
        params = dict(kwargs.pop("auth_params", None) or auth_params(identity=False))
        params["nonce"] = nonce
        return super().redirect(
            request, process, next_url, data, auth_params=params, nonce=nonce, **kwargs
        )

    def sociallogin_from_response(self, request, response):
        """allauth's ``SocialLogin``, with the checked ID token claims and userinfo held on the
        object for our adapter (``one_login``) and never in ``extra_data``: allauth saves
        ``extra_data`` on every sign-in of a linked account, and the identity and address
        must not be kept (ADR 0066)."""
        login = super().sociallogin_from_response(request, response)
        login.account.extra_data = {}
        login.one_login = response
        return login

    def extract_extra_data(self, data):
        return {}

    def extract_common_fields(self, data):
        return {}  # a One Login never fills in an NHS login

    def extract_email_addresses(self, data):
        return []


provider_classes = [OneLoginProvider]
