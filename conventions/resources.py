"""The payments-due export for the finance software, written by the one export module."""

from __future__ import annotations

from backoffice.core.exports import DATE, INTEGER, MONEY, TEXT, Column

PAYMENTS_DUE_COLUMNS = [
    Column("Bénéficiaire", TEXT, 32), Column("SIRET", TEXT, 16), Column("IBAN", TEXT, 30),
    Column("Montant", MONEY, 14), Column("Compte", TEXT, 10), Column("Convention", TEXT, 18),
    Column("Année", INTEGER, 8), Column("Échéance", TEXT, 14),
    Column("Date de déclenchement", DATE, 14), Column("À verser avant le", DATE, 14),
    Column("Collectivité", TEXT, 28),
]


def payments_due_rows(lines):
    """One typed row per payable line (``selectors.payments_due()``)."""
    for line in lines:
        convention = line.year.convention
        organisation = convention.organisation
        yield [organisation.name, organisation.siret, organisation.iban, line.amount,
               convention.imputation, convention.reference, line.year.year,
               str(line.get_kind_display()), line.trigger_date, line.due_by,
               convention.authority.name]
