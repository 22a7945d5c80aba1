"""The base of every management command: a refused value is a French error, never a traceback.

Services raise Django's ``ValidationError`` (French messages, per field); a command run from a
shell or cron turns it into a ``CommandError`` — a one-line message and exit code 1 — like the
pages answer 400 and the API a JSON 400.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand as DjangoBaseCommand
from django.core.management.base import CommandError


def validation_message(exc: ValidationError) -> str:
    """'montant : Assurez-vous… ; date : …' from a ValidationError, fields named."""
    if hasattr(exc, "error_dict"):
        parts = []
        for field, messages in exc.message_dict.items():
            text = " ".join(messages)
            parts.append(text if field == "__all__" else f"{field} : {text}")
        return " ; ".join(parts)
    return " ".join(exc.messages)


class BaseCommand(DjangoBaseCommand):
    def execute(self, *args, **options):
        try:
            return super().execute(*args, **options)
        except ValidationError as exc:
            raise CommandError(f"Données refusées — {validation_message(exc)}") from None
