from django.apps import AppConfig


class ConventionsConfig(AppConfig):
    name = "conventions"
    verbose_name = "Conventions et versements"

    def ready(self):
        from backoffice.core.permissions import rules_register
        from funds.interfaces import overdue_reports_register
        from volunteering.projects import project_source_register

        from .permissions import RULES
        from .selectors import financial_reports_overdue, volunteering_projects

        rules_register(RULES)
        project_source_register("conventions", volunteering_projects)
        overdue_reports_register(financial_reports_overdue)
