"""Sign in with GOV.UK One Login (issue 18; docs/one-login.md, ADR 0066).

allauth.socialaccount's OpenID Connect provider, subclassed for One Login (``provider``,
``client``): ``private_key_jwt`` at its token endpoint, ``vtr``, the claims request, a nonce,
and the ID token's signature always checked. What a One Login account may do here (link to
an NHS login, sign in to it, bring an identity for P9) is decided in ``services`` and
``verification.one_login``, reached from allauth only through the adapter (``adapter``).
Outside production this app also serves a fake One Login (``fake``) at /fake-one-login/.
"""
