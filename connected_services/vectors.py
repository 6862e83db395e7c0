"""Vectors of trust (``vtr``/``vot``), as NHS login uses them (INTERFACE.md).

A vector is a proofing level and the ways the patient must have authenticated, e.g.
``P9.Cp.Cd``. Components in one vector are ANDed; the vectors in a ``vtr`` array are ORed.

``P0.Cp`` (a password alone) is a vector NHS login offers to services that register it; a
password alone never vouches for a proven identity, so ``P5.Cp`` and ``P9.Cp`` are not vectors.
"""

import json
from dataclasses import dataclass

LEVELS = ("P0", "P5", "P9")
CREDENTIALS = ("Cp", "Cd", "Ck", "Cm")
DEFAULT_VTR = ["P9.Cp.Cd", "P9.Cp.Ck", "P9.Cm"]
# The only level a password alone (``Cp`` with nothing else) may vouch for.
PASSWORD_ONLY_LEVEL = "P0"


class VectorError(ValueError):
    pass


@dataclass(frozen=True)
class Vector:
    level: str
    credentials: frozenset[str]
    text: str

    @classmethod
    def parse(cls, text: str) -> "Vector":
        if not isinstance(text, str):
            raise VectorError("a vector must be a string")
        parts = text.split(".")
        levels = [p for p in parts if p in LEVELS]
        credentials = [p for p in parts if p in CREDENTIALS]
        if len(levels) != 1 or not credentials or len(levels) + len(credentials) != len(parts):
            raise VectorError(f"{text!r} is not a vector of trust")
        if len(set(credentials)) != len(credentials):
            raise VectorError(f"{text!r} repeats a component")
        if credentials == ["Cp"] and levels[0] != PASSWORD_ONLY_LEVEL:
            raise VectorError(f"{text!r} is not a vector of trust: a password alone is only P0")
        return cls(levels[0], frozenset(credentials), text)

    @property
    def rank(self) -> int:
        return int(self.level[1:])


def parse_vtr(raw: str | None) -> list[Vector]:
    """The vectors in a ``vtr`` parameter (a JSON array), or the default when absent."""
    if raw is None or raw == "":
        return [Vector.parse(v) for v in DEFAULT_VTR]
    try:
        values = json.loads(raw)
    except ValueError as error:
        raise VectorError("vtr must be a JSON array of vectors") from error
    if not isinstance(values, list) or not values:
        raise VectorError("vtr must be a JSON array of vectors")
    return [Vector.parse(v) for v in values]
