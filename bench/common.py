"""What the benchmarks share: a patient's browser, reading a page's CSRF token, the security
code a patient's phone would show (their newest text message, from the database), and the
machine's speed at this moment (``reference``)."""

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


def reference(key_pem: str | None = None, count: int = 200) -> str:
    """This machine's speed at this moment, alone on a core: one RS512 signature with a
    2048-bit key (``key_pem``, or a new one: the fixed cost every code exchange and refresh
    pays for its ID token) and a fixed pure-Python loop. Figures from runs whose references
    differ do not compare."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    if key_pem:
        key = serialization.load_pem_private_key(key_pem.encode(), None)
    else:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    best_sign = best_loop = float("inf")
    for _ in range(3):
        start = time.process_time()
        for _ in range(count // 3):
            key.sign(b"reference", padding.PKCS1v15(), hashes.SHA512())
        best_sign = min(best_sign, (time.process_time() - start) / (count // 3))
        start = time.process_time()
        total = 0
        for i in range(1_000_000):
            total += i
        best_loop = min(best_loop, time.process_time() - start)
    return (
        f"RS512 signature (RSA-2048) {best_sign * 1000:.2f} ms; "
        f"pure-Python loop of 10^6 additions {best_loop * 1000:.1f} ms"
    )


def bench_database(name: str) -> str:
    """Point this benchmark at a PostgreSQL database of its own, emptied and migrated by it.

    ``DATABASE_URL`` when set (its name must contain "bench": the benchmark empties it), else
    ``name`` on the machine's PostgreSQL (127.0.0.1:5432), made if missing; the machine's Redis
    unless ``REDIS_URL`` / ``CELERY_BROKER_URL`` say otherwise (as ``make bench``'s BENCH_ENV).
    Returns the database URL, also set in the environment for Django.
    """
    import os
    from urllib.parse import urlsplit

    url = os.environ.get("DATABASE_URL") or f"postgres://postgres@127.0.0.1:5432/{name}"
    database = urlsplit(url).path.lstrip("/")
    if "bench" not in database:
        raise SystemExit(f"DATABASE_URL names {database!r}: this bench empties it, use a bench one")
    create_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/5")
    os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/6")
    return url


def create_database(url: str) -> None:
    """Create the PostgreSQL database ``url`` names (``postgres://.../name``) if it is missing."""
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def jane_smith_p5(n: int):
    """A new P5 login for Jane Smith, born 12 April 1985 (the holder of the passports the
    benches generate), with a traced identity; ``n`` keeps its email, phone and NHS number apart."""
    import datetime

    from django.utils import timezone

    from accounts.models import User
    from verification.models import Identity

    user = User.objects.create(
        email=f"bench{n}@example.com",
        email_verified=True,
        phone_number=f"+4477009{n:05d}",
        phone_kind="mobile",
        phone_verified=True,
        proofing_level="P5",
    )
    Identity.objects.create(
        user=user,
        nhs_number=f"94347{n:05d}",
        given_name="Jane",
        family_name="Smith",
        birth_date=datetime.date(1985, 4, 12),
        postcode="LS1 4AP",
        traced_at=timezone.now(),
    )
    return user


def p9_patient(email: str, *, password: str, nhs_number: str, phone: str):
    """A new P9 login with a confirmed mobile (a django-otp device) and a traced NHS record."""
    from django.utils import timezone

    from accounts.models import PhoneDevice, User
    from accounts.services import set_proofing_level
    from verification.models import Identity

    user = User.objects.create_user(
        email,
        password,
        email_verified=True,
        phone_number=phone,
        phone_kind="mobile",
        phone_verified=True,
        terms_accepted_at=timezone.now(),
    )
    PhoneDevice.objects.create(
        user=user, name="mobile", number=user.phone_number, kind="mobile", confirmed=True
    )
    Identity.objects.create(
        user=user,
        nhs_number=nhs_number,
        given_name="Sam",
        family_name="Benchmark",
        birth_date="1980-01-01",
        nation="england",
        gp_ods_code="Y12345",
        traced_at=timezone.now(),
    )
    set_proofing_level(user, "P9", route="demographics trace")
    return user
