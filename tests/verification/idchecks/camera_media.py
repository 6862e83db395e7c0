"""What the document camera step sends: a photo and the short clip filmed while taking it.

``camera_capture(page)`` photographs a document page lying on a desk (``media.photographed``)
and films it as a hand-held phone does (the scene drifting by a few pixels and a fraction of
a degree, new sensor noise in every frame, ending where the photo was taken); it returns the
clip (WebM, VP8) and the photo, as ``static/js/idcheck.js`` sends them from the browser.
``still=True`` feeds one unchanging picture to the "camera", as a virtual camera showing a
file would.
"""

import functools
import io
from fractions import Fraction

import numpy as np
from PIL import Image

from tests.verification.idchecks import media

FPS = 12


def _even(frame: np.ndarray) -> np.ndarray:
    height, width = frame.shape[:2]
    return np.ascontiguousarray(frame[: height - height % 2, : width - width % 2])


def camera_frames(
    photo: np.ndarray, *, still: bool = False, seconds: float = 2.5, width: int = 640
):
    """The frames a phone films, ``width`` pixels wide, while the patient holds it over the
    document: the scene drifts by a few pixels and a fraction of a degree, with new sensor
    noise in every frame, and ends where the photo was taken."""
    import cv2

    height = round(width * photo.shape[0] / photo.shape[1] / 2) * 2
    small = cv2.resize(photo, (width, height), interpolation=cv2.INTER_AREA)
    rng = np.random.default_rng(7)
    count = int(seconds * FPS)
    path = np.cumsum(rng.uniform(-1, 1, (count, 3)) * [2.0, 2.0, 0.15], axis=0)
    path -= path[-1]  # the last frame is the photo
    frames = []
    for dx, dy, degrees in path:
        if still:
            frames.append(small)
            continue
        centre = (small.shape[1] / 2, small.shape[0] / 2)
        matrix = cv2.getRotationMatrix2D(centre, degrees, 1.0)
        matrix[:, 2] += (dx, dy)
        moved = cv2.warpAffine(small, matrix, small.shape[1::-1], borderMode=cv2.BORDER_REFLECT)
        grain = rng.normal(0, 2.0, moved.shape)
        frames.append(np.clip(moved + grain, 0, 255).astype(np.uint8))
    return frames


def encode(frames: list[np.ndarray], fps: int = FPS) -> bytes:
    import av

    out = io.BytesIO()
    container = av.open(out, mode="w", format="webm")
    stream = container.add_stream("libvpx", rate=fps)
    stream.height, stream.width = frames[0].shape[:2]
    stream.pix_fmt = "yuv420p"
    stream.bit_rate = 6_000_000
    for i, rgb in enumerate(frames):
        frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
        frame.pts = i
        frame.time_base = Fraction(1, fps)
        for packet in stream.encode(frame):
            container.mux(packet)
    for packet in stream.encode():
        container.mux(packet)
    container.close()
    return out.getvalue()


@functools.lru_cache(maxsize=16)
def _capture(key, page_bytes: bytes, still: bool):
    page = Image.open(io.BytesIO(page_bytes))
    photo = media.photographed(page, tilt=1.5, perspective=0.03, quality=92)
    frames = camera_frames(np.asarray(photo), still=still)
    return encode(frames), media.to_bytes(photo, quality=92)


def camera_capture(page, *, still: bool = False) -> tuple[bytes, bytes]:
    """(clip bytes, photo JPEG bytes): the clip of ``page`` and the photo from its end."""
    data = media.to_bytes(page, "PNG")
    return _capture(hash(data), data, still)
