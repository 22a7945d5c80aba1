"""A project resolver for tests (what the funds and conventions apps will provide)."""

import datetime as dt


def periods(organisation):
    return {"CONV-2025": (dt.date(2025, 1, 1), dt.date(2025, 12, 31)),
            "DOSSIER-OUVERT": (dt.date(2025, 6, 1), None)}
