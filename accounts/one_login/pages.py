"""The pages of GOV.UK One Login: link it (after saying what will be taken), remove the
link, sign in with it, and one page for each outcome."""

import requests
from allauth.socialaccount.adapter import get_adapter
from django.conf import settings
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.authentication import require_sign_in, signed_in_freshly_with_password_and_code
from accounts.models import ProofingLevel
from accounts.one_login import services
from accounts.one_login.provider import auth_params
from accounts.views.common import page, safe_next

UNAVAILABLE = "one_login_unavailable"


def _go_to_one_login(request, process: str, **kwargs) -> HttpResponse:
    """allauth's provider sends the browser to One Login (its discovery is read first); when
    One Login does not answer, our page says so and nothing is stashed."""
    provider = get_adapter(request).get_provider(request, services.PROVIDER)
    try:
        return provider.redirect(request, process, **kwargs)
    except (requests.RequestException, ValueError, KeyError):
        return redirect("one_login:outcome", outcome=UNAVAILABLE)


@login_required
def manage(request: HttpRequest) -> HttpResponse:
    """Whether a GOV.UK One Login is linked, with the way to link one or remove the link."""
    return page(
        request,
        "accounts/one_login/manage.jinja",
        {
            "link": services.link_of(request.user),
            "last_sign_in": services.last_sign_in(request.user),
        },
    )


@login_required
def before_you_go(request: HttpRequest) -> HttpResponse:
    """What we will take from One Login and why, before the patient goes there. Continuing
    needs a fresh sign-in with the password and a security code, as adding a passkey does:
    a link is a new way in, so a borrowed session must not be able to add one."""
    user = request.user
    if user.is_staff:
        raise Http404  # staff logins are not for One Login
    needs_identity = not user.has_level(ProofingLevel.P9)
    if services.link_of(user) is not None and not needs_identity:
        return redirect("one_login:manage")
    if request.method == "POST":
        here = reverse("one_login:before_you_go")
        if not signed_in_freshly_with_password_and_code(request, settings.PASSKEY_FRESH_SIGN_IN):
            return require_sign_in(request, here, force=True)
        return _go_to_one_login(
            request,
            "connect",
            data={"purpose": services.LINK, "user": user.pk},
            auth_params=auth_params(identity=needs_identity),
        )
    return page(
        request,
        "accounts/one_login/before_you_go.jinja",
        {"needs_identity": needs_identity, "minimum_age": settings.P9_MINIMUM_AGE},
    )


@login_required
def unlink(request: HttpRequest) -> HttpResponse:
    """Remove the link, after asking."""
    if services.link_of(request.user) is None:
        return redirect("one_login:manage")
    if request.method == "POST":
        services.unlink(request, request.user)
        flash.success(request, "You have removed the link to your GOV.UK One Login")
        return redirect("one_login:manage")
    return page(request, "accounts/one_login/unlink.jinja")


@require_POST
def sign_in(request: HttpRequest) -> HttpResponse:
    """ "Sign in with GOV.UK One Login" on the sign-in page: off to One Login (a password and
    a second factor there), back to ``next`` once signed in."""
    next_url = safe_next(request, request.GET.get("next"))
    return _go_to_one_login(
        request,
        "login",
        next_url=next_url,
        data={"purpose": services.SIGN_IN},
        auth_params=auth_params(identity=False),
    )


