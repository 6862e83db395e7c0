"""A software passkey for tests: a real EC P-256 key, with the attestation and assertion a
platform authenticator would send, built byte for byte (WebAuthn Level 3, "none" attestation).
It talks to our endpoints the way django-otp-webauthn's scripts do, so nothing of ours is mocked.
"""

import hashlib
import json
import os
import struct
from base64 import urlsafe_b64decode, urlsafe_b64encode

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from django.urls import reverse

RP_ID = "localhost"
ORIGIN = "http://localhost:8000"

UP, UV, AT = 0x01, 0x04, 0x40


def b64url(data: bytes) -> str:
    return urlsafe_b64encode(data).rstrip(b"=").decode()


def from_b64url(text: str) -> bytes:
    return urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SoftPasskey:
    def __init__(self, rp_id: str = RP_ID, origin: str = ORIGIN, *, verify_user: bool = True):
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(32)
        self.rp_id = rp_id
        self.origin = origin
        self.verify_user = verify_user
        self.user_handle = b""
        self.sign_count = 0

    def _flags(self, extra: int = 0) -> int:
        return UP | (UV if self.verify_user else 0) | extra

    def _client_data(self, kind: str, challenge: str) -> bytes:
        return json.dumps(
            {"type": kind, "challenge": challenge, "origin": self.origin, "crossOrigin": False}
        ).encode()

    def _cose_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        return cbor2.dumps(
            {
                1: 2,  # kty: EC2
                3: -7,  # alg: ES256
                -1: 1,  # crv: P-256
                -2: numbers.x.to_bytes(32, "big"),
                -3: numbers.y.to_bytes(32, "big"),
            }
        )

    def attestation(self, options: dict) -> dict:
        """The answer to ``navigator.credentials.create(options)``."""
        assert options["rp"]["id"] == self.rp_id
        self.user_handle = from_b64url(options["user"]["id"])
        auth_data = (
            hashlib.sha256(self.rp_id.encode()).digest()
            + bytes([self._flags(AT)])
            + struct.pack(">I", self.sign_count)
            + bytes(16)  # aaguid
            + struct.pack(">H", len(self.credential_id))
            + self.credential_id
            + self._cose_key()
        )
        attestation_object = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        client_data = self._client_data("webauthn.create", options["challenge"])
        return {
            "id": b64url(self.credential_id),
            "rawId": b64url(self.credential_id),
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "response": {
                "clientDataJSON": b64url(client_data),
                "attestationObject": b64url(attestation_object),
                "transports": ["internal"],
            },
            "clientExtensionResults": {"credProps": {"rk": True}},
        }

    def assertion(self, options: dict) -> dict:
        """The answer to ``navigator.credentials.get(options)``."""
        assert options["rpId"] == self.rp_id
        self.sign_count += 1
        auth_data = (
            hashlib.sha256(self.rp_id.encode()).digest()
            + bytes([self._flags()])
            + struct.pack(">I", self.sign_count)
        )
        client_data = self._client_data("webauthn.get", options["challenge"])
        signature = self.key.sign(
            auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256())
        )
        return {
            "id": b64url(self.credential_id),
            "rawId": b64url(self.credential_id),
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "response": {
                "clientDataJSON": b64url(client_data),
                "authenticatorData": b64url(auth_data),
                "signature": b64url(signature),
                "userHandle": b64url(self.user_handle),
            },
            "clientExtensionResults": {},
        }


def _post_json(client, url: str, data: dict | None = None, **extra):
    return client.post(url, json.dumps(data or {}), content_type="application/json", **extra)


def add_passkey(client, passkey: SoftPasskey, **headers):
    """Run the registration ceremony through our endpoints; the completing response."""
    options = _post_json(client, reverse("accounts:passkey_registration_begin"), **headers)
    assert options.status_code == 200, options.content
    return _post_json(
        client,
        reverse("accounts:passkey_registration_complete"),
        passkey.attestation(options.json()),
        **headers,
    )


def sign_in_with_passkey(client, passkey: SoftPasskey, next_url: str | None = None):
    """Run the sign-in ceremony through our endpoints; the completing response."""
    options = _post_json(client, reverse("accounts:passkey_sign_in_begin"))
    assert options.status_code == 200, options.content
    url = reverse("accounts:passkey_sign_in_complete")
    if next_url:
        from django.utils.http import urlencode

        url += "?" + urlencode({"next": next_url})
    return _post_json(client, url, passkey.assertion(options.json()))
