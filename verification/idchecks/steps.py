"""The photo ID journey as a registry of steps, on the one mechanism (``verification.journey``).

Each step says when it applies to this check and when it is done. A patient may open a step
only when every earlier step that applies is done (``journey.sequence``); otherwise they are
sent back to the first step still to do (so jumping ahead by URL, or the back button after a
change, stays safe). The in-flight state is one object: the patient's draft ``IdCheck``.
"""

from django.shortcuts import redirect

from verification.journey import Journey, Step, sequence
from verification.models import IdCheck, IdCheckMedia

Kind = IdCheckMedia.Kind


def _traces(check: IdCheck) -> bool:
    """The route after a failed P5 trace: the patient had no NHS record match (ADR 0043)."""
    return check.needs_trace


JOURNEY = Journey(
    sequence(
        [
            # What a trace needs and a passport may not carry; only with no NHS record yet.
            Step(
                "verification:idcheck_details_name",
                name="details_name",
                is_done=lambda c: bool(c.entered.get("family_name")),
                applies=_traces,
            ),
            Step(
                "verification:idcheck_details_birth_date",
                name="details_birth_date",
                is_done=lambda c: bool(c.entered.get("birth_date")),
                applies=_traces,
            ),
            Step(
                "verification:idcheck_details_postcode",
                name="details_postcode",
                is_done=lambda c: bool(c.entered.get("postcode")),
                applies=_traces,
            ),
            Step(
                "verification:idcheck_details_nhs_number",
                name="details_nhs_number",
                is_done=lambda c: "nhs_number" in c.entered,  # answered, even if left blank
                applies=_traces,
            ),
            Step(
                "verification:idcheck_document",
                name="document",
                is_done=lambda c: bool(c.document_type),
            ),
            Step(
                "verification:idcheck_document_photo",
                name="document_photo",
                is_done=lambda c: (
                    c.has_media(Kind.DOCUMENT_FRONT)
                    and (not c.needs_back or c.has_media(Kind.DOCUMENT_BACK))
                ),
            ),
            Step("verification:idcheck_method", name="method", is_done=lambda c: bool(c.method)),
            Step(
                "verification:idcheck_video",
                name="video",
                is_done=lambda c: c.has_media(Kind.VIDEO) and bool(c.digits_way),
                applies=lambda c: c.method == IdCheck.Method.VIDEO,
            ),
            Step(
                "verification:idcheck_face",
                name="face",
                is_done=lambda c: c.has_media(Kind.FACE),
                applies=lambda c: c.method == IdCheck.Method.FACE_SCAN,
            ),
            Step(
                "verification:idcheck_check_answers",
                name="check_answers",
                is_done=lambda c: c.status != IdCheck.Status.DRAFT,
            ),
        ]
    )
)
STEPS = JOURNEY.steps


def next_step(check: IdCheck) -> Step:
    """The first step that applies and is not done yet (the last step when all are done)."""
    return JOURNEY.furthest_ready(check)


def guard(check: IdCheck, name: str):
    """A redirect to where the patient should be, or None when they may open ``name``."""
    elsewhere = JOURNEY.redirect_for(check, name)
    return redirect(elsewhere.url()) if elsewhere else None
