"""Forms of the conventions pages. They parse and present; services decide."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from backoffice.core.choices import Nature
from backoffice.core.forms import AuthorityChoiceField
from backoffice.core.models import Authority, Organisation
from backoffice.core.money import format_number, to_money

from .models import ConventionStatus, LineKind, YearStatus

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
    parties = True
    authority = AuthorityChoiceField(
        label=_("Collectivité qui signe"),
        help_text=_("Elle signe la convention, la paie et la numérote."))
    organisation = forms.ModelChoiceField(Organisation.objects.order_by("name"),
                                          label=_("Organisation bénéficiaire"))
    object = forms.CharField(label=_("Objet"), widget=forms.Textarea(attrs={"rows": 3}))
    nature = forms.ChoiceField(label=_("Nature"), choices=Nature.choices)
    fund = forms.ModelChoiceField(
        queryset=None, required=False, label=_("Fonds (facultatif)"),
        empty_label=_("Aucun"),
        help_text=_("Son imputation budgétaire est proposée quand elle correspond à la nature."))
    imputation = forms.CharField(
        label=_("Imputation budgétaire"), max_length=40, required=False,
        help_text=_("Laissée vide, elle suit la nature de l'aide."))
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
        initial=_("L'association peut conserver un excédent raisonnable."),
        help_text=_("Le taux et le reversement au-delà (CGCT L1611-4) sont ajoutés au "
                    "document."))
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

    def __init__(self, *args, **kwargs):
        from funds.models import Fund

        super().__init__(*args, **kwargs)
        if not self.parties:
            # The organisation and the authority are the parties of a convention: chosen at
            # creation, never edited; the fund only helps propose an imputation then.
            del self.fields["authority"], self.fields["organisation"], self.fields["fund"]
            return
        self.fields["authority"].configure(self, "authority")
        self.fields["fund"].queryset = (Fund.objects.select_related("authority")
                                        .order_by("authority__name", "-year_end", "name"))
        if self.fields["authority"].several:
            # Each fund says whose it is: the authority that signs pays from its own funds.
            self.fields["fund"].label_from_instance = (
                lambda fund: f"{fund.name} — {fund.authority.name}")

    def clean(self):
        data = super().clean()
        authority, fund = data.get("authority"), data.get("fund")
        if authority and fund and fund.authority_id != authority.pk:
            self.add_error("fund", _("Ce fonds appartient à %(owner)s, pas à %(authority)s : "
                                     "choisissez un fonds de la collectivité qui signe.")
                           % {"owner": fund.authority.name, "authority": authority.name})
        return data

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


AID_FORMS = [("aide en numéraire", _("Aide en numéraire")), ("aide en nature", _("Aide en nature")),
             ("aide en numéraire;aide en nature", _("Aide en numéraire et en nature"))]


def _plain(amount) -> str:
    """30000 → « 30 000,00 » with an ordinary space, the way an agent types it again."""
    return format_number(amount).replace("\u202f", " ")


def _percent(share) -> str:
    """0.5 → « 50 », 0.125 → « 12.5 »: a stored share as the percent field takes it."""
    text = f"{(share * 100).quantize(Decimal('0.01')):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


class ConventionEditForm(ConventionCreateForm):
    """Every clause of a draft convention (the organisation stays: it is the party). Parses
    and presents the stored values the way the creation form takes them; the rules are in
    ``services.convention_update``."""

    parties = False
    advance_delay_days = forms.IntegerField(
        label=_("Délai de l'avance (jours après signature ou confirmation)"), min_value=0,
        max_value=365)
    payment_delay_days = forms.IntegerField(
        label=_("Délai de paiement (jours)"), min_value=1, max_value=60,
        help_text=_("60 jours au plus à compter du fait générateur (loi n° 2021-875)."))
    balance_requires_report = forms.BooleanField(
        label=_("Solde versé après approbation du compte rendu de l'année précédente"),
        required=False)
    aid_form = forms.ChoiceField(label=_("Forme de l'aide"), choices=AID_FORMS)
    eu_notified = forms.BooleanField(
        label=_("Aide de minimis notifiée à la Commission européenne"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("conditions_of_use", "evaluation_terms", "keep_rule_text"):
            # Left empty, they are listed among the missing clauses, not refused: a draft
            # is completed step by step.
            self.fields[name].required = False

    @staticmethod
    def initial_from(convention) -> dict:
        """The stored convention as the form shows it: rates in percent, one amount per year
        separated by « ; », one co-financing line per funder."""
        status = {"obtained": "obtenu", "requested": "demandé"}
        return {
            "object": convention.object, "nature": convention.nature,
            "imputation": convention.imputation,
            "start_date": convention.start_date, "end_date": convention.end_date,
            "yearly_amounts": " ; ".join(_plain(year.planned_amount)
                                         for year in convention.years.all()),
            "advance_rate": _percent(convention.advance_rate),
            "keep_rule_rate": _percent(convention.keep_rule_rate),
            "keep_rule_text": convention.keep_rule_text,
            "conditions_of_use": convention.conditions_of_use,
            "evaluation_terms": convention.evaluation_terms,
            "cofinancing": "\n".join(
                f"{row['funder']} ; {_plain(to_money(row['amount']))} ; "
                f"{status.get(row.get('status'), 'demandé')}"
                for row in convention.cofinancing or []),
            "volunteering_planned": convention.volunteering_planned,
            "decision_reference": convention.decision_reference,
            "decision_date": convention.decision_date,
            "advance_delay_days": convention.advance_delay_days,
            "payment_delay_days": convention.payment_delay_days,
            "balance_requires_report": convention.balance_requires_report,
            "aid_form": convention.aid_form, "eu_notified": convention.eu_notified,
        }


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
            if not (year.isascii() and year.isdigit()):
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
    authority = forms.ModelChoiceField(None, required=False, label=_("Collectivité"),
                                       empty_label=_("Toutes"))
    late = forms.BooleanField(label=_("Versements en retard"), required=False)
    report_overdue = forms.BooleanField(label=_("Compte rendu en retard"), required=False)

    def __init__(self, *args, authorities=(), **kwargs):
        super().__init__(*args, **kwargs)
        # A choice only where several authorities share the service.
        if len(authorities) > 1:
            self.fields["authority"].queryset = Authority.objects.filter(
                pk__in=[a.pk for a in authorities]).order_by("name")
        else:
            del self.fields["authority"]

