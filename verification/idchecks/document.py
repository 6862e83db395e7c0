"""The photo ID's own checks: read it as a document examiner would, then compare it.

- ``read_document``: straighten the photo (the document's outline and the MRZ lines' angle,
  with OpenCV), read the machine-readable zone (rapidocr, models in the wheel), validate every
  check digit ourselves (ICAO 9303 Part 3's 7-3-1 sum, over the fields Parts 4 and 5 name),
  and read the printed zone (VIZ) of a passport's data page.
- ``compare_with_record``: the MRZ against the NHS record (names transliterated as the MRZ
  does, given names too, date of birth, expiry) and against the printed zone.
- ``image_quality``: size, sharpness and glare measured on the document, not on the photo.
- ``photographed``: signs of a photograph of a physical document rather than a digital render.

A ``DocumentReading`` holds personal data (names, dates, the document number) in the worker's
memory for one run only; its ``details`` and every ``Result`` hold only non-personal facts
(booleans, counts, scores), so they can be stored and shown to a checker.
"""

import datetime
import re
import unicodedata
from dataclasses import dataclass, field

import numpy as np

from verification.idchecks import engines
from verification.idchecks.checks import FAIL, PASS, Result

MACHINE_READABLE_ZONE = "machine_readable_zone"
DOCUMENT_CAPTURE = "document_capture"

# Quality, measured on the straightened document (see docs/verification-p9-photo-id.md,
# "Document checks", for the figures behind each).
MIN_DOCUMENT_SIDE = 600  # px along the document's longer side: MRZ characters ~12 px tall
MIN_TEXT_SHARPNESS = (
    0.075  # edge steepness of the MRZ print: sharp ~0.11, 2 px blur ~0.084, 3 px ~0.064
)
MAX_GLARE_FRACTION = 0.01  # of the document, in one blown-out patch away from its edges
MAX_MRZ_GLARE_FRACTION = 0.03  # of the MRZ band
# Photographed-document signals.
MIN_SENSOR_NOISE = 0.25  # grey levels of noise in flat areas; a render has ~0
MIN_LIGHT_SPREAD = 0.04  # brightness spread across the page's flat areas

TD3_PASSPORTS = ("uk_passport", "other_passport")
TD1_CARDS = ("eu_id_card", "biometric_residence_card")


def _cv2():
    import cv2

    return cv2


def _grey(rgb: np.ndarray) -> np.ndarray:
    return _cv2().cvtColor(np.ascontiguousarray(rgb), _cv2().COLOR_RGB2GRAY)


def _resized(image: np.ndarray, longest: int) -> tuple[np.ndarray, float]:
    """A copy at most ``longest`` px on its longer side, and the factor applied."""
    scale = min(1.0, longest / max(image.shape[:2]))
    if scale == 1.0:
        return image, 1.0
    return _cv2().resize(image, None, fx=scale, fy=scale, interpolation=_cv2().INTER_AREA), scale


# --- names, as the MRZ writes them (ICAO 9303 Part 3) -----------------------------------------

# Part 3's transliterations of Latin letters that are more than an accent; any other accent
# is dropped (NFKD below).
_ICAO_LETTERS = {
    "Ä": "AE",
    "Æ": "AE",
    "Å": "AA",
    "Ö": "OE",
    "Ø": "OE",
    "Œ": "OE",
    "Ü": "UE",
    "ß": "SS",
    "ẞ": "SS",
    "Ñ": "N",
    "Ĳ": "IJ",
    "Þ": "TH",
    "Ð": "D",
    "Đ": "D",
    "Ł": "L",
}


def icao_name(name: str) -> str:
    """A name as an MRZ writes it: A-Z, words separated by fillers (``<``).

    Ü→UE, Ø→OE, ß→SS, Å→AA, Ñ→N … (Part 3's table), other accents dropped; apostrophes
    dropped (Part 3 omits them); hyphens, spaces and other punctuation become fillers.
    """
    text = unicodedata.normalize("NFC", name or "").upper()
    text = text.replace("'", "").replace("\u2019", "").replace("`", "")
    text = "".join(_ICAO_LETTERS.get(ch, ch) for ch in text)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return "<".join(re.sub(r"[^A-Z]+", " ", text).split())


def _words(mrz_name: str) -> list[str]:
    return [word for word in mrz_name.split("<") if word]


def _letters(mrz_name: str) -> str:
    return mrz_name.replace("<", "")


def _loose(text: str) -> str:
    """Letters with Part 3's two-letter forms folded (AE→A, UE→U …): for comparing with a
    name written without its accents (``Muller`` against ``MUELLER``) or as OCR read it."""
    letters = _letters(icao_name(text))
    for pair, single in (("AE", "A"), ("OE", "O"), ("UE", "U"), ("AA", "A"), ("SS", "S")):
        letters = letters.replace(pair, single)
    return letters


# --- straightening ---------------------------------------------------------------------------


def _order_corners(points: np.ndarray) -> np.ndarray:
    """Top-left, top-right, bottom-right, bottom-left."""
    points = points.reshape(4, 2).astype(np.float32)
    total, diff = points.sum(axis=1), np.diff(points, axis=1).ravel()
    return np.array(
        [
            points[np.argmin(total)],
            points[np.argmin(diff)],
            points[np.argmax(total)],
            points[np.argmax(diff)],
        ],
        dtype=np.float32,
    )


