"""Uploads are checked by content and cleaned before anything is stored."""

import io
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.verification.idchecks import media
from tests.verification.idchecks.conftest import clip, face_jpeg, passport_jpeg
from verification.idchecks import storage
from verification.idchecks.uploads import (
    UploadRejected,
    clean_image,
    clean_image_bytes,
    clean_video,
    clean_video_bytes,
)


def _jpeg_with_exif(orientation=6) -> bytes:
    img = media.face_image(600)
    exif = Image.Exif()
    exif[0x0112] = orientation  # Orientation: rotate 90° clockwise to view
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {2: (51.0, 30.0, 0.0)}  # GPSInfo
    return media.to_bytes(img, exif=exif.tobytes())


def _png_bomb() -> bytes:
    """A tiny PNG that claims to be 20,000  by  20,000 pixels (400 MP)."""
    width = height = 20_000
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = zlib.compress(b"\x00" * (1 + width // 8) * 50)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
    )


def test_it_applies_exif_orientation_then_strips_all_metadata():
    original = _jpeg_with_exif()
    cleaned = clean_image_bytes(original)
    image = Image.open(io.BytesIO(cleaned.data))
    assert image.size == (750, 600)  # 600 by 750 portrait turned by its EXIF orientation
    assert not image.getexif()
    assert b"PhoneMaker" not in cleaned.data
    assert "exif" not in image.info and "icc_profile" not in image.info


def test_it_accepts_png_and_stores_jpeg():
    png = media.to_bytes(media.face_image(600), "PNG")
    cleaned = clean_image_bytes(png)
    assert cleaned.data.startswith(b"\xff\xd8\xff") and cleaned.content_type == "image/jpeg"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "is empty"),
        (b"%PDF-1.7\n" + b"x" * 1000, "must be a JPG, PNG or HEIC photo"),
        (b"GIF89a" + b"\x00" * 2000, "must be a JPG, PNG or HEIC photo"),
        (b"<html><script>alert(1)</script></html>", "must be a JPG, PNG or HEIC photo"),
        (passport_jpeg()[:5000], "could not be opened"),
        (face_jpeg() + b"PK\x03\x04" + b"\x00" * 100, "must be a photo only"),
        (face_jpeg()[:200] + b"<script>alert(1)</script>" + face_jpeg()[200:], "photo only"),
        (_png_bomb(), "too large to check"),
        (media.to_bytes(media.face_image(300).resize((300, 200))), "too small"),
    ],
    ids=[
        "empty",
        "pdf",
        "gif",
        "html",
        "truncated",
        "zip-polyglot",
        "script-polyglot",
        "bomb",
        "tiny",
    ],
)
def test_it_refuses_bad_images_with_a_clear_message(data, message):
    upload = SimpleUploadedFile("passport.jpg", data, content_type="image/jpeg")
    with pytest.raises(UploadRejected, match=message):
        clean_image(upload)


def test_it_refuses_a_huge_file_before_reading_it(settings):
    settings.P9_MAX_IMAGE_MB = 1
    upload = SimpleUploadedFile("big.jpg", b"\xff\xd8\xff" + b"0" * (1024 * 1024 + 1))
    with pytest.raises(UploadRejected, match="smaller than 1MB"):
        clean_image(upload)


def test_it_accepts_webm_and_mp4_and_reads_webm_duration_from_packets():
    webm = clean_video_bytes(clip("webm"))
    mp4 = clean_video_bytes(clip("mp4"))
    assert webm.content_type == "video/webm" and 3.5 <= webm.duration <= 4.5
    assert mp4.content_type == "video/mp4" and 3.5 <= mp4.duration <= 4.5
    assert webm.has_audio and mp4.has_audio


def _tagged(raw: bytes, fmt: str) -> bytes:
    """The clip as a phone might send it: location and device tags, a data track, junk after."""
    import av

    out = io.BytesIO()
    with av.open(io.BytesIO(raw)) as source, av.open(out, "w", format=fmt) as target:
        target.metadata.update({"location": "+51.5074-000.1278/", "make": "PhoneMaker"})
        target.metadata["title"] = "Ffion at home"
        copies = {s.index: target.add_stream_from_template(s) for s in source.streams}
        for copy in copies.values():
            copy.metadata["handler_name"] = "PhoneMaker camera"
        for packet in source.demux():
            if packet.dts is not None:
                packet.stream = copies[packet.stream.index]
                target.mux(packet)
    return out.getvalue() + b"<script>appended</script>" * 4


