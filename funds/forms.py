"""Forms of the funds app. They only parse input; every rule lives in services and rules."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from backoffice.core.budget import (
    CHARGE_ACCOUNTS,
    FUNDER_STATUSES,
    IN_KIND_CHARGE_ACCOUNTS,
    IN_KIND_RESOURCE_ACCOUNTS,
    PRIVATE_FUNDER,
    PUBLIC_FUNDERS,
    RESOURCE_ACCOUNTS,
    VOLUNTEERING_CHARGE,
    VOLUNTEERING_RESOURCE,
    BudgetLine,
)
from backoffice.core.choices import Nature
from backoffice.core.money import parse_decimal, to_money

from . import rules
from .models import Application, ApplicationStatus

ZERO = Decimal("0.00")
OWN_RESOURCE_ACCOUNTS = {k: v for k, v in RESOURCE_ACCOUNTS.items() if k != "74"}
MONEY_ERRORS = {"min_value": gettext_lazy("Un montant ne peut pas être négatif."),
                "invalid": gettext_lazy("Saisissez un montant, par exemple 1 250,50."),
                "max_decimal_places": gettext_lazy(
                    "Deux décimales au plus (les centimes) ; séparez les milliers par une "
                    "espace, par exemple 200 000,00."),
                "max_digits": gettext_lazy("Ce montant est trop grand.")}


class MoneyField(forms.DecimalField):
    """Euros typed the French way ("1 250,50", "1250.5", "1 250 €"), parsed by to_money."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            amount = parse_decimal(str(value))
        except ValueError as exc:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from exc
        # "200.000" or "1,234" are thousands to some and decimals to others: refused, never
        # silently rounded to 200,00 € or 1,23 €.
        if -amount.as_tuple().exponent > 2:
            raise forms.ValidationError(self.error_messages["max_decimal_places"],
                                        code="max_decimal_places")
        return to_money(amount)

    def prepare_value(self, value):
        # Shown the French way (comma decimals) so that what is typed back parses the same.
        if isinstance(value, Decimal):
            return f"{value:.2f}".replace(".", ",")
        return value


def money_field(label: str, **kwargs) -> MoneyField:
    return MoneyField(
        label=label, required=False, min_value=ZERO, max_digits=12, decimal_places=2,
        error_messages=MONEY_ERRORS,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}), **kwargs)


