from django.apps import AppConfig


class FundsConfig(AppConfig):
    name = "funds"
    verbose_name = "Fonds, appels et dossiers"

    def ready(self):
        from backoffice.core import home
        from backoffice.core.permissions import rules_register
        from backoffice.legal.registry import Provider, register
        from volunteering.projects import project_source_register

        from .permissions import RULES
        from .selectors import home_section, volunteering_projects
        from .voting.privacy import (
            rejected_applications_purge,
            voter_data_export,
            voter_data_purge,
        )

        rules_register(RULES)
        project_source_register("funds", volunteering_projects)
        home.register("funds", template="funds/_home.html", context=home_section)
        register(Provider(name="funds.voters", export=voter_data_export,
                          purge=voter_data_purge))
        register(Provider(name="funds.rejected", purge=rejected_applications_purge))
