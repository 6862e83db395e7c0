"""The patient's photo ID journey. Thin: the step registry guards, services do the work."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.ratelimit import Limit
from verification import uplift
from verification.idchecks import forms, services, steps
from verification.models import IdCheck

UPLOADS = Limit("idcheck-upload", settings.P9_UPLOADS_PER_HOUR, 3600)
TOO_MANY = "You have sent too many files. Try again in an hour"


def _cannot_start(request, reason: str) -> HttpResponse:
    return render(
        request,
        "verification/idcheck/cannot_start.jinja",
        {"reason": reason, "minimum_age": settings.P9_MINIMUM_AGE},
        status=200,
    )


def _draft(request):
    """The patient's draft check, or a redirect to the start (or the status of a sent one)."""
    if services.why_not_eligible(request.user):
        return None, redirect("verification:idcheck_start")
    draft = services.draft_of(request.user)
    if draft is None:
        sent = services.current_check(request.user)
        return None, redirect(
            "verification:idcheck_status" if sent else "verification:idcheck_start"
        )
    return draft, None


def _step_page(request, name):
    check, away = _draft(request)
    if away:
        return None, away
    return check, steps.guard(check, name)


@login_required
def start(request: HttpRequest) -> HttpResponse:
    """What you need, who can use it; starting makes the draft check."""
    if reason := services.why_not_eligible(request.user):
        return _cannot_start(request, reason)
    sent = services.current_check(request.user)
    in_progress = sent and sent.status in (
        IdCheck.Status.SUBMITTED,
        IdCheck.Status.AWAITING_REVIEW,
    )
    if in_progress:
        return redirect("verification:idcheck_status")
    if request.method == "POST":
        check = services.start_check(request.user, request=request)
        return redirect(steps.next_step(check).url())
    return render(request, "verification/idcheck/start.jinja")


@login_required
def document(request: HttpRequest) -> HttpResponse:
    check, away = _step_page(request, "document")
    if away:
        return away
    form = forms.DocumentForm(request.POST or None, initial={"document_type": check.document_type})
    if request.method == "POST" and form.is_valid():
        services.choose_document(check, form.cleaned_data["document_type"])
        return redirect(steps.next_step(check).url())
    return render(request, "verification/idcheck/document.jinja", {"form": form, "check": check})


def _uploads_allowed(request, form) -> bool:
    if UPLOADS.exceeded(str(request.user.pk)):
        form.add_error(None, TOO_MANY)
        return False
    UPLOADS.hit(str(request.user.pk))
    return True


@login_required
def document_photo(request: HttpRequest) -> HttpResponse:
    check, away = _step_page(request, "document_photo")
    if away:
        return away
    form = forms.DocumentPhotoForm(
        request.POST or None, request.FILES or None, needs_back=check.needs_back
    )
    if request.method == "POST" and _uploads_allowed(request, form) and form.is_valid():
        services.add_media(check, "document_front", form.cleaned_data["front"], request=request)
        if check.needs_back:
            services.add_media(check, "document_back", form.cleaned_data["back"], request=request)
        return redirect(steps.next_step(check).url())
    return render(
        request, "verification/idcheck/document_photo.jinja", {"form": form, "check": check}
    )


@login_required
def method(request: HttpRequest) -> HttpResponse:
    check, away = _step_page(request, "method")
    if away:
        return away
    form = forms.MethodForm(request.POST or None, initial={"method": check.method})
    if request.method == "POST" and form.is_valid():
        services.choose_method(check, form.cleaned_data["method"])
        return redirect(steps.next_step(check).url())
    return render(request, "verification/idcheck/method.jinja", {"form": form, "check": check})


@login_required
def video(request: HttpRequest) -> HttpResponse:
    check, away = _step_page(request, "video")
    if away:
        return away
    form = forms.VideoForm(
        request.POST or None, request.FILES or None, initial={"digits_way": check.digits_way}
    )
    if request.method == "POST" and _uploads_allowed(request, form) and form.is_valid():
        services.choose_digits_way(check, form.cleaned_data["digits_way"])
        services.add_media(check, "video", form.cleaned_data["video"], request=request)
        return redirect(steps.next_step(check).url())
    return render(request, "verification/idcheck/video.jinja", {"form": form, "check": check})


@login_required
def face(request: HttpRequest) -> HttpResponse:
    check, away = _step_page(request, "face")
    if away:
        return away
    form = forms.FaceForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and _uploads_allowed(request, form) and form.is_valid():
        services.add_media(check, "face", form.cleaned_data["face"], request=request)
        return redirect(steps.next_step(check).url())
    return render(request, "verification/idcheck/face.jinja", {"form": form, "check": check})


@login_required
def check_answers(request: HttpRequest) -> HttpResponse:
    check, away = _step_page(request, "check_answers")
    if away:
        return away
    if request.method == "POST":
        services.submit(check, request=request)
        return redirect("verification:idcheck_status")
    return render(request, "verification/idcheck/check_answers.jinja", {"check": check})


@login_required
def status(request: HttpRequest) -> HttpResponse:
    """What happens next, and how the patient's latest check is going."""
    check = services.current_check(request.user)
    if check is None or check.status == IdCheck.Status.DRAFT:
        return redirect("verification:idcheck_start")
    pending = uplift.pending_uplift(request)
    return render(
        request,
        "verification/idcheck/status.jinja",
        {
            "check": check,
            "return_to_service": bool(
                pending and pending.get("target") == "P9" and request.user.has_level("P9")
            ),
        },
    )


@login_required
@require_POST
def continue_to_service(request: HttpRequest) -> HttpResponse:
    """After approval: back to the service that asked for P9 (or the account home)."""
    return uplift.finish_uplift(request)
