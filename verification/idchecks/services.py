"""What happens to a photo ID check: the patient's steps, the automated checks, the decision.

Views and tasks call these plain functions; each writes its audit event. Tasks are given
only an ``IdCheck`` id.
"""

import logging
import secrets
import time
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timesince

from accounts.models import ProofingLevel, User
from accounts.services import proofing_hold, set_proofing_level
from core import audit, notifications
from core.queueing import queue_after_commit
from verification.ages import old_enough_for_p9
from verification.demographics.normalise import nation_for_postcode
from verification.idchecks import (
    camera,
    checks,
    document,
    events,
    faces,
    issuer,
    messages,
    reuse,
    storage,
    trace,
)
from verification.idchecks.uploads import CleanImage, CleanVideo
from verification.models import AutomatedCheck, IdCheck, IdCheckMedia, Identity, TraceAttempt
from verification.models.idchecks import PASSPORTS, DocumentType
from verification.p5 import services as p5_services
from verification.tasks import run_id_checks

logger = logging.getLogger(__name__)

CHECKERS_GROUP = "Identity checkers"
FAST_TRACK_CONFIDENCE = 0.9
Kind = IdCheckMedia.Kind


def _site(name: str, *args) -> str:
    return settings.SITE_URL + reverse(name, args=args)


# --- who may start -------------------------------------------------------------------------


def identity_of(user) -> Identity | None:
    return Identity.objects.filter(user=user).first()


def why_not_eligible(user) -> str | None:
    """None when the patient may prove P9 with photo ID, else why not.

    "proved" (already P9), "too_young" (under ``P9_MINIMUM_AGE`` on their NHS record's date
    of birth). A patient with no NHS record match yet (P0, or a failed P5 trace) may start:
    their check also traces their record (``needs_trace``; ADR 0043), and the minimum age is
    applied to the date of birth they enter and again to the record found.
    """
    if user.has_level(ProofingLevel.P9):
        return "proved"
    identity = identity_of(user)
    if identity is not None and not old_enough_for_p9(identity.birth_date):
        return "too_young"
    return None


def current_check(user) -> IdCheck | None:
    """The patient's newest ID check (draft or sent)."""
    return IdCheck.objects.filter(user=user).order_by("-created_at").first()


def draft_of(user) -> IdCheck | None:
    return (
        IdCheck.objects.filter(user=user, status=IdCheck.Status.DRAFT)
        .prefetch_related("media")
        .order_by("-created_at")
        .first()
    )


# --- the patient's steps -------------------------------------------------------------------


@transaction.atomic
def start_check(user, *, request=None) -> IdCheck:
    """Start (or carry on with) a draft ID check, with 4 fresh random numbers for a video."""
    draft = draft_of(user)
    if draft:
        return draft
    needs_trace = identity_of(user) is None
    check = IdCheck.objects.create(
        user=user, digits=f"{secrets.randbelow(10_000):04d}", needs_trace=needs_trace
    )
    audit.record(
        events.ID_CHECK_STARTED,
        request=request,
        user=user,
        check=str(check.id),
        needs_trace=needs_trace,
    )
    return check


def enter_details(check: IdCheck, **values) -> None:
    """Keep what the patient gave for the trace, encrypted on their draft check (never in the
    session). ``values``: given_name, family_name, birth_date (ISO), postcode, nhs_number."""
    check.set_entered(**values)


def choose_document(check: IdCheck, document_type: str) -> None:
    """Record the document; a change of document drops photos of the old one."""
    if check.document_type and check.document_type != document_type:
        _drop_media(check, [Kind.DOCUMENT_FRONT, Kind.DOCUMENT_BACK])
    check.document_type = document_type
    check.save(update_fields=["document_type"])


def choose_method(check: IdCheck, method: str) -> None:
    """Video or face scan; the numbers for a video are also sent by text message."""
    if check.method and check.method != method:
        _drop_media(check, [Kind.VIDEO, Kind.FACE])
        check.digits_way = ""
    first_video = method == IdCheck.Method.VIDEO and check.method != method
    check.method = method
    check.save(update_fields=["method", "digits_way"])
    user = check.user
    if first_video and user.phone_number and user.phone_kind == "mobile":
        notifications.send(
            messages.DIGITS_SMS.name, user.phone_number, {"digits": check.digits}, user=user
        )


def choose_digits_way(check: IdCheck, way: str) -> None:
    check.digits_way = way
    check.save(update_fields=["digits_way"])


