"""What happens to a login that other apps may act on, as Django signals (sender: ``User``).

Sent inside the transaction of the change, so a receiver that writes rows (connected
services' security events) commits or rolls back with it.
"""

from django.dispatch import Signal

# The level of proof changed: ``user``, ``previous`` and ``level`` ("P0", "P5", "P9").
proofing_level_changed = Signal()
# The password was changed by the patient or reset from an emailed link: ``user``, ``reset``.
password_changed = Signal()
# Someone asked for a password reset link for this login (account recovery): ``user``.
recovery_started = Signal()
