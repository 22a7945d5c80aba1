"""Settings for the beat processes of the two-beats test: the daily reminder scan for a fixed
day, every second, instead of once a day."""

import os

from backoffice.settings.test import *  # noqa: F403

CELERY_BEAT_SCHEDULE = {
    "reminders-daily": {
        "task": "backoffice.core.tasks.reminders_daily_task",
        "schedule": 1.0,
        "args": [os.environ.get("BEAT_TEST_DAY", "2027-05-31")],
    },
}