def document_outline(rgb: np.ndarray) -> np.ndarray | None:
    """The document's four corners when the photo shows background around it, else None.

    Edges (Canny), closed, then the largest contour that simplifies to a convex
    quadrilateral covering a quarter of the photo or more and not touching its border.
    """
    cv2 = _cv2()
    small, scale = _resized(rgb, 800)
    grey = cv2.GaussianBlur(_grey(small), (5, 5), 0)
    edges = cv2.Canny(grey, 40, 120)
    edges = cv2.morphologyEx(edges, cv2.MORPH_CLOSE, np.ones((5, 5), np.uint8))
    contours, _ = cv2.findContours(edges, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    height, width = grey.shape
    area = height * width
    for contour in sorted(contours, key=cv2.contourArea, reverse=True)[:5]:
        hull = cv2.convexHull(contour)
        if cv2.contourArea(hull) < 0.25 * area:
            break
        quads = (cv2.approxPolyDP(hull, e * cv2.arcLength(hull, True), True) for e in (0.02, 0.04))
        quad = next((q for q in quads if len(q) == 4 and cv2.isContourConvex(q)), None)
        if quad is None:  # rounded corners can leave 5 or 6 points at the finer tolerance
            continue
        xs, ys = quad[:, 0, 0], quad[:, 0, 1]
        margin = 3
        if xs.min() <= margin and ys.min() <= margin and xs.max() >= width - 1 - margin:
            return None  # the outline is the photo's own frame
        if cv2.contourArea(quad) > 0.97 * area:
            return None
        return _order_corners(quad) / scale
    return None


def _flatten(rgb: np.ndarray, corners: np.ndarray) -> np.ndarray:
    """The document seen straight on (a perspective warp of its quadrilateral)."""
    cv2 = _cv2()
    tl, tr, br, bl = corners
    width = int(max(np.linalg.norm(tr - tl), np.linalg.norm(br - bl)))
    height = int(max(np.linalg.norm(bl - tl), np.linalg.norm(br - tr)))
    target = np.array([[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]])
    matrix = cv2.getPerspectiveTransform(corners, target.astype(np.float32))
    return cv2.warpPerspective(rgb, matrix, (width, height), flags=cv2.INTER_CUBIC)


def _line_mask(grey: np.ndarray) -> np.ndarray:
    """Runs of dark print joined along their line (black-hat, Otsu, closing)."""
    cv2 = _cv2()
    width = grey.shape[1]
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (15, 7))
    blackhat = cv2.morphologyEx(grey, cv2.MORPH_BLACKHAT, kernel)
    _, mask = cv2.threshold(blackhat, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    along = cv2.getStructuringElement(cv2.MORPH_RECT, (max(9, width // 40), 3))
    return cv2.morphologyEx(mask, cv2.MORPH_CLOSE, along)


def text_line_angle(rgb: np.ndarray) -> float | None:
    """The angle (degrees, clockwise positive) of the photo's long printed lines (the MRZ),
    or None when there are none to measure."""
    cv2 = _cv2()
    small, _ = _resized(rgb, 1000)
    grey = _grey(small)
    mask = _line_mask(grey)
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    angles, weights = [], []
    for contour in contours:
        rect = cv2.minAreaRect(contour)
        (w, h) = rect[1]
        long, short = max(w, h), max(min(w, h), 1)
        if long < 0.35 * grey.shape[1] or long / short < 8:
            continue
        corners = cv2.boxPoints(rect)
        edges = [corners[(i + 1) % 4] - corners[i] for i in range(2)]
        dx, dy = max(edges, key=lambda edge: float(np.hypot(*edge)))
        angle = float(np.degrees(np.arctan2(dy, dx)))  # y grows downwards: clockwise > 0
        angle = (angle + 90) % 180 - 90
        if abs(angle) > 45:
            continue
        angles.append(angle)
        weights.append(long)
    if not angles:
        return None
    order = np.argsort(angles)
    cumulative = np.cumsum(np.asarray(weights)[order])
    return float(np.asarray(angles)[order][np.searchsorted(cumulative, cumulative[-1] / 2)])


def _rotate(rgb: np.ndarray, degrees: float) -> np.ndarray:
    cv2 = _cv2()
    height, width = rgb.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), degrees, 1.0)
    return cv2.warpAffine(
        rgb, matrix, (width, height), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE
    )


@dataclass
class Straightened:
    """The document straightened for reading, and what was done to it (non-personal)."""

    rgb: np.ndarray
    outline_found: bool
    rotated_degrees: float


def straighten(rgb: np.ndarray) -> Straightened:
    """Flatten the document from its outline when background shows around it, then turn it
    so its MRZ lines run level (a photo held a few degrees off, or taken at an angle)."""
    corners = document_outline(rgb)
    image = _flatten(rgb, corners) if corners is not None else rgb
    turned = 0.0
    for _ in range(2):  # a second look corrects what the first turn left
        angle = text_line_angle(image)
        if angle is None or abs(angle) < 0.3:
            break
        image = _rotate(image, angle)
        turned += angle
    return Straightened(np.ascontiguousarray(image), corners is not None, round(turned, 1))


# --- the machine-readable zone ---------------------------------------------------------------

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
    """OCR mixes O/0 and I/1: fix each by what its position must hold (Part 4)."""
    line1 = _fit(line1, 44)
    line2 = _fit(line2, 44)
    line1 = line1[:2] + _force(line1[2:], range(42), _LETTERS_FOR)
    digits = [9, *range(13, 20), *range(21, 28), 42, 43]
    letters = [*range(10, 13), 20]
    line2 = _force(_force(line2, digits, _DIGITS_FOR), letters, _LETTERS_FOR)
    return line1, line2


def _correct_td1(lines: list[str]) -> list[str]:
    l1, l2, l3 = (_fit(line, 30) for line in lines)
    l1 = _force(l1, range(2, 5), _LETTERS_FOR)
    l2 = _force(l2, [*range(0, 7), *range(8, 15), 29], _DIGITS_FOR)
    l2 = _force(l2, [7, 15, 16, 17], _LETTERS_FOR)
    l3 = _force(l3, range(30), _LETTERS_FOR)
    return [l1, l2, l3]


def mrz_line_boxes(rgb: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Where the MRZ lines are: long, thin runs of dark print in the lower part of the page.

    Found with OpenCV morphology in milliseconds, so OCR can skip its text detection model.
    """
    cv2 = _cv2()
    top = int(rgb.shape[0] * 0.45)
    mask = _line_mask(_grey(rgb[top:]))
    width = mask.shape[1]
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    boxes = []
    for contour in contours:
        x, y, w, h = cv2.boundingRect(contour)
        if w > 0.5 * width and w / max(h, 1) > 8:
            pad = h // 3 + 2
            boxes.append(
                (max(0, x - pad), top + max(0, y - pad), min(width, x + w + pad), top + y + h + pad)
            )
    boxes.sort(key=lambda box: box[1])
    return boxes[-3:] if len(boxes) > 3 else boxes


def _mrz_like(lines: list[str]) -> list[str]:
    return [line for line in lines if len(line) >= 25 and line.count("<") >= 2]


def _read_lines(rgb: np.ndarray, boxes) -> list[str]:
    texts = []
    for x0, y0, x1, y1 in boxes:
        crop = np.ascontiguousarray(rgb[y0:y1, x0:x1])
        result = engines.ocr()(crop, use_det=False, use_cls=False, use_rec=True)
        texts.extend(result.txts or ())
    return _mrz_like([_normalise_line(t) for t in texts])


def mrz_lines(rgb: np.ndarray) -> tuple[list[str], tuple[int, int] | None]:
    """The MRZ lines read by OCR, and the rows the MRZ band spans (None when read from the
    whole lower band): line by line where the lines can be found, else the band."""
    boxes = mrz_line_boxes(rgb)
    if 2 <= len(boxes) <= 3:
        lines = _read_lines(rgb, boxes)
        if len(lines) >= 2:
            return lines, (boxes[0][1], boxes[-1][3])
    band = np.ascontiguousarray(rgb[int(rgb.shape[0] * 0.6) :, :, :])
    result = engines.ocr()(band)
    return _mrz_like([_normalise_line(t) for t in result.txts or ()]), None


def check_digit(value: str) -> str:
    """ICAO 9303 Part 3's check digit: weights 7, 3, 1; A-Z are 10-35; ``<`` is 0."""
    total = 0
    for i, ch in enumerate(value):
        number = int(ch) if ch.isdigit() else (ord(ch) - 55 if "A" <= ch <= "Z" else 0)
        total += number * (7, 3, 1)[i % 3]
    return str(total % 10)


@dataclass
class MrzFields:
    """The fields of a TD3 or TD1 MRZ (personal: in memory only) and which check digits held."""

    format: str
    document_code: str
    issuing_state: str
    surname: str  # as the MRZ writes it: A-Z and fillers
    given_names: str
    document_number: str
    nationality: str
    birth_yymmdd: str
    sex: str
    expiry_yymmdd: str
    optional_data: str
    name_field_full: bool  # the name field has no filler left: it may have been truncated
    check_digits: dict  # name -> bool


def _names(field: str) -> tuple[str, str, bool]:
    full = not field.endswith("<")
    primary, _, secondary = field.partition("<<")
    return primary.strip("<"), secondary.strip("<"), full


def parse_td3(line1: str, line2: str) -> MrzFields:
    """A passport's two lines of 44 (Part 4), with each check digit recomputed."""
    number, optional = line2[0:9], line2[28:42]
    optional_ok = check_digit(optional) == line2[42] or (
        set(optional) == {"<"} and line2[42] == "<"  # Part 4: 0 or < when unused
    )
    composite = line2[0:10] + line2[13:20] + line2[21:43]
    surname, given, full = _names(line1[5:44])
    return MrzFields(
        format="TD3",
        document_code=line1[0:2].strip("<"),
        issuing_state=line1[2:5].strip("<"),
        surname=surname,
        given_names=given,
        document_number=number.strip("<"),
        nationality=line2[10:13].strip("<"),
        birth_yymmdd=line2[13:19],
        sex=line2[20],
        expiry_yymmdd=line2[21:27],
        optional_data=optional.strip("<"),
        name_field_full=full,
        check_digits={
            "document_number": check_digit(number) == line2[9],
            "birth_date": check_digit(line2[13:19]) == line2[19],
            "expiry_date": check_digit(line2[21:27]) == line2[27],
            "optional_data": optional_ok,
            "composite": check_digit(composite) == line2[43],
        },
    )


def parse_td1(line1: str, line2: str, line3: str) -> MrzFields:
    """An identity card's three lines of 30 (Part 5), with each check digit recomputed.

    A document number longer than 9 characters (Part 5, note j): a filler stands where its
    check digit would be, and the number carries on in the optional data, followed by its
    check digit. The ``mrz`` package does not follow that rule, so we check digits ourselves.
    """
    number, number_digit, optional = line1[5:14], line1[14], line1[15:30]
    if number_digit == "<" and optional.strip("<"):
        rest = optional.rstrip("<")
        number, number_digit, optional = number + rest[:-1], rest[-1], ""
    composite = line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29]
    surname, given, full = _names(line3)
    return MrzFields(
        format="TD1",
        document_code=line1[0:2].strip("<"),
        issuing_state=line1[2:5].strip("<"),
        surname=surname,
        given_names=given,
        document_number=number.strip("<"),
        nationality=line2[15:18].strip("<"),
        birth_yymmdd=line2[0:6],
        sex=line2[7],
        expiry_yymmdd=line2[8:14],
        optional_data=(optional + line2[18:29]).strip("<"),
        name_field_full=full,
        check_digits={
            "document_number": check_digit(number) == number_digit,
            "birth_date": check_digit(line2[0:6]) == line2[6],
            "expiry_date": check_digit(line2[8:14]) == line2[14],
            "composite": check_digit(composite) == line2[29],
        },
    )


def _format_valid(fields: MrzFields) -> bool:
    """The fields' shapes (Part 3): a document code of letters, issuing state and nationality
    codes ICAO knows (the ``mrz`` package's list), dates that are dates, sex M, F or X (or
    none), a name with no digits."""
    from mrz.checker.td3 import is_code

    def date_ok(yymmdd: str) -> bool:
        return birth_date_of(yymmdd) is not None

    return (
        bool(re.fullmatch(r"[A-Z]{1,2}", fields.document_code))
        and is_code(fields.issuing_state)
        and is_code(fields.nationality)
        and date_ok(fields.birth_yymmdd)
        and date_ok(fields.expiry_yymmdd)
        and fields.sex in "MFX<"
        and bool(fields.surname)
        and not re.search(r"[0-9]", fields.surname + fields.given_names)
    )


def birth_date_of(yymmdd: str, today: datetime.date | None = None) -> datetime.date | None:
    """A two-digit year placed in the century that puts the birth in the past."""
    today = today or datetime.date.today()
    try:
        year, month, day = int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:6])
        date = datetime.date(2000 + year, month, day)
        if date > today:
            date = datetime.date(1900 + year, month, day)
    except ValueError:
        return None
    return date


