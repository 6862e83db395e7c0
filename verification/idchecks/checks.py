"""The automated checks, one function each, run by the pipeline in a Celery worker.

Each takes what it needs (decrypted media bytes, the patient's demographics record) and
returns a ``Result`` with an outcome and a confidence between 0 and 1. Results hold only
non-personal facts: booleans, counts and scores, so they can be shown to a checker and kept.
"""

import datetime
import io
import re
import unicodedata
from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from verification.idchecks import engines

PASS, FAIL, UNSURE, NOT_APPLICABLE = "pass", "fail", "unsure", "not_applicable"

# Image quality thresholds (ID-CHECKS.md: a sharp page ~1000, a blurred one ~90).
MIN_SHARPNESS = 150.0
MAX_GLARE_FRACTION = 0.02
MIN_DOCUMENT_SIDE = 700
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


# --- image quality -------------------------------------------------------------------------


def image_quality(rgb: np.ndarray) -> Result:
    """Resolution, sharpness (variance of the Laplacian) and glare (blown-out pixels)."""
    import cv2

    grey = _grey(rgb)
    height, width = grey.shape
    sharpness = float(cv2.Laplacian(grey, cv2.CV_64F).var())
    glare = float((grey >= 250).mean())
    problems = []
    if max(width, height) < MIN_DOCUMENT_SIDE:
        problems.append("too small")
    if sharpness < MIN_SHARPNESS:
        problems.append("blurred")
    if glare > MAX_GLARE_FRACTION:
        problems.append("glare")
    details = {
        "width": width,
        "height": height,
        "sharpness": round(sharpness, 1),
        "glare_fraction": round(glare, 4),
    }
    if problems:
        return Result(FAIL, 0.9, "Photo ID is " + " and ".join(problems), details)
    confidence = min(1.0, 0.8 + sharpness / 5000)
    return Result(PASS, round(confidence, 3), "Photo ID is sharp, large enough, no glare", details)


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


# --- the machine-readable zone -------------------------------------------------------------

_DIGITS_FOR = {"O": "0", "Q": "0", "D": "0", "I": "1", "L": "1", "Z": "2", "S": "5", "B": "8"}
_LETTERS_FOR = {"0": "O", "1": "I", "2": "Z", "5": "S", "8": "B"}


def _normalise_line(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).upper().replace(" ", "")
    text = text.replace("«", "<<").replace("\u2039", "<").replace("\u304f", "<")
    return re.sub(r"[^A-Z0-9<]", "<", text)


def _force(text: str, positions, table: dict) -> str:
    chars = list(text)
    for i in positions:
        if i < len(chars):
            chars[i] = table.get(chars[i], chars[i])
    return "".join(chars)


def _fit(line: str, length: int) -> str:
    return (line + "<" * length)[:length]


def _correct_td3(line1: str, line2: str) -> tuple[str, str]:
    """OCR mixes O/0 and I/1: fix each by what its position must hold (ICAO 9303 TD3)."""
    line1 = _fit(line1, 44)
    line2 = _fit(line2, 44)
    line1 = line1[:2] + _force(line1[2:], range(42), _LETTERS_FOR)
    digits = [9, *range(13, 20), *range(21, 28), 42, 43]
    letters = [*range(10, 13), 20]
    line2 = _force(_force(line2, digits, _DIGITS_FOR), letters, _LETTERS_FOR)
    return line1, line2


def _correct_td1(lines: list[str]) -> list[str]:
    l1, l2, l3 = (_fit(line, 30) for line in lines)
    l1 = _force(_force(l1, [14], _DIGITS_FOR), range(2, 5), _LETTERS_FOR)
    l2 = _force(l2, [*range(0, 7), *range(8, 15), 29], _DIGITS_FOR)
    l2 = _force(l2, [7, 15, 16, 17], _LETTERS_FOR)
    l3 = _force(l3, range(30), _LETTERS_FOR)
    return [l1, l2, l3]


