from django.apps import AppConfig


class ConventionsConfig(AppConfig):
    name = "conventions"
    verbose_name = "Conventions et versements"

    def ready(self):
        from backoffice.core import organisation_page
        from backoffice.core.permissions import rules_register
        from funds.interfaces import overdue_reports_register
        from volunteering.projects import project_source_register

        from .permissions import RULES
        from .selectors import (
            financial_reports_overdue,
            organisation_in_kind_aids,
            volunteering_projects,
        )

        rules_register(RULES)
        project_source_register("conventions", volunteering_projects)
        overdue_reports_register(financial_reports_overdue)
        organisation_page.register("conventions.in_kind",
                                   template="conventions/_organisation_in_kind.html",
                                   context=organisation_in_kind_aids)
