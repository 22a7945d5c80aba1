"""manage.py import_volunteer_hours FILE --organisation SIRET [--dry-run] [--confirm-duplicates]

Same validation as the import page; the last line is JSON:
{"rows": N, "imported": N, "invalid": N, "hours": H, "valued": EUR}.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import CommandError

from backoffice.core.management.base import BaseCommand
from backoffice.core.models import Organisation, User
from volunteering.importing import read_import_upload, volunteer_hours_import


class Command(BaseCommand):
    help = "Importe des heures de bénévolat (CSV ou XLSX) pour une organisation, tout ou rien."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Fichier CSV ou XLSX")
        parser.add_argument("--organisation", required=True, help="SIRET de l'organisation")
        parser.add_argument("--dry-run", action="store_true", help="Vérifier sans importer")
        parser.add_argument("--confirm-duplicates", action="store_true",
                            help="Importer aussi les doublons probables")
        parser.add_argument("--as-user", default="",
                            help="Adresse d'un administrateur de l'organisation (par défaut : "
                                 "le premier administrateur actif)")

    def handle(self, *args, file, organisation, dry_run, confirm_duplicates, as_user, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"Fichier introuvable : {file}")
        siret = organisation.replace(" ", "")
        org = Organisation.objects.filter(siret=siret).first()
        if org is None:
            raise CommandError(f"Aucune organisation avec le SIRET {siret}.")
        actor = self._actor(org, as_user)
        with path.open("rb") as handle:
            content = read_import_upload(handle)
        if isinstance(content, str):
            raise CommandError(content)
        report = volunteer_hours_import(organisation=org, content=content,
                                        filename=path.name, actor=actor, dry_run=dry_run,
                                        confirm_duplicates=confirm_duplicates)
        for message in report.file_errors:
            self.stderr.write(message)
        for error in report.errors:
            self.stderr.write(f"ligne {error.row} [{error.column}] : {error.message}")
        if report.error_count > len(report.errors):
            self.stderr.write(f"… et {report.error_count - len(report.errors)} autres erreurs.")
        for duplicate in report.duplicates:
            self.stderr.write(f"ligne {duplicate.row} : {duplicate.message}")
        if report.needs_confirmation and not dry_run:
            self.stderr.write("Doublons probables : relancez avec --confirm-duplicates pour les "
                              "importer.")
        self.stdout.write(json.dumps(report.summary()))
        if not report.ok:
            raise SystemExit(1)

    def _actor(self, organisation, email: str) -> User:
        memberships = organisation.memberships.filter(status="active", role="admin",
                                                      user__is_active=True)
        if email:
            memberships = memberships.filter(user__email=email.lower())
        membership = memberships.select_related("user").order_by("pk").first()
        if membership is None:
            raise CommandError("Aucun administrateur actif de l'organisation pour signer "
                               "l'import.")
        return membership.user
