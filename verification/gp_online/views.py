"""Patient pages for proving who you are with GP online registration details."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts.models import ProofingLevel
from verification import uplift
from verification.gp_online import services
from verification.gp_online.forms import OnlineDetailsForm
from verification.models import Identity

OUTCOME_TEMPLATES = {
    services.Outcome.NOT_MATCHED: "verification/gp_online/not_matched.jinja",
    services.Outcome.TOO_YOUNG: "verification/gp_online/too_young.jinja",
    services.Outcome.TOO_MANY_TRIES: "verification/gp_online/too_many_tries.jinja",
}


@login_required
@require_http_methods(["GET", "POST"])
def enter_details(request: HttpRequest) -> HttpResponse:
    """Account ID, linkage key and ODS code (and, at P0, last name and date of birth)."""
    if request.user.has_level(ProofingLevel.P9):
        return redirect("verification:start")
    if services.too_young_for_p9(request.user):
        return render(request, OUTCOME_TEMPLATES[services.Outcome.TOO_YOUNG])
    if services.is_locked(request):
        return render(request, OUTCOME_TEMPLATES[services.Outcome.TOO_MANY_TRIES])
    ask_more = not Identity.objects.filter(user=request.user).exists()
    form = OnlineDetailsForm(request.POST or None, ask_name_and_birth_date=ask_more)
    if request.method == "POST" and form.is_valid():
        outcome = services.use_details(request, **form.cleaned_data)
        if outcome == services.Outcome.PROVED:
            return redirect("verification:gp_online_done")
        return render(request, OUTCOME_TEMPLATES[outcome])
    return render(
        request,
        "verification/gp_online/enter_details.jinja",
        {"form": form, "ask_more": ask_more},
    )


@login_required
@require_http_methods(["GET", "POST"])
def fast_track(request: HttpRequest) -> HttpResponse:
    """One confirmation page: the GP record's mobile matches the patient's verified mobile."""
    offer = services.fast_track_offer(request.user)
    if offer is None:
        return redirect("verification:start")
    if request.method == "POST":
        if services.take_fast_track(request):
            return redirect("verification:gp_online_done")
        return redirect("verification:start")
    return render(request, "verification/gp_online/fast_track.jinja", {"offer": offer})


@login_required
def done(request: HttpRequest) -> HttpResponse:
    """You have proved who you are to a high level."""
    if not request.user.has_level(ProofingLevel.P9):
        return redirect("verification:gp_online_details")
    return render(
        request, "verification/gp_online/done.jinja", {"uplift": uplift.pending_uplift(request)}
    )


@login_required
@require_http_methods(["POST"])
def continue_to_service(request: HttpRequest) -> HttpResponse:
    """Back to the connected service that asked for P9, or to the patient's account."""
    pending = uplift.pending_uplift(request)
    if pending and request.user.has_level(pending["target"]):
        return uplift.finish_uplift(request)
    return redirect("accounts:home")
