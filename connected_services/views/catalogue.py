"""The services catalogue and 'services you have used'."""

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from connected_services import catalogue as presenters
from connected_services import services
from connected_services.models import Consent


@login_required
def catalogue(request: HttpRequest) -> HttpResponse:
    """Services the patient can use, and what to do when they cannot yet."""
    return render(
        request,
        "connected_services/catalogue.jinja",
        {"entries": presenters.catalogue_for(request.user)},
    )


@login_required
def used(request: HttpRequest) -> HttpResponse:
    """Services the patient shares information with, and when; then those they stopped
    sharing with."""
    return render(
        request,
        "connected_services/used.jinja",
        {
            "used_services": presenters.services_used_by(request.user),
            "stopped_services": presenters.services_stopped_by(request.user),
        },
    )


@login_required
@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """Stop sharing with a service; it asks again next time."""
    consent = get_object_or_404(Consent, pk=pk, user=request.user, withdrawn_at__isnull=True)
    services.withdraw_consent(request.user, consent, request=request)
    flash.success(request, f"You have stopped sharing your information with {consent.service}")
    return redirect("connected_services:used")
