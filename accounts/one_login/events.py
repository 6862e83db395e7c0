"""Audit events about a GOV.UK One Login link and signing in with it. The text is what the
patient reads; details hold ids, outcomes and reasons, never a One Login ``sub`` or a name."""

from core.audit import register

LINKED = register("one_login.linked", "You linked your GOV.UK One Login to your NHS login")
UNLINKED = register("one_login.unlinked", "You removed the link to your GOV.UK One Login")
REMOVED_BY_SUPPORT = register(
    "one_login.removed_by_support", "Support staff removed the link to your GOV.UK One Login"
)
SIGNED_IN = register("sign_in.one_login", "You signed in with GOV.UK One Login")
SIGN_IN_REFUSED = register(
    "sign_in.one_login_refused",
    "Someone tried to sign in with your GOV.UK One Login while your NHS login could not be used",
)
NOT_LINKED = register(
    "sign_in.one_login_not_linked",
    "Someone signed in to a GOV.UK One Login that is not linked to an NHS login",
    visible_to_patient=False,
)
LINK_REFUSED = register(
    "one_login.link_refused", "Someone tried to link a GOV.UK One Login to your NHS login"
)
# Allauth's checks or ours refused what came back (state, nonce, a token): for support.
FAILED = register(
    "one_login.failed", "A GOV.UK One Login sign in did not work", visible_to_patient=False
)
