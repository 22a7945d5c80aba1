"""Forms of the conventions pages. They parse and present; services decide."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from backoffice.core.budget import (
    CHARGE_ACCOUNTS,
    IN_KIND_CHARGE_ACCOUNTS,
    IN_KIND_RESOURCE_ACCOUNTS,
    RESOURCE_ACCOUNTS,
)
from backoffice.core.choices import Nature
from backoffice.core.models import Organisation
from backoffice.core.money import to_money

from .models import ConventionStatus, LineKind, ReportStatus, YearStatus

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _money(value: str, label: str) -> Decimal:
    try:
        return to_money(value)
    except (TypeError, ValueError) as exc:
        raise ValidationError(_("%(label)s : montant illisible « %(value)s ».")
                              % {"label": label, "value": value}) from exc


class PercentField(forms.DecimalField):
    """A rate typed in percent (50) and returned as a share (0.5)."""

    def __init__(self, **kwargs):
        super().__init__(min_value=0, max_value=100, decimal_places=2, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        return None if value is None else (value / 100).quantize(Decimal("0.0001"))


class ConventionCreateForm(forms.Form):
    organisation = forms.ModelChoiceField(Organisation.objects.order_by("name"),
                                          label=_("Organisation bénéficiaire"))
    object = forms.CharField(label=_("Objet"), widget=forms.Textarea(attrs={"rows": 3}))
    nature = forms.ChoiceField(label=_("Nature"), choices=Nature.choices)
    imputation = forms.CharField(label=_("Imputation budgétaire"), initial="6574", max_length=40)
    start_date = forms.DateField(label=_("Début"), widget=DATE)
    end_date = forms.DateField(label=_("Fin"), widget=DATE)
    yearly_amounts = forms.CharField(
        label=_("Montant prévisionnel par année (€)"),
        help_text=_("Un montant par année civile, séparés par « ; » — par exemple "
                    "« 30 000 ; 30 000 ; 32 000 »."))
    advance_rate = PercentField(label=_("Avance (% du montant annuel)"), initial=50)
    keep_rule_rate = PercentField(label=_("Excédent raisonnable conservable (%)"), initial=10)
    keep_rule_text = forms.CharField(
        label=_("Règle de l'excédent raisonnable"), widget=forms.Textarea(attrs={"rows": 2}),
        initial=_("L'association peut conserver un excédent raisonnable ; au-delà, la part "
                  "non utilisée est reversée."))
    conditions_of_use = forms.CharField(label=_("Conditions d'utilisation"),
                                        widget=forms.Textarea(attrs={"rows": 3}))
    evaluation_terms = forms.CharField(label=_("Contrôle et évaluation"),
                                       widget=forms.Textarea(attrs={"rows": 3}))
    cofinancing = forms.CharField(
        label=_("Plan de cofinancement"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Une ligne par financeur : « Région Bretagne ; 10 000 ; obtenu »."))
    volunteering_planned = forms.DecimalField(label=_("Bénévolat valorisé prévu (€ par an)"),
                                              min_value=0, decimal_places=2, initial=0)
    decision_reference = forms.CharField(label=_("Référence de la délibération"), required=False)
    decision_date = forms.DateField(label=_("Date de la délibération"), required=False,
                                    widget=DATE)

    def clean_yearly_amounts(self):
        raw = [part.strip() for part in self.cleaned_data["yearly_amounts"].split(";")]
        return [_money(part, str(_("Montant annuel"))) for part in raw if part]

    def clean_cofinancing(self):
        rows = []
        for number, line in enumerate(self.cleaned_data["cofinancing"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split(";")]
            if len(parts) != 3:
                raise ValidationError(_("Ligne %(n)s : « financeur ; montant ; obtenu ou "
                                        "demandé ».") % {"n": number})
            status = {"obtenu": "obtained", "demandé": "requested",
                      "demande": "requested"}.get(parts[2].lower())
            if status is None:
                raise ValidationError(_("Ligne %(n)s : le statut est « obtenu » ou « demandé ».")
                                      % {"n": number})
            rows.append({"funder": parts[0], "amount": str(_money(parts[1], parts[0])),
                         "status": status})
        return rows


class SendForm(forms.Form):
    pass


class SignForm(forms.Form):
    signed_on = forms.DateField(label=_("Date de signature"), widget=DATE)
    authority_signatory = forms.CharField(label=_("Signataire pour la collectivité"))
    organisation_signatory = forms.CharField(label=_("Signataire pour l'organisation"))


class TerminateForm(forms.Form):
    terminated_on = forms.DateField(label=_("Date de résiliation"), widget=DATE)
    reason = forms.CharField(label=_("Motif"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        # Shown on the convention page beside the amendment form, which has a "reason" too:
        # its own ids keep every id of the page unique (labels and errors point to the right one).
        kwargs.setdefault("auto_id", "id_terminate_%s")
        super().__init__(*args, **kwargs)


class YearConfirmForm(forms.Form):
    year = forms.IntegerField(widget=forms.HiddenInput)
    amount = forms.DecimalField(label=_("Montant confirmé (€)"), min_value=0, decimal_places=2)
    vote_reference = forms.CharField(label=_("Référence du vote du budget"))
    vote_date = forms.DateField(label=_("Date du vote"), widget=DATE)

    def __init__(self, *args, convention=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.convention = convention

    def clean_year(self):
        try:
            return self.convention.years.get(pk=self.cleaned_data["year"],
                                             status=YearStatus.PLANNED)
        except Exception as exc:
            raise ValidationError(_("Cette tranche n'est plus à confirmer.")) from exc


class PaymentOrderForm(forms.Form):
    line = forms.IntegerField(widget=forms.HiddenInput)
    ordered_on = forms.DateField(label=_("Date du mandat"), widget=DATE)
    mandate_reference = forms.CharField(label=_("Référence du mandat"), max_length=60)
    account = forms.CharField(label=_("Compte"), max_length=40, required=False)
    paid_on = forms.DateField(label=_("Versé le (si déjà versé)"), widget=DATE, required=False)


class PaymentPaidForm(forms.Form):
    payment = forms.IntegerField(widget=forms.HiddenInput)
    paid_on = forms.DateField(label=_("Date du versement"), widget=DATE)


class AmendmentForm(forms.Form):
    reason = forms.CharField(label=_("Motif de l'avenant"), widget=forms.Textarea(attrs={"rows": 2}))
    new_amounts = forms.CharField(
        label=_("Nouveaux montants"), required=False,
        help_text=_("« année = montant », séparés par « ; » — par exemple « 2027 = 35 000 »."))
    new_end_date = forms.DateField(label=_("Nouvelle date de fin"), required=False, widget=DATE)
    # CGCT L2311-7: an amendment has its own deliberation.
    decision_reference = forms.CharField(label=_("Référence de la délibération de l'avenant"),
                                         max_length=120)
    decision_date = forms.DateField(label=_("Date de la délibération de l'avenant"),
                                    widget=DATE)

    def clean_new_amounts(self):
        amounts = {}
        for part in self.cleaned_data["new_amounts"].split(";"):
            if not part.strip():
                continue
            if "=" not in part:
                raise ValidationError(_("Écrivez « année = montant »."))
            year, amount = (p.strip() for p in part.split("=", 1))
            if not year.isdigit():
                raise ValidationError(_("Année illisible : « %(year)s ».") % {"year": year})
            amounts[int(year)] = _money(amount, year)
        return amounts


class AmendmentSignForm(forms.Form):
    amendment = forms.IntegerField(widget=forms.HiddenInput)
    signed_on = forms.DateField(label=_("Signé le"), widget=DATE)


class AmendmentSendForm(forms.Form):
    amendment = forms.IntegerField(widget=forms.HiddenInput)


class PaymentCancelForm(forms.Form):
    payment = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Motif de l'annulation du mandat"), max_length=500)


# The realised budget on the application's grid; 74 is split in the usual three lines.
REPORT_ACCOUNTS = (
    [(code, label, {}) for code, label in CHARGE_ACCOUNTS.items()]
    + [(code, label, {}) for code, label in RESOURCE_ACCOUNTS.items() if code != "74"]
    + [("74_authority", "Subvention de la collectivité (74)",
        {"account": "74", "funder": "commune", "status": "obtained", "is_this_authority": True}),
       ("74_public", "Autres subventions publiques (74)",
        {"account": "74", "funder": "autre_public", "status": "obtained"}),
       ("74_private", "Aides privées (74)",
        {"account": "74", "funder": "prive", "status": "obtained"})]
    + [(code, label, {}) for code, label in IN_KIND_CHARGE_ACCOUNTS.items()]
    + [(code, label, {}) for code, label in IN_KIND_RESOURCE_ACCOUNTS.items()]
)


class ReportForm(forms.Form):
    """CERFA 15059: realised budget, subsidy used, qualitative report, a PDF attachment."""

    subsidy_used = forms.DecimalField(label=_("Part de la subvention utilisée (€)"), min_value=0,
                                      decimal_places=2)
    qualitative_report = forms.CharField(label=_("Bilan qualitatif"),
                                         widget=forms.Textarea(attrs={"rows": 5}))
    attachment = forms.FileField(label=_("Pièce justificative (PDF)"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, label, _extra in REPORT_ACCOUNTS:
            code = key.split("_")[0]
            self.fields[f"acc_{key}"] = forms.DecimalField(
                label=f"{code} — {label}", required=False, min_value=0, decimal_places=2)

    def groups(self):
        """Fields grouped for display: charges, resources, in-kind."""
        def pick(codes):
            return [self[f"acc_{key}"] for key, _label, _extra in REPORT_ACCOUNTS
                    if key.split("_")[0] in codes]
        return [(_("Charges"), pick(CHARGE_ACCOUNTS)),
                (_("Produits"), pick(RESOURCE_ACCOUNTS)),
                (_("Emplois des contributions volontaires (86)"), pick(IN_KIND_CHARGE_ACCOUNTS)),
                (_("Contributions volontaires en nature (87)"), pick(IN_KIND_RESOURCE_ACCOUNTS))]

    def budget_lines(self) -> list[dict]:
        rows = []
        for key, _label, extra in REPORT_ACCOUNTS:
            amount = self.cleaned_data.get(f"acc_{key}")
            if amount:
                rows.append({"account": key, "amount": str(amount), **extra})
        return rows

    @staticmethod
    def initial_from(lines: list[dict]) -> dict:
        initial = {}
        for row in lines:
            key = row["account"]
            if key == "74":
                key = ("74_authority" if row.get("is_this_authority") else
                       "74_private" if row.get("funder") == "prive" else "74_public")
            initial[f"acc_{key}"] = row["amount"]
        return initial


class ReportReviewForm(forms.Form):
    decision = forms.ChoiceField(label=_("Décision"), widget=forms.RadioSelect, choices=[
        ("approve", _("Approuver le compte rendu")),
        ("changes", _("Demander des modifications"))])
    comment = forms.CharField(label=_("Observations"), required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))


class ScheduleLineForm(forms.Form):
    # The blank row offered for a new line starts on "instalment": left untouched, it is
    # recognised as unchanged and ignored instead of being refused as incomplete.
    kind = forms.ChoiceField(label=_("Type"), choices=LineKind.choices,
                             initial=LineKind.INSTALMENT)
    planned_date = forms.DateField(label=_("Date prévue"), widget=DATE)
    amount = forms.DecimalField(label=_("Montant (€)"), min_value=0, decimal_places=2)


ScheduleFormSet = forms.formset_factory(ScheduleLineForm, extra=1, can_delete=True)


class ConventionFilterForm(forms.Form):
    q = forms.CharField(label=_("Recherche"), required=False)
    status = forms.ChoiceField(label=_("Statut"), required=False,
                               choices=[("", _("Tous"))] + list(ConventionStatus.choices))
    year = forms.IntegerField(label=_("Année"), required=False, min_value=2000, max_value=2100)
    organisation = forms.ModelChoiceField(Organisation.objects.order_by("name"), required=False,
                                          label=_("Organisation"))
    late = forms.BooleanField(label=_("Versements en retard"), required=False)
    report_overdue = forms.BooleanField(label=_("Compte rendu en retard"), required=False)


REPORT_OPEN = (ReportStatus.EXPECTED, ReportStatus.CHANGES_REQUESTED)
