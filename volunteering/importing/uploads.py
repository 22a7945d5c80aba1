"""Previewed files waiting for their confirmation, and the purge of those never confirmed."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

UPLOADS_DIR = "volunteering/imports"


def upload_path(organisation_id: int, token: str) -> str:
    """Where a previewed file waits for its confirmation."""
    return f"{UPLOADS_DIR}/{organisation_id}/{token}.bin"


def stale_uploads_purge() -> int:
    """Delete previewed files never confirmed, older than VOLUNTEERING_IMPORT_UPLOAD_TTL_HOURS.

    Idempotent: a second run finds nothing more to delete. Returns how many were deleted."""
    from django.core.files.storage import default_storage

    limit = timezone.now() - dt.timedelta(hours=settings.VOLUNTEERING_IMPORT_UPLOAD_TTL_HOURS)
    if not default_storage.exists(UPLOADS_DIR):
        return 0
    deleted = 0
    folders, _files = default_storage.listdir(UPLOADS_DIR)
    for folder in folders:
        _sub, names = default_storage.listdir(f"{UPLOADS_DIR}/{folder}")
        for name in names:
            path = f"{UPLOADS_DIR}/{folder}/{name}"
            if default_storage.get_modified_time(path) < limit:
                default_storage.delete(path)
                deleted += 1
    return deleted