class ApplicationForm(forms.Form):
    """The about ten fields of the single simple application (drafts may be incomplete)."""

    title = forms.CharField(label=gettext_lazy("Titre du projet"), max_length=200)
    summary = forms.CharField(
        label=gettext_lazy("Résumé"), required=False, max_length=rules.SUMMARY_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": rules.SUMMARY_MAX_CHARS}),
        help_text=gettext_lazy("1 500 caractères au plus : le projet, pour qui, pourquoi."))
    place = forms.CharField(label=gettext_lazy("Lieu"), required=False, max_length=200)
    start_date = forms.DateField(label=gettext_lazy("Début"), required=False,
                                 widget=forms.DateInput(attrs={"type": "date"},
                                                        format="%Y-%m-%d"))
    end_date = forms.DateField(label=gettext_lazy("Fin"), required=False,
                               widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    nature = forms.ChoiceField(label=gettext_lazy("Nature de la dépense"), required=False)
    amount_requested = money_field(gettext_lazy("Montant demandé (€)"))
    volunteer_hours = forms.DecimalField(
        label=gettext_lazy("Heures de bénévolat prévues"), required=False, min_value=ZERO,
        max_digits=9, decimal_places=2, localize=True,
        error_messages={"min_value": gettext_lazy("Un nombre d'heures ne peut pas être négatif.")},
        widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    cer_accepted = forms.BooleanField(
        label=gettext_lazy("Nous acceptons le contrat d'engagement républicain (loi 2021-1109) : "
                           "respect des lois de la République, liberté de conscience, "
                           "égalité, fraternité, dignité de la personne, symboles de la "
                           "République."), required=False)

    SUBMISSION_REQUIRED = ["summary", "place", "start_date", "end_date", "nature",
                           "amount_requested", "cer_accepted"]

    def __init__(self, *args, application: Application, **kwargs):
        super().__init__(*args, **kwargs)
        self.application = application
        call = application.call
        self.fields["nature"].choices = [("", "—")] + [
            (value, label) for value, label in Nature.choices if value in call.fund.natures]
        for index, question in enumerate(call.questions or []):
            self.fields[f"q_{index}"] = forms.CharField(
                label=question, required=False, max_length=3000,
                widget=forms.Textarea(attrs={"rows": 3}))
        if application.organisation_id is None:
            self.fields["applicant_age"] = forms.IntegerField(
                label=gettext_lazy("Votre âge"), min_value=0, max_value=130)
        # A draft may be incomplete, but these are required to submit: marked as such (RGAA 11.10).
        for name in [*self.SUBMISSION_REQUIRED, *(n for n in self.fields if n.startswith("q_"))]:
            self.fields[name].required_to_submit = True
            self.fields[name].widget.attrs["aria-required"] = "true"
        if not self.is_bound:
            self.initial.update({name: getattr(application, name) for name in
                                 ["title", "summary", "place", "start_date", "end_date", "nature",
                                  "amount_requested", "volunteer_hours", "cer_accepted",
                                  "applicant_age"]})
            for index, answer in enumerate(application.answers or []):
                self.initial[f"q_{index}"] = answer

    @property
    def question_fields(self):
        return [self[name] for name in self.fields if name.startswith("q_")]

    def data_for_service(self) -> dict:
        """Cleaned values for application_update (only fields that parsed)."""
        data = {}
        cleaned = self.cleaned_data
        for name in ["title", "summary", "place", "start_date", "end_date", "nature",
                     "cer_accepted", "applicant_age"]:
            if name in cleaned:
                data[name] = cleaned[name]
        for name in ["amount_requested", "volunteer_hours"]:
            if name in cleaned:
                data[name] = cleaned[name] if cleaned[name] is not None else ZERO
        answers = [cleaned.get(f"q_{i}", "") or "" for i in
                   range(len(self.application.call.questions or []))]
        data["answers"] = answers
        return data


class BudgetForm(forms.Form):
    """The CERFA 12156 grid: charges 60–68, resources 70–78 with 74 per co-financer, and the
    in-kind contributions 86 = 87 (valued volunteering on 864/870)."""

    def __init__(self, *args, application: Application, volunteering_value=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.application = application
        self.volunteering_value = volunteering_value
        for account, label in CHARGE_ACCOUNTS.items():
            self.fields[f"c{account}"] = money_field(f"{account} — {label}")
        for account, label in OWN_RESOURCE_ACCOUNTS.items():
            self.fields[f"r{account}"] = money_field(f"{account} — {label}")
        for key, label in [*PUBLIC_FUNDERS.items(), (PRIVATE_FUNDER, _("Aides privées"))]:
            self.fields[f"f_{key}"] = money_field(label)
            self.fields[f"s_{key}"] = forms.ChoiceField(
                label=_("%(funder)s : statut") % {"funder": label}, required=False,
                choices=[(k, v) for k, v in FUNDER_STATUSES.items()], initial="requested")
        for account, label in {**IN_KIND_CHARGE_ACCOUNTS, **IN_KIND_RESOURCE_ACCOUNTS}.items():
            field = money_field(f"{account} — {label}")
            if volunteering_value is not None and account in (VOLUNTEERING_CHARGE,
                                                              VOLUNTEERING_RESOURCE):
                field.disabled = True
                field.help_text = _("Calculé : heures prévues × taux en vigueur.")
            self.fields[f"k{account}"] = field
        if not self.is_bound:
            self._initial_from(application)

    @staticmethod
    def _field_of(line) -> str:
        """The grid field showing a stored line (several lines of one account share it)."""
        if line.account == "74":
            return f"f_{line.funder or 'autre_public'}"
        if line.account in CHARGE_ACCOUNTS:
            return f"c{line.account}"
        if line.account in OWN_RESOURCE_ACCOUNTS:
            return f"r{line.account}"
        return f"k{line.account}"

    def _stored(self) -> dict[str, list]:
        """The application's stored lines (this authority's excepted), by grid field."""
        if not hasattr(self, "_stored_lines"):
            self._stored_lines = {}
            if self.application.pk:
                for line in self.application.budget_lines.all():
                    if not line.is_this_authority:
                        self._stored_lines.setdefault(self._field_of(line), []).append(line)
        return self._stored_lines

    def _initial_from(self, application):
        for name, lines in self._stored().items():
            self.initial[name] = sum((line.amount for line in lines), ZERO)
            if name.startswith("f_"):
                self.initial[f"s_{name[2:]}"] = lines[0].funder_status or "requested"
        if self.volunteering_value is not None:
            self.initial[f"k{VOLUNTEERING_CHARGE}"] = self.volunteering_value
            self.initial[f"k{VOLUNTEERING_RESOURCE}"] = self.volunteering_value

    def rows(self, prefix: str, accounts) -> list:
        return [self[f"{prefix}{account}"] for account in accounts]

    @property
    def charge_rows(self):
        return self.rows("c", CHARGE_ACCOUNTS)

    @property
    def resource_rows(self):
        return self.rows("r", OWN_RESOURCE_ACCOUNTS)

    @property
    def funder_rows(self):
        return [(self[f"f_{key}"], self[f"s_{key}"])
                for key in [*PUBLIC_FUNDERS, PRIVATE_FUNDER]]

    @property
    def in_kind_charge_rows(self):
        return self.rows("k", IN_KIND_CHARGE_ACCOUNTS)

    @property
    def in_kind_resource_rows(self):
        return self.rows("k", IN_KIND_RESOURCE_ACCOUNTS)

    def _kept(self, name: str, amount: Decimal, line: BudgetLine) -> list[BudgetLine]:
        """The stored lines behind field ``name`` when the grid leaves them as they were
        (same total, same funder status): labels and splits are the association's own.
        Otherwise one line with the typed amount, keeping the label of a single stored line."""
        stored = self._stored().get(name, [])
        same_status = not name.startswith("f_") or all(
            (s.funder_status or "requested") == line.status for s in stored)
        if stored and same_status and sum((s.amount for s in stored), ZERO) == amount:
            return [BudgetLine(s.account, s.amount, s.label, funder=s.funder,
                               status=s.funder_status) for s in stored]
        if len(stored) == 1 and stored[0].label:
            line = BudgetLine(line.account, line.amount, stored[0].label, funder=line.funder,
                              status=line.status)
        return [line]

    def lines(self) -> list[BudgetLine]:
        """The budget typed, as BudgetLine values (this authority's 74 line is the service's:
        ``application_budget``). An amount left unchanged keeps its stored lines exactly
        (labels included)."""
        cleaned = self.cleaned_data
        lines = []
        for account, label in CHARGE_ACCOUNTS.items():
            amount = cleaned.get(f"c{account}") or ZERO
            lines += self._kept(f"c{account}", amount, BudgetLine(account, amount, label))
        for account, label in OWN_RESOURCE_ACCOUNTS.items():
            amount = cleaned.get(f"r{account}") or ZERO
            lines += self._kept(f"r{account}", amount, BudgetLine(account, amount, label))
        for key, label in [*PUBLIC_FUNDERS.items(), (PRIVATE_FUNDER, _("Aides privées"))]:
            amount = cleaned.get(f"f_{key}") or ZERO
            lines += self._kept(f"f_{key}", amount, BudgetLine(
                "74", amount, label, funder=key, status=cleaned.get(f"s_{key}") or "requested"))
        for account, label in {**IN_KIND_CHARGE_ACCOUNTS, **IN_KIND_RESOURCE_ACCOUNTS}.items():
            amount = cleaned.get(f"k{account}") or ZERO
            if self.volunteering_value is not None and account in (VOLUNTEERING_CHARGE,
                                                                   VOLUNTEERING_RESOURCE):
                amount = self.volunteering_value
            lines += self._kept(f"k{account}", amount, BudgetLine(account, amount, label))
        return [line for line in lines if line.amount != 0]


class ApplicationStartForm(forms.Form):
    """Who applies (one of my organisations, or myself when the call allows) and the title."""

    organisation = forms.ChoiceField(label=gettext_lazy("Porteur du projet"))
    title = forms.CharField(label=gettext_lazy("Titre du projet"), max_length=200)
    applicant_age = forms.IntegerField(
        label=gettext_lazy("Votre âge (si vous déposez à titre personnel)"), required=False,
        min_value=0, max_value=130)

    def __init__(self, *args, organisations, allows_individuals: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisations = {str(o.pk): o for o in organisations}
        choices = [(pk, o.name) for pk, o in self.organisations.items()]
        if allows_individuals:
            choices.append(("individual", _("À titre personnel (habitant)")))
        else:
            del self.fields["applicant_age"]
        self.fields["organisation"].choices = choices


class ReviewForm(forms.Form):
    estimated_cost = money_field(gettext_lazy("Coût estimé par la collectivité (€)"))
    proposed_amount = money_field(gettext_lazy("Montant proposé (€)"))
    opinion = forms.CharField(label=gettext_lazy("Avis de l'instructeur"), required=False,
                              widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for code, label in rules.MANUAL_CHECKS:
            self.fields[f"check_{code}"] = forms.BooleanField(label=label, required=False)

    def checklist(self) -> dict:
        return {code: self.cleaned_data.get(f"check_{code}", False)
                for code, _label in rules.MANUAL_CHECKS}


class MessageForm(forms.Form):
    message = forms.CharField(label=gettext_lazy("Compléments attendus"),
                              widget=forms.Textarea(attrs={"rows": 3}))


def confirm_field(label) -> forms.BooleanField:
    """The tick that confirms an irreversible decision, without JavaScript: unticked, the
    form is refused with this message next to the box and nothing is saved."""
    return forms.BooleanField(label=label, required=True, error_messages={
        "required": gettext_lazy("Cochez cette case pour confirmer : la décision est définitive "
                                 "et ne pourra pas être annulée.")})


class MotivationForm(forms.Form):
    motivation = forms.CharField(label=gettext_lazy("Motivation"),
                                 widget=forms.Textarea(attrs={"rows": 3}))
    confirm = confirm_field(gettext_lazy(
        "Je confirme l'irrecevabilité : elle est définitive et le porteur en est prévenu."))

    def __init__(self, *args, **kwargs):
        # Shown beside the decision form (which has a motivation and a confirmation too) to
        # whoever both reviews and decides: its own ids keep every id of the page unique.
        kwargs.setdefault("auto_id", "id_ineligible_%s")
        super().__init__(*args, **kwargs)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=gettext_lazy("Décision"), choices=[
        ("award", gettext_lazy("Attribuer")), ("reject", gettext_lazy("Rejeter"))],
        widget=forms.RadioSelect)
    amount = money_field(gettext_lazy("Montant attribué (€)"))
    nature = forms.ChoiceField(label=gettext_lazy("Nature"), choices=Nature.choices,
                               required=False)
    deliberation_reference = forms.CharField(label=gettext_lazy("Référence de la délibération"),
                                             max_length=100)
    deliberation_date = forms.DateField(label=gettext_lazy("Date de la délibération"),
                                        widget=forms.DateInput(attrs={"type": "date"}))
    motivation = forms.CharField(label=gettext_lazy("Motivation (rejet)"), required=False,
                                 widget=forms.Textarea(attrs={"rows": 3}))
    confirm = confirm_field(gettext_lazy(
        "Je confirme la décision : attribution ou rejet, elle est définitive et le porteur en "
        "est prévenu."))


class CommitteeHeaderForm(forms.Form):
    deliberation_reference = forms.CharField(label=gettext_lazy("Référence de la délibération"),
                                             max_length=100)
    deliberation_date = forms.DateField(label=gettext_lazy("Date de la délibération"),
                                        widget=forms.DateInput(attrs={"type": "date"}))
    confirm = confirm_field(gettext_lazy(
        "Je confirme ces décisions : elles sont définitives et les porteurs en sont prévenus."))


QUEUE_STATUSES = [("", gettext_lazy("Tous"))] + [
    (value, label) for value, label in ApplicationStatus.choices
    if value != ApplicationStatus.DRAFT]


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("Statut"), required=False,
                               choices=QUEUE_STATUSES)
    nature = forms.ChoiceField(label=gettext_lazy("Nature"), required=False,
                               choices=[("", gettext_lazy("Toutes")), *Nature.choices])
    q = forms.CharField(label=gettext_lazy("Recherche : n° de dossier (DOS-2), titre ou "
                                           "organisation"), required=False, max_length=100)
