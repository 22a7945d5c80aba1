"""manage.py import_pabulib FILE.pb — a Pabulib instance becomes a participatory call."""

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError

from backoffice.core.management.base import BaseCommand
from backoffice.core.models import Authority
from backoffice.core.tables import too_large_message
from funds.voting.pabulib import PabulibError
from funds.voting.pabulib.database import pabulib_import


class Command(BaseCommand):
    help = "Importe un fichier Pabulib (.pb) : fonds, appel, quartiers, projets, bulletins."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--authority", type=int, help="Identifiant de la collectivité "
                                                          "(par défaut la seule, ou SITE_AUTHORITY_ID).")

    def handle(self, *args, **options):
        path = options["file"]
        if not path.is_file():
            raise CommandError(f"Fichier introuvable : {path}")
        from backoffice.core.selectors import site_authority

        authority = (Authority.objects.filter(pk=options["authority"]).first()
                     if options["authority"] else site_authority())
        if authority is None:
            raise CommandError("Aucune collectivité désignée : créez-la d'abord (ou lancez "
                               "seed_demo) ; si plusieurs existent, précisez --authority.")
        limit = settings.TABLE_IMPORT_MAX_BYTES
        if path.stat().st_size > limit:
            raise CommandError(too_large_message(path.stat().st_size, limit))
        try:
            call, projects, ballots = pabulib_import(content=path.read_bytes(),
                                                     authority=authority)
        except PabulibError as exc:
            for error in exc.errors:
                self.stderr.write(error)
            raise CommandError(f"{path.name} : fichier invalide, rien n'a été importé.") from None
        self.stdout.write(json.dumps({"call": call.pk, "projects": projects,
                                      "ballots": ballots}))
