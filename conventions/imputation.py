"""The budget account proposed for a new convention, and why: the rule is
``rules.default_imputation`` (nature of the aid, then the fund's own account when it matches
that nature); this module only explains its answer in French for the creation page."""

from __future__ import annotations

from django.utils.translation import gettext as _

from backoffice.core.choices import Nature

from . import rules
from .services._common import conf


def imputation_proposal(*, nature: str, fund=None) -> tuple[str, str]:
    """(account, French reason) the creation page proposes for ``nature`` and ``fund``."""
    c = conf()
    fund_account = (getattr(fund, "budget_imputation", "") or "").strip()
    account = rules.default_imputation(nature=nature, operating=c.default_imputation,
                                       investment=c.investment_imputation,
                                       fund_account=fund_account)
    label = dict(Nature.choices).get(nature, nature)
    if fund is not None and fund_account and account == fund_account:
        return account, _("Compte %(account)s : celui du fonds « %(fund)s », qui correspond "
                          "à la nature « %(nature)s ».") % {
            "account": account, "fund": fund.name, "nature": label}
    if nature == Nature.INVESTMENT:
        reason = _("Compte %(account)s : une subvention d'équipement (investissement) "
                   "s'impute en section d'investissement (compte 204).") % {"account": account}
    else:
        reason = _("Compte %(account)s : une subvention de fonctionnement, de projet ou "
                   "d'ingénierie s'impute en section de fonctionnement.") % {"account": account}
    if fund is not None and fund_account:
        reason += " " + _("Le compte du fonds « %(fund)s » (%(fund_account)s) ne correspond "
                          "pas à la nature « %(nature)s ».") % {
            "fund": fund.name, "fund_account": fund_account, "nature": label}
    return account, reason


def imputation_proposals(funds) -> dict[str, dict[str, list[str]]]:
    """Every proposal of the page, per fund id ("" for none) and nature, for the script that
    updates the field when the nature or the fund changes."""
    table = {}
    for fund in [None, *funds]:
        table["" if fund is None else str(fund.pk)] = {
            nature: list(imputation_proposal(nature=nature, fund=fund))
            for nature in Nature.values}
    return table


def imputation_mismatch(*, nature: str, account: str) -> str:
    """A French warning when ``account`` is not one the rule accepts for ``nature`` (an
    operating account for an equipment subsidy, or the reverse); "" when it fits."""
    c = conf()
    expected = rules.default_imputation(nature=nature, operating=c.default_imputation,
                                        investment=c.investment_imputation,
                                        fund_account=account)
    if expected == account:
        return ""
    return _("Le compte %(account)s ne correspond pas à la nature « %(nature)s » : le compte "
             "proposé pour cette nature est %(expected)s. Vérifiez l'imputation avant l'envoi "
             "pour signature.") % {"account": account, "expected": expected,
                                   "nature": dict(Nature.choices).get(nature, nature)}
