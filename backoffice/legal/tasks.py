from celery import shared_task

from . import services


@shared_task
def personal_data_purge_task() -> dict:
    return services.personal_data_purge()