def _outcomes() -> dict:
    other_way = (reverse("verification:start"), "Prove who you are another way")
    nothing = "Nothing has changed on your NHS login."
    return {
        services.LINKED: (
            "Your GOV.UK One Login is linked",
            ["You can now sign in to your NHS login with GOV.UK One Login."],
            (reverse("accounts:home"), "Go to your NHS login"),
        ),
        services.PROVED: (
            "You have proved who you are",
            [
                "We found your NHS record with the identity from your GOV.UK One Login. Your "
                "NHS login now has a high level of proof.",
                "Your GOV.UK One Login is linked: you can sign in to your NHS login with it.",
            ],
            (reverse("accounts:home"), "Go to your NHS login"),
        ),
        services.NOT_LINKED: (
            "Your GOV.UK One Login is not linked to an NHS login",
            [
                "We have not made an NHS login for you. A GOV.UK One Login can only be used "
                "here once it is linked to an NHS login.",
                "Sign in with your email address and password, then link your GOV.UK One "
                "Login from your account page. No NHS login yet? Create one first.",
            ],
            (reverse("accounts:sign_in"), "Sign in with your email address"),
        ),
        services.CANNOT_SIGN_IN: (
            "We could not sign you in",
            [
                "You cannot sign in to an NHS login with this GOV.UK One Login at the moment.",
                "Try signing in with your email address and password. If that does not work "
                "either, contact us.",
            ],
            (reverse("core:help_locked"), "What to do if you cannot sign in"),
        ),
        services.LINKED_ELSEWHERE: (
            "This GOV.UK One Login is linked to another NHS login",
            [
                "A GOV.UK One Login can be linked to only one NHS login. " + nothing,
                "If you did not link it yourself, contact us.",
            ],
            (reverse("one_login:manage"), "Back to GOV.UK One Login"),
        ),
        services.ALREADY_LINKED: (
            "Your NHS login is linked to a different GOV.UK One Login",
            [
                "You signed in to a GOV.UK One Login that is not the one linked to your NHS "
                "login. " + nothing,
                "To use this one, remove the link first, then link it.",
            ],
            (reverse("one_login:manage"), "Back to GOV.UK One Login"),
        ),
        "identity_refused": (
            "We could not use your identity from GOV.UK One Login",
            [
                "GOV.UK One Login did not send us an identity we can use. It must be an "
                "identity you proved with GOV.UK One Login, to a medium level or higher. "
                + nothing,
            ],
            other_way,
        ),
        "too_young": (
            "You cannot prove who you are to a high level yet",
            [
                f"You need to be {settings.P9_MINIMUM_AGE} or older to prove who you are to a "
                "high level. " + nothing,
            ],
            (reverse("accounts:home"), "Go to your NHS login"),
        ),
        "no_match": (
            "We could not find your NHS record",
            [
                "The name, date of birth and postcode from your GOV.UK One Login did not match "
                "an NHS record. " + nothing,
                "Your GP surgery can check that your NHS record has your current name and address.",
            ],
            other_way,
        ),
        "multiple": (
            "We could not tell which NHS record is yours",
            [
                "The name, date of birth and postcode from your GOV.UK One Login matched more "
                "than one NHS record. " + nothing,
            ],
            other_way,
        ),
        "restricted": (
            "We cannot use your NHS record to prove who you are online",
            ["Ask your GP surgery about getting access to NHS services online. " + nothing],
            (reverse("accounts:home"), "Go to your NHS login"),
        ),
        "not_eligible": (
            "You cannot prove who you are with NHS login",
            ["NHS login is for people registered with a GP surgery we serve. " + nothing],
            (reverse("accounts:home"), "Go to your NHS login"),
        ),
        "identity_in_use": (
            "Someone has already proved who they are with this NHS record",
            [
                "Another NHS login has already proved who they are with the NHS record we "
                "found. " + nothing,
                "If you have another NHS login, sign in with that one. If you think someone "
                "else is using your identity, contact us.",
            ],
            (reverse("accounts:home"), "Go to your NHS login"),
        ),
        "different_person": (
            "This is not the identity on your NHS login",
            [
                "The identity from your GOV.UK One Login is not the person your NHS login has "
                "already proved to be. " + nothing,
            ],
            (reverse("accounts:home"), "Go to your NHS login"),
        ),
        "unavailable": (
            "Sorry, there is a problem with the service",
            ["We could not check your NHS record just now. Try again later. " + nothing],
            (reverse("accounts:home"), "Go to your NHS login"),
        ),
        "too_many_tries": (
            "You have tried too many times today",
            [
                "You can use an identity from GOV.UK One Login "
                f"{settings.ONE_LOGIN_IDENTITY_TRIES_PER_DAY} times a day. Try again tomorrow. "
                + nothing,
            ],
            other_way,
        ),
        services.FAILED: (
            "Signing in with GOV.UK One Login did not work",
            [
                "We could not confirm the answer from GOV.UK One Login, or it took too long. "
                + nothing,
                "Start again from the beginning.",
            ],
            (reverse("accounts:home"), "Go back to NHS login"),
        ),
        UNAVAILABLE: (
            "Sorry, GOV.UK One Login is not working",
            ["We could not reach GOV.UK One Login. Try again later. " + nothing],
            (reverse("accounts:home"), "Go back to NHS login"),
        ),
        "cancelled": (
            "You did not finish with GOV.UK One Login",
            [nothing],
            (reverse("accounts:home"), "Go back to NHS login"),
        ),
    }


def outcome(request: HttpRequest, outcome: str) -> HttpResponse:
    """The page for one outcome (it holds nothing personal: the word in the address is all)."""
    found = _outcomes().get(outcome)
    if found is None:
        raise Http404
    title, paragraphs, link = found
    return page(
        request,
        "accounts/message_page.jinja",
        {"title": title, "paragraphs": paragraphs, "link": link},
    )
