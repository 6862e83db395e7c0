"""gunicorn's access log without the secret in a password reset link (ADR 0060).

The reset link (``/account/password/reset/<uid>/<token>/``) moves its token into the session
on its first request, so no later request line or Referer holds it; this logger hides it in
that first line too. gunicorn's documented ``--logger-class`` takes a class that behaves like
``gunicorn.glogging.Logger``: this one is that class, with the token replaced in every value
a log format can name (the request line, the path, the Referer, headers, the WSGI environ).
"""

import re

from gunicorn.glogging import Logger

RESET_LINK = re.compile(r"(/password/reset/[^/\s?#]+/)[^/\s?#]+")
HIDDEN = r"\1[hidden]"


def without_secrets(value: str) -> str:
    """``value`` with the token of any password reset link replaced by ``[hidden]``."""
    return RESET_LINK.sub(HIDDEN, value)


class AccessLog(Logger):
    """gunicorn's logger, whose access log lines never hold a password reset token."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {
            name: without_secrets(value) if isinstance(value, str) else value
            for name, value in atoms.items()
        }
