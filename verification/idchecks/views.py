"""The patient's photo ID journey. Thin: the step registry guards, services do the work."""

import datetime

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.ratelimit import Limit
from verification import uplift
from verification.ages import old_enough_for_p9
from verification.idchecks import faces, forms, services, steps
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
    return render(
        request,
        "verification/idcheck/start.jinja",
        {"needs_trace": services.identity_of(request.user) is None},
    )


# --- the details a trace needs (only when the patient has no NHS record match yet) ----------


def _details_step(request, name, form_class, initial, store, *, title, back):
    """One question of the tracing route; answers go encrypted on the draft check."""
    check, away = _step_page(request, name)
    if away:
        return away
    data = request.POST if request.method == "POST" else None
    form = form_class(data, initial=initial(check.entered))
    if request.method == "POST" and form.is_valid():
        refused = store(check, form.cleaned_data)
        if refused:
            return refused
        return redirect(steps.next_step(check).url())
    return render(
        request,
        "verification/idcheck/details.jinja",
        {"form": form, "check": check, "step": name, "title": title, "back_url": back},
    )


@login_required
def details_name(request: HttpRequest) -> HttpResponse:
    def store(check, data):
        services.enter_details(
            check, given_name=data["given_name"], family_name=data["family_name"]
        )

    return _details_step(
        request,
        "details_name",
        forms.NameForm,
        lambda e: {"given_name": e.get("given_name"), "family_name": e.get("family_name")},
        store,
        title="What is your name?",
        back="verification:idcheck_start",
    )


@login_required
def details_birth_date(request: HttpRequest) -> HttpResponse:
    def initial(entered):
        born = entered.get("birth_date")
        return {"birth_date": datetime.date.fromisoformat(born)} if born else {}

    def store(check, data):
        if not old_enough_for_p9(data["birth_date"]):
            return _cannot_start(request, "too_young")  # nothing is stored
        services.enter_details(check, birth_date=data["birth_date"].isoformat())
        return None

    return _details_step(
        request,
        "details_birth_date",
        forms.DateOfBirthForm,
        initial,
        store,
        title="What is your date of birth?",
        back="verification:idcheck_details_name",
    )


@login_required
def details_postcode(request: HttpRequest) -> HttpResponse:
    return _details_step(
        request,
        "details_postcode",
        forms.PostcodeForm,
        lambda e: {"postcode": e.get("postcode")},
        lambda check, data: services.enter_details(check, postcode=data["postcode"]),
        title="What is your postcode?",
        back="verification:idcheck_details_birth_date",
    )


@login_required
def details_nhs_number(request: HttpRequest) -> HttpResponse:
    return _details_step(
        request,
        "details_nhs_number",
        forms.OptionalNhsNumberForm,
        lambda e: {"nhs_number": e.get("nhs_number")},
        lambda check, data: services.enter_details(check, nhs_number=data["nhs_number"]),
        title="What is your NHS number?",
        back="verification:idcheck_details_postcode",
    )


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
        services.add_document_photo(
            check, form.cleaned_data["front"], form.cleaned_data.get("front_clip"), request=request
        )
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
    """The face scan: a few seconds of live video with a random prompt, recorded in the page.

    A capture that shows no face, two faces, too little light, too little time or not the
    prompt is refused here with what to do, and nothing is kept; the next try gets a new
    prompt. Without a camera or JavaScript the page offers the video route instead.
    """
    check, away = _step_page(request, "face")
    if away:
        return away
    form = forms.FaceForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and _uploads_allowed(request, form) and form.is_valid():
        clip = form.cleaned_data["face"]
        problem = services.face_capture_problem(check, clip)
        if problem is None:
            services.add_media(check, "face", clip, request=request)
            return redirect(steps.next_step(check).url())
        form.add_error("face", problem)
        services.offer_new_prompt(check)
    prompt = services.offered_prompt(check)
    return render(
        request,
        "verification/idcheck/face.jinja",
        {"form": form, "check": check, "prompt": prompt, "prompt_text": faces.PROMPTS[prompt]},
    )


@login_required
def check_answers(request: HttpRequest) -> HttpResponse:
    check, away = _step_page(request, "check_answers")
    if away:
        return away
    error_messages = []
    if request.method == "POST":
        try:
            services.submit(check, request=request)
        except services.TracingLimited as limited:
            when = timezone.localtime(limited.next_attempt_at)
            time = when.strftime("%-I:%M%p").lower()  # NHS.UK style: 2:30pm
            error_messages.append(
                "You have sent too many ID checks that needed us to find your NHS record. "
                f"Your answers are saved: you can send this check after {time} on "
                f"{when:%-d %B}"
            )
        else:
            return redirect("verification:idcheck_status")
    return render(
        request,
        "verification/idcheck/check_answers.jinja",
        {"check": check, "error_messages": error_messages},
    )


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
            "next_step": services.next_step_advice(check),
            "return_to_service": bool(
                pending and pending.get("target") == "P9" and request.user.has_level("P9")
            ),
        },
    )


@login_required
def status_now(request: HttpRequest) -> JsonResponse:
    """The latest check's status only, for the status page to update itself (no details)."""
    check = services.current_check(request.user)
    response = JsonResponse({"status": check.status if check else None})
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def continue_to_service(request: HttpRequest) -> HttpResponse:
    """After approval: back to the service that asked for P9 (or the account home)."""
    return uplift.finish_uplift(request)
