"""Roles are Django groups. The group names are what users see in the admin."""

from django.db import models


class Role(models.TextChoices):
    APPLICANT = "applicant", "Demandeur (membre d'une organisation)"
    FINANCE_AGENT = "finance_agent", "Agent financier"
    INSTRUCTOR = "instructor", "Instructeur"
    DECISION_MAKER = "decision_maker", "Décideur"
    ADMINISTRATOR = "administrator", "Administrateur"


# Roles that work for the authority (they see every organisation's files).
AUTHORITY_ROLES = (Role.FINANCE_AGENT, Role.INSTRUCTOR, Role.DECISION_MAKER, Role.ADMINISTRATOR)
