"""NHS England's signed JWT authentication for PDS: end to end over HTTP against our fake token
endpoint and fake PDS, and the start-up checks of its settings."""

import datetime
import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.cache import cache
from jwcrypto import jwt

from tests.verification.factories import SyntheticPatientFactory
from verification.demographics import Outcome, TraceQuery
from verification.demographics.auth import SignedJwtAuth
from verification.demographics.fhir import PdsFhirClient

BORN = datetime.date(1990, 2, 14)
API_KEY = "bench-api-key-0123456789"
KEY_ID = "test-1"
ROOT = Path(__file__).resolve().parents[2]


def _pem() -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


@pytest.fixture(scope="module")
def key_pem() -> bytes:
    return _pem()


@pytest.fixture
def registered(settings, tmp_path, key_pem):
    """Our application as registered with the (fake) token endpoint."""
    key_file = tmp_path / "pds-key.pem"
    key_file.write_bytes(key_pem)
    settings.PDS_API_KEY = API_KEY
    settings.PDS_KEY_ID = KEY_ID
    settings.PDS_PRIVATE_KEY_FILE = str(key_file)
    return key_file


@pytest.fixture
def token_url(live_server):
    return f"{live_server.url}/fake-pds/oauth2/token"


def _client(live_server, auth) -> PdsFhirClient:
    return PdsFhirClient(f"{live_server.url}/fake-pds/FHIR/R4", auth=auth)


class CountingAuth(SignedJwtAuth):
    """The real thing, counting the tokens it asks the token endpoint for."""

    asked = 0

    def _new_token(self):
        self.asked += 1
        return super()._new_token()


def test_a_trace_gets_a_token_with_a_signed_jwt_and_reuses_it(
    live_server, transactional_db, registered, token_url, key_pem
):
    patient = SyntheticPatientFactory()
    auth = CountingAuth(token_url, API_KEY, key_pem, KEY_ID)
    client = _client(live_server, auth)
    query = TraceQuery(BORN, "CF10 1EP", nhs_number=patient.nhs_number)
    assert client.trace(query).outcome is Outcome.MATCHED
    assert client.trace(query).outcome is Outcome.MATCHED
    assert auth.asked == 1  # one token, kept in the shared cache, for both traces
    # Another process (a new client, the same cache) uses the same token.
    other = CountingAuth(token_url, API_KEY, key_pem, KEY_ID)
    assert _client(live_server, other).trace(query).outcome is Outcome.MATCHED
    assert other.asked == 0


def test_the_client_assertion_is_what_nhs_england_asks_for(key_pem):
    auth = SignedJwtAuth("https://api.service.nhs.uk/oauth2/token", API_KEY, key_pem, KEY_ID)
    first, second = auth.assertion(), auth.assertion()
    checked = jwt.JWT(jwt=first, key=auth.key.public(), algs=["RS512"])
    header = json.loads(checked.header)
    claims = json.loads(checked.claims)
    assert header == {"alg": "RS512", "typ": "JWT", "kid": KEY_ID}
    assert claims["iss"] == claims["sub"] == API_KEY
    assert claims["aud"] == "https://api.service.nhs.uk/oauth2/token"
    assert claims["exp"] - claims["iat"] == 300
    other = json.loads(jwt.JWT(jwt=second, key=auth.key.public()).claims)
    assert claims["jti"] != other["jti"]


def test_a_token_pds_refuses_is_replaced_once(
    live_server, transactional_db, registered, token_url, key_pem
):
    patient = SyntheticPatientFactory()
    auth = CountingAuth(token_url, API_KEY, key_pem, KEY_ID)
    client = _client(live_server, auth)
    query = TraceQuery(BORN, "CF10 1EP", nhs_number=patient.nhs_number)
    assert client.trace(query).outcome is Outcome.MATCHED
    stale = cache.get(auth.cache_key)
    cache.delete(f"fake-pds-token:{stale}")  # PDS no longer accepts it (expired early)
    assert client.trace(query).outcome is Outcome.MATCHED
    assert auth.asked == 2
    assert cache.get(auth.cache_key) != stale


def test_a_token_endpoint_that_refuses_us_makes_the_trace_unavailable(
    live_server, transactional_db, registered, token_url, key_pem, caplog
):
    patient = SyntheticPatientFactory()
    auth = SignedJwtAuth(token_url, API_KEY, key_pem, "not-our-key")
    result = _client(live_server, auth).trace(
        TraceQuery(BORN, "CF10 1EP", nhs_number=patient.nhs_number)
    )
    assert result.outcome is Outcome.UNAVAILABLE
    assert "PDS token endpoint answered 401 (invalid_request)" in caplog.text
    wrong_key = SignedJwtAuth(token_url, API_KEY, _pem(), KEY_ID)
    assert (
        _client(live_server, wrong_key)
        .trace(TraceQuery(BORN, "CF10 1EP", nhs_number=patient.nhs_number))
        .outcome
        is Outcome.UNAVAILABLE
    )


def test_the_fake_token_endpoint_refuses_a_replayed_assertion(
    live_server, transactional_db, registered, token_url, key_pem
):
    assertion = SignedJwtAuth(token_url, API_KEY, key_pem, KEY_ID).assertion()
    form = {
        "grant_type": "client_credentials",
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": assertion,
    }
    first = httpx.post(token_url, data=form)
    assert first.status_code == 200
    body = first.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == "599"
    again = httpx.post(token_url, data=form)
    assert again.status_code == 400
    assert "jti" in again.json()["error_description"]
    assert httpx.post(token_url, data={**form, "grant_type": "password"}).status_code == 400


def test_an_unreachable_token_endpoint_makes_the_trace_unavailable(key_pem, caplog):
    auth = SignedJwtAuth("http://127.0.0.1:9/oauth2/token", API_KEY, key_pem, KEY_ID)
    client = PdsFhirClient("http://127.0.0.1:9/FHIR/R4", auth=auth, sleep=lambda _s: None)
    result = client.trace(TraceQuery(BORN, "CF10 1EP", nhs_number="9434765870"))
    assert result.outcome is Outcome.UNAVAILABLE
    assert "PDS token endpoint unreachable (ConnectError)" in caplog.text
    assert "9434765870" not in caplog.text


def test_from_settings_uses_signed_jwt_authentication_when_an_api_key_is_set(registered):
    client = PdsFhirClient.from_settings()
    assert isinstance(client.auth, SignedJwtAuth)
    assert client.auth.api_key == API_KEY and client.auth.key_id == KEY_ID


def _start_up(**environment) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PDS_")}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", **environment)
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_start_up_refuses_an_api_key_without_its_private_key(tmp_path):
    refused = _start_up(PDS_API_KEY=API_KEY)
    assert refused.returncode != 0
    assert "PDS_API_KEY needs PDS_PRIVATE_KEY_FILE and PDS_KEY_ID" in refused.stderr
    missing = _start_up(
        PDS_API_KEY=API_KEY, PDS_KEY_ID=KEY_ID, PDS_PRIVATE_KEY_FILE=str(tmp_path / "none.pem")
    )
    assert "PDS_PRIVATE_KEY_FILE must name a readable file" in missing.stderr
    key_file = tmp_path / "key.pem"
    key_file.write_bytes(b"-----BEGIN PRIVATE KEY-----\n")
    assert (
        _start_up(PDS_API_KEY=API_KEY, PDS_KEY_ID=KEY_ID, PDS_PRIVATE_KEY_FILE=str(key_file))
    ).returncode == 0
