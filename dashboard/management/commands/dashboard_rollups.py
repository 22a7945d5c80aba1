"""manage.py dashboard_rollups [--rebuild]: check (or rebuild) the scorecard's running totals
against the source rows; ends with one JSON line."""

import json

from django.core.management.base import CommandError

from backoffice.core.management.base import BaseCommand
from dashboard import rollups


class Command(BaseCommand):
    help = ("Vérifie que les agrégats du tableau des engagements (tenus par PostgreSQL) "
            "correspondent aux données, ou les recalcule avec --rebuild.")

    def add_arguments(self, parser):
        parser.add_argument("--rebuild", action="store_true",
                            help="Recalcule tous les agrégats à partir des données.")

    def handle(self, *args, rebuild=False, **options):
        if not rollups.available():
            raise CommandError("Les agrégats n'existent que sous PostgreSQL : sous SQLite, le "
                               "tableau des engagements est calculé directement.")
        if rebuild:
            rollups.rebuild()
            self.stdout.write(json.dumps({"rebuilt": True, "differences": 0}))
            return
        differences = rollups.check()
        for line in differences[:50]:
            self.stderr.write(line)
        self.stdout.write(json.dumps({"rebuilt": False, "differences": len(differences)}))
        if differences:
            raise CommandError(f"{len(differences)} écart(s) : relancez avec --rebuild.")
