"""The fake One Login, mounted at /fake-one-login/ outside production (accounts.one_login.urls)."""

from django.urls import path

from accounts.one_login import fake

app_name = "fake_one_login"

urlpatterns = [
    path(".well-known/openid-configuration", fake.discovery, name="discovery"),
    path(".well-known/jwks.json", fake.jwks, name="jwks"),
    path(".well-known/did.json", fake.did, name="did"),
    path("authorize", fake.authorize, name="authorize"),
    path("token", fake.token, name="token"),
    path("userinfo", fake.userinfo, name="userinfo"),
]
