"""GOV.UK One Login's pages under /account/one-login/, and (never in production) the fake
One Login under /fake-one-login/. Mounted by config/urls.py when ONE_LOGIN_ENABLED."""

from django.conf import settings
from django.urls import include, path

from accounts.one_login import pages, views

app_name = "one_login"

urlpatterns = [
    path("account/one-login/", pages.manage, name="manage"),
    path("account/one-login/link/", pages.before_you_go, name="before_you_go"),
    path("account/one-login/remove/", pages.unlink, name="unlink"),
    path("account/one-login/sign-in/", pages.sign_in, name="sign_in"),
    path("account/one-login/callback/", views.callback, name="callback"),
    path("account/one-login/result/<slug:outcome>/", pages.outcome, name="outcome"),
]

if settings.FAKE_ONE_LOGIN_ENABLED:
    urlpatterns.append(path("fake-one-login/", include("accounts.one_login.fake_urls")))
