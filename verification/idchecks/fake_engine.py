"""A deterministic stand-in for the ID check engines, for journey tests and nothing else.

The real engines (``services.MediaReadings``: rapidocr for the MRZ, dlib for faces and
liveness, PyAV for clips, pocketsphinx for the 4 numbers) take seconds per check and are
proved by the pipeline, attack, forgery and upload tests. A journey test proves the pages,
the queue and the decisions around them; ``ID_CHECK_ENGINE=fake`` gives it answers in
milliseconds. Start-up refuses the fake in production (config/settings.py), and so does
``services.readings_for``.

The fake decides from magic inputs, as identity-idp's document fakes do. An upload is
re-encoded before it is stored (``uploads.clean_image_bytes``: no file name, comment or tag
survives), but its size in pixels does, so the magic is the photo ID's width:

=========================  ====================================================================
photo ID width (pixels)    what the fake engine sees
=========================  ====================================================================
``FACE_NOT_THEIRS`` 1201   the live face is not the face on the photo ID (face match fails)
``MRZ_UNREADABLE`` 1202    the machine-readable zone cannot be read
``A_SCREEN`` 1203          a picture of a screen, not a photograph of a document
``NO_DOCUMENT_FACE`` 1204  no face on the photo ID (document face and face match fail)
any other width            every check passes: a sharp photograph of a document that reads as
                           the patient's NHS record (on the route after a failed trace, as the
                           details they entered), passport number ``999999991`` (the fake
                           issuer always confirms it), the same face, live, doing the prompt
=========================  ====================================================================

What does not depend on the media is decided as the real engine decides it: a photo chosen
from a file (no camera clip) fails the camera check; the MRZ reading is compared with the
NHS record, traced, sent to the issuer and registered for reuse by the real code.
"""

import datetime

import numpy as np

from verification.idchecks import camera, checks, document, faces
from verification.idchecks.services import MediaReadings, identity_of
from verification.models import IdCheck, IdCheckMedia

Kind = IdCheckMedia.Kind

FACE_NOT_THEIRS = 1201
MRZ_UNREADABLE = 1202
A_SCREEN = 1203
NO_DOCUMENT_FACE = 1204
MAGIC_WIDTHS = {
    "face_not_theirs": FACE_NOT_THEIRS,
    "mrz_unreadable": MRZ_UNREADABLE,
    "a_screen": A_SCREEN,
    "no_document_face": NO_DOCUMENT_FACE,
}
# The fake issuer (verification/document_checking/fake.py) confirms it whatever the names.
DOCUMENT_NUMBER = "999999991"
FAKE = {"engine": "fake"}  # in every result's details, so a checker's page shows it


def _td3_lines(surname: str, given_names: str, birth_date: datetime.date) -> list[str]:
    """A UK passport's two MRZ lines for these details, with valid check digits."""
    name = f"{document.icao_name(surname)}<<{document.icao_name(given_names)}"
    line1 = f"P<GBR{name}"[:44].ljust(44, "<")
    expiry = datetime.date.today().replace(day=1) + datetime.timedelta(days=5 * 365)
    number = DOCUMENT_NUMBER + document.check_digit(DOCUMENT_NUMBER)
    born = birth_date.strftime("%y%m%d")
    born += document.check_digit(born)
    expires = expiry.strftime("%y%m%d")
    expires += document.check_digit(expires)
    optional = "<" * 14 + "0"
    composite = document.check_digit(number + born + expires + optional)
    return [line1, f"{number}GBR{born}<{expires}{optional}{composite}"]


