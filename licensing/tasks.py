"""Background work of licensing: users deleted more than 30 days ago are deleted for good."""
from celery import shared_task

from .services import deleted_users_purge


@shared_task(name="licensing.tasks.purge_deleted_users")
def purge_deleted_users():
    return {"purged": deleted_users_purge()}
