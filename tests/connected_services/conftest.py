"""Fixtures for the OpenID Connect provider: a registered service and a relying party."""

import pytest
from jwcrypto import jwk

from tests.connected_services.relying_party import RelyingParty, make_service


@pytest.fixture(scope="session")
def rp_key() -> jwk.JWK:
    """The relying party's RSA key (generated once per test run)."""
    return jwk.JWK.generate(kty="RSA", size=2048)


@pytest.fixture(scope="session")
def other_key() -> jwk.JWK:
    return jwk.JWK.generate(kty="RSA", size=2048)


@pytest.fixture
def issuer(live_server, settings):
    """The provider at the live server's address."""
    settings.OIDC_ISSUER = live_server.url
    return live_server.url


@pytest.fixture
def service(db, rp_key):
    return make_service(rp_key)


@pytest.fixture
def rp(issuer, service, rp_key):
    with RelyingParty(issuer, service.client_id, rp_key) as party:
        yield party


@pytest.fixture(autouse=True)
def _fresh_signing_keys():
    """Each test's database starts empty, so no process may keep a key from an earlier one."""
    from connected_services.oidc import keys

    keys.forget_cached_keys()
    yield
    keys.forget_cached_keys()
