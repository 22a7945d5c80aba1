import json

from django.core.management.base import CommandError
from django.utils.dateparse import parse_date

from backoffice.core.management.base import BaseCommand
from backoffice.core.reminders.services import reminders_run


class Command(BaseCommand):
    help = ("Enregistre et envoie les rappels dus (rattrape les jours manqués depuis le dernier "
            "passage réussi). Sans danger si relancé : un rappel n'est jamais envoyé deux fois.")

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Jour à traiter (AAAA-MM-JJ), aujourd'hui par défaut.")
        parser.add_argument("--dry-run", action="store_true",
                            help="Affiche ce qui serait envoyé, sans rien enregistrer.")

    def handle(self, *args, **options):
        day = None
        if options["date"]:
            day = parse_date(options["date"]) if len(options["date"]) == 10 else None
            if day is None:
                raise CommandError("Date invalide : attendu AAAA-MM-JJ, par exemple 2027-05-31.")
        report = reminders_run(day=day, dry_run=options["dry_run"])
        self.stdout.write(f"Jours traités : du {report.start:%d/%m/%Y} au {report.day:%d/%m/%Y}"
                          f"{' (simulation)' if report.dry_run else ''}")
        for code, counts in sorted(report.by_kind.items()):
            self.stdout.write(f"  {code} : {counts['due']} dus, {counts['sent']} "
                              f"{'à envoyer' if report.dry_run else 'envoyés'}")
        if report.late:
            self.stdout.write(f"  dont {report.late} en retard (jours manqués rattrapés)")
        self.stdout.write(json.dumps(report.as_dict()))
