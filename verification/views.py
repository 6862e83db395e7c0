from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from verification import uplift
from verification.gp_online.services import fast_track_offer


@login_required
def start(request: HttpRequest) -> HttpResponse:
    """'Prove who you are': the ways open to this patient at their level.

    Each route (demographics trace for P5; photo ID, GP online details and fast track for P9)
    adds itself to ``templates/verification/start.jinja``.
    """
    return render(
        request,
        "verification/start.jinja",
        {
            "uplift": uplift.pending_uplift(request),
            "level": request.user.proofing_level,
            "gp_fast_track": fast_track_offer(request.user),
        },
    )


@login_required
@require_POST
def cancel(request: HttpRequest) -> HttpResponse:
    """The patient stops proving who they are and goes back to where they came from."""
    return uplift.finish_uplift(request)
