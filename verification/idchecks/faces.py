"""Face match and liveness with dlib (ADR 0044): is the person in front of the camera the
person on the document, and a live person at all?

- ``compare_faces``: the document's face against the live face in a few frames of the clip,
  by the distance between dlib's 128-number face descriptors (same person < 0.6).
- ``liveness``: on the whole clip, with no flashing (safe for photosensitive epilepsy): long
  and light enough, one face, real motion, one identity throughout, no repeated (looped)
  frames, and a random prompt followed (a head turn or a blink, read from the 68 landmarks).

Descriptors are personal data: they live in this process's memory for one check and are
never stored, logged or put in a result. Results carry numbers, booleans and boxes only.

Direction of a head turn: clips are the camera's own picture, not mirrored (MediaRecorder
records the camera stream; the page only mirrors its live preview, with CSS). A patient
asked to turn "to your left" turns towards their own left; seen by the camera, which faces
them, their nose moves towards the picture's right edge (larger x), exactly as a photo of
someone shows their left hand on the right. In the mirrored preview the patient sees their
face turn to the left of the screen, which is what they expect. A recording made from a
mirrored canvas must pass ``mirrored=True`` to ``liveness``.
"""

import io
import itertools
import secrets
from dataclasses import dataclass

import numpy as np
from PIL import Image

from verification.idchecks import engines
from verification.idchecks.checks import FAIL, PASS, UNSURE, Result

# --- thresholds (docs/verification-p9-photo-id.md, "Face match and liveness") ----------------

# Distances between descriptors. Measured on the corpus in tests/verification/idchecks/
# faces_media.py: the same picture 0.05-0.14 (held up to the camera 0.10-0.14; half covered
# 0.21-0.25), the same person in different photos 0.33-0.41, different people 0.76-0.85
# (dlib's own figure: 0.6 separates 99.38 % of the LFW pairs).
MATCH_AT_MOST = 0.50  # pass: 0.09 above the highest same-person distance, 0.1 below 0.6
NO_MATCH_FROM = 0.60  # fail: dlib's own decision boundary; between the two, a person decides
SAME_PICTURE_BELOW = 0.28  # fail: closer than two photos of one person ever came (0.33)

# Liveness.
MIN_CLIP_SECONDS = 2.0
MIN_BRIGHTNESS = 45.0  # median grey level (0-255) of the frames (the dark clip: 11)
FACE_FRAMES_NEEDED = 0.6  # the share of frames with exactly one face
SEVERAL_FACES_FROM = 0.3  # the share of frames with two or more faces that fails
MIN_MOVEMENT = 0.01  # the landmarks' furthest move from where they mostly are, over the
# face's width (a still photo: ~0.004 from sensor noise; a hand-held phone: 0.02 or more)
MIN_FRAME_CHANGE = 0.4  # grey levels, mean over a frame, frame to frame (a frozen clip: ~0.1)
SAME_PERSON_IN_CLIP = 0.55  # the largest distance allowed between two frames of one clip
REPEAT_LAG_SECONDS = 0.6  # a repeat must be at least this far apart in the clip
REPEAT_RUN = 3  # consecutive sampled frames that must repeat to call it a loop
REPEAT_CLOSENESS = 0.35  # a repeated frame is this close, relative to the motion around it
TURN_BY = 0.18  # change of the yaw ratio (nose across the face, -1..1) for a head turn
TURN_BACK = 0.5  # back to within this share of the turn by the end of the clip
BLINK_CLOSED = 0.78  # eye aspect ratio below this share of the open-eye value: a blink
BLINK_OPEN = 0.9  # and back above this share afterwards (head turns alone: 0.81 at the least)

CLIP_DETECT_SIDE = 400  # faces are found on a copy this big (a selfie face: >= 20 % wide)
IMAGE_DETECT_SIDE = 800  # and on documents on a copy this big
DESCRIBED_FRAMES = 3  # descriptors on this many frames of a clip (~0.12 s each)

