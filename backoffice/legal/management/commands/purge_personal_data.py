"""Purge the personal data whose retention period is over (also run daily by beat)."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from backoffice.core.management.base import BaseCommand
from backoffice.legal.services import personal_data_purge


class Command(BaseCommand):
    help = "Purge les données personnelles dont la durée de conservation est échue."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true",
                            help="Compter ce qui serait purgé, sans rien modifier.")
        parser.add_argument("--date", help="Jour de référence (AAAA-MM-JJ), aujourd'hui par défaut.")

    def handle(self, *args, dry_run=False, date=None, **options):
        try:
            today = dt.date.fromisoformat(date) if date else None
        except ValueError as exc:
            raise CommandError(f"Date illisible : « {date} » (attendu AAAA-MM-JJ).") from exc
        try:
            report = personal_data_purge(today=today, dry_run=dry_run)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        prefix = "À purger (simulation)" if dry_run else "Purgé"
        for what, count in report.items():
            self.stdout.write(f"{prefix} — {what} : {count}")
