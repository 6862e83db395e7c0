"""Proving who you are. One module per area; each is imported here for Django."""

from verification.models.demographics import SyntheticPatient, TraceAttempt  # noqa: F401
from verification.models.idchecks import (  # noqa: F401
    AutomatedCheck,
    DocumentType,
    DocumentUse,
    IdCheck,
    IdCheckMedia,
)
from verification.models.identity import Identity, Nation
from verification.models.practices import *  # noqa: F403
from verification.models.provisioning import *  # noqa: F403

__all__ = ["Identity", "Nation"]
