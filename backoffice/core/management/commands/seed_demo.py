from importlib import import_module

from django.db import transaction
from django.test.utils import override_settings

from backoffice.core.demo import DEMO_LOGINS, DEMO_PASSWORD, seed_core
from backoffice.core.management.base import BaseCommand

APP_SEEDS = ["funds.demo", "conventions.demo", "volunteering.demo", "esign.demo"]


class Command(BaseCommand):
    help = "Charge des données de démonstration réalistes (idempotent : relancer ne change rien)."

    def handle(self, *args, **options):
        # The demo's own notifications are written in the notification centre; their e-mails
        # stay in memory so that the console shows the logins, not a hundred messages.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"), \
                transaction.atomic():
            demo = seed_core()
            for module in APP_SEEDS:
                import_module(module).seed(demo)
        self.stdout.write(self.style.SUCCESS(
            f"Données de démonstration prêtes : {demo.authority.name}, "
            f"{len(demo.organisations)} organisations."))
        self.stdout.write("Connexions de démonstration (mot de passe « %s ») :" % DEMO_PASSWORD)
        extra = [login for module in APP_SEEDS
                 for login in getattr(import_module(module), "DEMO_LOGINS", [])]
        for email, label, *_rest in [*DEMO_LOGINS, *extra]:
            self.stdout.write(f"  {email:<26} {label}")