@transaction.atomic
def add_media(check: IdCheck, kind: str, clean: CleanImage | CleanVideo, *, request=None):
    """Store a checked upload, encrypted; it replaces one of the same kind."""
    _drop_media(check, [kind])
    if kind == Kind.DOCUMENT_FRONT:
        _drop_media(check, [Kind.DOCUMENT_CLIP])  # the clip belongs to the photo it filmed
    name = storage.save_encrypted(clean.data)
    media = IdCheckMedia.objects.create(
        id_check=check,
        kind=kind,
        storage_name=name,
        content_type=clean.content_type,
        size=len(clean.data),
        sha256=clean.sha256,
        width=clean.width,
        height=clean.height,
        duration_seconds=getattr(clean, "duration", None),
        # The prompt this face scan was recorded for; the next recording gets a new one.
        liveness_prompt=check.liveness_prompt if kind == Kind.FACE else "",
    )
    if kind == Kind.FACE:
        offer_new_prompt(check)
    audit.record(
        events.ID_CHECK_UPLOADED, request=request, user=check.user, check=str(check.id), kind=kind
    )
    if hasattr(check, "_prefetched_objects_cache"):
        check._prefetched_objects_cache.pop("media", None)
    return media


def add_document_photo(check: IdCheck, photo: CleanImage, clip: CleanVideo | None, *, request=None):
    """The document's photo, with the camera step's clip when there is one. A new photo
    without a clip drops the old clip: the evidence must be of the photo that is kept."""
    add_media(check, Kind.DOCUMENT_FRONT, photo, request=request)
    if clip is not None:
        add_media(check, Kind.DOCUMENT_CLIP, clip, request=request)
    else:
        _drop_media(check, [Kind.DOCUMENT_CLIP])


def offered_prompt(check: IdCheck) -> str:
    """The face scan's prompt shown to the patient now (chosen at random the first time)."""
    if check.liveness_prompt not in faces.PROMPTS:
        offer_new_prompt(check)
    return check.liveness_prompt


def offer_new_prompt(check: IdCheck) -> str:
    """A new random prompt: after each face scan kept or refused, so none can be reused."""
    check.liveness_prompt = faces.random_prompt(instead_of=check.liveness_prompt)
    check.save(update_fields=["liveness_prompt"])
    return check.liveness_prompt


def face_capture_problem(check: IdCheck, clip: CleanVideo) -> str | None:
    """None when the face scan can be kept, else what the patient should do differently.

    Runs the liveness check on the clip against the prompt offered (a few hundred
    milliseconds); the pipeline runs it again, with the face match, after the check is sent.
    """
    problem = readings_for(check).face_capture_problem(clip, offered_prompt(check))
    if problem is None:
        return None
    return faces.PATIENT_MESSAGES.get(problem, faces.PATIENT_MESSAGES["no_face"])


def _drop_media(check: IdCheck, kinds) -> None:
    for media in IdCheckMedia.objects.filter(id_check=check, kind__in=kinds):
        storage.delete(media.storage_name)
        media.delete()
    if hasattr(check, "_prefetched_objects_cache"):
        check._prefetched_objects_cache.pop("media", None)


class TracingLimited(Exception):
    """The patient has sent as many checks that trace their NHS record as the window allows;
    ``next_attempt_at`` says when one is free again."""

    def __init__(self, next_attempt_at):
        super().__init__("too many traced photo ID checks")
        self.next_attempt_at = next_attempt_at


def _photo_id_traces(user):
    since = timezone.now() - settings.P5_TRACE_WINDOW
    return TraceAttempt.objects.filter(
        user=user, by=TraceAttempt.By.PHOTO_ID, created_at__gte=since
    )


def submit(check: IdCheck, *, request=None) -> None:
    """Send the check (``_send``); a send refused by the limit on traced checks is audited
    (after its transaction has rolled back, so the event stays) and raised again."""
    try:
        _send(check, request=request)
    except TracingLimited:
        audit.record(
            events.ID_CHECK_TRACING_LIMITED, request=request, user=check.user, check=str(check.id)
        )
        raise


@transaction.atomic
def _send(check: IdCheck, *, request=None) -> None:
    """Send the check: the patient is emailed, and the automated checks are queued. If the
    broker is down the check is safe in the database, and the periodic
    ``resume_stalled_id_checks`` queues it again, so the patient sees no error.

    A check that traces the NHS record (no P5 yet, ADR 0043) takes one of the patient's
    traced-check attempts first (``P5_TRACE_ATTEMPTS`` per ``P5_TRACE_WINDOW``, counted apart
    from P5's): a no-match is rejected at once, so without a limit the route would answer
    "do these details match a record?" as often as photos can be uploaded. Raises
    ``TracingLimited`` (the check stays a draft, nothing lost) when none is left."""
    check = IdCheck.objects.select_for_update().get(pk=check.pk)
    if check.status != IdCheck.Status.DRAFT:
        return
    if check.needs_trace:
        # Under the login's row lock: two sends at once cannot both take the last attempt.
        User.objects.select_for_update().filter(pk=check.user_id).first()
        traces = _photo_id_traces(check.user)
        if traces.count() >= settings.P5_TRACE_ATTEMPTS:
            oldest = traces.order_by("created_at").values_list("created_at", flat=True).first()
            raise TracingLimited(oldest + settings.P5_TRACE_WINDOW)
        TraceAttempt.objects.create(
            user=check.user, by=TraceAttempt.By.PHOTO_ID, outcome=TraceAttempt.Outcome.UNAVAILABLE
        )
    check.status = IdCheck.Status.SUBMITTED
    check.submitted_at = timezone.now()
    check.save(update_fields=["status", "submitted_at"])
    audit.record(
        events.ID_CHECK_SUBMITTED,
        request=request,
        user=check.user,
        check=str(check.id),
        document_type=check.document_type,
        method=check.method,
    )
    notifications.send(
        messages.RECEIVED.name,
        check.user.email,
        {"status_url": _site("verification:idcheck_status")},
        user=check.user,
    )
    queue_after_commit(run_id_checks, str(check.id))


