"""Emails and texts about photo ID checks, in plain English (see core.notifications)."""

from core.notifications import Message, register

DIGITS_SMS = register(
    Message(
        "idchecks.digits_sms",
        "sms",
        body="NHS login: the 4 numbers for your video are ((digits)). Show them in your video.",
    )
)
RECEIVED = register(
    Message(
        "idchecks.received",
        "email",
        subject="We have your photo ID",
        body=(
            "We have your photo ID and will check it soon. Most checks take less than a day.\n\n"
            "You can see how your check is going at ((status_url))"
        ),
    )
)
APPROVED = register(
    Message(
        "idchecks.approved",
        "email",
        subject="You have proved who you are",
        body=(
            "We have checked your photo ID. You have proved who you are and can now use all "
            "NHS login services.\n\nSign in at ((sign_in_url))"
        ),
    )
)
REJECTED = register(
    Message(
        "idchecks.rejected",
        "email",
        subject="We could not check your photo ID",
        body=(
            "We could not check your photo ID. The reason is: ((reason)).\n\n"
            "What you can do next:\n\n"
            "* try again: ((next_step)) Start at ((status_url))\n"
            "* or ask your GP surgery for your GP online registration details (an Account ID, "
            "a linkage key and an ODS code) and use them at ((gp_online_url))"
        ),
    )
)
