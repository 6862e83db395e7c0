"""What the document camera step sends: a photo and the short clip filmed while taking it.

``camera_capture(page)`` films a document page lying on a table, with the small movements of a
hand-held phone, and returns the clip (WebM, VP8) and the photo taken from its last frame, as
``static/js/idcheck.js`` does in the browser. ``still=True`` feeds one unchanging picture to the
"camera", as a virtual camera showing a file would.
"""

import io
import random
from fractions import Fraction

import numpy as np
from PIL import Image

SIZE = (1280, 720)


def _scene(page: Image.Image, dx: float, dy: float, angle: float) -> Image.Image:
    table = Image.new("RGB", SIZE, (48, 40, 36))
    document = page.copy()
    document.thumbnail((int(SIZE[0] * 0.86), int(SIZE[1] * 0.86)))
    document = document.rotate(angle, resample=Image.BICUBIC, expand=True, fillcolor=(48, 40, 36))
    x = (SIZE[0] - document.width) // 2 + int(dx)
    y = (SIZE[1] - document.height) // 2 + int(dy)
    table.paste(document, (x, y))
    noise = np.random.default_rng(int(abs(dx * 1000 + dy))).normal(0, 3, (SIZE[1], SIZE[0], 3))
    return Image.fromarray(
        np.clip(np.asarray(table, dtype=np.float32) + noise, 0, 255).astype("uint8")
    )


def camera_capture(page: Image.Image, *, still: bool = False, seconds: float = 2.5, fps: int = 12):
    """(clip bytes, photo JPEG bytes): the clip of the page and the photo from its end."""
    import av

    rng = random.Random(7)
    out = io.BytesIO()
    container = av.open(out, mode="w", format="webm")
    stream = container.add_stream("libvpx", rate=fps)
    stream.width, stream.height = SIZE
    stream.pix_fmt = "yuv420p"
    stream.bit_rate = 4_000_000
    dx = dy = angle = 0.0
    last = None
    for i in range(int(seconds * fps)):
        if not still:  # a hand-held phone drifts by a few pixels and a fraction of a degree
            dx += rng.uniform(-3, 3)
            dy += rng.uniform(-3, 3)
            angle += rng.uniform(-0.15, 0.15)
        if last is None or not still:
            last = _scene(page, dx, dy, angle)
        frame = av.VideoFrame.from_image(last)
        frame.pts = i
        frame.time_base = Fraction(1, fps)
        for packet in stream.encode(frame):
            container.mux(packet)
    for packet in stream.encode():
        container.mux(packet)
    container.close()
    photo = io.BytesIO()
    last.save(photo, "JPEG", quality=92)
    return out.getvalue(), photo.getvalue()