# --- the automated checks ------------------------------------------------------------------


class MediaReadings:
    """What the real engines read in one check's decrypted media (OCR, dlib, PyAV,
    pocketsphinx), each read once and only when a check needs it. ``fake_engine.FakeReadings``
    answers the same questions from magic inputs, for journey tests (``readings_for``)."""

    def __init__(self, check: IdCheck):
        self.check = check
        self._cache: dict = {}

    def _once(self, key, make):
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    def raw(self, kind: str) -> bytes | None:
        def read():
            media = self.check.media_of(kind)
            return storage.read_decrypted(media.storage_name) if media else None

        return self._once(kind, read)

    def image(self, kind: str):
        def load():
            data = self.raw(kind)
            return checks.load_image(data) if data else None

        return self._once(f"rgb:{kind}", load)

    def straight(self):
        """The document's front seen straight on, made once for the checks that read it."""
        return self._once("straight", lambda: document.straighten(self.image(Kind.DOCUMENT_FRONT)))

    def document_face(self):
        """The face on the document (the biggest), found once for both checks that use it."""
        return self._once(
            "document_face", lambda: faces.document_face(self.image(Kind.DOCUMENT_FRONT))
        )

    def document(self):
        """The document read (MRZ and printed zone), once per run, in memory only."""

        def read():
            side = _mrz_side(self.check)
            rgb = self.image(side) if side else None
            if rgb is None:
                return None
            # A card's printed details are on its front, its MRZ on the back.
            if side == Kind.DOCUMENT_BACK:
                front = self.image(Kind.DOCUMENT_FRONT)
                return document.read_document(rgb, self.check.document_type, viz_rgb=front)
            return document.read_document(rgb, self.check.document_type, straight=self.straight())

        return self._once("document", read)

    def mrz(self):
        """The document reading, for the trace (its MRZ names and date of birth)."""
        return self.document()

    def frames(self):
        return self._once("frames", lambda: checks.video_frames(self.raw(Kind.VIDEO) or b""))

    def live_clip(self) -> bytes:
        """The clip of the patient's face: the face scan, or the video on the video route."""
        kind = Kind.FACE if self.check.method == IdCheck.Method.FACE_SCAN else Kind.VIDEO
        return self.raw(kind) or b""

    def live_frames(self):
        """(seconds, picture) pairs from the live clip, a few per second."""
        return self._once("live", lambda: faces.clip_frames(self.live_clip()))

    def live_results(self):
        """(face_match, liveness) measured together, each frame once. A face scan's prompt is
        the one shown while it was recorded; the video route has none (a person judges)."""

        def measure():
            clip = self.check.media_of(Kind.FACE)
            prompt = clip.liveness_prompt if clip else ""
            return faces.check_live_capture(
                self.image(Kind.DOCUMENT_FRONT),
                self.live_frames(),
                prompt,
                document=self.document_face(),
            )

        return self._once("live_results", measure)

    def image_quality(self) -> checks.Result:
        """Sharp enough and free of glare to read (``image_quality``)."""
        return document.image_quality(self.image(Kind.DOCUMENT_FRONT), straight=self.straight())

    def document_capture(self) -> checks.Result:
        """A photograph of a real document, not a screen or a rendered page."""
        return document.photographed(self.image(Kind.DOCUMENT_FRONT), straight=self.straight())

    def camera(self) -> checks.Result:
        """The photo was taken by the camera step: it matches the clip, and the clip moves."""
        return camera.document_camera(self.image(Kind.DOCUMENT_FRONT), self.raw(Kind.DOCUMENT_CLIP))

    def video_face(self) -> checks.Result:
        """The patient's face is in most of the video's frames."""
        return checks.video_face(self.frames())

    def spoken_digits(self) -> checks.Result:
        """The 4 numbers heard in the video (a hint for the checker)."""
        return checks.spoken_digits(
            self.raw(Kind.VIDEO) or b"", self.check.digits, self.check.digits_way
        )

    def face_capture_problem(self, clip: CleanVideo, prompt: str) -> str | None:
        """None when a face scan just recorded for ``prompt`` can be kept, else the problem
        (a key of ``faces.PATIENT_MESSAGES``)."""
        result = faces.liveness(faces.clip_frames(clip.data), prompt)
        return result.details.get("problem") if result.outcome != checks.PASS else None


