from django.urls import path

from accounts import views
from accounts.views import authenticator_app, passkeys, proofing_notice

app_name = "accounts"

urlpatterns = [
    path("", views.home, name="home"),
    path("activity/", views.activity, name="activity"),
    # Creating a login
    path("create/", views.create, name="create"),
    path("create/confirm-email/", views.confirm_email, name="confirm_email"),
    path("create/confirm-email/new-code/", views.resend_email_code, name="resend_email_code"),
    path("create/phone/", views.phone, name="phone"),
    path("create/confirm-phone/", views.confirm_phone, name="confirm_phone"),
    path("create/confirm-phone/new-code/", views.resend_phone_code, name="resend_phone_code"),
    # Signing in and out
    path("sign-in/", views.sign_in, name="sign_in"),
    path("sign-in/security-code/", views.security_code, name="security_code"),
    path("sign-in/security-code/new-code/", views.resend_sign_in_code, name="resend_sign_in_code"),
    path("sign-out/", views.sign_out, name="sign_out"),
    path("password/forgotten/", views.password_forgotten, name="password_forgotten"),
    # The link in the email; it moves the token into the session and goes on to the next page.
    path("password/reset/<str:uidb64>/<str:token>/", views.password_reset, name="password_reset"),
    path("password/reset/new-password/", views.new_password, name="new_password"),
    # "If this was not you", from the email sent after any P9 (signed out is fine)
    path("not-you/", proofing_notice.not_you, name="not_you"),
    path("not-you/done/", proofing_notice.not_you_done, name="not_you_done"),
    # Passkeys: the settings page and the sign-in with a passkey (accounts/views/passkeys.py)
    *passkeys.urlpatterns,
    # An authenticator app: settings and the sign-in step (accounts/views/authenticator_app.py)
    *authenticator_app.urlpatterns,
    # Settings
    path("email/", views.change_email, name="change_email"),
    path("email/confirm/", views.confirm_new_email, name="confirm_new_email"),
    path("email/confirm/new-code/", views.resend_new_email_code, name="resend_new_email_code"),
    path("phone/", views.change_phone, name="change_phone"),
    path("phone/confirm/", views.confirm_new_phone, name="confirm_new_phone"),
    path("phone/confirm/new-code/", views.resend_new_phone_code, name="resend_new_phone_code"),
    path("password/", views.change_password, name="change_password"),
    path("browsers/", views.browsers, name="browsers"),
    # Your data
    path("download-your-data/", views.download_data, name="download_data"),
    path("delete/", views.delete_login, name="delete_login"),
    path("deleted/", views.login_deleted, name="login_deleted"),
]
