"""Keys and self-signed certificates for running the real client against the fake DCS
(development and tests only: the real DCS's certificates come from the DCS team)."""

import datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

# Each pair: the environment variable naming the private key, and the one naming its certificate
# (None where the other side needs no certificate).
PAIRS = {
    "client-signing": ("DCS_CLIENT_SIGNING_KEY_FILE", "DCS_CLIENT_SIGNING_CERT_FILE"),
    "client-encryption": ("DCS_CLIENT_ENCRYPTION_KEY_FILE", None),
    "dcs-signing": ("FAKE_DCS_SIGNING_KEY_FILE", "DCS_SIGNING_CERT_FILE"),
    "dcs-encryption": ("FAKE_DCS_ENCRYPTION_KEY_FILE", "DCS_ENCRYPTION_CERT_FILE"),
}


def key_and_certificate(common_name: str) -> tuple[bytes, bytes]:
    """A 2048-bit RSA key (PKCS#8 PEM) and a self-signed certificate for it (PEM)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return key_pem, certificate.public_bytes(serialization.Encoding.PEM)


def write(directory: Path) -> dict[str, str]:
    """Write a full set into ``directory``; the settings that name each file."""
    directory.mkdir(parents=True, exist_ok=True)
    settings = {}
    for stem, (key_setting, certificate_setting) in PAIRS.items():
        key_pem, certificate_pem = key_and_certificate(f"fake-dcs {stem}")
        key_file = directory / f"{stem}.key.pem"
        key_file.write_bytes(key_pem)
        key_file.chmod(0o600)
        settings[key_setting] = str(key_file)
        if certificate_setting:
            certificate_file = directory / f"{stem}.cert.pem"
            certificate_file.write_bytes(certificate_pem)
            settings[certificate_setting] = str(certificate_file)
    return settings
