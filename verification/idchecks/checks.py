"""The automated checks, one function each, run by the pipeline in a Celery worker.

The document's own checks (quality, MRZ, printed zone, photographed or rendered) are in
``verification.idchecks.document``; the faces, the video and the 4 numbers are here.

Each takes what it needs (decrypted media bytes, the patient's demographics record) and
returns a ``Result`` with an outcome and a confidence between 0 and 1. Results hold only
non-personal facts: booleans, counts and scores, so they can be shown to a checker and kept.
"""

import io
from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from verification.idchecks import engines

PASS, FAIL, UNSURE, NOT_APPLICABLE = "pass", "fail", "unsure", "not_applicable"

VIDEO_FRAMES_SAMPLED = 10
FACE_FRAMES_NEEDED = 0.6


@dataclass
class Result:
    outcome: str
    confidence: float
    summary: str
    details: dict = field(default_factory=dict)
    advisory: bool = False


def load_image(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


def _grey(rgb: np.ndarray) -> np.ndarray:
    import cv2

    return cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)


# --- faces ---------------------------------------------------------------------------------


def find_faces(rgb: np.ndarray) -> list:
    """Faces at least a tenth of the picture's shorter side, biggest first."""
    grey = _grey(rgb)
    scale = 800 / max(grey.shape) if max(grey.shape) > 800 else 1.0
    if scale != 1.0:
        import cv2

        grey = cv2.resize(grey, None, fx=scale, fy=scale)
    smallest = max(40, min(grey.shape) // 10)
    faces = engines.face_detector().detectMultiScale(
        grey, scaleFactor=1.1, minNeighbors=5, minSize=(smallest, smallest)
    )
    return sorted((tuple(int(v / scale) for v in f) for f in faces), key=lambda f: -f[2] * f[3])


def document_face(rgb: np.ndarray) -> Result:
    """A face is printed on the photo ID."""
    faces = find_faces(rgb)
    details = {"faces": len(faces)}
    if not faces:
        return Result(FAIL, 0.8, "No face found on the photo ID", details)
    if len(faces) > 2:  # passports often show a small ghost image too
        return Result(UNSURE, 0.5, f"{len(faces)} faces found on the photo ID", details)
    return Result(PASS, 0.95, "A face was found on the photo ID", details)


def face_capture(rgb: np.ndarray) -> Result:
    """The face scan shows exactly one face."""
    faces = find_faces(rgb)
    details = {"faces": len(faces)}
    if not faces:
        return Result(FAIL, 0.8, "No face found in the face scan", details)
    if len(faces) > 1:
        return Result(UNSURE, 0.5, "More than one face in the face scan", details)
    return Result(PASS, 0.95, "One face found in the face scan", details)


def video_frames(data: bytes, count: int = VIDEO_FRAMES_SAMPLED) -> list[np.ndarray]:
    """About ``count`` frames spread across the video, turned the way the phone held it.

    Frames are decoded in order, but only the picked ones are converted and kept, so memory
    stays small however long or large the video is.
    """
    import av

    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        duration = _stream_seconds(container, stream)
    targets = [duration * (i + 0.5) / count for i in range(count)] if duration else [0.0]
    frames: list[np.ndarray] = []
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        start = None
        for frame in container.decode(stream):
            if frame.time is None:
                continue
            start = frame.time if start is None else start
            if frame.time - start + 1e-6 < targets[len(frames)]:
                continue
            rgb = frame.to_ndarray(format="rgb24")
            rotation = getattr(frame, "rotation", 0) or 0
            if rotation:
                rgb = np.ascontiguousarray(np.rot90(rgb, k=(rotation // 90) % 4))
            if max(rgb.shape[:2]) > 960:  # faces are found at 800 px anyway
                rgb = np.asarray(Image.fromarray(rgb).reduce(2))
            frames.append(rgb)
            if len(frames) == len(targets):
                break
    return frames


def _stream_seconds(container, stream) -> float:
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    if container.duration:
        return container.duration / 1_000_000
    last = 0.0
    for packet in container.demux(stream):
        if packet.pts is not None:
            last = max(last, float(packet.pts * packet.time_base))
    return last


def video_face(frames: list[np.ndarray]) -> Result:
    """The patient's face is in most of the video's frames."""
    if not frames:
        return Result(FAIL, 0.9, "No pictures could be read from the video", {"frames": 0})
    with_face = sum(1 for frame in frames if find_faces(frame))
    fraction = with_face / len(frames)
    details = {"frames": len(frames), "frames_with_face": with_face}
    if fraction >= FACE_FRAMES_NEEDED:
        return Result(PASS, round(0.7 + 0.3 * fraction, 3), "A face is in the video", details)
    if with_face:
        return Result(UNSURE, 0.5, "A face is in only some of the video", details)
    return Result(FAIL, 0.8, "No face found in the video", details)


# --- the 4 numbers -------------------------------------------------------------------------

_WORD_DIGITS = {w: str(i) for i, w in enumerate(["zero", *engines.DIGIT_WORDS[2:]])} | {"oh": "0"}


def audio_samples(data: bytes) -> np.ndarray:
    """The video's sound as 16 kHz mono 16-bit samples (empty when it has no sound)."""
    import av

    with av.open(io.BytesIO(data)) as container:
        if not container.streams.audio:
            return np.zeros(0, dtype=np.int16)
        resampler = av.AudioResampler(format="s16", layout="mono", rate=16000)
        chunks = []
        for frame in container.decode(container.streams.audio[0]):
            for out in resampler.resample(frame):
                chunks.append(out.to_ndarray().reshape(-1))
        for out in resampler.resample(None):
            chunks.append(out.to_ndarray().reshape(-1))
    return np.concatenate(chunks).astype(np.int16) if chunks else np.zeros(0, dtype=np.int16)


def recognise_digits(samples: np.ndarray) -> str:
    if not len(samples):
        return ""
    decoder = engines.speech_decoder()
    decoder.start_utt()
    decoder.process_raw(samples.tobytes(), full_utt=True)
    decoder.end_utt()
    hypothesis = decoder.hyp()
    words = hypothesis.hypstr.split() if hypothesis else []
    return "".join(_WORD_DIGITS.get(word, "") for word in words)


def spoken_digits(data: bytes, expected: str, way: str) -> Result:
    """The 4 numbers heard in the video: a hint for the checker, never a decision."""
    if way != "speak":
        return Result(
            NOT_APPLICABLE, 0.0, "The patient chose to sign or write the numbers", advisory=True
        )
    heard = recognise_digits(audio_samples(data))
    details = {"digits_heard": len(heard), "match": heard == expected}
    if heard == expected:
        return Result(PASS, 0.6, f"Heard {heard}, as expected", details, advisory=True)
    if heard:
        return Result(UNSURE, 0.3, f"Heard {heard}, expected {expected}", details, advisory=True)
    return Result(UNSURE, 0.0, "No numbers could be heard", details, advisory=True)