def readings_for(check: IdCheck) -> MediaReadings:
    """The engine ``settings.ID_CHECK_ENGINE`` names, for one check. The fake is refused in
    production here too, not only at start-up, so no settings override can bring it in."""
    if settings.ID_CHECK_ENGINE == "real":
        return MediaReadings(check)
    if settings.ENVIRONMENT == "production":
        raise ImproperlyConfigured("ID_CHECK_ENGINE cannot be fake in production")
    from verification.idchecks.fake_engine import FakeReadings

    return FakeReadings(check)


def _mrz_side(check: IdCheck) -> str | None:
    if check.document_type in PASSPORTS:
        return Kind.DOCUMENT_FRONT
    if check.document_type in (DocumentType.EU_ID_CARD, DocumentType.BIOMETRIC_RESIDENCE_CARD):
        return Kind.DOCUMENT_BACK
    return None  # UK driving licences carry no MRZ


def _mrz(check: IdCheck, media: MediaReadings) -> checks.Result:
    side = _mrz_side(check)
    if side is None:
        return checks.Result(
            checks.NOT_APPLICABLE, 0.0, "This document has no machine-readable zone"
        )
    reading = media.document()
    if reading is None:
        return checks.Result(checks.FAIL, 1.0, "The side with the machine-readable zone is missing")
    return document.compare_with_record(reading, nhs_record_of(check))


def nhs_record_of(check: IdCheck):
    """The NHS record this check is compared with: the one it traced, or the patient's
    ``Identity`` (from P5). None when a tracing check found none."""
    if check.needs_trace:
        return check.traced
    return identity_of(check.user)


def _trace(check: IdCheck, media: MediaReadings) -> checks.Result:
    try:
        reading = media.mrz()
    except (ValueError, OSError):  # a damaged photo: trace the entered details instead
        reading = None
    result = trace.trace_check(check, reading)
    check.save(update_fields=["traced_record"])
    outcome = result.details.get("trace")
    if outcome in TraceAttempt.Outcome.values and outcome != TraceAttempt.Outcome.UNAVAILABLE:
        # The attempt ``submit`` took, given its outcome (for support; no personal data).
        attempt = _photo_id_traces(check.user).order_by("-created_at").first()
        if attempt is not None:
            TraceAttempt.objects.filter(pk=attempt.pk).update(outcome=outcome)
    return result


def _issuer(check: IdCheck, media: MediaReadings) -> checks.Result:
    """Ask the document's issuer whether it is valid for these details (UK passports: HMPO)."""
    reading = media.document() if _mrz_side(check) else None
    return issuer.issuer_check(check, reading)


def _reuse(check: IdCheck, media: MediaReadings) -> checks.Result:
    try:
        reading = media.document() if _mrz_side(check) else None
    except (ValueError, OSError):
        reading = None
    return reuse.register_and_compare(check, reading)


def _document_face(check: IdCheck, media: MediaReadings) -> checks.Result:
    """A face is printed on the photo ID (dlib's detector; the biggest, for a ghost image)."""
    face = media.document_face()
    if face is None:
        return checks.Result(checks.FAIL, 0.8, "No face found on the photo ID", {"faces": 0})
    return checks.Result(
        checks.PASS, 0.95, "A face was found on the photo ID", {"box": list(face.box)}
    )


def _face_match(check: IdCheck, media: MediaReadings) -> checks.Result:
    """The face on the document against the live face (face scan clip, or the video)."""
    return media.live_results()[0]


def _liveness(check: IdCheck, media: MediaReadings) -> checks.Result:
    """A live person: on a face scan the random prompt followed too (``IdCheckMedia``'s)."""
    return media.live_results()[1]


FACE_SCAN = IdCheck.Method.FACE_SCAN
VIDEO = IdCheck.Method.VIDEO

# name -> (applies to this check?, run). Order: cheap first, so a blurred photo fails fast.
PIPELINE = {
    "image_quality": (lambda c: True, lambda c, m: m.image_quality()),
    "document_face": (lambda c: True, _document_face),
    # Only on the route after a failed P5 trace; before the MRZ, which compares with its record.
    trace.NAME: (lambda c: c.needs_trace, _trace),
    "machine_readable_zone": (lambda c: True, _mrz),
    "document_capture": (lambda c: True, lambda c, m: m.document_capture()),
    camera.NAME: (lambda c: True, lambda c, m: m.camera()),
    issuer.NAME: (lambda c: True, _issuer),
    reuse.NAME: (lambda c: True, _reuse),
    "face_match": (lambda c: True, _face_match),
    "liveness": (lambda c: True, _liveness),
    "video_face": (lambda c: c.method == VIDEO, lambda c, m: m.video_face()),
    "spoken_digits": (lambda c: c.method == VIDEO, lambda c, m: m.spoken_digits()),
}

