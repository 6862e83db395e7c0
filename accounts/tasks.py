from celery import shared_task

from accounts.services.housekeeping import delete_stale_records


@shared_task(acks_late=True)
def delete_stale_account_records() -> dict[str, int]:
    """Daily: remove old codes, abandoned phone changes and dead remembered browsers."""
    return delete_stale_records()
