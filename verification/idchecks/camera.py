"""Was the document in front of a camera? The evidence the camera step sends with the photo.

With a camera and JavaScript, the document step films the document for about 2 seconds and
takes the photo from the same camera at the end (``static/js/idcheck.js``). The photo is the
one OCR reads; the clip is the evidence that it was taken live:

- the photo is a picture of the scene in the clip (a file chosen from disk, or a clean render
  sent with some other clip, is not);
- the scene moves a little between frames, as a hand-held phone always does (a still image fed
  to a virtual camera does not).

A photo chosen from a file (no clip: no JavaScript, or no camera) can still be decided by a
person, but is never fast-tracked. Nothing here can tell a good print photographed with a real
camera from the document itself: that is the issuer's check, and the person's.
"""

import itertools

import numpy as np
from PIL import Image

from verification.idchecks import checks
from verification.idchecks.checks import FAIL, PASS, Result

NAME = "document_camera"

# Normalised correlation between the photo and the clip's closest frame, both made small and
# grey. Measured on generated captures: the photo's own clip 0.97-1.00; another scene < 0.6.
SAME_SCENE = 0.85
# Mean absolute change between consecutive small grey frames (0-255). A still fed to a camera
# gives 0.0-0.3 (codec noise); a hand-held phone a few grey levels at least.
HAND_HELD_MOTION = 0.8
THUMB_WIDTH = 96


def _thumb(rgb: np.ndarray, width: int = THUMB_WIDTH) -> np.ndarray:
    image = Image.fromarray(rgb).convert("L")
    height = max(1, round(image.height * width / image.width))
    return np.asarray(image.resize((width, height), Image.BILINEAR), dtype=np.float32)


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    if a.shape != b.shape:
        return 0.0
    a = a - a.mean()
    b = b - b.mean()
    denominator = float(np.sqrt((a * a).sum() * (b * b).sum()))
    return float((a * b).sum() / denominator) if denominator else 0.0


def document_camera(photo_rgb: np.ndarray, clip: bytes | None) -> Result:
    """The photo was taken by the camera step: it matches the clip, and the clip moves."""
    if not clip:
        return Result(
            FAIL,
            1.0,
            "The photo was chosen from a file, not taken with the camera step",
            {"clip": False},
        )
    frames = checks.video_frames(clip, count=8)
    if len(frames) < 3:
        return Result(FAIL, 0.9, "The camera clip has too few pictures", {"frames": len(frames)})
    thumbs = [_thumb(frame) for frame in frames]
    photo = _thumb(photo_rgb)
    if photo.shape != thumbs[0].shape:  # the same camera gives the same shape; allow rounding
        photo = np.asarray(
            Image.fromarray(photo.astype(np.uint8)).resize(thumbs[0].shape[::-1], Image.BILINEAR),
            dtype=np.float32,
        )
    similarity = max(_correlation(photo, thumb) for thumb in thumbs)
    motion = float(np.mean([np.abs(a - b).mean() for a, b in itertools.pairwise(thumbs)]))
    details = {
        "clip": True,
        "frames": len(frames),
        "photo_matches_clip": round(similarity, 3),
        "motion": round(motion, 2),
    }
    if similarity < SAME_SCENE:
        return Result(FAIL, 0.9, "The photo is not a picture of what the camera filmed", details)
    if motion < HAND_HELD_MOTION:
        return Result(
            FAIL,
            0.9,
            "The camera clip does not move at all: it may be a still picture, not a camera",
            details,
        )
    return Result(
        PASS, 0.95, "Taken with the camera step: the photo matches a moving camera clip", details
    )
