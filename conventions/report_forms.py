"""The financial report's forms (CERFA 15059): what the association files, what the agent
decides. They parse; every rule is in ``services.report_check``."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from backoffice.core.budget import budget_gap, grid_rows
from backoffice.core.money import to_money
from funds.forms import money_field


class ReportForm(forms.Form):
    """CERFA 15059: the realised budget on the application's grid (74 per funder), the
    explanation of each gap, the subsidy used, the qualitative report and a PDF attachment.
    It only parses amounts; every rule is in services.report_check."""

    subsidy_used = money_field(_("Part de la subvention utilisée (€)"))
    qualitative_report = forms.CharField(label=_("Bilan qualitatif"), required=False,
                                         widget=forms.Textarea(attrs={"rows": 5}))
    attachment = forms.FileField(label=_("Pièce justificative (PDF)"), required=False)

    def __init__(self, *args, authority_name: str = "", planned=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.planned = planned
        self.grid = grid_rows(authority_name or str(_("la collectivité")))
        for row in self.grid:
            label = (f"74 — {row.label}" if row.account == "74"
                     else f"{row.account} — {row.label}")
            self.fields[f"amount_{row.key}"] = money_field(label)
            self.fields[f"explanation_{row.key}"] = forms.CharField(
                label=_("Explication de l'écart — %(line)s") % {"line": label}, required=False,
                max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def _amount(self, key):
        """What the row holds now: the parsed value when bound, the initial value otherwise."""
        if self.is_bound:
            if hasattr(self, "cleaned_data") and f"amount_{key}" in self.cleaned_data:
                return self.cleaned_data[f"amount_{key}"]
            try:
                return to_money(self.data.get(f"amount_{key}") or "0")
            except ValueError:
                return None
        value = self.initial.get(f"amount_{key}")
        return None if value in (None, "") else to_money(value)

    def amounts(self) -> dict:
        """Row key → amount of every readable, non-empty row."""
        result = {}
        for row in self.grid:
            amount = self._amount(row.key)
            if amount:
                result[row.key] = amount
        return result

    def explanations(self) -> dict:
        source = self.cleaned_data if hasattr(self, "cleaned_data") else self.data
        return {row.key: (source.get(f"explanation_{row.key}") or "")
                for row in self.grid if (source.get(f"explanation_{row.key}") or "").strip()}

    def sections(self, limit_percent):
        """The grid for display: per section its rows (label, amount field, explanation field,
        planned, gap) and the section's planned and actual totals."""
        titles = {"charge": _("Charges"), "resource": _("Produits"),
                  "in_kind_charge": _("Emplois des contributions volontaires en nature (86)"),
                  "in_kind_resource": _("Contributions volontaires en nature (87)")}
        sections = []
        for section, title in titles.items():
            rows, planned_total, actual_total = [], Decimal("0.00"), Decimal("0.00")
            for row in self.grid:
                if row.section != section:
                    continue
                actual = self._amount(row.key) or Decimal("0.00")
                planned = None if self.planned is None else self.planned.get(
                    row.key, Decimal("0.00"))
                gap = budget_gap(planned, actual, limit_percent)
                rows.append({"row": row, "amount": self[f"amount_{row.key}"],
                             "explanation": self[f"explanation_{row.key}"], "gap": gap})
                planned_total += planned or 0
                actual_total += actual
            sections.append({"key": section, "title": title, "rows": rows,
                             "planned": None if self.planned is None else planned_total,
                             "actual": actual_total})
        return sections

    @staticmethod
    def initial_from(lines: list[dict], explanations: dict | None = None) -> dict:
        """Initial values from stored lines (a draft, a report sent back) or the provisional
        budget (grid row → amount)."""
        from .services import rows_from_lines

        rows, _errors = rows_from_lines(lines)
        initial = {f"amount_{key}": amount for key, amount in rows.items()}
        initial.update({f"explanation_{key}": text
                        for key, text in (explanations or {}).items()})
        return initial


class ReportReviewForm(forms.Form):
    decision = forms.ChoiceField(label=_("Décision"), widget=forms.RadioSelect, choices=[
        ("approve", _("Approuver le compte rendu")),
        ("changes", _("Demander des modifications"))])
    comment = forms.CharField(label=_("Observations"), required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))
