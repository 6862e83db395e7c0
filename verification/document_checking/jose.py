"""The Document Checking Service's message wrapper: sign, encrypt, sign again.

Every request body and every 200 response body is, from the inside out:

1. the JSON message, signed (JWS, compact, ``RS256``) by the sender, with the thumbprints of
   the sender's signing certificate in the protected header (``x5t``: SHA-1, ``x5t#S256``:
   SHA-256, base64url without padding);
2. that JWS encrypted (JWE, compact, ``RSA-OAEP-256`` key wrapping, ``A128CBC-HS256``
   content, ``typ: JWE``) to the receiver's encryption certificate;
3. that JWE signed again, as in 1.

This is the structure in the DCS pilot's public documentation and example client, and what
GOV.UK One Login's passport credential issuer sends (``DcsCryptographyService``). Both the
real client (``hmpo.DcsClient``) and our fake DCS (``fake_dcs``) use these functions, each
with its own keys, so the fake checks exactly what the client produces.
"""

import base64
import hashlib
import json

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from jwcrypto import jwe, jwk, jws
from jwcrypto.common import JWException

SIGNING_ALG = "RS256"
KEY_WRAPPING_ALG = "RSA-OAEP-256"
CONTENT_ENCRYPTION = "A128CBC-HS256"


class WrapperError(Exception):
    """A message that is not signed, encrypted and signed as agreed. Says nothing personal."""


def thumbprints(certificate_pem: bytes) -> tuple[str, str]:
    """The ``x5t`` (SHA-1) and ``x5t#S256`` (SHA-256) thumbprints of a PEM certificate."""
    der = x509.load_pem_x509_certificate(certificate_pem).public_bytes(Encoding.DER)
    return _b64(hashlib.sha1(der).digest()), _b64(hashlib.sha256(der).digest())  # noqa: S324


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


class Signer:
    """A private signing key and the thumbprints of its certificate."""

    def __init__(self, key_pem: bytes, certificate_pem: bytes):
        self.key = jwk.JWK.from_pem(key_pem)
        self.x5t, self.x5t_s256 = thumbprints(certificate_pem)

    def sign(self, payload: str) -> str:
        token = jws.JWS(payload.encode())
        token.add_signature(
            self.key,
            alg=None,
            protected=json.dumps({"alg": SIGNING_ALG, "x5t": self.x5t, "x5t#S256": self.x5t_s256}),
        )
        return token.serialize(compact=True)


class Verifier:
    """A signer's certificate: checks the signature and, when asked, the thumbprints."""

    def __init__(self, certificate_pem: bytes):
        self.key = jwk.JWK.from_pem(certificate_pem)
        self.x5t, self.x5t_s256 = thumbprints(certificate_pem)

    def verify(self, compact: str, *, check_thumbprints: bool) -> str:
        token = jws.JWS()
        token.allowed_algs = [SIGNING_ALG]
        try:
            token.deserialize(compact, key=self.key)
        except (JWException, ValueError, TypeError) as error:
            raise WrapperError(f"signature not valid ({type(error).__name__})") from error
        header = token.jose_header
        if header.get("alg") != SIGNING_ALG:
            raise WrapperError("signature algorithm not RS256")
        if check_thumbprints and (
            header.get("x5t") != self.x5t or header.get("x5t#S256") != self.x5t_s256
        ):
            raise WrapperError("signature thumbprints do not name the registered certificate")
        return token.payload.decode()


def encrypt(payload: str, recipient_certificate_or_key: jwk.JWK) -> str:
    token = jwe.JWE(
        payload.encode(),
        recipient=recipient_certificate_or_key,
        protected=json.dumps({"alg": KEY_WRAPPING_ALG, "enc": CONTENT_ENCRYPTION, "typ": "JWE"}),
    )
    return token.serialize(compact=True)


def decrypt(compact: str, private_key: jwk.JWK) -> str:
    token = jwe.JWE()
    token.allowed_algs = [KEY_WRAPPING_ALG, CONTENT_ENCRYPTION]
    try:
        token.deserialize(compact, key=private_key)
    except (JWException, ValueError, TypeError) as error:
        raise WrapperError(f"cannot decrypt ({type(error).__name__})") from error
    header = token.jose_header
    if header.get("alg") != KEY_WRAPPING_ALG or header.get("enc") != CONTENT_ENCRYPTION:
        raise WrapperError("encryption algorithms not as agreed")
    return token.payload.decode()


def wrap(message: dict, signer: Signer, recipient: jwk.JWK) -> str:
    """Sign, encrypt to ``recipient``, sign again: the body to send."""
    inner = signer.sign(json.dumps(message, separators=(",", ":")))
    return signer.sign(encrypt(inner, recipient))


def unwrap(
    body: str, verifier: Verifier, private_key: jwk.JWK, *, check_thumbprints: bool = True
) -> dict:
    """Check the outer signature, decrypt, check the inner signature: the JSON message."""
    encrypted = verifier.verify(body.strip(), check_thumbprints=check_thumbprints)
    inner = decrypt(encrypted, private_key)
    try:
        message = json.loads(verifier.verify(inner, check_thumbprints=check_thumbprints))
    except ValueError as error:
        raise WrapperError("the signed message is not JSON") from error
    if not isinstance(message, dict):
        raise WrapperError("the signed message is not a JSON object")
    return message
