from django.apps import AppConfig


class ConventionsConfig(AppConfig):
    name = "conventions"
    verbose_name = "Conventions et versements"

    def ready(self):
        from backoffice.core.permissions import rules_register

        from .permissions import RULES

        rules_register(RULES)
