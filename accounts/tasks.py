from celery import shared_task

from accounts.services.housekeeping import delete_stale_records


@shared_task(acks_late=True)
def delete_stale_account_records() -> dict[str, int]:
    """Daily: remove old codes, abandoned phone changes and dead remembered browsers."""
    return delete_stale_records()


@shared_task(acks_late=True)
def end_sessions_of_deleted_login(user_id: int) -> int:
    """After a login is deleted: remove the sessions still signed in as it (ids only)."""
    from accounts.services.data_rights import end_sessions_of

    return end_sessions_of(user_id)


@shared_task(acks_late=True)
def apply_inactivity_rules() -> dict:
    """Daily: warn and close logins unused for 2 years, forget browsers unused for 6 months
    (accounts.services.inactivity). Safe to run twice: nothing is sent or closed twice."""
    from accounts.services import inactivity

    return {
        "warned": inactivity.warn_logins_closing(),
        "closed": inactivity.close_unused_logins(),
        "browsers_forgotten": inactivity.forget_unused_browsers(),
    }