def expiry_date_of(yymmdd: str, today: datetime.date | None = None) -> datetime.date | None:
    """A two-digit year placed in the century nearest today (documents last ~10 years)."""
    today = today or datetime.date.today()
    try:
        year, month, day = int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:6])
        options = [datetime.date(c + year, month, day) for c in (1900, 2000, 2100)]
    except ValueError:
        return None
    return min(options, key=lambda date: abs((date - today).days))


# --- the printed zone (VIZ) ------------------------------------------------------------------

# Captions on data pages (English first; UK passports print "Surname/Nom (1)").
_CAPTIONS = {
    "surname": ("surname", "nom", "apellido", "name"),
    "given_names": ("given name", "prénom", "prenom", "forename", "vorname", "nombre"),
    "birth_date": ("date of birth", "birth", "naissance", "geburt", "nacimiento"),
    "document_number": ("passport no", "passport number", "document no", "no. du", "passeport n"),
}
_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [
            ("JAN",),
            ("FEB", "FEV", "FÉV"),
            ("MAR", "MARS"),
            ("APR", "AVR"),
            ("MAY", "MAI"),
            ("JUN", "JUIN"),
            ("JUL", "JUIL"),
            ("AUG", "AOU", "AOÛ"),
            ("SEP",),
            ("OCT",),
            ("NOV",),
            ("DEC", "DÉC"),
        ]
    )
    for m in names
}


