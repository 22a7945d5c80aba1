from django.apps import AppConfig


class FundsConfig(AppConfig):
    name = "funds"
    verbose_name = "Fonds, appels et dossiers"

    def ready(self):
        from backoffice.core.permissions import rules_register

        from .permissions import RULES

        rules_register(RULES)
