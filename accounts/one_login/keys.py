"""Our private key for ``private_key_jwt`` at One Login's token endpoint.

In production it is ``ONE_LOGIN_PRIVATE_KEY_FILE`` (its public half is registered with One
Login). Outside production, with no file set, one is made under ``DATA_DIR`` on first use and
kept there, so the fake One Login (``fake``) and every process of ``make run`` or a test run
share it.
"""

import functools
import os
from pathlib import Path

from django.conf import settings
from jwcrypto import jwk


def load_or_make_key(path: Path, make) -> jwk.JWK:
    """The key kept in ``path`` (PEM), made with ``make()`` when there is none yet. Two
    processes starting at once agree: the file is linked into place only if absent."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        key = make()
        temporary = path.with_name(f".{path.name}.{os.getpid()}")
        temporary.write_bytes(key.export_to_pem(private_key=True, password=None))
        os.chmod(temporary, 0o600)
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process made one first: use theirs
        finally:
            temporary.unlink()
    return jwk.JWK.from_pem(path.read_bytes())


@functools.cache
def client_key() -> jwk.JWK:
    """Our RSA private key (with ``kid``) for signing client assertions."""
    if settings.ONE_LOGIN_PRIVATE_KEY_FILE:
        key = jwk.JWK.from_pem(Path(settings.ONE_LOGIN_PRIVATE_KEY_FILE).read_bytes())
    else:
        key = load_or_make_key(
            settings.DATA_DIR / "one-login" / "client-key.pem",
            lambda: jwk.JWK.generate(kty="RSA", size=2048),
        )
    data = key.export(private_key=True, as_dict=True)
    return jwk.JWK(**{**data, "kid": key.thumbprint(), "alg": "RS256", "use": "sig"})
