"""The photo ID journey as a registry of steps.

Each step says when it applies to this check and when it is done. A patient may open a step
only when every earlier step that applies is done; otherwise they are sent back to the first
step still to do (so jumping ahead by URL, or the back button after a change, stays safe).
The in-flight state is one object: the patient's draft ``IdCheck``.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.shortcuts import redirect
from django.urls import reverse

from verification.models import IdCheck, IdCheckMedia

Kind = IdCheckMedia.Kind


@dataclass(frozen=True)
class Step:
    name: str
    url_name: str
    title: str
    is_done: Callable[[IdCheck], bool]
    applies: Callable[[IdCheck], bool] = lambda check: True

    def url(self) -> str:
        return reverse(self.url_name)


def _traces(check: IdCheck) -> bool:
    """The route after a failed P5 trace: the patient had no NHS record match (ADR 0043)."""
    return check.needs_trace


STEPS = [
    # What a trace needs and a passport may not carry; only when there is no NHS record yet.
    Step(
        "details_name",
        "verification:idcheck_details_name",
        "Your name",
        lambda c: bool(c.entered.get("family_name")),
        applies=_traces,
    ),
    Step(
        "details_birth_date",
        "verification:idcheck_details_birth_date",
        "Your date of birth",
        lambda c: bool(c.entered.get("birth_date")),
        applies=_traces,
    ),
    Step(
        "details_postcode",
        "verification:idcheck_details_postcode",
        "Your postcode",
        lambda c: bool(c.entered.get("postcode")),
        applies=_traces,
    ),
    Step(
        "details_nhs_number",
        "verification:idcheck_details_nhs_number",
        "Your NHS number",
        lambda c: "nhs_number" in c.entered,  # answered, even if left blank
        applies=_traces,
    ),
    Step("document", "verification:idcheck_document", "Photo ID", lambda c: bool(c.document_type)),
    Step(
        "document_photo",
        "verification:idcheck_document_photo",
        "Photo of your ID",
        lambda c: (
            c.has_media(Kind.DOCUMENT_FRONT)
            and (not c.needs_back or c.has_media(Kind.DOCUMENT_BACK))
        ),
    ),
    Step("method", "verification:idcheck_method", "Video or face scan", lambda c: bool(c.method)),
    Step(
        "video",
        "verification:idcheck_video",
        "Video",
        lambda c: c.has_media(Kind.VIDEO) and bool(c.digits_way),
        applies=lambda c: c.method == IdCheck.Method.VIDEO,
    ),
    Step(
        "face",
        "verification:idcheck_face",
        "Face scan",
        lambda c: c.has_media(Kind.FACE),
        applies=lambda c: c.method == IdCheck.Method.FACE_SCAN,
    ),
    Step(
        "check_answers",
        "verification:idcheck_check_answers",
        "Check your answers",
        lambda c: c.status != IdCheck.Status.DRAFT,
    ),
]
BY_NAME = {step.name: step for step in STEPS}


def next_step(check: IdCheck) -> Step:
    """The first step that applies and is not done yet."""
    for step in STEPS:
        if step.applies(check) and not step.is_done(check):
            return step
    return STEPS[-1]


def guard(check: IdCheck, name: str):
    """A redirect to where the patient should be, or None when they may open ``name``."""
    target = BY_NAME[name]
    if not target.applies(check):
        return redirect(next_step(check).url())
    for step in STEPS:
        if step is target:
            return None
        if step.applies(check) and not step.is_done(check):
            return redirect(step.url())
    return None
