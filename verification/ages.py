"""Ages, and the minimum age to prove who you are to P9 (``P9_MINIMUM_AGE``, default 11, the
figure in the GP good practice guidance). One place for both, so every P9 route (photo ID, GP
online details, the fast track) refuses the same patients."""

import datetime

from django.conf import settings
from django.utils import timezone


def age_on(born: datetime.date, day: datetime.date) -> int:
    """Whole years old on ``day`` (a birthday on 29 February counts from 1 March)."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def old_enough_for_p9(born: datetime.date, today: datetime.date | None = None) -> bool:
    return age_on(born, today or timezone.localdate()) >= settings.P9_MINIMUM_AGE
