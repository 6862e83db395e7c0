"""allauth's adapters: the only places allauth hands over to us (ADR 0066).

allauth does the OpenID Connect round trip with One Login. Once it has a checked ID token and
userinfo it calls ``pre_social_login``, where our services decide and answer with our own page,
so allauth's own sign-in, sign-up and connect flows (and their templates) never run. Any error
allauth meets (a missing or replayed state, a refused token, the patient cancelling at One
Login) comes to ``on_authentication_error`` and gets our page too.
"""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.shortcuts import redirect

from accounts.one_login import events, services
from core import audit
from verification.uplift import finish_uplift, pending_uplift


class NoSignUpAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        return False  # logins are made by our own sign-up only (ADR 0010)


class OneLoginAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request, sociallogin):
        return False  # a One Login account never creates an NHS login

    def is_auto_signup_allowed(self, request, sociallogin):
        return False

    def pre_social_login(self, request, sociallogin):
        outcome = services.returned(request, sociallogin)
        if outcome == services.SIGNED_IN:
            next_url = (sociallogin.state or {}).get("next")
            raise ImmediateHttpResponse(redirect(next_url or "accounts:home"))
        if outcome == services.PROVED and pending_uplift(request):
            # A connected service asked for P9: straight back to its authorization request,
            # as every proving journey does (verification.uplift).
            raise ImmediateHttpResponse(finish_uplift(request))
        raise ImmediateHttpResponse(redirect("one_login:outcome", outcome=outcome))

    def on_authentication_error(
        self, request, provider, error=None, exception=None, extra_context=None
    ):
        # The reason is allauth's code or ours ("id_token:signature"), never a token.
        reason = str(exception) if exception else str(error or "unknown")
        audit.record(events.FAILED, request=request, reason=reason[:64])
        if error == "cancelled":
            raise ImmediateHttpResponse(redirect("one_login:outcome", outcome="cancelled"))
        raise ImmediateHttpResponse(redirect("one_login:outcome", outcome=services.FAILED))
