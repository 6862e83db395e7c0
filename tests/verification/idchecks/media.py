"""Test media made on the spot: no downloads, no checked-in photos of anybody.

- ``face_image()``: a drawn face that OpenCV's Haar cascade finds (and ``blank_image()`` that
  it does not).
- ``passport_page(...)``: a synthetic passport data page with the face (or a given portrait)
  and a valid TD3 machine-readable zone (``mrz`` makes the lines and check digits, with
  ICAO 9303's transliteration of names such as MÜLLER) in the OCR-B font (Debian package
  fonts-ocr-b); its printed zone (VIZ) can be made to contradict the MRZ, as a forger's would.
- ``photographed(page, ...)``: the page as a phone photo of it: on a desk, tilted, at an
  angle, with uneven light, lens blur, sensor noise and a camera's JPEG.
- ``video_clip(...)``: a webm (VP8 + Opus) or mp4 (H.264 + AAC) clip written with PyAV,
  showing the face, with the 4 numbers spoken by espeak-ng (Debian package espeak-ng).
"""

import datetime
import io
import shutil
import subprocess
import tempfile
import wave
from fractions import Fraction
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

OCR_B = Path("/usr/share/fonts/opentype/ocr-b/OCRB.otf")
SANS = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def _font(path: Path, size: int):
    if path.exists():
        return ImageFont.truetype(str(path), size)
    if path == OCR_B:
        raise RuntimeError("the OCR-B font is missing: run `make test` (installs fonts-ocr-b)")
    return ImageFont.load_default(size)


def face_image(size: int = 400, shift: int = 0) -> Image.Image:
    """A drawn face: skin-coloured oval, hair, eyes with brows, nose and mouth."""
    img = Image.new("RGB", (size, int(size * 1.25)), (200, 210, 225))
    draw = ImageDraw.Draw(img)
    width, height = img.size
    cx, cy = width // 2 + shift, int(height * 0.48)
    fw, fh = int(width * 0.36), int(height * 0.36)
    draw.ellipse(
        [cx - fw - 5, cy - fh - 30, cx + fw + 5, cy + fh - int(fh * 0.6)], fill=(60, 40, 30)
    )
    draw.ellipse([cx - fw, cy - fh, cx + fw, cy + fh], fill=(224, 180, 150))
    ey, ex, er = cy - fh * 0.2, fw * 0.42, fw * 0.14
    for side in (-1, 1):
        x = cx + side * ex
        draw.ellipse(
            [x - er * 1.3, ey - er * 0.7, x + er * 1.3, ey + er * 0.7], fill=(250, 250, 250)
        )
        draw.ellipse([x - er * 0.6, ey - er * 0.6, x + er * 0.6, ey + er * 0.6], fill=(40, 30, 20))
        draw.rectangle(
            [x - er * 1.5, ey - er * 2.0, x + er * 1.5, ey - er * 1.5], fill=(70, 50, 40)
        )
    draw.polygon(
        [(cx, ey), (cx - fw * 0.12, cy + fh * 0.25), (cx + fw * 0.12, cy + fh * 0.25)],
        fill=(200, 150, 125),
    )
    draw.ellipse(
        [cx - fw * 0.35, cy + fh * 0.42, cx + fw * 0.35, cy + fh * 0.58], fill=(170, 80, 80)
    )
    return img.filter(ImageFilter.GaussianBlur(2))


def blank_image(size=(800, 600), colour=(180, 190, 200)) -> Image.Image:
    """A photo with no face (a wall, say)."""
    img = Image.new("RGB", size, colour)
    ImageDraw.Draw(img).rectangle([50, 50, 300, 200], fill=(120, 120, 130))
    return img


def mrz_name(name: str) -> str:
    """A name as the ``mrz`` generator takes it: apostrophes dropped (ICAO 9303)."""
    return name.replace("'", "").replace("\u2019", "")