class FakeReadings(MediaReadings):
    """``MediaReadings`` answered from the photo ID's width instead of the engines."""

    def _magic(self) -> int | None:
        front = self.check.media_of(Kind.DOCUMENT_FRONT)
        return front.width if front else None

    def _size(self, kind: str) -> tuple[int, int]:
        item = self.check.media_of(kind)
        return (item.width or 640, item.height or 480) if item else (640, 480)

    def _document_box(self) -> list[int]:
        """Where a passport prints its photo: the left third, between the top and the MRZ."""
        width, height = self._size(Kind.DOCUMENT_FRONT)
        return [int(width * 0.05), int(height * 0.25), int(width * 0.3), int(height * 0.7)]

    def _live_box(self) -> list[int]:
        kind = Kind.FACE if self.check.method == IdCheck.Method.FACE_SCAN else Kind.VIDEO
        width, height = self._size(kind)
        return [int(width * 0.25), int(height * 0.2), int(width * 0.75), int(height * 0.8)]

    def document(self):
        """The MRZ as the patient's NHS record (or entered details) would print it."""
        if self._magic() == MRZ_UNREADABLE:
            return document.reading_from_lines([], {**FAKE, "viz_read": False})
        if self.check.needs_trace:
            entered = self.check.entered
            person = (
                entered.get("family_name", ""),
                entered.get("given_name", ""),
                self.check.entered_birth_date,
            )
        else:
            identity = identity_of(self.check.user)
            person = (
                (identity.family_name, identity.given_name, identity.birth_date)
                if identity
                else ("", "", None)
            )
        if not person[0] or person[2] is None:
            return document.reading_from_lines([], {**FAKE, "viz_read": False})
        return document.reading_from_lines(_td3_lines(*person), {**FAKE, "viz_read": False})

    def document_face(self):
        if self._magic() == NO_DOCUMENT_FACE:
            return None
        return faces.Face(tuple(self._document_box()), np.zeros((68, 2)), None)

    def live_results(self):
        clip = self.check.media_of(Kind.FACE)
        prompt = clip.liveness_prompt if clip else ""
        details = {
            **FAKE,
            "document_box": self._document_box(),
            "live_box": self._live_box(),
            "live_frame": 0,
        }
        if self._magic() == NO_DOCUMENT_FACE:
            match = checks.Result(
                checks.FAIL,
                0.9,
                "No face found on the photo ID",
                {**FAKE, "problem": "no_document_face"},
            )
        elif self._magic() == FACE_NOT_THEIRS:
            match = checks.Result(
                checks.FAIL,
                0.9,
                "The live face does not match the photo ID (fake engine)",
                {**details, "problem": "different_person"},
            )
        else:
            match = checks.Result(
                checks.PASS, 0.95, "The live face matches the photo ID (fake engine)", details
            )
        summary = f"A live person did the prompt ({prompt})" if prompt else "A live person"
        live = checks.Result(checks.PASS, 0.95, f"{summary} (fake engine)", {**FAKE})
        return match, live

    def image_quality(self):
        return checks.Result(checks.PASS, 0.95, "The photo is sharp, with no glare", {**FAKE})

    def document_capture(self):
        if self._magic() == A_SCREEN:
            return checks.Result(
                checks.FAIL, 0.9, "The photo is of a screen, not of a document", {**FAKE}
            )
        return checks.Result(checks.PASS, 0.95, "A photograph of a real document", {**FAKE})

    def camera(self):
        if self.check.media_of(Kind.DOCUMENT_CLIP) is None:
            return camera.document_camera(None, None)  # chosen from a file: the real rule
        return checks.Result(checks.PASS, 0.95, "The photo was taken by the camera step", {**FAKE})

    def video_face(self):
        return checks.Result(checks.PASS, 0.95, "A face is in the video", {**FAKE})

    def spoken_digits(self):
        if self.check.digits_way != "speak":
            return checks.Result(
                checks.NOT_APPLICABLE,
                0.0,
                "The patient chose to sign or write the numbers",
                advisory=True,
            )
        return checks.Result(
            checks.PASS,
            0.6,
            f"Heard {self.check.digits}, as expected",
            {**FAKE, "match": True},
            advisory=True,
        )

    def face_capture_problem(self, clip, prompt):
        """Every face scan can be kept."""
        return None
