"""Pages for creating a login, signing in and managing it. One module per journey."""

from accounts.views.account import (
    activity,
    browsers,
    change_email,
    change_password,
    change_phone,
    confirm_new_email,
    confirm_new_phone,
    home,
    resend_new_email_code,
    resend_new_phone_code,
)
from accounts.views.data_rights import delete_login, download_data, login_deleted
from accounts.views.password_reset import new_password, password_forgotten, password_reset
from accounts.views.sign_in import resend_sign_in_code, security_code, sign_in, sign_out
from accounts.views.sign_up import (
    confirm_email,
    confirm_phone,
    create,
    phone,
    resend_email_code,
    resend_phone_code,
)

__all__ = [
    "activity",
    "browsers",
    "change_email",
    "change_password",
    "change_phone",
    "confirm_email",
    "confirm_new_email",
    "confirm_new_phone",
    "confirm_phone",
    "create",
    "delete_login",
    "download_data",
    "home",
    "login_deleted",
    "new_password",
    "password_forgotten",
    "password_reset",
    "phone",
    "resend_email_code",
    "resend_new_email_code",
    "resend_new_phone_code",
    "resend_phone_code",
    "resend_sign_in_code",
    "security_code",
    "sign_in",
    "sign_out",
]
