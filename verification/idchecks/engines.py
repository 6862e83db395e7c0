"""The models the checks use, loaded once per worker process.

Every model ships inside a pinned wheel (rapidocr's ONNX models, OpenCV's Haar cascades,
pocketsphinx's en-US acoustic model, dlib's face models in ``face-recognition-models``):
nothing is downloaded at run time. ``preload()`` is
called from Celery's ``worker_process_init`` so the first check does not pay for loading.
"""

import importlib.util
import os
from functools import cache
from pathlib import Path

# One check worker process uses one core: the benchmark's unit, and fair to neighbours.
os.environ.setdefault("OMP_NUM_THREADS", "1")


@cache
def ocr():
    """RapidOCR with the direction classifier off (it flipped MRZ line 2 on clean pages)."""
    from rapidocr import RapidOCR

    return RapidOCR(
        params={
            "Global.use_cls": False,
            "Global.log_level": "critical",
            "EngineConfig.onnxruntime.intra_op_num_threads": 1,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
        }
    )


@cache
def face_detector():
    """OpenCV 4's frontal face Haar cascade (OpenCV 5 wheels ship none)."""
    import cv2

    cv2.setNumThreads(1)
    detector = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")
    if detector.empty():
        raise RuntimeError("OpenCV's face cascade is missing from the wheel")
    return detector


def dlib_models_dir() -> Path:
    """The folder of dlib's model files inside the ``face-recognition-models`` wheel.

    Found without importing the package: its ``__init__`` imports ``pkg_resources``, which a
    uv environment does not have.
    """
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("face-recognition-models is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "models"


@cache
def dlib_face_finder():
    """dlib's HOG frontal face detector (built into dlib: no model file)."""
    import dlib

    return dlib.get_frontal_face_detector()


@cache
def dlib_landmarks():
    """dlib's 68-point face landmark model (iBUG 300-W points: jaw, brows, nose, eyes, mouth)."""
    import dlib

    return dlib.shape_predictor(str(dlib_models_dir() / "shape_predictor_68_face_landmarks.dat"))


@cache
def dlib_face_encoder():
    """dlib's ResNet face descriptor model: 128 numbers per face, same person < 0.6 apart."""
    import dlib

    return dlib.face_recognition_model_v1(
        str(dlib_models_dir() / "dlib_face_recognition_resnet_model_v1.dat")
    )


DIGIT_WORDS = ["zero", "oh", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
DIGIT_GRAMMAR = (
    f"#JSGF V1.0;\ngrammar digits;\npublic <digits> = ( {' | '.join(DIGIT_WORDS)} )+ ;\n"
)


@cache
def speech_decoder():
    """pocketsphinx (en-US model in the wheel) held to a grammar of spoken digits."""
    import pocketsphinx

    decoder = pocketsphinx.Decoder(
        hmm=pocketsphinx.get_model_path("en-us/en-us"),
        dict=pocketsphinx.get_model_path("en-us/cmudict-en-us.dict"),
        loglevel="FATAL",
        samprate=16000,
        bestpath=False,  # the lattice best path took ~1 s per hypothesis and helped nothing
    )
    decoder.add_jsgf_string("digits", DIGIT_GRAMMAR)
    decoder.activate_search("digits")
    return decoder


def preload() -> None:
    """Load every model now (in a fresh worker process), not on the first check."""
    ocr()
    face_detector()
    speech_decoder()
    dlib_face_finder()
    dlib_landmarks()
    dlib_face_encoder()
