"""Checking what a patient uploads before anything is stored.

The type is decided by the content (magic bytes, then the decoder), never by the name or the
browser's header. Images are fully decoded by Pillow under a decompression-bomb limit, turned
the right way up (EXIF orientation) and re-encoded as JPEG, which drops every metadata tag
(GPS, device) and anything hidden after the picture. Videos are probed with PyAV: a known
container and codec, a video stream, and a duration between 2 and 30 seconds; then the first
video and audio streams are copied, packet for packet (no re-encoding), into a new container
with no metadata, so a phone's location, device and creation tags, other streams (subtitles,
data tracks) and anything appended to the file are not kept.
"""

import hashlib
import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from PIL import Image, ImageFile, ImageOps

try:  # HEIC/HEIF photos from iPhones
    import pillow_heif

    pillow_heif.register_heif_opener()
except ImportError:  # pragma: no cover - pinned in pyproject.toml
    pillow_heif = None

ImageFile.LOAD_TRUNCATED_IMAGES = False
Image.MAX_IMAGE_PIXELS = settings.P9_MAX_IMAGE_MEGAPIXELS * 1_000_000

IMAGE_FORMATS = {"JPEG", "PNG", "WEBP", "HEIF", "AVIF"}
VIDEO_FORMATS = {"matroska,webm", "mov,mp4,m4a,3gp,3g2,mj2"}
VIDEO_CODECS = {"vp8", "vp9", "av1", "h264", "hevc", "mpeg4"}
MIN_VIDEO_SECONDS, MAX_VIDEO_SECONDS = 2, 30
# Bounded from the header, before a frame is decoded: 4K from a phone, no larger.
MAX_VIDEO_SIDE = 3840
MAX_VIDEO_PIXELS = 3840 * 2160
MIN_IMAGE_SIDE = 400
LONGEST_STORED_SIDE = 2400

# Another file type hidden inside a photo (a polyglot): refused outright.
HIDDEN_PAYLOADS = (b"<script", b"<html", b"<?php", b"%PDF-", b"PK\x03\x04", b"<svg")


class UploadRejected(ValueError):
    """The upload cannot be used; the message is shown to the patient as it is."""


@dataclass(frozen=True)
class CleanImage:
    data: bytes
    width: int
    height: int
    content_type: str = "image/jpeg"

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class CleanVideo:
    data: bytes
    content_type: str
    duration: float
    width: int
    height: int
    has_audio: bool

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def _read(upload, limit_mb: int, what: str) -> bytes:
    if upload is None or upload.size == 0:
        raise UploadRejected(f"The selected {what} is empty")
    if upload.size > limit_mb * 1024 * 1024:
        raise UploadRejected(f"The selected {what} must be smaller than {limit_mb}MB")
    upload.seek(0)
    return upload.read()


def _looks_like_image(head: bytes) -> bool:
    return (
        head.startswith(b"\xff\xd8\xff")
        or head.startswith(b"\x89PNG\r\n\x1a\n")
        or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")
        or head[4:8] == b"ftyp"
    )


def clean_image(upload, what: str = "photo") -> CleanImage:
    """Check and clean one uploaded photo. Raises ``UploadRejected`` with a patient message."""
    data = _read(upload, settings.P9_MAX_IMAGE_MB, what)
    return clean_image_bytes(data, what)


