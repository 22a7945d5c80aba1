"""manage.py import_scdl FILE [--dry-run]: load historical subsidies from an SCDL-like file."""

import json
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from backoffice.core.management.base import BaseCommand
from backoffice.core.tables import too_large_message
from conventions.services.scdl_import import scdl_import


class Command(BaseCommand):
    help = ("Importe des subventions passées depuis un fichier au format SCDL (ou approchant), "
            "tout ou rien : chaque ligne invalide est signalée avec son numéro et, s'il y en a "
            "une, rien n'est enregistré (code de sortie non nul) ; la dernière ligne est un "
            "résumé JSON.")

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true",
                            help="Vérifie le fichier sans rien enregistrer.")

    def handle(self, *args, file, dry_run, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"Fichier introuvable : {file}")
        limit = settings.TABLE_IMPORT_MAX_BYTES
        if path.stat().st_size > limit:
            raise CommandError(too_large_message(path.stat().st_size, limit))
        try:
            report = scdl_import(content=path.read_bytes(), source=path.name, dry_run=dry_run)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(f"# encodage {report.encoding}, séparateur « {report.delimiter} »"
                          + (" — simulation, rien n'est enregistré" if dry_run else ""))
        for line, message in report.errors:
            self.stdout.write(f"ligne {line} : {message}")
        self.stdout.write(json.dumps(report.summary(), ensure_ascii=False))
        if report.invalid and not dry_run:
            raise CommandError(
                f"{report.invalid} ligne(s) invalide(s) : rien n'est enregistré. Corrigez le "
                "fichier (ou vérifiez-le avec --dry-run) puis relancez l'import.")