# Every one of these must pass, with confidence, for a check to be approved with no person.
FAST_TRACK_NEEDS = {
    "image_quality",
    "document_face",
    "machine_readable_zone",
    "document_capture",
    camera.NAME,
    issuer.NAME,
    reuse.NAME,
    "face_match",
    "liveness",
}
# Approving against any of these failing needs a written reason and a second checker.
FOUR_EYES_WHEN_FAILED = {
    "face_match",
    "liveness",
    "machine_readable_zone",
    "document_capture",
    camera.NAME,
    issuer.NAME,
    reuse.NAME,
    "document_face",
}


def run_automated_checks(check_id) -> None:
    """Run every check not yet done for this ID check, then decide what happens next.

    Idempotent and resumable: each finished check is saved at once, so after a crash the
    next run starts from the first check without a result, and a decided check is left alone.
    """
    check = (
        IdCheck.objects.filter(pk=check_id, status=IdCheck.Status.SUBMITTED)
        .select_related("user")
        .prefetch_related("media")
        .first()
    )
    if check is None:
        return
    done = {
        r.name
        for r in AutomatedCheck.objects.filter(id_check=check)
        if r.details.get("trace") != trace.UNAVAILABLE  # asked again on the next run
    }
    media = readings_for(check)
    for name, (applies, run) in PIPELINE.items():
        if name in done or not applies(check):
            continue
        started = time.perf_counter()
        try:
            result = run(check, media)
        except (ValueError, OSError) as error:  # damaged media: a person must look
            logger.warning("check %s of %s could not run: %s", name, check_id, type(error).__name__)
            result = checks.Result(checks.UNSURE, 0.0, "This check could not be run")
        AutomatedCheck.objects.update_or_create(
            id_check=check,
            name=name,
            defaults={
                "outcome": result.outcome,
                "confidence": result.confidence,
                "summary": result.summary,
                "details": result.details,
                "advisory": result.advisory,
                "seconds": round(time.perf_counter() - started, 3),
            },
        )
        if result.details.get("trace") == trace.UNAVAILABLE:
            # Everything else done is kept; the task retries (with back-off) for the trace.
            raise trace.TraceUnavailable(check_id)
    decide_automatically(check.pk)


def fast_track_allowed(check: IdCheck, results) -> bool:
    """Every automated check passed with margin, on a route a machine can finish.

    Only a face scan: a live clip with a random prompt, compared with the document's face.
    The document must be read and match the NHS record, be a photograph taken by the camera
    step, be confirmed by its issuer and be used by no other login (ADR 0040, ADR 0046). A
    video is judged by a person: whether the patient shows the 4 numbers is the point of it.
    A login whose owner said a P9 was not them is held for support (``proofing_hold``).
    """
    if not settings.P9_FAST_TRACK or check.method != IdCheck.Method.FACE_SCAN:
        return False
    if proofing_hold(check.user):
        return False
    deciding = [r for r in results if not r.advisory]
    names = {r.name for r in deciding}
    needed = set(FAST_TRACK_NEEDS)
    if check.needs_trace:  # and the trace matched exactly one record (ADR 0043)
        needed.add(trace.NAME)
    return needed <= names and all(
        r.outcome == AutomatedCheck.Outcome.PASS and r.confidence >= FAST_TRACK_CONFIDENCE
        for r in deciding
        if r.outcome != AutomatedCheck.Outcome.NOT_APPLICABLE or r.name in needed
    )


@transaction.atomic
def decide_automatically(check_id) -> None:
    """After the automated checks: fast track to P9, or the identity checkers' queue."""
    check = IdCheck.objects.select_for_update().filter(pk=check_id).first()
    if check is None or check.status != IdCheck.Status.SUBMITTED:
        return
    results = list(check.results.all())
    check.automated_at = timezone.now()
    audit.record(
        events.ID_CHECK_AUTOMATED,
        user=check.user,
        check=str(check.id),
        outcomes={r.name: r.outcome for r in results},
    )
    if fast_track_allowed(check, results):
        try:
            with transaction.atomic():
                _grant_p9(check, level_route="fast track")
        except CannotApprove:
            pass  # the record was linked to another login since the trace: a person decides
        else:
            check.status = IdCheck.Status.APPROVED
            check.fast_tracked = True
            check.decided_at = timezone.now()
            check.save(update_fields=["status", "fast_tracked", "decided_at", "automated_at"])
            audit.record(
                events.ID_CHECK_FAST_TRACKED,
                user=check.user,
                check=str(check.id),
                document_type=check.document_type,
                route=check.route,
                nhs_record_traced=check.needs_trace,
            )
            _email_approved(check)
            return
    no_record = _no_usable_record(check, results)
    if no_record is not None:
        # A checker could only reject it: tell the patient now what to do instead, and keep
        # it out of the queue. Nothing here can raise a level: only a rejection is written.
        check.save(update_fields=["automated_at"])
        traced = next((r for r in results if r.name == trace.NAME), None)
        audit.record(
            events.ID_CHECK_NO_NHS_RECORD,
            user=check.user,
            check=str(check.id),
            trace=(traced.details.get("trace") if traced else None) or "not_run",
            reason=no_record,
        )
        _reject(check, no_record, actor=None)
        return
    check.status = IdCheck.Status.AWAITING_REVIEW
    check.save(update_fields=["status", "automated_at"])
    audit.record(events.ID_CHECK_QUEUED, user=check.user, check=str(check.id))


