"""The P5 pages: NHS number (or names), date of birth, postcode, then the outcome.

Views are thin: the step registry in ``state.JOURNEY`` decides whether the patient may be on
a page, the forms clean the answers, ``services.prove_with_trace`` does the rest.
"""

import datetime

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from verification import uplift
from verification.gp_online.services import too_young_for_p9
from verification.p5 import forms, services
from verification.p5.state import JOURNEY, OUTCOME_PAGES

RESULT_PAGES = set(OUTCOME_PAGES.values())


def _render(request, template: str, context: dict | None = None) -> HttpResponse:
    context = {"uplift": uplift.pending_uplift(request), **(context or {})}
    return render(request, f"verification/p5/{template}", context)


def _enter(request, url_name: str):
    """The state for this step, or where to send the patient instead."""
    if request.user.has_level("P5") and url_name not in RESULT_PAGES:
        return None, redirect("verification:start")
    if url_name not in RESULT_PAGES and services.is_limited(request.user):
        return None, redirect("verification:p5:too_many_attempts")
    return JOURNEY.enter(request, url_name)


def _question(request, url_name, form_class, template, initial, store, next_url, back):
    state, elsewhere = _enter(request, url_name)
    if elsewhere:
        return elsewhere
    if state.outcome:  # a finished attempt: start again with what they typed last time
        state = state.for_another_try()
        JOURNEY.save(request, state)
    form = form_class(request.POST if request.method == "POST" else None, initial=initial(state))
    if request.method == "POST" and form.is_valid():
        store(state, form.cleaned_data)
        JOURNEY.save(request, state)
        return redirect(next_url)
    return _render(request, template, {"form": form, "back_url": back(state)})


@login_required
@require_http_methods(["GET", "POST"])
def nhs_number(request: HttpRequest) -> HttpResponse:
    """What is your NHS number? (with a way out for people who do not know it)"""

    def store(state, data):
        state.nhs_number = data["nhs_number"]
        state.given_name = state.family_name = ""

    return _question(
        request,
        "verification:p5:nhs_number",
        forms.NhsNumberForm,
        "nhs_number.jinja",
        lambda state: {"nhs_number": state.nhs_number},
        store,
        "verification:p5:date_of_birth",
        lambda state: "verification:start",
    )


@login_required
@require_http_methods(["GET", "POST"])
def name(request: HttpRequest) -> HttpResponse:
    """What is your name? (for people who do not know their NHS number)"""

    def store(state, data):
        state.given_name = data["given_name"]
        state.family_name = data["family_name"]
        state.nhs_number = ""

    return _question(
        request,
        "verification:p5:name",
        forms.NameForm,
        "name.jinja",
        lambda state: {"given_name": state.given_name, "family_name": state.family_name},
        store,
        "verification:p5:date_of_birth",
        lambda state: "verification:p5:nhs_number",
    )


@login_required
@require_http_methods(["GET", "POST"])
def date_of_birth(request: HttpRequest) -> HttpResponse:
    """What is your date of birth?"""

    def initial(state):
        if not state.birth_date:
            return {}
        return {"birth_date": datetime.date.fromisoformat(state.birth_date)}

    def store(state, data):
        state.birth_date = data["birth_date"].isoformat()

    return _question(
        request,
        "verification:p5:date_of_birth",
        forms.DateOfBirthForm,
        "date_of_birth.jinja",
        initial,
        store,
        "verification:p5:postcode",
        lambda state: "verification:p5:nhs_number" if state.nhs_number else "verification:p5:name",
    )


@login_required
@require_http_methods(["GET", "POST"])
def postcode(request: HttpRequest) -> HttpResponse:
    """What is your postcode? Continuing traces the patient in the demographics service."""
    state, elsewhere = _enter(request, "verification:p5:postcode")
    if elsewhere:
        return elsewhere
    form = forms.PostcodeForm(
        request.POST if request.method == "POST" else None, initial={"postcode": state.postcode}
    )
    if request.method == "POST" and form.is_valid():
        state.postcode = form.cleaned_data["postcode"]
        outcome = services.prove_with_trace(request.user, state, request=request)
        if outcome == services.LIMITED:
            JOURNEY.clear(request)
            return redirect("verification:p5:too_many_attempts")
        if outcome == "unavailable":
            # Keep the answers so the patient can try again. (A 5xx status would stop Django
            # saving the session, so this page is a 200.)
            JOURNEY.save(request, state)
            return _render(request, "unavailable.jinja")
        # On a match only the outcome is kept. Otherwise the answers stay in the (server-side)
        # session so "Try again" shows what they typed, until they sign out or it matches.
        JOURNEY.save(request, state.traced(outcome))
        pending = uplift.pending_uplift(request)
        if outcome == "matched" and pending and request.user.has_level(pending["target"]):
            JOURNEY.clear(request)
            return uplift.finish_uplift(request)
        return redirect(OUTCOME_PAGES[outcome])
    return _render(
        request,
        "postcode.jinja",
        {"form": form, "back_url": "verification:p5:date_of_birth"},
    )


def _result(template: str, url_name: str):
    @login_required
    def view(request: HttpRequest) -> HttpResponse:
        state, elsewhere = _enter(request, url_name)
        if elsewhere:
            return elsewhere
        return _render(
            request,
            template,
            {
                "level": request.user.proofing_level,
                "attempts_left": services.attempts_left(request.user),
                "too_young_for_p9": too_young_for_p9(request.user),
                # Back to the question they started with, their answers filled in.
                "try_again_url": "verification:p5:name"
                if state.by == "name"
                else "verification:p5:nhs_number",
            },
        )

    view.__name__ = template.removesuffix(".jinja")
    view.__doc__ = f"The outcome page {template}."
    return view


matched = _result("matched.jinja", "verification:p5:matched")
not_matched = _result("not_matched.jinja", "verification:p5:not_matched")
not_eligible = _result("not_eligible.jinja", "verification:p5:not_eligible")


@login_required
def too_many_attempts(request: HttpRequest) -> HttpResponse:
    """The patient has used all their tries for now: when they can try again, and P9."""
    if not services.is_limited(request.user):
        return redirect("verification:p5:nhs_number")
    return _render(
        request,
        "too_many_attempts.jinja",
        {
            "next_attempt_at": services.next_attempt_at(request.user),
            "level": request.user.proofing_level,
        },
    )
