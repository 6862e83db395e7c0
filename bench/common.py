"""What the sign-in benchmarks share: a patient's browser, reading a page's CSRF token, and
the security code a patient's phone would show (their newest text message, from the
database)."""

import http.client
import re
import time
from urllib.parse import urlencode


class Browser:
    """One patient's browser: a keep-alive connection and a cookie jar."""

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = f"http://127.0.0.1:{self.conn.port}"
            headers["Referer"] = f"http://127.0.0.1:{self.conn.port}{path}"
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        content = response.read().decode()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return response.status, response.getheader("Location", ""), content


def csrf_token(html: str) -> str:
    """The CSRF token of the page's form."""
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def latest_code(user_id: int, after) -> str:
    """The 6-digit code in the patient's newest text message sent after ``after``."""
    from core.models import Notification
    from core.notifications.service import rendered

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        notification = (
            Notification.objects.filter(user_id=user_id, created_at__gte=after, channel="sms")
            .order_by("-created_at")
            .first()
        )
        if notification is not None:
            return re.search(r"\d{6}", rendered(notification)[1]).group(0)
        time.sleep(0.005)
    raise RuntimeError("no code was sent")
