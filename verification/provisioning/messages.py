"""The emails a patient gets when an organisation asks for a login for them."""

from core.notifications import Message, register

SET_UP_LINK = register(
    Message(
        "verification.provisioning_set_up_link",
        "email",
        subject="((organisation)) has asked for an NHS login for you",
        body=(
            "((organisation)) has asked us to set up an NHS login for you, so you can use "
            "health services online.\n\n"
            "To set a password, open this link: ((link))\n\n"
            "We will text a security code to your mobile phone. Then you choose a password. "
            "If you already have an NHS login, you sign in to it instead.\n\n"
            "The link works once, until ((expires)).\n\n"
            "If you did not expect this, you do not need to do anything: no login is made "
            "unless you use the link."
        ),
    )
)
SIGN_IN_TO_ACCEPT_LINK = register(
    Message(
        "verification.provisioning_sign_in_to_accept_link",
        "email",
        subject="((organisation)) has confirmed who you are for your NHS login",
        body=(
            "((organisation)) has asked us to raise your NHS login to a high level of proof, "
            "so you can use more health services online.\n\n"
            "To accept, open this link and sign in to accept: ((link))\n\n"
            "We will also text a security code to your mobile phone.\n\n"
            "The link works once, until ((expires)).\n\n"
            "If you did not expect this, you do not need to do anything: nothing changes "
            "unless you use the link."
        ),
    )
)
