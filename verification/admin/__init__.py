"""Django admin for the verification app. One module per area."""

from verification.admin import (
    practices,  # noqa: F401
    provisioning,  # noqa: F401
)
