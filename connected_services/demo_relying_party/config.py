"""Where the demo service lives and its key; shared with connected_services.demo (seeding)."""

import os
from pathlib import Path
from urllib.parse import urlsplit

from jwcrypto import jwk

CLIENT_ID = "demo-gp-surgery"
NAME = "Demo GP surgery"
# A second demo service in the same process, under /pharmacy/, that the GP surgery passes a
# signed-in patient to without a second sign-in (single sign-on, ADR 0067).
PHARMACY_CLIENT_ID = "demo-pharmacy"
PHARMACY_NAME = "Demo pharmacy"
PHARMACY_PREFIX = "/pharmacy"
ROOT = Path(__file__).resolve().parents[2]
# The provider's web process is the first in the Procfile; honcho gives the third process
# (this one) PORT + 200.
PORT_OFFSET = 200


def data_dir() -> Path:
    return Path(os.environ.get("DATA_DIR") or ROOT / "var")


def key_path() -> Path:
    return data_dir() / "demo-relying-party" / "private-key.pem"


def load_or_create_key() -> jwk.JWK:
    """The demo service's own RSA key (2048 bits), made on first use and kept under var/."""
    path = key_path()
    if path.exists():
        return jwk.JWK.from_pem(path.read_bytes())
    path.parent.mkdir(parents=True, exist_ok=True)
    key = jwk.JWK.generate(kty="RSA", size=2048)
    path.write_bytes(key.export_to_pem(private_key=True, password=None))
    path.chmod(0o600)
    return key


def provider_port() -> int:
    issuer = os.environ.get("DEMO_RP_ISSUER") or os.environ.get("SITE_URL")
    if issuer:
        return urlsplit(issuer).port or 80
    return int(os.environ.get("PORT") or 8000)


def port() -> int:
    """The demo service's port: DEMO_RP_PORT, or the provider's port + 200."""
    return int(os.environ.get("DEMO_RP_PORT") or provider_port() + PORT_OFFSET)


def redirect_uris(port_number: int, prefix: str = "") -> list[str]:
    return [f"http://{host}:{port_number}{prefix}/callback" for host in ("127.0.0.1", "localhost")]
