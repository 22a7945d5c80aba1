"""manage.py export_scdl --year YYYY [--authority ID] [--output FILE]: open data of the year's
conventions of one authority (the site's, or ``--authority`` when several share it)."""

from pathlib import Path

from django.core.management.base import CommandError

from backoffice.core.management.base import BaseCommand
from backoffice.core.models import Authority
from backoffice.core.selectors import site_authority
from conventions.scdl import scdl_csv


class Command(BaseCommand):
    help = ("Exporte les conventions de l'année au format SCDL subventions 2.1.1 "
            "(décret 2017-779).")

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--authority", type=int,
                            help="Identifiant de la collectivité (si plusieurs partagent le "
                                 "service).")
        parser.add_argument("--output", help="Fichier CSV à écrire (sinon la sortie standard).")

    def handle(self, *args, year, authority=None, output=None, **options):
        if authority:
            chosen = Authority.objects.filter(pk=authority).first()
            if chosen is None:
                raise CommandError(f"Aucune collectivité n° {authority}.")
        else:
            chosen = site_authority()
            if chosen is None:
                raise CommandError("Plusieurs collectivités partagent ce service : indiquez "
                                   "laquelle publie avec --authority ID (ou SITE_AUTHORITY_ID).")
        content = scdl_csv(year=year, authority=chosen)
        if output:
            Path(output).write_text(content, encoding="utf-8")
            self.stderr.write(f"{content.count(chr(10)) - 1} ligne(s) écrite(s) dans {output}")
        else:
            self.stdout.write(content, ending="")