PROMPTS = {
    "turn_left": "Turn your head to your left",
    "turn_right": "Turn your head to your right",
    "blink": "Blink twice",
}

PATIENT_MESSAGES = {
    "no_face": (
        "We could not see your face. Hold your phone at arm's length with your whole face "
        "in the picture, and try again."
    ),
    "several_faces": (
        "We could see more than one face. Make sure you are on your own, with no photos of "
        "people behind you, and try again."
    ),
    "too_dark": (
        "It was too dark to see your face. Go somewhere brighter, or face a window or a lamp, "
        "and try again."
    ),
    "too_short": (
        "The recording was too short. Keep your face in the picture until the recording "
        "stops, and try again."
    ),
    "no_movement": (
        "We could not see you move. Look at the camera and do what the screen asks, then try again."
    ),
    "prompt_not_followed": (
        "We could not see you do what the screen asked. Read the instruction, do it slowly, "
        "and try again."
    ),
    "different_people": (
        "We saw more than one person during the recording. Only you should be in the "
        "recording. Try again."
    ),
    "replayed": (
        "The recording did not look like it was made live. Use your phone's camera and try again."
    ),
}


def random_prompt(instead_of: str = "") -> str:
    """A prompt key from ``PROMPTS``, chosen so that a recording cannot be prepared; never
    ``instead_of`` (the prompt of the last try)."""
    return secrets.choice(sorted(set(PROMPTS) - {instead_of}))


# --- faces -----------------------------------------------------------------------------------


@dataclass
class Face:
    box: tuple[int, int, int, int]  # left, top, right, bottom, in the given image's pixels
    landmarks: np.ndarray  # 68 x 2 (dlib's 68-point model), in the given image's pixels
    descriptor: np.ndarray | None  # 128 floats; memory only, never stored or logged
    _shape: object = None  # dlib's full_object_detection, to describe later

    @property
    def width(self) -> int:
        return self.box[2] - self.box[0]


def _rgb(image: np.ndarray) -> np.ndarray:
    image = np.asarray(image)
    if image.ndim == 2:
        image = np.stack([image] * 3, axis=-1)
    if image.dtype != np.uint8:
        image = image.astype(np.uint8)
    return np.ascontiguousarray(image[:, :, :3])


