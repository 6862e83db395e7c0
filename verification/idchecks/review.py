"""The identity checkers' review workspace: the queue, one check at a time, the decision.

Only members of the "Identity checkers" group get in; everybody else gets 403. Every view of
a photo or video and every decision is an audit event.
"""

from functools import wraps

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from verification.idchecks import forms, services
from verification.models import IdCheck, IdCheckMedia


def checker_required(view):
    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not services.is_identity_checker(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


@checker_required
def queue(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "verification/review/queue.jinja",
        {
            "summary": services.queue_summary(),
            "mine": services.locked_check_of(request.user),
        },
    )


@checker_required
@require_POST
def take_next(request: HttpRequest) -> HttpResponse:
    check = services.take_next(request.user, request=request)
    if check is None:
        flash.info(request, "There are no checks waiting")
        return redirect("verification:review_queue")
    return redirect("verification:review_check", check.pk)


@checker_required
def check_detail(request: HttpRequest, check_id) -> HttpResponse:
    check = get_object_or_404(
        IdCheck.objects.select_related("user").prefetch_related("media", "results"), pk=check_id
    )
    if not check.is_locked_to(request.user):
        flash.info(request, "That check is not yours to decide. Take the next check")
        return redirect("verification:review_queue")
    can_approve = services.can_approve(check)
    second = check.status == IdCheck.Status.AWAITING_SECOND_REVIEW
    needs_reason = not second and services.needs_second_checker(check)
    form = forms.DecisionForm(
        request.POST or None, can_approve=can_approve, needs_reason=needs_reason
    )
    if request.method == "POST" and form.is_valid():
        try:
            if form.cleaned_data["decision"] == "approve":
                decided = services.approve(
                    check.pk,
                    request.user,
                    form.cleaned_data.get("override_reason", ""),
                    request=request,
                )
                if decided.status == IdCheck.Status.AWAITING_SECOND_REVIEW:
                    flash.success(
                        request, "Approval saved. A second identity checker must also approve it"
                    )
                else:
                    flash.success(request, "Check approved. The patient has been emailed")
            else:
                services.reject(
                    check.pk,
                    request.user,
                    form.cleaned_data["reason"],
                    form.cleaned_data["note"],
                    request=request,
                )
                flash.success(request, "Check rejected. The patient has been emailed")
        except services.NotYours:
            flash.info(request, "Your time to decide that check ran out. Take the next check")
        except services.ReasonNeeded:  # the failed checks changed since the page was shown
            flash.info(request, "Say why you are approving it although an automated check failed")
            return redirect("verification:review_check", check.pk)
        except services.CannotApprove:
            flash.info(request, "That check cannot be approved: it has no NHS record to link")
        return redirect("verification:review_queue")
    return render(
        request,
        "verification/review/check.jinja",
        {
            "check": check,
            "identity": services.nhs_record_of(check),
            "can_approve": can_approve,
            "trace_result": next((r for r in check.results.all() if r.name == "nhs_record"), None),
            "form": form,
            "front": check.media_of("document_front"),
            "back": check.media_of("document_back"),
            "video": check.media_of("video"),
            "face": check.media_of("face"),
            "results": list(check.results.all()),
            "warnings": services.warnings_for(check),
            "needs_reason": needs_reason,
            "second_approval": second,
            "face_match": next((r for r in check.results.all() if r.name == "face_match"), None),
        },
    )


@checker_required
def media(request: HttpRequest, media_id) -> HttpResponse:
    """One photo or video, decrypted, for the checker who holds its check (audited)."""
    item = get_object_or_404(IdCheckMedia.objects.select_related("id_check__user"), pk=media_id)
    if not item.id_check.is_locked_to(request.user):
        raise Http404
    from verification.idchecks import storage

    services.record_media_view(item, request.user, request=request)
    response = HttpResponse(
        storage.read_decrypted(item.storage_name), content_type=item.content_type
    )
    response["Cache-Control"] = "no-store, private"
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@checker_required
def face_crop(request: HttpRequest, check_id, side: str) -> HttpResponse:
    """The face the automated face match compared, cropped: ``document`` or ``live``.

    For the checker who holds the check, so the two faces can be seen side by side (audited
    as a view of that media). Made on the fly from the encrypted media, never stored.
    """
    check = get_object_or_404(
        IdCheck.objects.select_related("user").prefetch_related("media", "results"), pk=check_id
    )
    if side not in ("document", "live") or not check.is_locked_to(request.user):
        raise Http404
    crop = services.face_crop(check, side)
    if crop is None:
        raise Http404
    media_item, jpeg = crop
    services.record_media_view(media_item, request.user, request=request)
    response = HttpResponse(jpeg, content_type="image/jpeg")
    response["Cache-Control"] = "no-store, private"
    response["X-Content-Type-Options"] = "nosniff"
    return response
