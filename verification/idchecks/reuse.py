"""Has this document, or this very picture, been used by another NHS login? (ADR 0046)

A fraudster with one good document, or one good picture of one, tries it on many logins. Each
ID check registers keyed fingerprints (``core.crypto.blind_index``, never the values):

- the issuing state and document number read from the machine-readable zone;
- every picture and clip the patient sent (the SHA-256 of the cleaned file: cleaning is
  deterministic, so the same upload gives the same file).

A fingerprint already registered by another login (or by a login since deleted) fails the
check: such a check is never fast-tracked, and the checker sees why. The patient's own earlier
checks (a retry) do not count. Fingerprints are written before they are compared, so two
logins sending the same document at the same moment each see the other.
"""

from core.crypto import blind_index
from verification.idchecks.checks import FAIL, PASS, UNSURE, Result
from verification.models import DocumentUse, IdCheck

NAME = "document_reuse"
Kind = DocumentUse.Kind


def _document_number_fingerprint(issuing_state: str, document_number: str) -> str:
    number = document_number.replace("<", "").strip().upper()
    return blind_index(f"{issuing_state.strip('<').upper()}:{number}", "id-document-number")


def _picture_fingerprint(sha256: str) -> str:
    return blind_index(sha256, "id-picture")


def fingerprints(check: IdCheck, reading) -> list[tuple[str, str]]:
    """(kind, fingerprint) for the document read (when its MRZ was read) and every upload."""
    found = []
    number = getattr(reading, "document_number", "") if reading is not None else ""
    state = getattr(reading, "issuing_state", "") if reading is not None else ""
    if number and getattr(reading, "failure", None) is None:
        found.append((Kind.DOCUMENT_NUMBER, _document_number_fingerprint(state, number)))
    for media in check.media.all():
        found.append((Kind.PICTURE, _picture_fingerprint(media.sha256)))
    return found


def register_and_compare(check: IdCheck, reading) -> Result:
    """Register this check's fingerprints, then look for any used by another login."""
    found = fingerprints(check, reading)
    for kind, fingerprint in found:
        DocumentUse.objects.get_or_create(
            fingerprint=fingerprint,
            id_check=check,
            defaults={"kind": kind, "user": check.user},
        )
    others = (
        DocumentUse.objects.filter(fingerprint__in=[fp for _, fp in found])
        .exclude(user=check.user)
        .exclude(id_check=check)
    )
    kinds = sorted(set(others.values_list("kind", flat=True)))
    logins = others.values("user").distinct().count()
    details = {
        "document_number_registered": any(k == Kind.DOCUMENT_NUMBER for k, _ in found),
        "pictures_registered": sum(1 for k, _ in found if k == Kind.PICTURE),
        "used_by_other_logins": logins,
        "reused": kinds,
    }
    if kinds:
        what = " and ".join(
            "this document" if kind == Kind.DOCUMENT_NUMBER else "the same photo or video"
            for kind in kinds
        )
        return Result(
            FAIL,
            1.0,
            f"Another NHS login has used {what} ({logins} other login{'s' if logins != 1 else ''})",
            details,
        )
    if not details["document_number_registered"]:
        return Result(
            UNSURE,
            0.5,
            "No document number was read, so only the pictures could be compared",
            details,
        )
    return Result(PASS, 1.0, "No other NHS login has used this document or these pictures", details)