def _caption_of(text: str) -> str | None:
    lower = text.lower()
    for name in ("given_names", "birth_date", "document_number", "surname"):
        if any(caption in lower for caption in _CAPTIONS[name]):
            return name
    return None


def _value_below(caption_box, boxes):
    """The text just under a caption, starting near its left edge."""
    cx0, _, _, cy1 = caption_box
    height = max(8, cy1 - caption_box[1])
    best = None
    for box, text in boxes:
        x0, y0 = box[0], box[1]
        below = 0 <= y0 - cy1 + height * 0.5 <= height * 2.2 and abs(x0 - cx0) < 3 * height
        if below and _caption_of(text) is None and (best is None or y0 < best[0][1]):
            best = (box, text)
    return best[1] if best else None


def _text_line_boxes(grey: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Boxes around lines of printed text (the same morphology as the MRZ lines, with no
    length needed), so each can be read without OCR's slow text detection model."""
    cv2 = _cv2()
    mask = _line_mask(grey)
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    height = grey.shape[0]
    boxes = []
    for contour in contours:
        x, y, w, h = cv2.boundingRect(contour)
        if 0.012 * height <= h <= 0.08 * height and w >= 1.5 * h:
            pad = h // 4 + 2
            boxes.append((max(0, x - pad), max(0, y - pad), x + w + pad, y + h + pad))
    return boxes


def read_viz(rgb: np.ndarray, mrz_top: int | None) -> dict:
    """The data page's printed surname, given names, date of birth and document number.

    The lines of print above the MRZ are found with OpenCV and each is read by OCR's
    recognition model; each value is the line just under its caption ("Surname", "Given
    names", ...). Values not found are None."""
    bottom = mrz_top if mrz_top else int(rgb.shape[0] * 0.75)
    region = np.ascontiguousarray(rgb[:bottom])
    if region.shape[1] < 1000:  # small photos: the line finder's kernels suit larger print
        factor = 1100 / region.shape[1]
        region = _cv2().resize(region, None, fx=factor, fy=factor, interpolation=_cv2().INTER_CUBIC)
    region, _ = _resized(region, 1300)
    boxes = []
    for x0, y0, x1, y1 in _text_line_boxes(_grey(region)):
        crop = np.ascontiguousarray(region[y0:y1, x0:x1])
        result = engines.ocr()(crop, use_det=False, use_cls=False, use_rec=True)
        text = " ".join(result.txts or ()).strip()
        if text:
            boxes.append(((x0, y0, x1, y1), text))
    found: dict = dict.fromkeys(_CAPTIONS)
    for box, text in sorted(boxes, key=lambda item: item[0][1]):
        name = _caption_of(text)
        if name and found[name] is None:
            found[name] = _value_below(box, boxes)
    return found


def _viz_date(text: str | None) -> tuple[int, int, int] | None:
    """Day, month and 2-digit year of a printed date: "12 APR 1985", "12 APR /AVR 85",
    "12.04.1985", "12/04/85"."""
    if not text:
        return None
    upper = unicodedata.normalize("NFC", text.upper())
    numeric = re.search(r"(\d{1,2})[./\- ](\d{1,2})[./\- ](\d{2,4})", upper)
    if numeric:
        day, month, year = (int(g) for g in numeric.groups())
        return day, month, year % 100
    named = re.search(r"(\d{1,2})\s*([A-ZÉÛ]{3,4})\b.*?(\d{2,4})\s*$", upper)
    if named:
        month = _MONTHS.get(named.group(2), _MONTHS.get(named.group(2)[:3]))
        if month:
            return int(named.group(1)), month, int(named.group(3)) % 100
    return None


_SAME_SHAPE = str.maketrans({"O": "0", "Q": "0", "D": "0", "I": "1", "L": "1", "S": "5"})


# --- reading ---------------------------------------------------------------------------------


@dataclass
class DocumentReading:
    """What was read from the document. Personal fields live in the worker's memory for one
    run and are never stored; ``details`` holds only non-personal facts (booleans, counts).

    ``failure`` is set when the MRZ could not be read or a check digit is wrong; the other
    fields are then empty. ``viz_*`` are the printed zone's values (None when not read).
    """

    details: dict
    failure: Result | None = None
    surname: str = ""  # tidied for people and traces ("Mueller"); see ``mrz`` for the raw form
    given_names: str = ""
    birth_date: datetime.date | None = None
    expiry_date: datetime.date | None = None
    document_number: str = ""
    issuing_state: str = ""
    nationality: str = ""
    document_code: str = ""
    viz_surname: str | None = None
    viz_given_names: str | None = None
    viz_birth_date: str | None = None
    viz_document_number: str | None = None
    mrz: MrzFields | None = field(default=None, repr=False)


def _tidy(mrz_name: str) -> str:
    return " ".join(_words(mrz_name)).title()


def _parse(lines: list[str]) -> MrzFields | None:
    long_lines = [line for line in lines if len(line) >= 40]
    if len(long_lines) >= 2:
        return parse_td3(*_correct_td3(long_lines[-2], long_lines[-1]))
    if len(lines) >= 3:
        return parse_td1(*_correct_td1(lines[-3:]))
    return None


def reading_from_lines(lines: list[str], details: dict | None = None) -> DocumentReading:
    """Parse MRZ lines as read (TD3: the last 2 of 40 or more characters; TD1: the last 3)
    after position-aware O/0 and I/1 fixes, and validate each check digit."""
    details = dict(details or {})
    details["lines_found"] = len(lines)
    fields = _parse(lines)
    if fields is None:
        failure = Result(FAIL, 0.7, "The machine-readable zone could not be read", details)
        return DocumentReading(details, failure=failure)
    details["format"] = fields.format
    details["check_digits"] = dict(fields.check_digits)
    details["format_valid"] = _format_valid(fields)
    details["check_digits_valid"] = all(fields.check_digits.values())
    if not details["check_digits_valid"]:
        wrong = [name.replace("_", " ") for name, ok in fields.check_digits.items() if not ok]
        summary = "The machine-readable zone's check digits are wrong: " + ", ".join(wrong)
        return DocumentReading(details, failure=Result(FAIL, 0.7, summary, details))
    return DocumentReading(
        details,
        surname=_tidy(fields.surname),
        given_names=_tidy(fields.given_names),
        birth_date=birth_date_of(fields.birth_yymmdd),
        expiry_date=expiry_date_of(fields.expiry_yymmdd),
        document_number=fields.document_number,
        issuing_state=fields.issuing_state,
        nationality=fields.nationality,
        document_code=fields.document_code,
        mrz=fields,
    )


def read_document(
    rgb: np.ndarray,
    document_type: str = "",
    viz_rgb=None,
    straight: Straightened | None = None,
) -> DocumentReading:
    """Straighten the photo, read the MRZ and validate each of its check digits, then read
    the printed zone (from ``viz_rgb`` when the data page is another photo, as for a card's
    front; passports print both on one page; cards' backs carry no VIZ)."""
    straight = straight or straighten(rgb)  # the pipeline straightens a page once
    details: dict = {
        "outline_found": straight.outline_found,
        "straightened_degrees": straight.rotated_degrees,
    }
    lines, band = mrz_lines(straight.rgb)
    reading = reading_from_lines(lines, details)
    if reading.failure is not None:
        return reading
    viz_source = mrz_top = None
    if viz_rgb is not None:
        viz_source = straighten(viz_rgb).rgb
    elif reading.mrz.format == "TD3" or document_type in TD3_PASSPORTS:
        viz_source, mrz_top = straight.rgb, band[0] if band else None
    if viz_source is not None:
        viz = read_viz(viz_source, mrz_top)
        reading.viz_surname = viz["surname"]
        reading.viz_given_names = viz["given_names"]
        reading.viz_birth_date = viz["birth_date"]
        reading.viz_document_number = viz["document_number"]
    reading.details["viz_read"] = viz_source is not None
    return reading


# --- comparing -------------------------------------------------------------------------------


def surname_matches(mrz: MrzFields, family_name: str) -> bool:
    """The MRZ's primary identifier is the record's family name written as the MRZ writes
    it. Fillers are ignored (issuers differ on apostrophes); a name field filled to its
    last character may have been truncated, so then the MRZ's name need only begin the
    record's. A record without accents (``Muller``) also matches ``MUELLER``."""
    record = icao_name(family_name)
    if not record or not mrz.surname:
        return False
    mrz_letters, record_letters = _letters(mrz.surname), _letters(record)
    if mrz_letters == record_letters:
        return True
    if mrz.name_field_full and not mrz.given_names and record_letters.startswith(mrz_letters):
        return True
    return family_name.isascii() and _loose(mrz.surname) == _loose(family_name)


def given_names_match(mrz: MrzFields, given_name: str) -> bool:
    """The record's first given name is the MRZ's first given name (a hyphenated first name
    counts as one); further given names on either side are allowed. A truncated name field
    may end in the middle of it (or have room for an initial only)."""
    record_first = icao_name((given_name or "").split(" ")[0] if given_name else "")
    first_words = _words(record_first)
    mrz_words = _words(mrz.given_names)
    if not first_words:
        return False
    if mrz_words[: len(first_words)] == first_words:
        return True
    if mrz.name_field_full:
        mrz_letters = _letters("".join(mrz_words))
        return bool(mrz_letters) and _letters(record_first).startswith(mrz_letters[:20])
    if given_name.isascii():
        return _loose(mrz_words[0] if mrz_words else "") == _loose(first_words[0])
    return False


def _birth_matches(reading: DocumentReading, record_birth) -> bool:
    """The MRZ writes a two-digit year: the record's date matches when its six digits are
    the MRZ's and it is in the past (a 1926 birth, which the MRZ alone would call 2026)."""
    if not record_birth or reading.mrz is None:
        return False
    return record_birth.strftime("%y%m%d") == reading.mrz.birth_yymmdd


def _viz_checks(reading: DocumentReading) -> dict:
    """Each printed value against the MRZ: True, False (contradicts) or None (not read)."""
    mrz = reading.mrz
    checks: dict = {}
    if reading.viz_surname is not None:
        checks["surname"] = _loose(reading.viz_surname) == _loose(mrz.surname) or (
            mrz.name_field_full and _loose(reading.viz_surname).startswith(_loose(mrz.surname))
        )
    if reading.viz_given_names is not None:
        printed, machine = _loose(reading.viz_given_names), _loose(mrz.given_names)
        checks["given_names"] = printed == machine or (
            mrz.name_field_full and printed.startswith(machine)
        )
    if reading.viz_birth_date is not None:
        date = _viz_date(reading.viz_birth_date)
        born = mrz.birth_yymmdd
        checks["birth_date"] = (
            None
            if date is None
            else date
            == (
                int(born[4:6]),
                int(born[2:4]),
                int(born[0:2]),
            )
        )
    if reading.viz_document_number is not None:
        printed = re.sub(r"[^A-Z0-9]", "", reading.viz_document_number.upper())
        checks["document_number"] = printed.translate(_SAME_SHAPE) == (
            mrz.document_number.translate(_SAME_SHAPE)
        )
    return {name: checks.get(name) for name in _CAPTIONS}


def compare_with_record(reading: DocumentReading, record, today=None) -> Result:
    """The document against the NHS record and against itself; result ``machine_readable_zone``.

    Fails when: the MRZ was not read or a check digit is wrong (``reading.failure``); the
    document expired more than ``P9_DOCUMENT_EXPIRY_GRACE_DAYS`` ago; the surname, first
    given name or date of birth differ from the record (``record``: an ``Identity`` or a
    traced ``PatientRecord``; None when no record was found); the printed zone contradicts
    the MRZ (a page whose MRZ was replaced). A printed zone not read in full passes with a
    confidence below the fast track's, so a person looks.
    """
    from django.conf import settings

    if reading.failure is not None:
        return reading.failure
    today = today or datetime.date.today()
    grace = datetime.timedelta(days=settings.P9_DOCUMENT_EXPIRY_GRACE_DAYS)
    details = dict(reading.details)
    mrz = reading.mrz
    expiry = reading.expiry_date
    details["not_expired"] = bool(expiry and expiry >= today)
    details["within_expiry_rule"] = bool(expiry and expiry + grace >= today)
    details["name_field_full"] = mrz.name_field_full
    details["surname_matches"] = bool(record and surname_matches(mrz, record.family_name))
    details["given_names_match"] = bool(record and given_names_match(mrz, record.given_name))
    details["birth_date_matches"] = bool(record and _birth_matches(reading, record.birth_date))
    details["document_number_present"] = bool(reading.document_number)
    viz = _viz_checks(reading) if details.get("viz_read") else {}
    for name, ok in viz.items():
        details[f"viz_{name}_read"] = ok is not None
        details[f"viz_{name}_matches_mrz"] = bool(ok)
    problems = []
    if not details["format_valid"]:
        problems.append("a field of the machine-readable zone is not in ICAO's format")
    if not details["within_expiry_rule"]:
        problems.append("the document has expired")
    if record is None:
        problems.append("there is no NHS record to compare it with")
    else:
        if not details["surname_matches"]:
            problems.append("the surname does not match the NHS record")
        if not details["given_names_match"]:
            problems.append("the first given name does not match the NHS record")
        if not details["birth_date_matches"]:
            problems.append("the date of birth does not match the NHS record")
    contradicted = [name.replace("_", " ") for name, ok in viz.items() if ok is False]
    if contradicted:
        problems.append(
            "the printed page contradicts the machine-readable zone: " + ", ".join(contradicted)
        )
    if problems:
        return Result(FAIL, 0.9, "Check digits valid, but " + "; ".join(problems), details)
    summary = "Check digits valid; in date; names and date of birth match the NHS record"
    if not details["not_expired"]:
        summary = summary.replace("in date", "expired, within the grace period")
    if viz and all(ok for ok in viz.values()):
        return Result(PASS, 0.97, summary + "; the printed page agrees", details)
    if not details.get("viz_read"):
        return Result(PASS, 0.95, summary + " (this side has no printed details)", details)
    return Result(PASS, 0.85, summary + "; the printed page could not all be read", details)


# --- image quality ---------------------------------------------------------------------------


def _text_sharpness(grey: np.ndarray, band) -> float:
    """How steep the print's edges are, whatever the photo's size or contrast.

    The MRZ band (or the lower part of the document) is scaled so its text is ~32 px tall;
    then the strongest second derivatives against the strongest first derivatives: a step
    blurred over s pixels gives a ratio near 1/s. Smoothed first, so sensor noise is not
    taken for detail.
    """
    cv2 = _cv2()
    if band:
        region = grey[band[0] : band[1]]
        lines = 2 if grey.shape[1] > 1.2 * grey.shape[0] else 3
        text_height = (band[1] - band[0]) / lines * 0.55
    else:
        region = grey[int(grey.shape[0] * 0.75) :]
        text_height = grey.shape[0] * 0.04
    if region.size == 0 or text_height <= 0:
        return 0.0
    factor = 32 / text_height
    region = cv2.resize(region, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    region = cv2.GaussianBlur(region.astype(np.float32), (0, 0), 1.0)
    gradient = np.hypot(cv2.Sobel(region, cv2.CV_32F, 1, 0), cv2.Sobel(region, cv2.CV_32F, 0, 1))
    laplacian = np.abs(cv2.Laplacian(region, cv2.CV_32F))
    top_gradient = float(np.percentile(gradient, 99))
    if top_gradient < 1:
        return 0.0
    return float(np.percentile(laplacian, 99)) / top_gradient


def _glare(rgb: np.ndarray, band, cropped: bool) -> tuple[float, float]:
    """The largest blown-out patch (every colour near 255) as a share of the document, and
    the blown-out share of the MRZ band (or the document's lower quarter). When the photo
    was not cropped to the document's outline, a patch touching the photo's edge is white
    paper around the document, not a reflection on it."""
    cv2 = _cv2()
    blown = (rgb.min(axis=2) >= 250).astype(np.uint8)
    count, _, stats, _ = cv2.connectedComponentsWithStats(blown, connectivity=8)
    height, width = blown.shape
    largest = 0
    for i in range(1, count):
        x, y, w, h, area = stats[i]
        if not cropped and (x == 0 or y == 0 or x + w >= width or y + h >= height):
            continue
        largest = max(largest, int(area))
    lower = blown[band[0] : band[1]] if band else blown[int(height * 0.75) :]
    band_share = float(lower.mean())
    return largest / blown.size, band_share


def image_quality(rgb: np.ndarray, straight: Straightened | None = None) -> Result:
    """Size, sharpness and glare, measured on the straightened document: its longer side in
    pixels, the steepness of the MRZ print's edges (normalised for size and contrast), and
    blown-out patches on it (white paper around it is not glare)."""
    straight = straight or straighten(rgb)
    image = straight.rgb
    grey = _grey(image)
    boxes = mrz_line_boxes(image)
    band = (boxes[0][1], boxes[-1][3]) if 2 <= len(boxes) <= 3 else None
    height, width = grey.shape
    sharpness = _text_sharpness(grey, band)
    glare, mrz_glare = _glare(image, band, straight.outline_found)
    problems = []
    if max(width, height) < MIN_DOCUMENT_SIDE:
        problems.append("too small")
    if sharpness < MIN_TEXT_SHARPNESS:
        problems.append("blurred")
    if glare > MAX_GLARE_FRACTION or mrz_glare > MAX_MRZ_GLARE_FRACTION:
        problems.append("glare")
    details = {
        "width": width,
        "height": height,
        "outline_found": straight.outline_found,
        "mrz_band_found": band is not None,
        "sharpness": round(sharpness, 3),
        "glare_fraction": round(glare, 4),
        "mrz_glare_fraction": round(mrz_glare, 4),
    }
    if problems:
        return Result(FAIL, 0.9, "Photo ID is " + " and ".join(problems), details)
    confidence = min(1.0, 0.9 + (sharpness - MIN_TEXT_SHARPNESS))
    return Result(PASS, round(confidence, 3), "Photo ID is sharp, large enough, no glare", details)


# --- a photo of a document, or a digital image ----------------------------------------------


def _sensor_noise(grey: np.ndarray) -> float:
    """Noise (grey levels) in the flat parts of the picture (Immerkær's estimator on pixels
    whose neighbourhood is smooth). A rendered page is exactly flat there: ~0."""
    cv2 = _cv2()
    grey = grey.astype(np.float32)
    kernel = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], dtype=np.float32)
    response = np.abs(cv2.filter2D(grey, -1, kernel))
    gradient = np.hypot(cv2.Sobel(grey, cv2.CV_32F, 1, 0), cv2.Sobel(grey, cv2.CV_32F, 0, 1))
    smooth = cv2.blur((gradient < 40).astype(np.float32), (7, 7)) >= 1.0
    if smooth.sum() < 1000:
        return 0.0
    return float(np.sqrt(np.pi / 2) / 6 * response[smooth].mean())


