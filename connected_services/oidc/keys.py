"""The provider's ID token signing keys (held encrypted in the database).

The newest key that is not retired signs. ``rotate_signing_key`` adds a new key and retires
the old one, which stays published in JWKS until the last ID token it signed has expired.
Each process caches the parsed keys for a short while, so a rotation reaches every worker
within ``CACHE_SECONDS``.
"""

import threading
import time
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from jwcrypto import jwk

from connected_services.models import SigningKey

CACHE_SECONDS = 30
_lock = threading.Lock()
_cache: dict = {"at": 0.0, "signing": None, "published": None}
_parsed: dict[str, jwk.JWK] = {}


def _publish_window() -> timedelta:
    """How long a retired key stays published: the life of an ID token, and a margin."""
    return timedelta(seconds=settings.OAUTH2_PROVIDER["ID_TOKEN_EXPIRE_SECONDS"] + 300)


def _to_jwk(key: SigningKey) -> jwk.JWK:
    """The parsed private key. Parsing (which validates the RSA key) costs ~50 ms, so each
    process parses a key once; the ``kid`` is the key's thumbprint, so a new key is always
    a new entry."""
    parsed = _parsed.get(key.kid)
    if parsed is None:
        parsed = jwk.JWK.from_pem(key.private_key_pem.encode(), password=None)
        _parsed[key.kid] = parsed
    return parsed


def create_signing_key() -> SigningKey:
    """Generate a new RSA key; it signs from now on."""
    private = jwk.JWK.generate(kty="RSA", size=settings.OIDC_SIGNING_KEY_SIZE)
    pem = private.export_to_pem(private_key=True, password=None).decode()
    return SigningKey.objects.create(kid=private.thumbprint(), private_key_pem=pem)


@transaction.atomic
def rotate_signing_key() -> SigningKey:
    """Start signing with a new key; retire (but keep publishing) the current ones."""
    now = timezone.now()
    SigningKey.objects.select_for_update().filter(retired_at__isnull=True).update(retired_at=now)
    key = create_signing_key()
    forget_cached_keys()
    return key


def forget_cached_keys() -> None:
    with _lock:
        _cache.update(at=0.0, signing=None, published=None)
        _parsed.clear()


def _load() -> None:
    current = SigningKey.objects.filter(retired_at__isnull=True).order_by("-created_at").first()
    if current is None:
        with transaction.atomic():
            # Two workers may race here on an empty table; the loser's key is retired at once.
            current = create_signing_key()
            SigningKey.objects.filter(retired_at__isnull=True).exclude(pk=current.pk).update(
                retired_at=timezone.now()
            )
    cutoff = timezone.now() - _publish_window()
    published = [
        current,
        *list(SigningKey.objects.filter(retired_at__gt=cutoff).exclude(pk=current.pk)),
    ]
    signing = _to_jwk(current)  # the same values every time: safe to set on the cached key
    signing.update({"kid": current.kid, "use": "sig", "alg": "RS512"})
    keys = []
    for key in published:
        public = jwk.JWK.from_json(_to_jwk(key).export_public())
        public.update({"kid": key.kid, "use": "sig"})
        keys.append(public)
    _cache.update(at=time.monotonic(), signing=signing, published=keys)


def _fresh() -> None:
    with _lock:
        if _cache["signing"] is None or time.monotonic() - _cache["at"] > CACHE_SECONDS:
            _load()


def signing_key() -> jwk.JWK:
    """The private key that signs ID tokens now, with ``kid`` set."""
    _fresh()
    return _cache["signing"]


def published_jwks() -> dict:
    """The public keys for ``/.well-known/jwks.json``."""
    _fresh()
    return {"keys": [key.export_public(as_dict=True) for key in _cache["published"]]}
