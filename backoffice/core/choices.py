"""Choices shared by several apps."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Nature(models.TextChoices):
    """What a subsidy funds. The pact asks not to fund only investment (DOMAIN §1)."""

    OPERATING = "fonctionnement", _("Fonctionnement")
    PROJECT = "projet", _("Projet")
    INVESTMENT = "investissement", _("Investissement")
    ENGINEERING = "ingenierie", _("Ingénierie sociale et écologique")
