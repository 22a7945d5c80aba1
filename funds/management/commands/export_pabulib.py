"""manage.py export_pabulib CALL_ID [--output FILE] — a closed vote as a Pabulib file."""

from pathlib import Path

from django.core.management.base import CommandError

from backoffice.core.management.base import BaseCommand
from funds.models import Call
from funds.voting.pabulib import write_pb
from funds.voting.pabulib.database import pabulib_export


class Command(BaseCommand):
    help = "Exporte le vote d'un budget participatif au format Pabulib (votants anonymisés)."

    def add_arguments(self, parser):
        parser.add_argument("call_id", type=int)
        parser.add_argument("--output", type=Path, help="Fichier à écrire (sinon la sortie).")

    def handle(self, *args, **options):
        call = Call.objects.filter(pk=options["call_id"], kind="participatory").first()
        if call is None:
            raise CommandError(f"Budget participatif introuvable : {options['call_id']}")
        try:
            text = write_pb(pabulib_export(call), anonymise_voters=True)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if options["output"]:
            options["output"].write_text(text, encoding="utf-8")
            self.stdout.write(f"{options['output']}")
        else:
            self.stdout.write(text, ending="")
