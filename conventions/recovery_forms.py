"""Forms of the recovery procedure and of the in-kind aid on the convention page. They parse
and present; the services decide (dates, amounts, order of the steps)."""

from __future__ import annotations

from django import forms
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backoffice.core import dates
from backoffice.core.money import ZERO, format_eur
from funds.forms import MONEY_ERRORS, MoneyField

from .forms import DATE
from .models import InKindKind, Payment, PaymentStatus, RecoveryGround, ScheduleLine

CONFIRM_ERRORS = {"required": _("Cochez la case pour confirmer : cette étape ne peut pas être "
                                 "annulée.")}


def _money(label, **kwargs) -> MoneyField:
    return MoneyField(label=label, min_value=ZERO, max_digits=12, decimal_places=2,
                      error_messages=MONEY_ERRORS,
                      widget=forms.TextInput(attrs={"inputmode": "decimal",
                                                    "autocomplete": "off"}), **kwargs)


def _not_future(value, label):
    """A step is recorded once it happened (the service checks it too, with the order of the
    steps): said at once, beside the other errors of the form."""
    message = dates.future_error(value=value, today=timezone.localdate(), label=label)
    if message:
        raise forms.ValidationError(message)
    return value


def _confirm(label):
    return forms.BooleanField(label=label, error_messages=CONFIRM_ERRORS)


class StepForm(forms.Form):
    """One step of one recovery: its fields are prefixed by the recovery and the step, so
    that several procedures on one page keep unique ids and names."""

    step = ""

    def __init__(self, *args, recovery, **kwargs):
        kwargs.setdefault("prefix", f"r{recovery.pk}-{self.step}")
        super().__init__(*args, **kwargs)
        self.recovery = recovery

    def clean_on(self):
        return _not_future(self.cleaned_data["on"], str(self.fields["on"].label).lower())


class ObservationsForm(StepForm):
    step = "observations"
    on = forms.DateField(label=_("Observations reçues le"), widget=DATE)
    observations = forms.CharField(
        label=_("Observations de l'organisation"), widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Ce que l'organisation répond à la notification (CRPA L122-1)."))


class DecideForm(StepForm):
    step = "decide"
    amount = _money(_("Montant à reverser (€)"),
                    help_text=_("Au plus le montant notifié ; 0 abandonne le recouvrement."))
    reasons = forms.CharField(
        label=_("Motifs de la décision"), widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("La décision est motivée (CRPA L211-2) et répond aux observations "
                    "reçues."))
    on = forms.DateField(label=_("Date de la décision"), widget=DATE)
    confirm = _confirm(_("Je confirme la décision : la lettre de décision est produite et "
                         "envoyée à l'organisation."))


class TitleForm(StepForm):
    step = "title"
    reference = forms.CharField(label=_("Référence du titre de recettes"), max_length=60)
    on = forms.DateField(label=_("Date d'émission du titre"), widget=DATE)
    confirm = _confirm(_("Je confirme l'émission du titre de recettes."))


class SettleForm(StepForm):
    step = "settle"
    on = forms.DateField(label=_("Recouvré le"), widget=DATE)
    offset_line = forms.ModelChoiceField(
        ScheduleLine.objects.none(), required=False,
        label=_("Compensation sur une échéance non versée"),
        empty_label=_("Aucune : somme encaissée par le comptable public"),
        help_text=_("Une échéance non mandatée de la même organisation, au moins égale au "
                    "montant à reverser : elle est réduite d'autant."))
    confirm = _confirm(_("Je confirme le recouvrement (encaissement ou compensation)."))

    def __init__(self, *args, recovery, **kwargs):
        super().__init__(*args, recovery=recovery, **kwargs)
        field = self.fields["offset_line"]
        field.queryset = (
            ScheduleLine.objects
            .filter(year__convention__organisation_id=recovery.convention.organisation_id,
                    amount__gt=0)
            .exclude(Exists(Payment.objects.filter(
                line=OuterRef("pk"), status__in=[PaymentStatus.ORDERED, PaymentStatus.PAID])))
            .exclude(year__convention__status="terminated")
            .select_related("year__convention").order_by("year__convention__reference",
                                                         "year__year", "position"))
        field.label_from_instance = lambda line: (
            f"{line.year.convention.reference} — {line.get_kind_display()} {line.year.year} "
            f"— {format_eur(line.amount)}")


class CerWithdrawalForm(forms.Form):
    breach_date = forms.DateField(label=_("Date du manquement"), widget=DATE)
    reason = forms.CharField(
        label=_("Manquement constaté"), widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Lequel des 7 engagements du contrat d'engagement républicain, quels "
                    "faits (décret 2021-1947)."))
    confirm = _confirm(_("Je confirme le retrait : la convention est résiliée et la "
                         "notification est envoyée à l'organisation."))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_cer_%s")
        super().__init__(*args, **kwargs)

    def clean_breach_date(self):
        return _not_future(self.cleaned_data["breach_date"], _("la date du manquement"))


class RepaymentRequestForm(forms.Form):
    """A repayment started by hand (CGCT L1611-4): the service bounds the amount by what was
    paid and not yet asked back."""

    ground = forms.ChoiceField(
        label=_("Fondement"), choices=RecoveryGround.choices, widget=forms.RadioSelect,
        error_messages={"required": _("Choisissez le fondement de la demande de reversement.")})
    amount = _money(_("Montant à reverser (€)"),
                    help_text=_("Au plus ce qui a été versé, moins ce qui est déjà demandé en "
                                "reversement."))
    reason = forms.CharField(
        label=_("Motif"), widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Décrivez les faits qui fondent la demande (quelles "
                                      "sommes, quelle obligation de la convention) : ils "
                                      "figurent dans la notification.")},
        help_text=_("Les faits, tels qu'ils figureront dans la notification : action non "
                    "réalisée, dépenses non conformes, compte rendu non produit…"))
    on = forms.DateField(label=_("Date de la notification"), widget=DATE)
    confirm = _confirm(_("Je confirme la demande : la notification est produite et envoyée à "
                         "l'organisation, qui dispose d'un délai pour ses observations."))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_repayment_%s")
        super().__init__(*args, **kwargs)

    def clean_on(self):
        return _not_future(self.cleaned_data["on"], _("la date de la notification"))


class InKindAidForm(forms.Form):
    kind = forms.ChoiceField(label=_("Nature de l'aide"), choices=InKindKind.choices)
    description = forms.CharField(label=_("Description"), max_length=255,
                                  help_text=_("Quels locaux, quel matériel, quel personnel."))
    year = forms.TypedChoiceField(label=_("Année"), coerce=int)
    value = _money(_("Valeur annuelle (€)"))
    valuation_method = forms.CharField(
        label=_("Base de la valorisation"), widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Loyer de marché au m², coût horaire chargé, barème de location…"))
    account = forms.CharField(label=_("Compte de valorisation du bénéficiaire"), max_length=10,
                              initial="870",
                              help_text=_("Compte 87x (860/870 : mise à disposition gratuite "
                                          "de biens et services)."))

    def __init__(self, *args, years, **kwargs):
        kwargs.setdefault("auto_id", "id_inkind_%s")
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, str(y)) for y in years]
