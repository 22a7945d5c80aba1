"""Aid in kind (premises, equipment, staff) the authority grants with a convention, valued per
year, and the threshold it counts in: loi 2000-321 art. 9-1 and 10 speak of aid "de toute
nature", décret 2001-495 sets €23,000 a year."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from backoffice.core.audit import audit_log
from backoffice.core.money import ZERO, format_eur, to_money
from backoffice.core.permissions import require

from .. import rules
from ..models import Convention, ConventionStatus, InKindAid, InKindKind
from ..permissions import can
from ._common import conf


def _checked(*, convention: Convention, kind: str, description: str, year: int, value,
             valuation_method: str) -> Decimal:
    """The valued amount of an in-kind aid of a draft convention, or every field's error."""
    if convention.status != ConventionStatus.DRAFT:
        raise ValidationError(_("La convention n'est plus un brouillon : une aide en nature "
                                "s'ajoute ou se modifie désormais par un avenant."))
    errors = {}
    if kind not in InKindKind.values:
        errors["kind"] = _("Choisissez la nature de l'aide : locaux, matériel, personnel ou "
                           "autre.")
    if year not in rules.calendar_years(convention.start_date, convention.end_date):
        errors["year"] = _("L'année %(year)s est hors de la durée de la convention (%(first)s "
                           "à %(last)s).") % {"year": year, "first": convention.start_date.year,
                                             "last": convention.end_date.year}
    try:
        value = to_money(value)
    except (TypeError, ValueError):
        errors["value"] = _("Valeur illisible.")
    else:
        if value <= 0:
            errors["value"] = _("La valeur d'une aide en nature est positive.")
    if not (description or "").strip():
        errors["description"] = _("Décrivez l'aide (quels locaux, quel matériel, quel "
                                  "personnel).")
    if not (valuation_method or "").strip():
        errors["valuation_method"] = _("Indiquez comment la valeur est calculée (loyer de "
                                       "marché, coût horaire, barème…).")
    if errors:
        raise ValidationError(errors)
    return value


@transaction.atomic
def in_kind_aid_add(*, convention: Convention, kind: str, description: str, year: int,
                    value, valuation_method: str, actor, account: str = "870") -> InKindAid:
    """Record an aid in kind (premises, equipment, staff) valued for one year of a draft
    convention. It counts in the threshold (aid "de toute nature", loi 2000-321 art. 9-1);
    once the convention is sent, an amendment changes it."""
    require(can, actor, "convention.manage", convention)
    convention = Convention.objects.select_for_update().get(pk=convention.pk)
    value = _checked(convention=convention, kind=kind, description=description, year=year,
                     value=value, valuation_method=valuation_method)
    aid = InKindAid(convention=convention, kind=kind, description=description.strip(),
                    year=year, value=value, account=(account or "870").strip(),
                    valuation_method=valuation_method.strip(), created_by=actor)
    aid.full_clean()
    aid.save()
    audit_log(event="in_kind_aid_added", obj=convention, actor=actor,
              message=_("Aide en nature %(year)s : %(description)s, valorisée %(value)s.")
              % {"year": year, "description": aid.description, "value": format_eur(value)},
              data={"kind": kind, "value": str(value), "account": aid.account})
    return aid


@transaction.atomic
def in_kind_aid_update(*, aid: InKindAid, kind: str, description: str, year: int, value,
                       valuation_method: str, actor, account: str = "870") -> InKindAid:
    """Change an in-kind aid while its convention is a draft (the same checks as when it was
    recorded); the audit keeps the value before and after."""
    require(can, actor, "convention.manage", aid.convention)
    convention = Convention.objects.select_for_update().get(pk=aid.convention_id)
    aid = InKindAid.objects.select_for_update().get(pk=aid.pk)
    value = _checked(convention=convention, kind=kind, description=description, year=year,
                     value=value, valuation_method=valuation_method)
    before = {"year": aid.year, "value": str(aid.value)}
    aid.kind, aid.description, aid.year, aid.value = kind, description.strip(), year, value
    aid.account = (account or "870").strip()
    aid.valuation_method = valuation_method.strip()
    aid.full_clean()
    aid.save()
    audit_log(event="in_kind_aid_updated", obj=convention, actor=actor,
              message=_("Aide en nature %(year)s modifiée : %(description)s, valorisée "
                        "%(value)s.")
              % {"year": year, "description": aid.description, "value": format_eur(value)},
              data={"before": before, "after": {"year": year, "value": str(value)}})
    return aid


@dataclass(frozen=True)
class YearAid:
    """One calendar year of an organisation's aid from the authority, cash and in kind."""

    year: int
    cash: Decimal
    in_kind: Decimal
    total: Decimal
    threshold: Decimal
    requires_convention: bool


def aid_summary(*, organisation, authority, years: list[int] | None = None) -> list[YearAid]:
    """Per calendar year, the cash aid (annual amount of each convention or letter not
    terminated) and the in-kind aid the authority grants the organisation, and whether their
    sum crosses the threshold (loi 2000-321 art. 10, décret 2001-495)."""
    from .conventions import annual_amount

    conventions = (Convention.objects.filter(organisation=organisation, authority=authority)
                   .exclude(status=ConventionStatus.TERMINATED)
                   .prefetch_related("years", "in_kind_aids"))
    cash_aids, kind_aids = [], []
    for item in conventions:
        cash_aids.append(([y.year for y in item.years.all()], annual_amount(item)))
        kind_aids.extend(([aid.year], aid.value) for aid in item.in_kind_aids.all())
    cash, in_kind = rules.aid_by_year(cash_aids), rules.aid_by_year(kind_aids)
    threshold = conf().threshold
    rows = []
    for year in sorted(years if years is not None else set(cash) | set(in_kind)):
        total = rules.aid_by_year([([year], cash.get(year, ZERO)),
                                   ([year], in_kind.get(year, ZERO))])[year]
        rows.append(YearAid(year=year, cash=cash.get(year, ZERO),
                            in_kind=in_kind.get(year, ZERO), total=total, threshold=threshold,
                            requires_convention=rules.requires_convention(
                                yearly_amounts=[total], threshold=threshold)))
    return rows
