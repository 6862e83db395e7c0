from django.urls import path

from connected_services.views import catalogue, provider

app_name = "connected_services"

urlpatterns = [
    path(".well-known/openid-configuration", provider.discovery, name="discovery"),
    path(".well-known/jwks.json", provider.jwks, name="jwks"),
    path("authorize", provider.authorize, name="authorize"),
    path("authorize/consent", provider.consent, name="consent"),
    path("token", provider.token, name="token"),
    path("userinfo", provider.userinfo, name="userinfo"),
    path("revoke", provider.revoke, name="revoke"),
    path("logout", provider.end_session, name="end_session"),
    path("trustmark/<str:host>", provider.trustmark, name="trustmark"),
    path("services/", catalogue.catalogue, name="catalogue"),
    path("services/used/", catalogue.used, name="used"),
    path("services/used/<int:pk>/stop-sharing/", catalogue.withdraw, name="withdraw"),
]
