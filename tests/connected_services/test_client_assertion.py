"""Client assertions are checked by our own compact-JWS code (connected_services.oidc.jose):
only RS256/RS512 signed by the registered key get through."""

import base64
import hashlib
import hmac
import json
import secrets
import time

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from jwcrypto import jwk
from jwcrypto import jwt as jjwt

from connected_services.oidc import client_assertion, jose

pytestmark = pytest.mark.django_db

AUD = "https://login.example/token"


@pytest.fixture(autouse=True)
def _issuer(settings):
    settings.OIDC_ISSUER = "https://login.example"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _claims(service, **overrides) -> dict:
    now = int(time.time())
    claims = {
        "iss": service.client_id,
        "sub": service.client_id,
        "aud": AUD,
        "exp": now + 60,
        "jti": secrets.token_hex(8),
    }
    claims.update(overrides)
    return claims


def _signed(claims: dict, key: jwk.JWK, alg="RS512", **header) -> str:
    token = jjwt.JWT(header={"alg": alg, "typ": "JWT", **header}, claims=claims)
    token.make_signed_token(key)
    return token.serialize()


def _unsigned(header: dict, claims: dict, signature: bytes = b"") -> str:
    return (
        f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}.{_b64(signature)}"
    )


def _rs512(key: jwk.JWK, header: dict, claims: dict) -> str:
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    signature = key.get_op_key("sign").sign(
        signing_input.encode(), padding.PKCS1v15(), hashes.SHA512()
    )
    return f"{signing_input}.{_b64(signature)}"


def test_a_well_formed_assertion_with_a_critical_header_is_refused(service, rp_key):
    assert client_assertion.verify(_rs512(rp_key, {"alg": "RS512"}, _claims(service)))
    with pytest.raises(client_assertion.AssertionError_):
        client_assertion.verify(
            _rs512(rp_key, {"alg": "RS512", "crit": ["x"], "x": 1}, _claims(service))
        )


def test_rs512_and_rs256_assertions_from_the_registered_key_are_accepted(service, rp_key):
    for alg in ("RS512", "RS256"):
        assert client_assertion.verify(_signed(_claims(service), rp_key, alg)) == service


def test_the_same_assertion_is_accepted_once(service, rp_key):
    token = _signed(_claims(service), rp_key)
    client_assertion.verify(token)
    with pytest.raises(client_assertion.AssertionError_, match="used before"):
        client_assertion.verify(token)


def test_unsigned_hmac_and_tampered_assertions_are_refused(service, rp_key, other_key):
    claims = _claims(service)
    public_pem = rp_key.export_to_pem()
    hs256 = json.dumps({"alg": "HS256"}).encode()
    signing_input = f"{_b64(hs256)}.{_b64(json.dumps(claims).encode())}"
    confused = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    genuine = _signed(_claims(service), rp_key)
    header, payload, signature = genuine.split(".")
    tampered_claims = {**json.loads(base64.urlsafe_b64decode(payload + "==")), "exp": 2**40}
    bad = [
        _unsigned({"alg": "none"}, claims),
        f"{signing_input}.{_b64(confused)}",
        _signed(claims, other_key),
        f"{header}.{_b64(json.dumps(tampered_claims).encode())}.{signature}",
        _signed(_claims(service), rp_key, kid="some-other-key"),
        _rs512(rp_key, {"alg": "RS512", "crit": ["x"], "x": 1}, _claims(service)),
        "a.b",
        "not-a-jwt",
    ]
    for token in bad:
        with pytest.raises(client_assertion.AssertionError_):
            client_assertion.verify(token)


def test_a_changed_registered_key_takes_effect_at_once(service, rp_key, other_key):
    client_assertion.verify(_signed(_claims(service), rp_key))
    service.public_key_pem = other_key.export_to_pem().decode()
    service.save()
    with pytest.raises(client_assertion.AssertionError_, match="does not verify"):
        client_assertion.verify(_signed(_claims(service), rp_key))
    assert client_assertion.verify(_signed(_claims(service), other_key)) == service


def test_id_tokens_signed_here_verify_with_jwcrypto(rp_key):
    key = jwk.JWK(**rp_key.export(as_dict=True))
    token = jose.sign({"sub": "x", "n": 1}, key, alg="RS512", kid="k1")
    public = jwk.JWK.from_json(key.export_public())
    checked = jjwt.JWT(jwt=token, key=public, algs=["RS512"], check_claims=False)
    assert json.loads(checked.claims) == {"sub": "x", "n": 1}
    assert json.loads(checked.header) == {"typ": "JWT", "alg": "RS512", "kid": "k1"}


def test_a_public_clients_assertion_is_refused_even_with_its_old_key(service, rp_key):
    """A service switched to public keeps its key text, but it no longer authenticates."""
    from connected_services.models import Service

    Service.objects.filter(pk=service.pk).update(client_type=Service.CLIENT_PUBLIC)
    with pytest.raises(client_assertion.AssertionError_, match="not registered for private_key"):
        client_assertion.verify(_signed(_claims(service), rp_key))