def _no_usable_record(check: IdCheck, results) -> str | None:
    """The rejection reason when a tracing check has no NHS record it could link (no match,
    several, restricted, linked to another login, outside the nations, under age, or the
    trace could not run): nobody can approve it (``can_approve``), so it is not put in front
    of a person. None when the check has a record (or needs none: the patient's P5)."""
    if not check.needs_trace:
        return None
    traced = next((r for r in results if r.name == trace.NAME), None)
    passed = traced is not None and traced.outcome == AutomatedCheck.Outcome.PASS
    if passed and check.traced_record:
        return None
    if traced is not None and traced.details.get("under_minimum_age"):
        return IdCheck.RejectionReason.TOO_YOUNG
    return IdCheck.RejectionReason.DETAILS_MISMATCH


def stalled_checks(older_than: timedelta):
    """Sent checks whose automated checks have not finished after ``older_than``."""
    return IdCheck.objects.filter(
        status=IdCheck.Status.SUBMITTED, submitted_at__lt=timezone.now() - older_than
    )


# --- the identity checkers -----------------------------------------------------------------


def is_identity_checker(user) -> bool:
    return bool(
        user.is_authenticated
        and user.is_active
        and user.groups.filter(name=CHECKERS_GROUP).exists()
    )


WAITING_FOR_A_CHECKER = (IdCheck.Status.AWAITING_REVIEW, IdCheck.Status.AWAITING_SECOND_REVIEW)


def queue():
    """Checks waiting for a checker: first looks and second approvals, oldest first."""
    return IdCheck.objects.filter(status__in=WAITING_FOR_A_CHECKER).order_by("submitted_at")


def queue_summary() -> dict:
    """The checks waiting for a checker, each counted once: first looks not taken, second
    approvals not taken, and those being checked now (taken, either kind); with how long the
    oldest untaken check has waited."""
    now = timezone.now()
    taken = Q(locked_until__gt=now)
    untaken = Q(locked_until__isnull=True) | Q(locked_until__lte=now)
    counts = queue().aggregate(
        waiting=Count("pk", filter=untaken & Q(status=IdCheck.Status.AWAITING_REVIEW)),
        second_approvals=Count(
            "pk", filter=untaken & Q(status=IdCheck.Status.AWAITING_SECOND_REVIEW)
        ),
        in_progress=Count("pk", filter=taken),
    )
    oldest = queue().filter(untaken).first()
    return {
        **counts,
        "oldest_age": (now - oldest.submitted_at) if oldest else None,
        "oldest_age_text": timesince(oldest.submitted_at, now) if oldest else "",
    }


def locked_check_of(checker) -> IdCheck | None:
    return queue().filter(locked_by=checker, locked_until__gt=timezone.now()).first()


@transaction.atomic
def take_next(checker, *, request=None) -> IdCheck | None:
    """Lock the oldest unlocked check to ``checker``; their own current one if they have one.

    Row locks (SKIP LOCKED on PostgreSQL) mean two checkers never get the same check; a lock
    left by a checker who walked away expires after ``P9_REVIEW_LOCK_MINUTES``.
    """
    mine = locked_check_of(checker)
    if mine:
        return mine
    now = timezone.now()
    unlocked = Q(locked_until__isnull=True) | Q(locked_until__lte=now)
    # Nobody checks their own ID, and the second approval is never the first checker's.
    free = queue().filter(unlocked).exclude(user=checker).exclude(first_approved_by=checker)
    candidate = free.select_for_update(skip_locked=True).first()
    if candidate is None:
        return None
    candidate.locked_by = checker
    candidate.locked_until = now + timedelta(minutes=settings.P9_REVIEW_LOCK_MINUTES)
    candidate.save(update_fields=["locked_by", "locked_until"])
    audit.record(
        events.ID_CHECK_TAKEN,
        request=request,
        user=candidate.user,
        actor=checker,
        check=str(candidate.id),
    )
    return candidate


def record_media_view(media: IdCheckMedia, checker, *, request=None) -> None:
    audit.record(
        events.ID_CHECK_MEDIA_VIEWED,
        request=request,
        user=media.id_check.user,
        actor=checker,
        check=str(media.id_check_id),
        kind=media.kind,
    )