@pytest.mark.parametrize("fmt", ["webm", "mp4"])
def test_it_keeps_the_pictures_and_sound_of_a_video_but_not_its_tags(fmt):
    import av

    tagged = _tagged(clip(fmt), fmt)
    with av.open(io.BytesIO(tagged)) as container:
        assert any("51.5074" in v for v in container.metadata.values())

    cleaned = clean_video_bytes(tagged)

    for secret in (b"51.5074", b"PhoneMaker", b"Ffion", b"<script>"):
        assert secret not in cleaned.data
    with av.open(io.BytesIO(cleaned.data)) as container:
        assert not any("51.5074" in v for v in container.metadata.values())
        assert len(container.streams.video) == 1 and len(container.streams.audio) == 1
        frames = sum(1 for _ in container.decode(video=0))
    assert frames >= 35  # 4 s at 10 frames a second: every picture is still there
    assert cleaned.content_type == f"video/{fmt}" and 3.5 <= cleaned.duration <= 4.5


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (lambda: clip("webm", seconds=1.0, digits=None), "at least 2 seconds"),
        (lambda: clip("mp4", seconds=31.0, digits=None), "30 seconds or shorter"),
        (lambda: clip("webm")[: len(clip("webm")) // 8], "could not be played|at least 2"),
        (lambda: passport_jpeg(), "WebM or MP4|could not be played"),
        (lambda: b"\x1a\x45\xdf\xa3" + b"\x00" * 500, "could not be played"),
        (
            lambda: media.video_clip(seconds=2.5, digits=None, fps=1, size=(4096, 4096)),
            "too large. Record it again",
        ),
    ],
    ids=["short", "long", "truncated", "photo-as-video", "junk-webm-header", "4096-square"],
)
def test_it_refuses_bad_videos_with_a_clear_message(data, message):
    upload = SimpleUploadedFile("me.webm", data(), content_type="video/webm")
    with pytest.raises(UploadRejected, match=message):
        clean_video(upload)


def test_it_stores_uploads_encrypted_under_unguessable_names(settings):
    cleaned = clean_image_bytes(face_jpeg())
    name = storage.save_encrypted(cleaned.data)
    other = storage.save_encrypted(cleaned.data)
    try:
        assert name != other and len(name.split("/")[-1]) >= 40
        from django.core.files.storage import default_storage

        with default_storage.open(name, "rb") as f:
            raw = f.read()
        assert b"\xff\xd8\xff" not in raw and b"JFIF" not in raw
        assert storage.read_decrypted(name) == cleaned.data
    finally:
        storage.delete(name)
        storage.delete(other)


def test_it_rotates_stored_files_to_a_new_key(settings):
    from cryptography.fernet import Fernet

    from core import crypto

    name = storage.save_encrypted(b"face")
    rotated = ""
    try:
        new_key = Fernet.generate_key().decode()
        settings.FIELD_ENCRYPTION_KEYS = [new_key, *settings.FIELD_ENCRYPTION_KEYS]
        rotated = storage.rotate(name)
        assert rotated != name  # written beside the old file, which the caller then deletes
        settings.FIELD_ENCRYPTION_KEYS = [new_key]
        assert storage.read_decrypted(rotated) == b"face"
    finally:
        crypto._fernet.cache_clear()
        storage.delete(name)
        storage.delete(rotated)


def test_it_accepts_an_iphone_heic_photo_and_stores_jpeg():
    import pillow_heif

    pillow_heif.register_heif_opener()
    out = io.BytesIO()
    media.face_image(600).save(out, format="HEIF", quality=80)
    cleaned = clean_image_bytes(out.getvalue())
    assert cleaned.data.startswith(b"\xff\xd8\xff") and (cleaned.width, cleaned.height) == (
        600,
        750,
    )
