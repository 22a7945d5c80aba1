"""manage.py export_scdl --year YYYY [--output FILE]: open data of the year's conventions."""

from pathlib import Path

from backoffice.core.management.base import BaseCommand
from conventions.scdl import scdl_csv


class Command(BaseCommand):
    help = ("Exporte les conventions de l'année au format SCDL subventions 2.1.1 "
            "(décret 2017-779).")

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--output", help="Fichier CSV à écrire (sinon la sortie standard).")

    def handle(self, *args, year, output=None, **options):
        content = scdl_csv(year=year)
        if output:
            Path(output).write_text(content, encoding="utf-8")
            self.stderr.write(f"{content.count(chr(10)) - 1} ligne(s) écrite(s) dans {output}")
        else:
            self.stdout.write(content, ending="")