def _shrunk(rgb: np.ndarray, side: int) -> tuple[np.ndarray, float]:
    """A copy at most ``side`` pixels on its long side, and the scale used."""
    longest = max(rgb.shape[:2])
    if longest <= side:
        return rgb, 1.0
    import cv2

    cv2.setNumThreads(1)  # one check, one core (engines.py)
    scale = side / longest
    small = cv2.resize(rgb, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(small), scale


def faces_in(
    rgb: np.ndarray, *, describe: bool = True, side: int = IMAGE_DETECT_SIDE, upsample: int = 0
) -> list[Face]:
    """The faces dlib's HOG detector finds (on a copy at most ``side`` pixels), biggest first,
    each with its 68 landmarks in the given image's pixels and, when ``describe``, its
    descriptor. ``upsample=1`` looks again at twice the size, for small faces (a passport
    photo in a photo of the whole page)."""
    rgb = _rgb(rgb)
    small, scale = _shrunk(rgb, side)
    faces = _find(rgb, small, scale, upsample)
    if describe:
        for face in faces:
            describe_face(rgb, face)
    return faces


def _find(rgb: np.ndarray, small: np.ndarray, scale: float, upsample: int = 0) -> list[Face]:
    """Detect on ``small`` (``rgb`` shrunk by ``scale``); landmarks on ``rgb`` itself."""
    import dlib

    faces = []
    height, width = rgb.shape[:2]
    for rect in engines.dlib_face_finder()(small, upsample):
        left = max(0, round(rect.left() / scale))
        top = max(0, round(rect.top() / scale))
        right = min(width, round(rect.right() / scale))
        bottom = min(height, round(rect.bottom() / scale))
        if right - left < 8 or bottom - top < 8:
            continue
        shape = engines.dlib_landmarks()(rgb, dlib.rectangle(left, top, right, bottom))
        points = np.array([(p.x, p.y) for p in shape.parts()], dtype=np.float32)
        faces.append(Face((left, top, right, bottom), points, None, shape))
    faces.sort(key=lambda face: -(face.box[2] - face.box[0]) * (face.box[3] - face.box[1]))
    return faces


def describe_face(rgb: np.ndarray, face: Face) -> Face:
    """Fill in the face's descriptor (~0.12 s on one core), once."""
    if face.descriptor is None:
        vector = engines.dlib_face_encoder().compute_face_descriptor(_rgb(rgb), face._shape, 0)
        face.descriptor = np.asarray(vector, dtype=np.float32)
    return face


def face_distance(a: Face, b: Face) -> float:
    """The distance between two described faces: below 0.6 dlib calls them one person."""
    if a.descriptor is None or b.descriptor is None:
        raise ValueError("both faces need a descriptor: faces_in(..., describe=True)")
    return float(np.linalg.norm(a.descriptor - b.descriptor))


def document_face(rgb: np.ndarray) -> Face | None:
    """The biggest face on the document (passports also carry a small ghost image)."""
    faces = faces_in(rgb, describe=False)
    if not faces:
        faces = faces_in(rgb, describe=False, upsample=1)
    return describe_face(rgb, faces[0]) if faces else None


def face_crop_jpeg(rgb: np.ndarray, box, margin: float = 0.35) -> bytes:
    """The face with a margin around it, as a JPEG (at most 400 px) for the checker's
    side-by-side view. Personal data: encrypt it if it is stored."""
    rgb = _rgb(rgb)
    left, top, right, bottom = box
    pad_x, pad_y = (right - left) * margin, (bottom - top) * margin
    height, width = rgb.shape[:2]
    crop = rgb[
        max(0, int(top - pad_y * 1.3)) : min(height, int(bottom + pad_y)),
        max(0, int(left - pad_x)) : min(width, int(right + pad_x)),
    ]
    image = Image.fromarray(np.ascontiguousarray(crop))
    image.thumbnail((400, 400))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88)
    return out.getvalue()


# --- clips -----------------------------------------------------------------------------------


def clip_frames(
    data: bytes, *, fps: float = 8, max_frames: int = 48
) -> list[tuple[float, np.ndarray]]:
    """(seconds from the first frame, RGB) at about ``fps`` frames a second, decoded from a
    WebM or MP4 clip with PyAV, turned the way the phone held it, at most 960 pixels.

    Every frame is decoded (video codecs need that) but only the sampled ones are converted,
    so memory stays small. At most ``max_frames`` (6 s at 8 a second) are kept.
    """
    import av

    frames: list[tuple[float, np.ndarray]] = []
    try:
        container = av.open(io.BytesIO(data))
    except (av.error.FFmpegError, ValueError):
        return frames
    with container:
        if not container.streams.video:
            return frames
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        start = None
        next_time = 0.0
        try:
            for frame in container.decode(stream):
                if frame.time is None:
                    continue
                start = frame.time if start is None else start
                at = frame.time - start
                if at + 1e-6 < next_time:
                    continue
                next_time = at + 1 / fps
                frames.append((round(at, 3), _frame_rgb(frame)))
                if len(frames) >= max_frames:
                    break
        except av.error.FFmpegError:
            pass  # a damaged tail: keep what was read
    return frames


