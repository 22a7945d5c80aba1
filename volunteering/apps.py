from django.apps import AppConfig


class VolunteeringConfig(AppConfig):
    name = "volunteering"
    verbose_name = "Bénévolat valorisé"

    def ready(self):
        from backoffice.core.permissions import rules_register

        from .permissions import RULES

        rules_register(RULES)