def face_crop(check: IdCheck, side: str):
    """(media, JPEG bytes) of the face the face match used on one side, or None.

    ``side`` is "document" (the ID's photo) or "live" (the frame of the face scan or video
    the match used). The boxes are in the face match's result; the crop is made from the
    decrypted media in memory and never stored.
    """
    result = next((r for r in check.results.all() if r.name == "face_match"), None)
    if result is None or check.media_deleted_at:
        return None
    media = readings_for(check)
    if side == "document":
        box = result.details.get("document_box")
        item = check.media_of(Kind.DOCUMENT_FRONT)
        rgb = media.image(Kind.DOCUMENT_FRONT) if item else None
    else:
        box = result.details.get("live_box")
        item = check.media_of(Kind.FACE if check.method == IdCheck.Method.FACE_SCAN else Kind.VIDEO)
        frames = media.live_frames() if item else []
        index = result.details.get("live_frame", 0)
        rgb = frames[index][1] if 0 <= index < len(frames) else None
    if not box or rgb is None:
        return None
    return item, faces.face_crop_jpeg(rgb, box)


class NotYours(Exception):
    """The check is not locked to this checker (the lock expired, or someone else has it)."""


class CannotApprove(Exception):
    """A check that had to trace the patient's NHS record has no usable record to link."""


def can_approve(check: IdCheck) -> bool:
    """A check may be approved when it has an NHS record: the patient's ``Identity``, or, on
    the route after a failed P5 trace, a record its trace matched uniquely (ADR 0043)."""
    if not check.needs_trace:
        return True
    passed = check.results.filter(name=trace.NAME, outcome=AutomatedCheck.Outcome.PASS).exists()
    return passed and bool(check.traced_record)


def _grant_p9(check: IdCheck, *, level_route: str, actor=None, request=None) -> None:
    """P9 for the patient; on the tracing route, first their ``Identity`` from the record the
    check traced, made by the same P5 service code (``store_identity``). Each is audited."""
    if check.needs_trace:
        record = check.traced
        if record is None or not can_approve(check):
            raise CannotApprove("no NHS record was found")
        try:
            identity = p5_services.store_identity(
                check.user,
                record,
                nation_for_postcode(record.postcode),
                phone_matched=check.traced_phone_matched,
            )
        except IntegrityError:
            raise CannotApprove("the NHS record is linked to another login") from None
        audit.record(
            events.ID_CHECK_IDENTITY_LINKED,
            request=request,
            user=check.user,
            actor=actor,
            check=str(check.id),
            route=check.route,
            nation=identity.nation,
            phone_number_pds_matched=identity.phone_number_pds_matched,
        )
    set_proofing_level(check.user, ProofingLevel.P9, route=level_route, actor=actor)


class ReasonNeeded(Exception):
    """Approving against a failed automated check needs a written reason."""


def warnings_for(check: IdCheck) -> list:
    """The automated checks a checker must weigh: every deciding one that did not pass."""
    return [
        r
        for r in check.results.all()
        if not r.advisory
        and r.outcome in (AutomatedCheck.Outcome.FAIL, AutomatedCheck.Outcome.UNSURE)
    ]


def needs_second_checker(check: IdCheck) -> bool:
    """Four eyes: a face match that did not pass, or a failed document, liveness, issuer or
    reuse check, can only be approved by two checkers, the first giving a written reason."""
    for result in check.results.all():
        if result.advisory or result.name not in FOUR_EYES_WHEN_FAILED:
            continue
        if result.outcome == AutomatedCheck.Outcome.FAIL:
            return True
        if result.name == "face_match" and result.outcome != AutomatedCheck.Outcome.PASS:
            return True
    return False


def _locked_for_decision(check_id, checker) -> IdCheck:
    check = IdCheck.objects.select_for_update().select_related("user").get(pk=check_id)
    if check.status not in WAITING_FOR_A_CHECKER or not check.is_locked_to(checker):
        raise NotYours
    if check.first_approved_by_id == checker.pk:  # a second approval is someone else's
        raise NotYours
    return check


@transaction.atomic
def approve(check_id, checker, reason: str = "", *, request=None) -> IdCheck:
    """A checker approves: the patient is P9 (route and document recorded) and is emailed.

    Against a failed automated check (``needs_second_checker``) the first approval needs a
    written ``reason`` and only passes the check to a second checker, who makes it P9.
    """
    check = _locked_for_decision(check_id, checker)
    second = check.status == IdCheck.Status.AWAITING_SECOND_REVIEW
    if not second and needs_second_checker(check):
        if not reason.strip():
            raise ReasonNeeded
        check.status = IdCheck.Status.AWAITING_SECOND_REVIEW
        check.first_approved_by = checker
        check.first_approved_at = timezone.now()
        check.override_reason = reason.strip()
        check.locked_until = None
        check.save(
            update_fields=[
                "status",
                "first_approved_by",
                "first_approved_at",
                "override_reason",
                "locked_until",
            ]
        )
        audit.record(
            events.ID_CHECK_FIRST_APPROVAL,
            request=request,
            user=check.user,
            actor=checker,
            check=str(check.id),
            overridden=sorted(r.name for r in warnings_for(check)),
        )
        return check
    _grant_p9(check, level_route=check.route, actor=checker, request=request)
    check.status = IdCheck.Status.APPROVED
    check.decided_at = timezone.now()
    check.decided_by = checker
    check.locked_until = None
    check.save(update_fields=["status", "decided_at", "decided_by", "locked_until"])
    audit.record(
        events.ID_CHECK_APPROVED,
        request=request,
        user=check.user,
        actor=checker,
        check=str(check.id),
        route=check.route,
        document_type=check.document_type,
        nhs_record_traced=check.needs_trace,
        four_eyes=second,
        first_checker=str(check.first_approved_by_id) if second else None,
    )
    _email_approved(check)
    return check


