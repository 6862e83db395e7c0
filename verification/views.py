from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from verification import uplift


@login_required
def start(request: HttpRequest) -> HttpResponse:
    """'Prove who you are': the ways open to this patient at their level.

    Each route (demographics trace for P5; photo ID, GP online details and fast track for P9)
    adds itself to ``templates/verification/start.jinja``.
    """
    return render(
        request,
        "verification/start.jinja",
        {"uplift": uplift.pending_uplift(request), "level": request.user.proofing_level},
    )


@login_required
@require_POST
def cancel(request: HttpRequest) -> HttpResponse:
    """The patient stops proving who they are and goes back to where they came from."""
    return uplift.finish_uplift(request)
