"""Seed the gross hourly SMIC (dated data the authority then maintains) and a default
employer-charges coefficient for the "SMIC chargé" method."""

import datetime as dt
from decimal import Decimal

from django.db import migrations

RATES = [
    ("smic", dt.date(2024, 1, 1), Decimal("11.65"), "Décret 2023-1216 (SMIC au 1er janvier 2024)"),
    ("smic", dt.date(2024, 11, 1), Decimal("11.88"), "Décret 2024-951 (SMIC au 1er novembre 2024)"),
    ("smic", dt.date(2026, 1, 1), Decimal("12.02"), "SMIC au 1er janvier 2026"),
    # Local choice, editable: gross SMIC plus employer contributions without reductions.
    ("charges_coefficient", dt.date(2024, 1, 1), Decimal("1.45"),
     "Choix de la collectivité : charges patronales hors allègements"),
]


def seed(apps, schema_editor):
    ValuationRate = apps.get_model("volunteering", "ValuationRate")
    for kind, valid_from, value, source in RATES:
        ValuationRate.objects.get_or_create(
            kind=kind, qualification="", valid_from=valid_from,
            defaults={"value": value, "source": source},
        )


def unseed(apps, schema_editor):
    ValuationRate = apps.get_model("volunteering", "ValuationRate")
    for kind, valid_from, _value, _source in RATES:
        ValuationRate.objects.filter(kind=kind, qualification="", valid_from=valid_from).delete()


class Migration(migrations.Migration):
    dependencies = [("volunteering", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
