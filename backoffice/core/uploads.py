"""Upload checks: type by content (not by name), size limit from settings."""

from __future__ import annotations

import hashlib

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

ALLOWED_TYPES = {"application/pdf": "PDF", "image/png": "PNG", "image/jpeg": "JPEG"}


def check_upload(uploaded, *, allowed: dict[str, str] | None = None) -> tuple[str, int, str]:
    """Validate an uploaded file; return (content type, size, sha256) or raise ValidationError.

    The type is read from the file's first bytes: a renamed executable is refused.
    """
    allowed = allowed or ALLOWED_TYPES
    limit = settings.UPLOAD_MAX_BYTES
    size = uploaded.size
    if size == 0:
        raise ValidationError(_("Le fichier est vide."), code="empty")
    if size > limit:
        raise ValidationError(
            _("Le fichier pèse %(size)s Mo ; la limite est de %(limit)s Mo.")
            % {"size": f"{size / 1048576:.1f}".replace(".", ","),
               "limit": f"{limit / 1048576:.0f}"},
            code="too_large",
        )
    uploaded.seek(0)
    head = uploaded.read(262)
    uploaded.seek(0)
    kind = filetype.guess(head)
    mime = kind.mime if kind else None
    if mime not in allowed:
        raise ValidationError(
            _("Type de fichier refusé : seuls les formats %(formats)s sont acceptés "
              "(le contenu du fichier est vérifié, pas seulement son nom).")
            % {"formats": ", ".join(allowed.values())},
            code="file_type",
        )
    digest = hashlib.sha256()
    for chunk in uploaded.chunks():
        digest.update(chunk)
    uploaded.seek(0)
    return mime, size, digest.hexdigest()