def mrz_lines(
    surname, given_names, birth_date, expiry, number="123456789", country="GBR", optional=""
):
    from mrz.generator.td3 import TD3CodeGenerator

    code = TD3CodeGenerator(
        "P",
        country,
        mrz_name(surname),
        mrz_name(given_names),
        number,
        country,
        birth_date.strftime("%y%m%d"),
        "F",
        expiry.strftime("%y%m%d"),
        optional,
    )
    return str(code).splitlines()


def portrait_image(portrait, size=(300, 375)) -> Image.Image:
    """A portrait (an RGB array or PIL image) cropped to the photo's shape and sized."""
    img = portrait if isinstance(portrait, Image.Image) else Image.fromarray(np.asarray(portrait))
    img = img.convert("RGB")
    want = size[0] / size[1]
    width, height = img.size
    if width / height > want:  # too wide: crop the sides
        new = int(height * want)
        img = img.crop(((width - new) // 2, 0, (width - new) // 2 + new, height))
    else:  # too tall: keep the top (faces sit high in a portrait)
        new = int(width / want)
        img = img.crop((0, 0, width, new))
    return img.resize(size, Image.LANCZOS)


def passport_page(
    surname="SMITH",
    given_names="JANE",
    birth_date=datetime.date(1985, 4, 12),
    expiry=None,
    number="123456789",
    face=True,
    blur=0,
    portrait=None,
    viz=None,
    mrz=None,
    optional="",
) -> Image.Image:
    """A 1250 by 880 passport data page with a photo and a valid MRZ.

    ``portrait``: a real face (RGB array or PIL image) printed instead of the drawn one.
    ``viz``: printed values that differ from the MRZ's (keys ``surname``, ``given_names``,
    ``birth_date``, ``number``), as on a page whose MRZ a forger has replaced.
    ``mrz``: the two MRZ lines to print instead of the generated ones (broken check digits).
    Names may carry diacritics (``"Müller"``): printed as they are, transliterated in the MRZ.
    """
    expiry = expiry or datetime.date.today() + datetime.timedelta(days=3 * 365)
    printed = {
        "surname": surname,
        "given_names": given_names,
        "birth_date": birth_date,
        "number": number,
    } | (viz or {})
    page = Image.new("RGB", (1250, 880), (236, 228, 240))
    draw = ImageDraw.Draw(page)
    label, text = _font(SANS, 22), _font(SANS, 30)
    draw.text((60, 40), "PASSPORT  UNITED KINGDOM OF GREAT BRITAIN", font=text, fill=(60, 30, 90))
    if portrait is not None:
        photo = portrait_image(portrait)
    else:
        photo = face_image(300) if face else blank_image((300, 375), (225, 225, 230))
    page.paste(photo, (60, 110))
    fields = [
        ("Surname", printed["surname"].upper()),
        ("Given names", printed["given_names"].upper()),
        ("Date of birth", printed["birth_date"].strftime("%d %b %Y").upper()),
        ("Date of expiry", expiry.strftime("%d %b %Y").upper()),
        ("Passport No.", printed["number"]),
    ]
    y = 120
    for name, value in fields:
        draw.text((420, y), name, font=label, fill=(90, 90, 110))
        draw.text((420, y + 26), value, font=text, fill=(10, 10, 20))
        y += 76
    mrz_font = _font(OCR_B, 36)
    lines = mrz or mrz_lines(surname, given_names, birth_date, expiry, number, optional=optional)
    for i, line in enumerate(lines):
        draw.text((40, 700 + i * 64), line, font=mrz_font, fill=(0, 0, 0))
    if blur:
        page = page.filter(ImageFilter.GaussianBlur(blur))
    return page


def _desk(width: int, height: int, rng) -> np.ndarray:
    """A wooden desk: a warm colour with grain and slow changes in tone."""
    import cv2

    base = np.array([150, 110, 75], dtype=np.float32)
    grain = rng.standard_normal((height // 8 + 1, width // 64 + 1), dtype=np.float32)
    grain = cv2.resize(grain, (width, height), interpolation=cv2.INTER_CUBIC)
    return base * (1 + 0.12 * grain[..., None])


def photographed(
    page,
    tilt: float = 2.0,
    perspective: float = 0.04,
    noise: float = 3.0,
    blur: float = 0.8,
    background: float = 0.15,
    scale: float = 1.0,
    light: float = 0.25,
    glare: float = 0.0,
    quality: int = 88,
    seed: int = 0,
) -> Image.Image:
    """The page as a phone would photograph it.

    ``tilt``: degrees the page is turned in the picture. ``perspective``: how much nearer
    the bottom edge is than the top (0 to about 0.2: the phone held at an angle).
    ``background``: the desk's margin around the page, as a share of the page's size (0: the
    page fills the picture, its corners still showing the desk when tilted). ``light``: how
    much darker the far corner is than the lit one. ``glare``: strength (0 to 1) of a lamp's
    reflection over the lower part of the page. ``blur``: the lens's blur in pixels;
    ``noise``: the sensor's noise (standard deviation, in grey levels). ``scale``: the size of
    the photo against the page's. Then a camera's JPEG (``quality``, 4:2:0 colour).
    """
    import cv2

    rng = np.random.default_rng(seed)
    src = np.asarray(page.convert("RGB")).astype(np.float32)
    h, w = src.shape[:2]
    out_w, out_h = int(w * (1 + 2 * background)), int(h * (1 + 2 * background))
    canvas = _desk(out_w, out_h, rng)
    corners = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float32) - [w / 2, h / 2]
    # The far (top) edge looks shorter when the phone is tilted back.
    corners[:2, 0] *= 1 - perspective
    corners[:2, 1] *= 1 - perspective / 2
    angle = np.deg2rad(tilt)
    turn = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    dest = corners @ turn.T + [out_w / 2, out_h / 2]
    source = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(source, dest.astype(np.float32))
    warped = cv2.warpPerspective(src, matrix, (out_w, out_h), flags=cv2.INTER_LINEAR)
    mask = cv2.warpPerspective(np.ones((h, w), np.float32), matrix, (out_w, out_h))[..., None]
    image = cv2.add(
        cv2.multiply(warped, mask.repeat(3, axis=2)),
        cv2.multiply(canvas, 1 - mask.repeat(3, axis=2)),
    )
    # Uneven light: brighter near a lamp at one corner, a little warm.
    ys, xs = np.mgrid[0:out_h, 0:out_w].astype(np.float32)
    lamp = (0.2 * out_w, 0.1 * out_h)
    distance = cv2.magnitude(xs - lamp[0], ys - lamp[1]) / np.float32(np.hypot(out_w, out_h))
    shade = 1.0 - np.float32(light) * distance
    image = cv2.multiply(image, cv2.merge([shade, shade * 0.98, shade * 0.94]))
    if glare:
        cx, cy, spread = 0.55 * out_w, 0.72 * out_h, 0.12 * out_w
        spot = cv2.exp(-((xs - cx) ** 2 + ((ys - cy) * 1.6) ** 2) / np.float32(2 * spread**2))
        image = cv2.add(image, cv2.merge([spot * np.float32(400 * glare)] * 3))
    if blur:
        image = cv2.GaussianBlur(image, (0, 0), blur)
    if noise:
        # Sensor noise: grain in the brightness, and a little in colour, stronger in shadow.
        luma = rng.standard_normal((out_h, out_w, 1), dtype=np.float32) * np.float32(noise)
        chroma = rng.standard_normal((out_h, out_w, 3), dtype=np.float32) * np.float32(noise / 2)
        image = image + (luma + chroma) * (np.float32(1.2) - image / np.float32(400))
    image = np.clip(image, 0, 255).astype(np.uint8)
    if scale != 1.0:
        image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    photo = io.BytesIO()
    Image.fromarray(image).save(photo, "JPEG", quality=quality, subsampling=2)
    return Image.open(io.BytesIO(photo.getvalue())).convert("RGB")


def to_bytes(img: Image.Image, fmt="JPEG", **params) -> bytes:
    out = io.BytesIO()
    img.save(out, fmt, **params)
    return out.getvalue()


def spoken_digits(digits: str) -> np.ndarray:
    """The digits read aloud by espeak-ng (British English) as 16 kHz mono int16 samples."""
    espeak = shutil.which("espeak-ng")
    if not espeak:
        raise RuntimeError("espeak-ng is missing: run `make test` (installs espeak-ng)")
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "digits.wav"
        words = ", ".join(digits)
        subprocess.run(
            [espeak, "-v", "en-us", "-s", "130", "-w", str(wav), words], check=True, timeout=30
        )
        with wave.open(str(wav)) as w:
            rate = w.getframerate()
            samples = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
    if rate != 16000:  # espeak-ng speaks at 22.05 kHz: resample simply, by interpolation
        positions = np.linspace(0, len(samples) - 1, int(len(samples) * 16000 / rate))
        samples = np.interp(positions, np.arange(len(samples)), samples).astype(np.int16)
    return samples


def video_clip(
    seconds: float = 4.0,
    fmt: str = "webm",
    digits: str | None = "4719",
    face: bool = True,
    fps: int = 10,
    size=(320, 400),
) -> bytes:
    """A short clip of the drawn face (moving a little), with the digits spoken."""
    import av

    out = io.BytesIO()
    container = av.open(out, mode="w", format=fmt)
    if fmt == "webm":
        video = container.add_stream("libvpx", rate=fps)
        audio = container.add_stream("libopus", rate=48000)
    else:
        video = container.add_stream("libx264" if _has_codec("libx264") else "mpeg4", rate=fps)
        audio = container.add_stream("aac", rate=48000)
    video.width, video.height = size
    video.pix_fmt = "yuv420p"
    frames = int(seconds * fps)
    for i in range(frames):
        img = face_image(size[0], shift=(i % 10) - 5) if face else blank_image(size)
        img = img.resize(size)
        frame = av.VideoFrame.from_image(img)
        frame.pts = i
        frame.time_base = Fraction(1, fps)
        for packet in video.encode(frame):
            container.mux(packet)
    for packet in video.encode():
        container.mux(packet)

    samples = np.zeros(int(seconds * 16000), dtype=np.int16)
    if digits:
        speech = spoken_digits(digits)[: len(samples) - 8000]
        samples[8000 : 8000 + len(speech)] = speech
    resampler = av.AudioResampler(format=audio.format.name, layout="mono", rate=48000)
    chunk = 1600
    for start in range(0, len(samples), chunk):
        piece = samples[start : start + chunk].reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(piece, format="s16", layout="mono")
        frame.sample_rate = 16000
        frame.pts = start
        frame.time_base = Fraction(1, 16000)
        for resampled in resampler.resample(frame):
            for packet in audio.encode(resampled):
                container.mux(packet)
    for resampled in resampler.resample(None):
        for packet in audio.encode(resampled):
            container.mux(packet)
    for packet in audio.encode():
        container.mux(packet)
    container.close()
    return out.getvalue()


def _has_codec(name: str) -> bool:
    import av

    try:
        av.codec.Codec(name, "w")
    except Exception:
        return False
    return True


def id_card_back(
    surname="SMITH",
    given_names="JANE",
    birth_date=datetime.date(1985, 4, 12),
    expiry=None,
    number="X4RTBPFW4",
    country="FRA",
) -> Image.Image:
    """The back of an ID card (1150 by 720) with a valid TD1 MRZ: 3 lines of 30."""
    from mrz.generator.td1 import TD1CodeGenerator

    expiry = expiry or datetime.date.today() + datetime.timedelta(days=3 * 365)
    code = TD1CodeGenerator(
        "I",
        country,
        number,
        birth_date.strftime("%y%m%d"),
        "F",
        expiry.strftime("%y%m%d"),
        country,
        surname,
        given_names,
    )
    card = Image.new("RGB", (1150, 720), (225, 232, 240))
    draw = ImageDraw.Draw(card)
    draw.text((50, 60), "CARTE NATIONALE D'IDENTITE", font=_font(SANS, 28), fill=(40, 40, 90))
    mrz_font = _font(OCR_B, 44)
    for i, line in enumerate(str(code).splitlines()):
        draw.text((70, 470 + i * 66), line, font=mrz_font, fill=(0, 0, 0))
    return card
