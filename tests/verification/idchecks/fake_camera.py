"""Chromium's fake camera fed from a file, so a browser test films what the test chooses.

``--use-file-for-fake-video-capture`` takes a Y4M file (raw YUV 4:2:0 frames) and loops it.
One browser has one fake camera, so a journey that films a document and then a face uses two
browsers in turn, carrying the signed-in session across (``storage_state``).
"""

from pathlib import Path

import numpy as np
from PIL import Image

from tests.fixtures.browser import CHROMIUM_ARGS, _chromium_path


def write_y4m(frames, path: Path, fps: int = 15) -> Path:
    """Write RGB frames (arrays or PIL images, all one size, even sides) as a Y4M file."""
    first = np.asarray(frames[0])
    height, width = first.shape[:2]
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for frame in frames:
            ycbcr = Image.fromarray(np.asarray(frame, dtype=np.uint8)).convert("YCbCr")
            y, cb, cr = (np.asarray(c) for c in ycbcr.split())
            out.write(b"FRAME\n")
            out.write(y.tobytes())
            for chroma in (cb, cr):  # 4:2:0: a quarter of the samples, averaged
                small = chroma.reshape(height // 2, 2, width // 2, 2).mean(axis=(1, 3))
                out.write(np.round(small).astype(np.uint8).tobytes())
    return path


def launch_with_camera(chromium, y4m: Path):
    """A headless Chromium (from Playwright's ``BrowserType``) whose camera shows ``y4m``,
    looped, with camera access granted."""
    return chromium.launch(
        executable_path=_chromium_path(),
        args=[*CHROMIUM_ARGS, f"--use-file-for-fake-video-capture={y4m}"],
    )