def clean_image_bytes(data: bytes, what: str = "photo") -> CleanImage:
    if not _looks_like_image(data[:16]):
        raise UploadRejected(f"The selected {what} must be a JPG, PNG or HEIC photo")
    lowered = data.lower()
    if any(payload.lower() in lowered for payload in HIDDEN_PAYLOADS):
        raise UploadRejected(f"The selected {what} must be a photo only. Take a new photo")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in IMAGE_FORMATS:
                raise UploadRejected(f"The selected {what} must be a JPG, PNG or HEIC photo")
            image.load()
            image = ImageOps.exif_transpose(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UploadRejected(
            f"The selected {what} is too large to check. Take a new photo with your phone"
        ) from None
    except UploadRejected:
        raise
    except (OSError, SyntaxError, ValueError):
        raise UploadRejected(
            f"The selected {what} could not be opened. It may be damaged. Take a new photo"
        ) from None
    if min(image.size) < MIN_IMAGE_SIDE:
        raise UploadRejected(
            f"The selected {what} is too small. Take a new photo that fills the screen"
        )
    image = image.convert("RGB")
    image.thumbnail((LONGEST_STORED_SIDE, LONGEST_STORED_SIDE))
    out = io.BytesIO()
    # A fresh image with pixels only: no EXIF, XMP, ICC or comments survive.
    Image.frombytes("RGB", image.size, image.tobytes()).save(out, "JPEG", quality=90)
    return CleanImage(out.getvalue(), image.width, image.height)


def clean_video(upload) -> CleanVideo:
    """Check one uploaded video with PyAV. Raises ``UploadRejected`` with a patient message."""
    data = _read(upload, settings.P9_MAX_VIDEO_MB, "video")
    return clean_video_bytes(data)


def clean_video_bytes(data: bytes) -> CleanVideo:
    import av

    unreadable = "The selected video could not be played. Record a new video"
    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            if container.format.name not in VIDEO_FORMATS:
                raise UploadRejected("The selected video must be a WebM or MP4 video")
            if not container.streams.video:
                raise UploadRejected("The selected video must have pictures, not only sound")
            stream = container.streams.video[0]
            if stream.codec_context.name not in VIDEO_CODECS:
                raise UploadRejected("The selected video must be a WebM or MP4 video")
            width, height = stream.codec_context.width, stream.codec_context.height
            if not (0 < width <= MAX_VIDEO_SIDE and 0 < height <= MAX_VIDEO_SIDE) or (
                width * height > MAX_VIDEO_PIXELS
            ):
                raise UploadRejected(
                    "The selected video is too large. Record it again with your phone's "
                    "normal camera settings"
                )
            has_audio = bool(container.streams.audio)
            duration = _duration(container, stream)
            content_type = "video/webm" if "webm" in container.format.name else "video/mp4"
    except UploadRejected:
        raise
    except (av.error.FFmpegError, ValueError, IndexError, OSError):
        raise UploadRejected(unreadable) from None
    if duration is None:
        raise UploadRejected(unreadable)
    if duration < MIN_VIDEO_SECONDS:
        raise UploadRejected("The selected video must be at least 2 seconds long")
    if duration > MAX_VIDEO_SECONDS:
        raise UploadRejected("The selected video must be 30 seconds or shorter")
    try:
        data, content_type = _remux_without_metadata(data, content_type)
    except (av.error.FFmpegError, ValueError, OSError):
        raise UploadRejected(unreadable) from None
    return CleanVideo(data, content_type, duration, width, height, has_audio)


# The muxer to try first for each family, then the one that takes any codec of that family.
_MUXERS = {"video/webm": ("webm", "matroska"), "video/mp4": ("mp4", "mov")}
_MUXER_TYPES = {"webm": "video/webm", "matroska": "video/x-matroska", "mp4": "video/mp4"}
_MUXER_TYPES["mov"] = "video/quicktime"


def _remux_without_metadata(data: bytes, content_type: str) -> tuple[bytes, str]:
    """The same pictures and sound in a fresh container: stream copy, no tags, no extra streams.

    Codec parameters travel with each stream (so a phone's rotation is kept); container and
    stream tags (``location``, ``com.apple.quicktime.make``, ``creation_time``, titles) do not.
    """
    import av

    first_error = None
    for muxer in _MUXERS[content_type]:
        try:
            return _remux(data, muxer), _MUXER_TYPES[muxer]
        except (av.error.FFmpegError, ValueError) as error:
            first_error = first_error or error
    raise first_error


def _remux(data: bytes, muxer: str) -> bytes:
    import av

    out = io.BytesIO()
    with av.open(io.BytesIO(data), mode="r") as source:
        kept = [source.streams.video[0], *source.streams.audio[:1]]
        with av.open(out, mode="w", format=muxer) as target:
            copies = {s.index: target.add_stream_from_template(s) for s in kept}
            for copy in copies.values():
                copy.metadata.clear()
            target.metadata.clear()
            for packet in source.demux(kept):
                if packet.dts is None:  # the demuxer's end-of-stream marker
                    continue
                packet.stream = copies[packet.stream.index]
                target.mux(packet)
    return out.getvalue()


def _duration(container, stream) -> float | None:
    """Seconds of video. WebM from MediaRecorder has no duration in its header: read packets."""
    last, first, packets = None, None, 0
    for packet in container.demux(stream):
        if packet.pts is None:
            continue
        packets += 1
        end = float((packet.pts + (packet.duration or 0)) * packet.time_base)
        start = float(packet.pts * packet.time_base)
        first = start if first is None else min(first, start)
        last = end if last is None else max(last, end)
    if not packets:
        return None
    return last - (first or 0.0)
