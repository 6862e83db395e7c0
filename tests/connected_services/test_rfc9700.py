"""RFC 9700 (OAuth 2.0 Security Best Current Practice) as django-oauth-toolkit's deploy
checks see it, and access tokens never taken from a URL (issue 14, finding 10)."""

import pytest
from django.core import checks

pytestmark = pytest.mark.django_db(transaction=True)

# The RFC 9700 gates this provider meets (docs/connected-services.md, "RFC 9700"):
# no implicit grant, no password grant, PKCE S256 only, no access token in a URL, tokens
# hashed at rest.
MET = {
    "oauth2_provider.W001",
    "oauth2_provider.W002",
    "oauth2_provider.W003",
    "oauth2_provider.W004",
    "oauth2_provider.W006",
    "oauth2_provider.E001",  # hashed tokens with a refresh grace period
}


def test_the_deploy_checks_raise_none_of_the_rfc_9700_warnings_we_meet():
    raised = {message.id for message in checks.run_checks(include_deployment_checks=True)}
    assert not raised & MET, sorted(raised & MET)


def test_userinfo_never_takes_an_access_token_from_the_url(rp, patient):
    token = rp.sign_in(patient, vtr=["P0.Cp.Cd"])["access_token"]
    url = rp.metadata["userinfo_endpoint"]
    in_query = rp.http.get(url, params={"access_token": token})
    assert in_query.status_code == 400
    assert in_query.headers["www-authenticate"].startswith("Bearer ")
    assert 'error="invalid_request"' in in_query.headers["www-authenticate"]
    assert "not the URL" in in_query.json()["error_description"]
    assert "email" not in in_query.text and "sub" not in in_query.json()
    # Not even beside a good Authorization header, nor on a POST.
    beside = rp.http.get(
        url, params={"access_token": token}, headers={"Authorization": f"Bearer {token}"}
    )
    assert beside.status_code == 400
    posted = rp.http.post(url, params={"access_token": token})
    assert posted.status_code == 400
    # The header still works.
    assert rp.userinfo(token).status_code == 200
