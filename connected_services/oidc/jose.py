"""Compact JWS (RS256/RS512 only) for the token endpoint's hot path, on ``cryptography``.

jwcrypto deep-copies its header registry for every JWS object it makes (three per token
request), which cost more CPU than the RSA signature itself. The keys are still jwcrypto
``JWK`` objects (parsed and cached elsewhere); only the compact serialisation is done here. It
accepts nothing but RS256 and RS512: no ``none``, no HMAC (so no key confusion), no ``crit``
extensions, and a ``kid`` in the header must name one of the given keys.
"""

import base64
import binascii
import functools
import json

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from jwcrypto.common import JWException

HASHES = {"RS256": hashes.SHA256, "RS512": hashes.SHA512}


class InvalidJWS(Exception):
    """Not a compact JWS we accept, or its signature does not verify."""


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _b64decode(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as error:
        raise InvalidJWS("not base64url") from error


def _json_object(data: bytes) -> dict:
    try:
        value = json.loads(data)
    except (ValueError, UnicodeDecodeError) as error:
        raise InvalidJWS("not JSON") from error
    if not isinstance(value, dict):
        raise InvalidJWS("not a JSON object")
    return value


# json.dumps(..., separators=...) builds a new encoder on every call; one is enough.
_compact_json = json.JSONEncoder(separators=(",", ":")).encode


@functools.lru_cache(maxsize=64)
def _encoded_header(alg: str, kid: str) -> str:
    return _b64encode(_compact_json({"typ": "JWT", "alg": alg, "kid": kid}).encode())


def sign(claims: dict, key, *, alg: str, kid: str) -> str:
    """A compact JWT signed with a jwcrypto RSA private key: header ``typ``, ``alg``, ``kid``."""
    if alg not in HASHES:
        raise ValueError(f"unsupported algorithm {alg}")
    signing_input = f"{_encoded_header(alg, kid)}.{_b64encode(_compact_json(claims).encode())}"
    signature = key.get_op_key("sign").sign(
        signing_input.encode(), padding.PKCS1v15(), HASHES[alg]()
    )
    return f"{signing_input}.{_b64encode(signature)}"


def parse(token: str) -> tuple[dict, dict, bytes, bytes]:
    """Header, claims, signing input and signature of a compact JWS, not yet verified."""
    if not isinstance(token, str) or token.count(".") != 2:
        raise InvalidJWS("not a compact JWS")
    header_b64, payload_b64, signature_b64 = token.split(".")
    header = _json_object(_b64decode(header_b64))
    claims = _json_object(_b64decode(payload_b64))
    return header, claims, f"{header_b64}.{payload_b64}".encode(), _b64decode(signature_b64)


def verify(header: dict, signing_input: bytes, signature: bytes, keys, algs) -> None:
    """Check the signature with one of a jwcrypto JWKSet's RSA keys; raise InvalidJWS if not."""
    alg = header.get("alg")
    if alg not in algs or alg not in HASHES:
        raise InvalidJWS("algorithm not allowed")
    if "crit" in header:
        raise InvalidJWS("critical extensions are not supported")
    kid = header.get("kid")
    candidates = [key for key in keys if key.get("kty") == "RSA"]
    if kid is not None:
        candidates = [key for key in candidates if key.get("kid") == kid]
    for key in candidates:
        try:
            public = key.get_op_key("verify")  # honours the key's "use" and "key_ops"
        except JWException:
            continue
        if not isinstance(public, rsa.RSAPublicKey):
            continue
        try:
            public.verify(signature, signing_input, padding.PKCS1v15(), HASHES[alg]())
        except InvalidSignature:
            continue
        return
    raise InvalidJWS("signature does not verify")
