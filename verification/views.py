from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from verification import uplift
from verification.gp_online.services import fast_track_offer, too_young_for_p9


@login_required
def start(request: HttpRequest) -> HttpResponse:
    """'Prove who you are': the ways open to this patient at their level.

    Each route (demographics trace for P5; photo ID, GP online details and fast track for P9)
    adds itself to ``templates/verification/start.jinja``. Only routes that can reach what
    the patient needs are offered: none to P9 for a patient we know is under the minimum age,
    and not P5 alone when a service sent them for P9.
    """
    pending = uplift.pending_uplift(request)
    too_young = too_young_for_p9(request.user)
    return render(
        request,
        "verification/start.jinja",
        {
            "uplift": pending,
            "level": request.user.proofing_level,
            "target": pending.get("target") if pending else None,
            "offer_p5": not (pending and pending.get("target") == "P9"),
            "offer_p9": not too_young,
            "too_young_for_p9": too_young,
            "minimum_age": settings.P9_MINIMUM_AGE,
            "gp_fast_track": fast_track_offer(request.user),
        },
    )


@login_required
@require_POST
def cancel(request: HttpRequest) -> HttpResponse:
    """The patient stops proving who they are and goes back to where they came from."""
    return uplift.finish_uplift(request)
