"""The document's issuer: is this document valid for these details? One interface,
``check_document(query)``, two implementations.

- ``fake``: a deterministic rule in this process (``fake.py``: magic document numbers and the
  demo's passport), for development, tests and the demo.
- ``hmpo``: HM Passport Office's Document Checking Service over HTTP (``hmpo.DcsClient``:
  signed and encrypted JOSE messages, mutual TLS). Pointed at our own fake DCS
  (``/fake-dcs/checks/passport``, served outside production) it exercises the real client
  end to end; pointed at the DCS it is the production client.

``settings.DOCUMENT_CHECKING_SERVICE`` chooses. Both answer NOT_SUPPORTED, without asking
anyone, for anything but a UK passport. Only VALID may ever count towards a fast track:
INVALID, NOT_SUPPORTED and UNAVAILABLE all leave the decision to a person.
"""

from django.conf import settings

from verification.document_checking.types import (
    DocumentCheckAnswer,
    DocumentCheckOutcome,
    DocumentCheckQuery,
    DocumentKind,
)

__all__ = [
    "DocumentCheckAnswer",
    "DocumentCheckOutcome",
    "DocumentCheckQuery",
    "DocumentKind",
    "check_document",
    "service",
]


def service():
    """The implementation chosen in settings."""
    if settings.DOCUMENT_CHECKING_SERVICE == "hmpo":
        from verification.document_checking.hmpo import DcsClient

        return DcsClient.from_settings()
    from verification.document_checking.fake import FakeDocumentChecking

    return FakeDocumentChecking()


def check_document(query: DocumentCheckQuery) -> DocumentCheckAnswer:
    """Ask the document's issuer whether it is valid for the details in ``query``."""
    implementation = service()
    try:
        return implementation.check(query)
    finally:
        if close := getattr(implementation, "close", None):
            close()