def _light_spread(grey: np.ndarray) -> float:
    """How much brighter the page's brightest flat region is than its darkest (a share): a
    lamp or window lights a real page unevenly; a render is even."""
    cells = []
    height, width = grey.shape
    for row in range(4):
        for col in range(4):
            cell = grey[
                row * height // 4 : (row + 1) * height // 4,
                col * width // 4 : (col + 1) * width // 4,
            ]
            cells.append(float(np.percentile(cell, 90)))
    brightest = max(cells)
    return (brightest - min(cells)) / brightest if brightest else 0.0


def photographed(rgb: np.ndarray, straight: Straightened | None = None) -> Result:
    """Signs of a photograph of a physical document (result ``document_capture``).

    Passes only when the picture has sensor noise in its flat areas and at least one more
    sign of a camera: background around the document, the document turned or at an angle,
    or uneven light. A generated page (PNG or JPEG: no noise, axis-aligned edge to edge)
    fails. It cannot tell a forged page printed and photographed, nor a render with
    simulated noise and perspective: a person decides whatever this says.
    """
    straight = straight or straighten(rgb)
    small, _ = _resized(rgb, 1200)
    grey = _grey(small)
    noise = _sensor_noise(grey)
    doc_grey, _ = _resized(_grey(straight.rgb), 1200)
    spread = _light_spread(doc_grey)
    details = {
        "sensor_noise": round(noise, 2),
        "noise_present": noise >= MIN_SENSOR_NOISE,
        "background_visible": straight.outline_found,
        "turned_or_at_an_angle": straight.outline_found or abs(straight.rotated_degrees) >= 0.5,
        "uneven_light": spread >= MIN_LIGHT_SPREAD,
        "light_spread": round(spread, 3),
    }
    signs = [
        details["background_visible"],
        details["turned_or_at_an_angle"],
        details["uneven_light"],
    ]
    if details["noise_present"] and any(signs):
        confidence = 0.8 + 0.05 * sum(signs)
        return Result(PASS, round(confidence, 2), "Looks like a photo of a document", details)
    return Result(FAIL, 0.8, "Looks like a digital image, not a photo of a document", details)
