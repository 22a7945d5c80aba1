"""Forms of the staff pages that set up funds and calls. They parse what is typed the French
way (amounts, percentages, dates) and present the stored codes with their French labels;
``Fund.clean`` and ``Call.clean`` (through the services) decide."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from backoffice.core.choices import Nature
from backoffice.core.forms import AuthorityChoiceField
from backoffice.core.models import DocumentKind
from backoffice.core.money import format_eur, format_number, parse_decimal

from . import rules
from .forms import MONEY_ERRORS, MoneyField
from .models import ApplicantKind, CallKind, Fund

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
HUNDRED = Decimal("100")
SHARE_PLACES = Decimal("0.0001")


def amount_field(label, *, required: bool = True, help_text="") -> MoneyField:
    """Euros as ``funds.forms.MoneyField`` reads them ("200 000,00", "200 000 €",
    "200000.5"); more than two decimals ("200.000") is refused, never rounded."""
    return MoneyField(label=label, required=required, min_value=Decimal("0"), max_digits=12,
                      decimal_places=2, help_text=help_text, error_messages=MONEY_ERRORS,
                      widget=forms.TextInput(attrs={"inputmode": "decimal",
                                                    "autocomplete": "off"}))


class PercentField(forms.Field):
    """A share typed as a percentage ("80", "80 %", "12,5") and returned as a fraction
    (Decimal("0.8000")), the way ``Fund`` stores it. Shown back as a percentage."""

    default_error_messages = {
        "invalid": _("Saisissez un pourcentage entre 0 et 100, par exemple 80 ou 12,5."),
        "range": _("Un pourcentage est compris entre 0 et 100 : pour 80 %, tapez 80."),
        "places": _("Deux décimales au plus, par exemple 12,5 ou 33,33."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal",
                                                           "autocomplete": "off"}))
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, Decimal):
            return value
        text = str(value).strip().removesuffix("%").strip()
        try:
            percent = parse_decimal(text)
        except ValueError as exc:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from exc
        if not HUNDRED >= percent >= 0:
            raise forms.ValidationError(self.error_messages["range"], code="range")
        if -percent.as_tuple().exponent > 2:
            raise forms.ValidationError(self.error_messages["places"], code="places")
        return (percent / HUNDRED).quantize(SHARE_PLACES)

    def prepare_value(self, value):
        if isinstance(value, Decimal):
            return format_number(value * HUNDRED, 2, trim=True)
        return value

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs["size"] = 6
        return attrs


def _checkboxes(label, choices, *, required=True, help_text=""):
    return forms.MultipleChoiceField(
        label=label, choices=choices, required=required, help_text=help_text,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Cochez au moins une case."),
                        "invalid_choice": _("Choix inconnu : %(value)s.")})


class FundForm(forms.Form):
    name = forms.CharField(label=_("Nom du fonds"), max_length=200)
    year_start = forms.IntegerField(label=_("Première année budgétaire"), min_value=2000,
                                    max_value=2100)
    year_end = forms.IntegerField(label=_("Dernière année budgétaire"), min_value=2000,
                                  max_value=2100,
                                  help_text=_("La même que la première pour un fonds annuel."))
    envelope = amount_field(_("Enveloppe (€)"))
    natures = _checkboxes(_("Natures de dépense financées"), Nature.choices)
    budget_imputation = forms.CharField(
        label=_("Imputation budgétaire"), max_length=20,
        help_text=_("Le compte sur lequel les subventions sont mandatées, par exemple 6574 "
                    "(fonctionnement) ou 20421 (investissement)."))
    max_authority_share = PercentField(
        label=_("Part maximale de la collectivité (%)"),
        help_text=_("En pourcentage du coût total du projet : 80 veut dire que la "
                    "collectivité en finance au plus 80 %. Aucune loi ne fixe ce plafond : "
                    "c'est la règle du fonds."))
    max_public_share = PercentField(
        label=_("Part maximale de financements publics (%)"), required=False,
        help_text=_("Toutes aides publiques confondues, en pourcentage du coût total ; "
                    "laissez vide pour ne pas plafonner."))
    min_self_financing_share = PercentField(
        label=_("Part minimale d'autofinancement (%)"),
        help_text=_("En pourcentage du coût total : 10 veut dire que le porteur apporte au "
                    "moins 10 % du projet (le bénévolat et les contributions en nature "
                    "comptent si les cases ci-dessous sont cochées)."))
    volunteering_counts = forms.BooleanField(
        label=_("Le bénévolat valorisé compte dans l'autofinancement"), required=False)
    in_kind_counts = forms.BooleanField(
        label=_("Les autres contributions en nature comptent dans l'autofinancement"),
        required=False)
    min_amount = amount_field(_("Montant minimal par projet (€)"), required=False,
                              help_text=_("Vide ou 0 : pas de minimum."))
    max_amount = amount_field(_("Montant maximal par projet (€)"))

    def __init__(self, *args, fund: Fund | None = None, committed: Decimal | None = None,
                 **kwargs):
        if fund is not None and not kwargs.get("data") and not args:
            kwargs.setdefault("initial", {name: getattr(fund, name) for name in self.base_fields})
        super().__init__(*args, **kwargs)
        if fund is None:
            self.fields["volunteering_counts"].initial = True
            self.fields["in_kind_counts"].initial = True
            self.fields["max_authority_share"].initial = Decimal("0.8000")
            self.fields["min_self_financing_share"].initial = Decimal("0.1000")
            self.fields["budget_imputation"].initial = "6574"
        if committed:
            self.fields["envelope"].help_text = _(
                "En euros, par exemple 200 000 ou 200 000,00. Déjà attribué sur ce fonds : "
                "%(committed)s ; l'enveloppe ne peut pas descendre en dessous.") % {
                "committed": format_eur(committed)}
        else:
            self.fields["envelope"].help_text = _("En euros, par exemple 200 000 ou "
                                                  "200 000,00.")

    def data_for_service(self) -> dict:
        data = dict(self.cleaned_data)
        data["min_amount"] = data.get("min_amount") or Decimal("0.00")
        return data


class FundCreateForm(FundForm):
    """A new fund names the authority that endows it: the one chosen, never "the first"."""

    authority = AuthorityChoiceField(
        help_text=_("Celle qui dote le fonds, signe et paie les aides qui en découlent."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["authority"].configure(self, "authority")

    def data_for_service(self) -> dict:
        data = super().data_for_service()
        data.pop("authority")
        return data


class CallForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type d'appel"), choices=CallKind.choices,
                             widget=forms.RadioSelect)
    title = forms.CharField(label=_("Titre"), max_length=200)
    description = forms.CharField(label=_("Description"),
                                  widget=forms.Textarea(attrs={"rows": 5}),
                                  help_text=_("Ce que l'appel soutient, montré aux porteurs."))
    applicant_kinds = _checkboxes(_("Qui peut déposer"), ApplicantKind.choices)
    min_age = forms.IntegerField(
        label=_("Âge minimal des habitants qui déposent"), required=False, min_value=0,
        max_value=130, help_text=_("Seulement si les habitants peuvent déposer ; vide = sans "
                                   "condition d'âge."))
    one_per_applicant = forms.BooleanField(label=_("Un seul dossier par porteur"),
                                           required=False)
    required_documents = _checkboxes(
        _("Documents exigés"), DocumentKind.choices, required=False,
        help_text=_("Déposés une fois par l'organisation et réutilisés d'un dossier à "
                    "l'autre."))
    opens_on = forms.DateField(label=_("Ouverture des dépôts"), widget=DATE,
                               help_text=_("L'appel s'ouvre de lui-même ce jour-là."))
    closes_on = forms.DateField(label=_("Clôture des dépôts"), widget=DATE,
                                help_text=_("Dernier jour pour déposer ; l'instruction "
                                            "commence le lendemain."))
    vote_on = forms.DateField(label=_("Début du vote"), widget=DATE, required=False,
                              help_text=_("Budget participatif seulement ; le vote dure "
                                          "jusqu'à la veille de la décision."))
    decision_on = forms.DateField(label=_("Début de la décision"), widget=DATE)
    results_on = forms.DateField(label=_("Publication des résultats"), widget=DATE)
    ends_on = forms.DateField(label=_("Clôture de l'appel"), widget=DATE)

    DATE_FIELDS = ("opens_on", "closes_on", "vote_on", "decision_on", "results_on", "ends_on")

    def __init__(self, *args, call=None, **kwargs):
        if call is not None and not kwargs.get("data") and not args:
            kwargs.setdefault("initial", {name: getattr(call, name)
                                          for name in self.base_fields})
        super().__init__(*args, **kwargs)
        if call is None:
            self.fields["kind"].initial = CallKind.INITIATIVES

    @property
    def date_fields(self):
        return [self[name] for name in self.DATE_FIELDS]

    @property
    def other_fields(self):
        return [self[name] for name in self.fields if name not in self.DATE_FIELDS]


class QuestionForm(forms.Form):
    """One additional question asked to every applicant (stored as its text)."""

    label = forms.CharField(label=_("Question"), max_length=300, required=False)


class BaseQuestionFormSet(forms.BaseFormSet):
    def questions(self) -> list[str]:
        """The questions typed, in order, empty rows left out (``Call.questions``' format)."""
        return [text for form in self.forms
                if (text := (form.cleaned_data.get("label") or "").strip())]


QuestionFormSet = forms.formset_factory(
    QuestionForm, formset=BaseQuestionFormSet, extra=0, max_num=rules.MAX_QUESTIONS,
    absolute_max=rules.MAX_QUESTIONS, validate_max=True)


def question_formset(data=None, *, questions=()) -> BaseQuestionFormSet:
    """Always ``MAX_QUESTIONS`` rows: the call's questions, then empty ones."""
    initial = [{"label": text} for text in questions]
    initial += [{"label": ""}] * (rules.MAX_QUESTIONS - len(initial))
    formset = QuestionFormSet(data, initial=initial[:rules.MAX_QUESTIONS], prefix="questions")
    for index, form in enumerate(formset.forms, start=1):
        form.fields["label"].label = _("Question %(n)s") % {"n": index}
    return formset


class CallDuplicateForm(forms.Form):
    fund = forms.ModelChoiceField(
        label=_("Fonds de la copie"), queryset=Fund.objects.none(), empty_label=None,
        help_text=_("Par défaut, le fonds qui couvre l'année de la copie."),
        error_messages={"invalid_choice": _("Choisissez un fonds de la liste.")})

    def __init__(self, *args, authority, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fund"].queryset = Fund.objects.filter(authority=authority).order_by(
            "-year_start", "name")
