"""Emails, texts and calls about logins, in plain English (see core/notifications)."""

from core.notifications import Message, register

EMAIL_SECURITY_CODE = register(
    Message(
        "accounts.email_security_code",
        "email",
        subject="Your NHS login security code",
        body=(
            "Your NHS login security code is ((code))\n\n"
            "It expires in 15 minutes. Do not share it with anyone.\n\n"
            "If you did not ask for this code, you can ignore this email."
        ),
    )
)
SMS_SECURITY_CODE = register(
    Message(
        "accounts.sms_security_code",
        "sms",
        body="Your NHS login security code is ((code)). Do not share it with anyone.",
    )
)
VOICE_SECURITY_CODE = register(
    Message(
        "accounts.voice_security_code",
        "voice",
        body="This is NHS login. Your security code is ((spoken_code)). Again: ((spoken_code)).",
    )
)
ACCOUNT_ALREADY_EXISTS = register(
    Message(
        "accounts.account_already_exists",
        "email",
        subject="Someone tried to create an NHS login with your email address",
        body=(
            "Someone tried to create an NHS login with this email address, but you already "
            "have one.\n\nIf this was you, sign in at ((sign_in_url))\n\n"
            "If you have forgotten your password, you can reset it at ((reset_url))\n\n"
            "If this was not you, you do not need to do anything."
        ),
    )
)
EMAIL_ALREADY_USED_FOR_CHANGE = register(
    Message(
        "accounts.email_already_used_for_change",
        "email",
        subject="Someone tried to use your email address for another NHS login",
        body=(
            "Someone tried to change the email address of another NHS login to this "
            "address. This address is already used by your NHS login, and each email address "
            "can be used by one NHS login only, so we did not change anything.\n\n"
            "Your NHS login has not changed. You can sign in as usual at ((sign_in_url))\n\n"
            "If you have 2 NHS logins and meant to move this address to the other one, sign "
            "in to this login and change its email address first.\n\n"
            "If this was not you, you do not need to do anything."
        ),
    )
)
ACCOUNT_LOCKED = register(
    Message(
        "accounts.account_locked",
        "email",
        subject="Your NHS login has been locked for ((minutes)) minutes",
        body=(
            "There were too many attempts to sign in to your NHS login, so we have locked it "
            "for ((minutes)) minutes.\n\nIf this was not you, reset your password at "
            "((reset_url)) once the lock ends."
        ),
    )
)
PASSWORD_RESET_LINK = register(
    Message(
        "accounts.password_reset_link",
        "email",
        subject="Reset your NHS login password",
        body=(
            "Someone asked to reset the password for your NHS login.\n\n"
            "To choose a new password, go to ((reset_url))\n\n"
            "The link works once and stops working after ((hours)) hours.\n\n"
            "If you did not ask for this, you do not need to do anything."
        ),
    )
)
PASSWORD_RESET_NO_ACCOUNT = register(
    Message(
        "accounts.password_reset_no_account",
        "email",
        subject="Reset your NHS login password",
        body=(
            "Someone asked to reset the password for an NHS login using this email address, "
            "but there is no NHS login with this email address.\n\n"
            "You can create one at ((create_url))\n\n"
            "If you did not ask for this, you do not need to do anything."
        ),
    )
)
EMAIL_ADDRESS_CHANGED = register(
    Message(
        "accounts.email_address_changed",
        "email",
        subject="The email address for your NHS login has changed",
        body=(
            "The email address for your NHS login has been changed. We will now send emails "
            "to the new address.\n\nIf you did not do this, contact us straight away."
        ),
    )
)
PASSWORD_WAS_CHANGED = register(
    Message(
        "accounts.password_changed",
        "email",
        subject="Your NHS login password has changed",
        body=(
            "The password for your NHS login has been changed.\n\n"
            "We have signed you out on your other browsers. Every browser will need a "
            "security code the next time you sign in.\n\n"
            "If you did not do this, reset your password at ((reset_url))"
        ),
    )
)
PHONE_NUMBER_CHANGED = register(
    Message(
        "accounts.phone_number_changed",
        "email",
        subject="The phone number for your NHS login has changed",
        body=(
            "The phone number for your NHS login has been changed. We will now send security "
            "codes to the new number.\n\nIf you did not do this, contact us straight away."
        ),
    )
)
PASSKEY_WAS_ADDED = register(
    Message(
        "accounts.passkey_added",
        "email",
        subject="A passkey was added to your NHS login",
        body=(
            "A passkey was added to your NHS login: ((passkey_name)). It can be used to sign in "
            "without a password or a security code.\n\n"
            "If you did not do this, remove it straight away at ((passkeys_url)) and reset "
            "your password at ((reset_url))"
        ),
    )
)
PASSKEY_WAS_REMOVED = register(
    Message(
        "accounts.passkey_removed",
        "email",
        subject="A passkey was removed from your NHS login",
        body=(
            "A passkey was removed from your NHS login: ((passkey_name)). It can no longer be "
            "used to sign in.\n\n"
            "If you did not do this, reset your password at ((reset_url))"
        ),
    )
)
AUTHENTICATOR_APP_WAS_ADDED = register(
    Message(
        "accounts.authenticator_app_added",
        "email",
        subject="An authenticator app was set up for your NHS login",
        body=(
            "An authenticator app was set up for your NHS login. When you sign in, we will "
            "ask for a security code from the app after your password.\n\n"
            "If you did not do this, remove it straight away at ((app_url)) and reset "
            "your password at ((reset_url))"
        ),
    )
)
AUTHENTICATOR_APP_WAS_REMOVED = register(
    Message(
        "accounts.authenticator_app_removed",
        "email",
        subject="The authenticator app was removed from your NHS login",
        body=(
            "The authenticator app was removed from your NHS login. When you sign in, we will "
            "send a security code to your phone instead.\n\n"
            "If you did not do this, reset your password at ((reset_url))"
        ),
    )
)
LOGIN_DELETED = register(
    Message(
        "accounts.login_deleted",
        "email",
        subject="Your NHS login has been deleted",
        body=(
            "Your NHS login has been deleted. You can no longer use it to sign in to health "
            "and care services.\n\n"
            "Services you used keep the information you shared with them. Contact a service "
            "if you want it to delete what it has.\n\n"
            "You can create a new NHS login at any time at ((create_url))\n\n"
            "If you did not delete your NHS login, contact us straight away."
        ),
    )
)
# After any P9, by any route (accounts.services.proofing_notice, ADR 0047).
PROOFING_NOTICE = register(
    Message(
        "accounts.proofing_notice",
        "email",
        subject="You have proved who you are to a high level",
        body=(
            "You have proved who you are to a high level with your NHS login.\n\n"
            "When: ((when))\n"
            "How: ((how))\n\n"
            "This means services you use with NHS login can now show you health information, "
            "such as your GP record.\n\n"
            "If this was you, you do not need to do anything.\n\n"
            "If this was not you, tell us now at ((not_you_url))\n\n"
            "The link works once and stops working after ((days)) days."
        ),
    )
)
PROOFING_DISPUTED = register(
    Message(
        "accounts.proofing_disputed",
        "email",
        subject="We have taken back the high level of proof on your NHS login",
        body=(
            "You told us that you did not prove who you are on ((when)). So we have:\n\n"
            "- taken your NHS login back to a low level of proof\n"
            "- signed you out of NHS login on all your devices\n"
            "- told the services you use with NHS login to sign you out\n"
            "- cancelled your password\n"
            "- asked our support team to look into it\n\n"
            "What to do next:\n\n"
            "1. Choose a new password at ((reset_url))\n"
            "2. If you need to, prove who you are again when you next sign in.\n\n"
            "If you did not ask us to do this, contact us straight away."
        ),
    )
)
# Inactivity (issue 17, accounts.services.inactivity): the warnings and the closing.
LOGIN_CLOSING = register(
    Message(
        "accounts.login_closing",
        "email",
        subject="Your NHS login will close in ((days_left)) days",
        body=(
            "You have not used your NHS login for almost 2 years. We close NHS logins that "
            "are not used for 2 years, to keep your information safe.\n\n"
            "Your NHS login will close on ((closing_on)). To keep it, sign in before then at "
            "((sign_in_url))\n\n"
            "If you do nothing, your login will close. Services you used keep the information "
            "you shared with them, and you can create a new NHS login at any time."
        ),
    )
)
LOGIN_CLOSED_UNUSED = register(
    Message(
        "accounts.login_closed_unused",
        "email",
        subject="Your NHS login has been closed",
        body=(
            "We closed your NHS login because it was not used for 2 years. You can no longer "
            "use it to sign in to health and care services.\n\n"
            "Services you used keep the information you shared with them.\n\n"
            "You can create a new NHS login at any time at ((create_url))"
        ),
    )
)
# The support desk (issue 17, accounts.services.support).
LOGIN_SUSPENDED = register(
    Message(
        "accounts.login_suspended",
        "email",
        subject="Your NHS login has been suspended",
        body=(
            "Our support team has suspended your NHS login. You cannot use it to sign in to "
            "health and care services until it is reinstated, and you have been signed out "
            "of the services you used.\n\n"
            "If you did not expect this, contact the NHS login support team."
        ),
    )
)
LOGIN_REINSTATED = register(
    Message(
        "accounts.login_reinstated",
        "email",
        subject="You can use your NHS login again",
        body=(
            "Our support team has reinstated your NHS login. You can sign in again at "
            "((sign_in_url))"
        ),
    )
)
NEW_PASSWORD_REQUIRED = register(
    Message(
        "accounts.new_password_required",
        "email",
        subject="Choose a new password for your NHS login",
        body=(
            "Our support team has asked you to choose a new password for your NHS login. "
            "You have been signed out. When you next sign in at ((sign_in_url)) we will ask "
            "you to choose a new password before you continue."
        ),
    )
)
PROVE_AGAIN = register(
    Message(
        "accounts.prove_again",
        "email",
        subject="You need to prove who you are again",
        body=(
            "Our support team has asked you to prove who you are again. Until you do, "
            "services that need you to have proved who you are will ask you to do it first.\n\n"
            "You can start at ((start_url))"
        ),
    )
)