def mrz_line_boxes(rgb: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Where the MRZ lines are: long, thin runs of dark print in the lower part of the page.

    Found with OpenCV morphology (black-hat, then closing along the line) in milliseconds, so
    OCR can skip its text detection model, which is most of its time.
    """
    import cv2

    top = int(rgb.shape[0] * 0.55)
    grey = _grey(np.ascontiguousarray(rgb[top:]))
    width = grey.shape[1]
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (15, 7))
    blackhat = cv2.morphologyEx(grey, cv2.MORPH_BLACKHAT, kernel)
    _, mask = cv2.threshold(blackhat, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    along = cv2.getStructuringElement(cv2.MORPH_RECT, (max(9, width // 40), 3))
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, along)
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    boxes = []
    for contour in contours:
        x, y, w, h = cv2.boundingRect(contour)
        if w > 0.55 * width and w / max(h, 1) > 8:
            pad = h // 3 + 2
            boxes.append(
                (max(0, x - pad), top + max(0, y - pad), min(width, x + w + pad), top + y + h + pad)
            )
    return sorted(boxes, key=lambda box: box[1])


def _mrz_like(lines: list[str]) -> list[str]:
    return [line for line in lines if len(line) >= 25 and line.count("<") >= 2]


def mrz_lines(rgb: np.ndarray) -> list[str]:
    """The MRZ lines read by OCR: line by line where the lines can be found, else the band."""
    boxes = mrz_line_boxes(rgb)
    if 2 <= len(boxes) <= 4:
        texts = []
        for x0, y0, x1, y1 in boxes:
            crop = np.ascontiguousarray(rgb[y0:y1, x0:x1])
            result = engines.ocr()(crop, use_det=False, use_cls=False, use_rec=True)
            texts.extend(result.txts or ())
        lines = _mrz_like([_normalise_line(t) for t in texts])
        if len(lines) >= 2:
            return lines
    band = np.ascontiguousarray(rgb[int(rgb.shape[0] * 0.6) :, :, :])
    result = engines.ocr()(band)
    return _mrz_like([_normalise_line(t) for t in result.txts or ()])


def _mrz_date(yymmdd: str, *, future: bool) -> datetime.date | None:
    try:
        year, month, day = int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:6])
    except ValueError:
        return None
    this_year = datetime.date.today().year % 100
    pivot = 70 if future else this_year + 1  # expiry dates are recent; births may be old
    century = 2000 if year < pivot else 1900
    try:
        return datetime.date(century + year, month, day)
    except ValueError:
        return None


def _name_key(name: str) -> str:
    name = unicodedata.normalize("NFKD", name)
    name = "".join(c for c in name if not unicodedata.combining(c))
    return re.sub(r"[^A-Z]", "", name.upper())


@dataclass
class MrzReading:
    """What OCR read from the machine-readable zone: its fields when the check digits hold.

    ``fields`` is personal data (names, date of birth): it stays in the worker's memory for
    the one run and is never stored; ``details`` holds only non-personal facts.
    """

    details: dict
    fields: object = None
    failure: Result | None = None

    @property
    def surname(self) -> str:
        return _mrz_name(self.fields.surname) if self.fields else ""

    @property
    def given_names(self) -> str:
        return _mrz_name(self.fields.name) if self.fields else ""

    @property
    def birth_date(self) -> datetime.date | None:
        return _mrz_date(self.fields.birth_date, future=False) if self.fields else None

    @property
    def expiry_date(self) -> datetime.date | None:
        return _mrz_date(self.fields.expiry_date, future=True) if self.fields else None


def _mrz_name(value: str) -> str:
    """MRZ names use '<' between words (the ``mrz`` package may leave some); tidy them."""
    return " ".join(value.replace("<", " ").split()).title()


def read_mrz(rgb: np.ndarray) -> MrzReading:
    """Read the MRZ and validate its check digits. Passports use TD3 (2 lines of 44); ID
    cards and residence cards TD1 (3 lines of 30)."""
    from mrz.checker.td1 import TD1CodeChecker
    from mrz.checker.td3 import TD3CodeChecker

    lines = mrz_lines(rgb)
    details: dict = {"lines_found": len(lines)}
    long_lines = [line for line in lines if len(line) >= 40]
    if len(long_lines) >= 2:
        line1, line2 = _correct_td3(long_lines[-2], long_lines[-1])
        checker = TD3CodeChecker(f"{line1}\n{line2}", check_expiry=False)
        details["format"] = "TD3"
    elif len(lines) >= 3:
        corrected = _correct_td1(lines[-3:])
        checker = TD1CodeChecker("\n".join(corrected), check_expiry=False)
        details["format"] = "TD1"
    else:
        failure = Result(FAIL, 0.7, "The machine-readable zone could not be read", details)
        return MrzReading(details, failure=failure)
    details["check_digits_valid"] = bool(checker)
    if not checker:
        failure = Result(FAIL, 0.7, "The machine-readable zone's check digits are wrong", details)
        return MrzReading(details, failure=failure)
    return MrzReading(details, fields=checker.fields())


def compare_mrz(reading: MrzReading, record, today=None) -> Result:
    """Compare a read MRZ with the NHS record (surname, date of birth) and check the document
    has not expired. ``record`` is the patient's ``Identity`` or traced record, or None when
    no NHS record was found (then nothing can match)."""
    if reading.failure is not None:
        return reading.failure
    today = today or datetime.date.today()
    details = dict(reading.details)
    expiry = reading.expiry_date
    details["not_expired"] = bool(expiry and expiry >= today)
    details["surname_matches"] = bool(
        record and _name_key(reading.fields.surname) == _name_key(record.family_name)
    )
    details["birth_date_matches"] = bool(record and reading.birth_date == record.birth_date)
    details["document_number_present"] = bool(reading.fields.document_number.strip("<"))
    problems = []
    if not details["not_expired"]:
        problems.append("the document has expired")
    if record is None:
        problems.append("there is no NHS record to compare it with")
    else:
        if not details["surname_matches"]:
            problems.append("the surname does not match the NHS record")
        if not details["birth_date_matches"]:
            problems.append("the date of birth does not match the NHS record")
    if problems:
        return Result(FAIL, 0.9, "Check digits valid, but " + "; ".join(problems), details)
    return Result(
        PASS,
        0.97,
        "Check digits valid; not expired; surname and date of birth match the NHS record",
        details,
    )


def machine_readable_zone(rgb: np.ndarray, identity, today=None) -> Result:
    """Read the MRZ, validate its check digits, and compare it with the NHS record."""
    return compare_mrz(read_mrz(rgb), identity, today)


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