def _frame_rgb(frame) -> np.ndarray:
    rgb = frame.to_ndarray(format="rgb24")
    rotation = getattr(frame, "rotation", 0) or 0
    if rotation:
        # PyAV's rotation is counter-clockwise degrees to display the frame upright.
        rgb = np.rot90(rgb, k=(rotation // 90) % 4)
    if max(rgb.shape[:2]) > 960:
        rgb, _ = _shrunk(np.ascontiguousarray(rgb), 960)
    return np.ascontiguousarray(rgb)


# --- what is measured on each frame ----------------------------------------------------------


@dataclass
class _Frame:
    index: int
    seconds: float
    rgb: np.ndarray
    faces: list[Face]
    brightness: float
    thumbnail: np.ndarray  # 32 x 24 grey levels, for motion and repeats

    @property
    def face(self) -> Face | None:
        return self.faces[0] if len(self.faces) == 1 else None


def _measure(index: int, seconds: float, rgb: np.ndarray) -> _Frame:
    """Faces and landmarks (detected on a small copy), brightness and a thumbnail."""
    import cv2

    rgb = _rgb(rgb)
    small, scale = _shrunk(rgb, CLIP_DETECT_SIDE)
    grey = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY)
    thumbnail = cv2.resize(grey, (32, 24), interpolation=cv2.INTER_AREA).astype(np.float32)
    faces = _find(rgb, small, scale)
    return _Frame(index, seconds, rgb, faces, float(grey.mean()), thumbnail)


def _measure_all(frames) -> list[_Frame]:
    measured = []
    for index, item in enumerate(frames):
        seconds, rgb = item if isinstance(item, tuple) else (float(index), item)
        measured.append(_measure(index, seconds, rgb))
    return measured


def _spread(items: list, count: int) -> list:
    """``count`` items evenly spread through ``items``, first and last included."""
    if len(items) <= count:
        return list(items)
    picks = np.linspace(0, len(items) - 1, count).round().astype(int)
    return [items[i] for i in sorted(set(picks))]


def _described(
    measured: list[_Frame], extra: list[_Frame] = (), unless_next_to: list[_Frame] = ()
) -> list[_Frame]:
    """A few frames with one face, spread through the clip, and the ``extra`` ones, their
    faces described; ``unless_next_to`` frames too, unless a described frame is next to them
    (nobody can be swapped in and out between two sampled frames: saves ~0.12 s)."""
    chosen = _spread([frame for frame in measured if frame.face], DESCRIBED_FRAMES)
    for frame in extra:
        if frame.face and frame not in chosen:
            chosen.append(frame)
    for frame in unless_next_to:
        if frame.face and all(abs(frame.index - other.index) > 1 for other in chosen):
            chosen.append(frame)
    for frame in chosen:
        describe_face(frame.rgb, frame.face)
    return sorted(chosen, key=lambda frame: frame.index)


def yaw_ratio(points: np.ndarray) -> float:
    """Where the nose tip sits across the face, along the line of the eyes: 0 looking at the
    camera, towards +1 when the nose moves to the picture's right edge, -1 to the left."""
    axis = points[45] - points[36]
    axis = axis / (np.linalg.norm(axis) or 1.0)
    origin = points[27]
    left, right, nose = ((points[i] - origin) @ axis for i in (0, 16, 30))
    half = (right - left) / 2 or 1.0
    return float((nose - (left + right) / 2) / half)


def eye_aspect_ratio(points: np.ndarray) -> float:
    """How open the eyes are (Soukupová and Čech, 2016): eyelid gap over eye width, both eyes
    averaged; about 0.3 open, under 0.15 shut."""
    ratios = []
    for eye in (points[36:42], points[42:48]):
        gap = np.linalg.norm(eye[1] - eye[5]) + np.linalg.norm(eye[2] - eye[4])
        ratios.append(gap / (2 * (np.linalg.norm(eye[0] - eye[3]) or 1.0)))
    return float(np.mean(ratios))


# --- face match ------------------------------------------------------------------------------


def compare_faces(document_rgb: np.ndarray, live_frames: list[np.ndarray]) -> Result:
    """The document's face against the live face in a few frames: PASS only with margin."""
    measured = _measure_all(live_frames)
    return _compare(document_face(document_rgb), measured)


def _compare(document: Face | None, measured: list[_Frame]) -> Result:
    thresholds = {
        "match_at_most": MATCH_AT_MOST,
        "no_match_from": NO_MATCH_FROM,
        "same_picture_below": SAME_PICTURE_BELOW,
    }
    if document is None:
        return Result(
            FAIL,
            0.9,
            "No face found on the photo ID",
            {"problem": "no_document_face", **thresholds},
        )
    details: dict = {"document_box": list(document.box), **thresholds}
    described = _described(measured)
    if not described:
        if any(frame.faces for frame in measured):
            details["problem"] = "several_live_faces"
            return Result(FAIL, 0.9, "More than one face in every frame of the face scan", details)
        details["problem"] = "no_live_face"
        return Result(FAIL, 0.9, "No face found in the face scan", details)
    distances = [face_distance(document, frame.face) for frame in described]
    median = float(np.median(distances))
    used = min(described, key=lambda frame: abs(yaw_ratio(frame.face.landmarks)))
    details |= {
        "distance": round(median, 3),
        "distances": [round(d, 3) for d in distances],
        "frames_compared": len(described),
        "live_box": list(used.face.box),
        "live_frame": used.index,
    }
    if median < SAME_PICTURE_BELOW:
        details["problem"] = "same_picture"
        return Result(
            FAIL,
            0.9,
            f"The live face is the document photo itself (distance {median:.2f}; two photos "
            f"of one person are never this close): the photo ID or its photo was held up to "
            "the camera",
            details,
        )
    if median <= MATCH_AT_MOST and max(distances) >= NO_MATCH_FROM:
        details["problem"] = "mixed"
        return Result(
            UNSURE,
            0.4,
            f"The live face matches the photo ID in some frames but not in others (distance "
            f"{median:.2f}, up to {max(distances):.2f}): a person must compare them",
            details,
        )
    if median <= MATCH_AT_MOST:
        confidence = 0.9 + 0.09 * (MATCH_AT_MOST - median) / MATCH_AT_MOST
        return Result(
            PASS,
            round(confidence, 3),
            f"The live face matches the photo ID (distance {median:.2f}; a match is at most "
            f"{MATCH_AT_MOST:.2f})",
            details,
        )
    if median >= NO_MATCH_FROM:
        details["problem"] = "different_person"
        return Result(
            FAIL,
            0.9,
            f"The live face does not match the photo ID (distance {median:.2f}; different "
            f"people are {NO_MATCH_FROM:.2f} or more apart)",
            details,
        )
    return Result(
        UNSURE,
        0.5,
        f"The live face may not match the photo ID (distance {median:.2f}): a person must "
        "compare them",
        details,
    )


# --- liveness --------------------------------------------------------------------------------


def liveness(
    frames: list[tuple[float, np.ndarray]], prompt: str, *, mirrored: bool = False
) -> Result:
    """Is the clip a live person doing what the random ``prompt`` asked? Fails with a
    ``problem`` code (a key of ``PATIENT_MESSAGES``) in its details."""
    return _liveness(_measure_all(frames), prompt, mirrored=mirrored)


def _fail(problem: str, summary: str, details: dict) -> Result:
    details["problem"] = problem
    return Result(FAIL, 0.9, summary, details)


def _liveness(measured: list[_Frame], prompt: str, *, mirrored: bool = False) -> Result:
    # An empty prompt: the video route, where a person judges what the patient shows; every
    # check but the prompt's still runs, as a warning for the checker.
    if prompt and prompt not in PROMPTS:
        raise ValueError(f"unknown prompt {prompt!r}")
    seconds = measured[-1].seconds - measured[0].seconds if measured else 0.0
    one_face = [frame for frame in measured if frame.face]
    several = [frame for frame in measured if len(frame.faces) > 1]
    count = len(measured) or 1
    brightness = float(np.median([frame.brightness for frame in measured])) if measured else 0.0
    details: dict = {
        "prompt": prompt,
        "frames": len(measured),
        "seconds": round(seconds, 2),
        "brightness": round(brightness, 1),
        "frames_with_one_face": len(one_face),
        "frames_with_several_faces": len(several),
        "problem": None,
    }
    if seconds + 1e-6 < MIN_CLIP_SECONDS or len(measured) < 4:
        return _fail("too_short", f"The clip is too short ({seconds:.1f} s)", details)
    if brightness < MIN_BRIGHTNESS:
        return _fail("too_dark", f"The clip is too dark (brightness {brightness:.0f})", details)
    if len(several) / count >= SEVERAL_FACES_FROM:
        return _fail("several_faces", "More than one face in the clip", details)
    if len(one_face) / count < FACE_FRAMES_NEEDED:
        return _fail("no_face", "No face in most of the clip", details)

    # (c) real motion: landmarks move, and the picture changes from frame to frame.
    changes = [
        float(np.abs(a.thumbnail - b.thumbnail).mean()) for a, b in itertools.pairwise(measured)
    ]
    frame_change = float(np.median(changes)) if changes else 0.0
    points = np.stack([frame.face.landmarks for frame in one_face])
    width = float(np.median([frame.face.width for frame in one_face]))
    offsets = np.linalg.norm(points - np.median(points, axis=0), axis=2).mean(axis=1)
    movement = float(offsets.max() / width)
    details |= {"frame_change": round(frame_change, 2), "movement": round(movement, 4)}
    if frame_change < MIN_FRAME_CHANGE or movement < MIN_MOVEMENT:
        return _fail("no_movement", "No movement: a still picture or a frozen clip", details)

    # (e) a looped or replayed clip: a run of moving frames seen again later.
    repeat = _repeated_run(measured)
    details["repeated"] = repeat is not None
    if repeat is not None:
        details["repeat_lag_frames"] = repeat
        return _fail("replayed", "Frames repeat: a looped or replayed clip", details)

    # (f) the prompt, measured first: the frame that shows it done is described with the
    # others, so the person who followed it is the person compared with the document.
    if not prompt:
        failure, evidence = None, []
        summary = "A live face: it moved, one person, not a replay (no prompt on this route)"
    elif prompt == "blink":
        blinks, openness, evidence = _blinks(one_face)
        details |= {"blinks": blinks, "eyes_open_ratio": round(openness, 3)}
        failure = None if blinks else "No blink seen"
        summary = f"A live face that blinked {blinks} time(s) when asked"
    else:
        wanted = 1 if prompt == "turn_left" else -1
        if mirrored:
            wanted = -wanted
        turn, back, wrong, evidence = _turn(one_face, wanted)
        details |= {"yaw_change": round(turn, 3), "turned_back": back, "wrong_way": wrong}
        failure = (
            "The head turned the wrong way"
            if wrong
            else "No head turn seen"
            if turn < TURN_BY
            else "The head did not turn back"
            if not back
            else None
        )
        summary = "A live face that turned its head as asked"

    # (d) one identity: descriptors on a few frames spread through the clip, on both sides of
    # any jump of the face (a cut between two recordings), and on the prompt's frame.
    described = _described(measured, extra=_cuts(one_face), unless_next_to=evidence)
    spread = max(
        (
            face_distance(a.face, b.face)
            for i, a in enumerate(described)
            for b in described[i + 1 :]
        ),
        default=0.0,
    )
    details |= {"frames_described": len(described), "identity_spread": round(spread, 3)}
    if spread > SAME_PERSON_IN_CLIP:
        return _fail("different_people", "More than one person during the clip", details)
    if failure:
        return _fail("prompt_not_followed", failure, details)
    return Result(PASS, 0.95, summary, details)


def _repeated_run(measured: list[_Frame]) -> int | None:
    """The lag (in frames) of a run of ``REPEAT_RUN`` moving frames that come again later,
    each much closer to its repeat than to its own neighbours; None when nothing repeats."""
    count = len(measured)
    if count < 2 * REPEAT_RUN + 2:
        return None
    thumbs = np.stack([frame.thumbnail for frame in measured]).reshape(count, -1)
    apart = np.abs(thumbs[:, None, :] - thumbs[None, :, :]).mean(axis=2)
    times = np.array([frame.seconds for frame in measured])
    neighbour = np.full(count, np.inf)
    for i in range(count):
        near = [apart[i, j] for j in (i - 1, i + 1) if 0 <= j < count]
        neighbour[i] = min(near)
    for lag in range(1, count):
        run = 0
        for i in range(count - lag):
            j = i + lag
            moving = neighbour[i] >= 2 * MIN_FRAME_CHANGE
            close = apart[i, j] < REPEAT_CLOSENESS * min(neighbour[i], neighbour[j])
            if times[j] - times[i] >= REPEAT_LAG_SECONDS and moving and close:
                run += 1
                if run >= REPEAT_RUN:
                    return lag
            else:
                run = 0
    return None


def _cuts(one_face: list[_Frame]) -> list[_Frame]:
    """Frames where the face jumps (by over half its width) from the frame before."""
    cuts = []
    for a, b in itertools.pairwise(one_face):
        ax, ay = (a.face.box[0] + a.face.box[2]) / 2, (a.face.box[1] + a.face.box[3]) / 2
        bx, by = (b.face.box[0] + b.face.box[2]) / 2, (b.face.box[1] + b.face.box[3]) / 2
        size = abs(b.face.width - a.face.width)
        if np.hypot(bx - ax, by - ay) > 0.5 * a.face.width or size > 0.35 * a.face.width:
            cuts.extend((a, b))
    return cuts[:4]


def _turn(one_face: list[_Frame], wanted: int) -> tuple[float, bool, bool, list[_Frame]]:
    """(largest yaw change the wanted way, came back after it, turned the other way more,
    [the frame of the largest change])."""
    yaws = np.array([yaw_ratio(frame.face.landmarks) for frame in one_face])
    start = float(np.median(yaws[:3]))
    change = wanted * (yaws - start)
    peak_at = int(np.argmax(change))
    peak = float(change[peak_at])
    back = bool(peak > 0 and (change[peak_at:] <= TURN_BACK * peak).any())
    other = float(-change.min())
    wrong = other >= TURN_BY and other > peak
    return peak, back, wrong, [one_face[peak_at]]


def _blinks(one_face: list[_Frame]) -> tuple[int, float, list[_Frame]]:
    """(blinks seen: the eyes close well below their open value and open again, the open
    value, [the frame with the eyes most closed])."""
    ears = np.array([eye_aspect_ratio(frame.face.landmarks) for frame in one_face])
    openness = float(np.percentile(ears, 75))
    blinks, was_open, closed = 0, False, False
    for ear in ears:
        if ear >= BLINK_OPEN * openness:
            if closed:
                blinks += 1
                closed = False
            was_open = True
        elif ear < BLINK_CLOSED * openness and was_open:
            closed = True
    return blinks, openness, [one_face[int(np.argmin(ears))]]


# --- both at once (what the pipeline runs) ---------------------------------------------------


_NOT_GIVEN = object()


def check_live_capture(
    document_rgb: np.ndarray,
    frames: list[tuple[float, np.ndarray]],
    prompt: str,
    *,
    mirrored: bool = False,
    document=_NOT_GIVEN,
) -> tuple[Result, Result]:
    """``(face_match, liveness)`` for a document and a clip from ``clip_frames``, measuring
    each frame once (the pipeline's fast path: the same as calling ``compare_faces`` and
    ``liveness``, in about half the time)."""
    measured = _measure_all(frames)
    live = _liveness(measured, prompt, mirrored=mirrored)
    # ``document``: the document's face when the caller found it already (or None: none).
    found = document_face(document_rgb) if document is _NOT_GIVEN else document
    match = _compare(found, measured)
    return match, live