@transaction.atomic
def reject(check_id, checker, reason: str, note: str = "", *, request=None) -> IdCheck:
    """A checker rejects with a reason from the list; the patient is emailed and may retry."""
    if reason not in IdCheck.RejectionReason.values:
        raise ValueError("unknown rejection reason")
    check = _locked_for_decision(check_id, checker)
    return _reject(check, reason, note, actor=checker, request=request)


def _reject(check: IdCheck, reason: str, note: str = "", *, actor, request=None) -> IdCheck:
    """Record a rejection (by a checker, or by the pipeline when ``actor`` is None), audit it
    and email the patient what to do next."""
    check.status = IdCheck.Status.REJECTED
    check.decided_at = timezone.now()
    check.decided_by = actor
    check.rejection_reason = reason
    check.decision_note = note
    check.locked_until = None
    check.save(
        update_fields=[
            "status",
            "decided_at",
            "decided_by",
            "rejection_reason",
            "decision_note",
            "locked_until",
        ]
    )
    audit.record(
        events.ID_CHECK_REJECTED,
        request=request,
        user=check.user,
        actor=actor,
        check=str(check.id),
        reason=reason,
        automatic=actor is None,
    )
    notifications.send(
        messages.REJECTED.name,
        check.user.email,
        {
            "reason": check.reason_for_patient,
            "next_step": next_step_advice(check),
            "status_url": _site("verification:idcheck_status"),
            "gp_online_url": _site("verification:gp_online_details"),
        },
        user=check.user,
    )
    return check


def next_step_advice(check: IdCheck) -> str:
    """What to do differently next time, for the rejection email and the status page."""
    reason = check.rejection_reason
    traced = check.results.filter(name=trace.NAME).first() if check.needs_trace else None
    if traced is not None and traced.details.get("trace") == "duplicate":
        return (
            "your NHS record is already linked to another NHS login. If that login is not "
            "yours, ask your GP surgery for help."
        )
    if traced is not None and traced.details.get("trace") in ("multiple", "restricted"):
        # Typing the details again cannot help: only the GP practice can link the record.
        return (
            "ask your GP surgery for your GP online registration details, and use them to "
            "prove who you are instead."
        )
    if reason == IdCheck.RejectionReason.DETAILS_MISMATCH and check.needs_trace:
        return (
            "give your name, date of birth and postcode as your GP surgery has them, and use "
            "photo ID with the same name and date of birth."
        )
    if reason == IdCheck.RejectionReason.DETAILS_MISMATCH:
        return "use photo ID with the same name and date of birth as your NHS record."
    if reason == IdCheck.RejectionReason.EXPIRED:
        return "use photo ID that is in date."
    if reason == IdCheck.RejectionReason.DIGITS:
        return "show the 4 new numbers we give you clearly in your video."
    if reason == IdCheck.RejectionReason.TOO_YOUNG:
        return f"when you are {settings.P9_MINIMUM_AGE} or older. A parent or carer can help you."
    return "take clear photos in good light, with your whole face and ID in view."


def _email_approved(check: IdCheck) -> None:
    notifications.send(
        messages.APPROVED.name,
        check.user.email,
        {"sign_in_url": _site("accounts:sign_in")},
        user=check.user,
    )


# --- retention -----------------------------------------------------------------------------


def delete_decided_media(now=None) -> int:
    """Delete the photos and videos of checks decided more than the retention period ago."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.P9_MEDIA_RETENTION_DAYS)
    due = IdCheck.objects.filter(
        status__in=[IdCheck.Status.APPROVED, IdCheck.Status.REJECTED],
        decided_at__lte=cutoff,
        media_deleted_at__isnull=True,
    )
    count = 0
    for check in due:
        with transaction.atomic():
            files = delete_media(check, now)
            audit.record(
                events.ID_CHECK_MEDIA_DELETED,
                user=check.user,
                check=str(check.id),
                files=files,
            )
        count += 1
    return count


def delete_media(check: IdCheck, now=None) -> int:
    """Delete a check's photos and videos from the storage and their rows, with what the
    patient typed and the traced record. Returns how many files there were. Used by the
    retention above and when a patient deletes their NHS login; call it in a transaction."""
    files = list(check.media.all())
    for media in files:
        storage.delete(media.storage_name)
    check.media.all().delete()
    check.media_deleted_at = now or timezone.now()
    # What the patient typed and the traced record go too: the Identity holds what
    # is kept after approval.
    check.entered_details = check.traced_record = ""
    check.save(update_fields=["media_deleted_at", "entered_details", "traced_record"])
    return len(files)
