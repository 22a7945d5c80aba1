"""Forms of the volunteering pages (French labels; parsing of hours is the services' job)."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Activity, Qualification, RateKind, ValuationMethod, Volunteer

DAY_NAMES = [_("lun."), _("mar."), _("mer."), _("jeu."), _("ven."), _("sam."), _("dim.")]
HOURS_WIDGET = {"inputmode": "decimal", "autocomplete": "off", "pattern": r"[0-9]+([,.][0-9]{1,2})?"}


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class _ProjectFields(forms.Form):
    activity = forms.ChoiceField(label=_("Activité"), choices=Activity.choices)
    qualification = forms.ChoiceField(
        label=_("Qualification"), choices=Qualification.choices, initial=Qualification.EMPLOYEE,
        help_text=_("Utilisée pour la valorisation au coût de remplacement."))
    project_reference = forms.CharField(
        label=_("Référence du projet"), max_length=60, required=False,
        help_text=_("Référence du dossier ou de la convention (facultatif)."))
    confirm_duplicates = forms.BooleanField(
        label=_("J'ai vérifié : enregistrer même si des heures semblables existent déjà"),
        required=False)

    def __init__(self, *args, organisation, **kwargs):
        from .selectors import project_periods

        super().__init__(*args, **kwargs)
        periods = project_periods(organisation=organisation)
        if periods is not None:
            from .projects import organisation_projects

            # Known projects (applications, conventions): choose rather than type.
            labels = {ref: p.label for ref, p in organisation_projects(organisation).items()}
            self.fields["project_reference"].widget = forms.Select(
                choices=[("", _("Aucun (fonctionnement général)"))]
                + [(reference, labels.get(reference, reference))
                   for reference in sorted(periods)])


class WeekForm(_ProjectFields):
    """Seven days of one volunteer: empty days are skipped."""

    volunteer = forms.ModelChoiceField(label=_("Bénévole"), queryset=Volunteer.objects.none())
    week = forms.DateField(label=_("Semaine du"), widget=DateInput(),
                           help_text=_("N'importe quel jour de la semaine."))

    def __init__(self, *args, organisation, days, **kwargs):
        super().__init__(*args, organisation=organisation, **kwargs)
        self.fields["volunteer"].queryset = Volunteer.objects.filter(
            organisation=organisation, is_active=True)
        self.days = days
        for index, day in enumerate(days):
            self.fields[f"day_{index}"] = forms.CharField(
                label=f"{DAY_NAMES[day.weekday()]} {day:%d/%m}", required=False, max_length=6,
                widget=forms.TextInput(attrs={**HOURS_WIDGET, "size": 4}))
        self.order_fields(["volunteer", "week"])

    def detail_fields(self):
        return [self[name] for name in ("activity", "qualification", "project_reference",
                                        "confirm_duplicates")]

    def day_fields(self):
        return [self[f"day_{i}"] for i in range(7)]

    def filled_days(self):
        return [(day, self.cleaned_data[f"day_{i}"].strip()) for i, day in enumerate(self.days)
                if self.cleaned_data.get(f"day_{i}", "").strip()]

    def clean(self):
        data = super().clean()
        if not self.errors and not self.filled_days():
            raise forms.ValidationError(_("Saisissez les heures d'au moins un jour."))
        return data


class SessionForm(_ProjectFields):
    """One session (e.g. a Saturday workshop): the same hours for several volunteers."""

    date = forms.DateField(label=_("Date"), widget=DateInput(), initial=timezone.localdate)
    hours = forms.CharField(label=_("Heures par personne"), max_length=6,
                            widget=forms.TextInput(attrs=HOURS_WIDGET))
    volunteers = forms.ModelMultipleChoiceField(
        label=_("Bénévoles présents"), queryset=Volunteer.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple)
    new_names = forms.CharField(
        label=_("Autres bénévoles (un nom par ligne)"), required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Ajoutés à la liste des bénévoles. Prénom et initiale suffisent."))
    note = forms.CharField(label=_("Note"), max_length=255, required=False)

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, organisation=organisation, **kwargs)
        self.fields["volunteers"].queryset = Volunteer.objects.filter(
            organisation=organisation, is_active=True)
        self.order_fields(["date", "hours", "activity", "volunteers", "new_names",
                           "qualification", "project_reference", "note", "confirm_duplicates"])

    def names(self) -> list[str]:
        return [n.strip() for n in self.cleaned_data.get("new_names", "").splitlines()
                if n.strip()]

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("volunteers") and not self.names():
            raise forms.ValidationError(_("Choisissez ou ajoutez au moins un bénévole."))
        return data


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Fichier CSV ou XLSX"),
                           help_text=_("Colonnes date, benevole, heures, activite ; facultatives : "
                                       "projet, qualification, note."))


class ImportConfirmForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput)
    confirm_duplicates = forms.BooleanField(
        label=_("Importer aussi les doublons probables signalés"), required=False)


class VolunteerForm(forms.Form):
    name = forms.CharField(label=_("Nom affiché"), max_length=120,
                           help_text=_("Prénom et initiale suffisent (données minimales)."))


class MethodForm(forms.Form):
    valuation_method = forms.ChoiceField(label=_("Méthode de valorisation"),
                                         choices=ValuationMethod.choices)


class AttestationForm(forms.Form):
    year = forms.IntegerField(label=_("Année"), min_value=2000, max_value=2100)
    project_reference = forms.CharField(label=_("Référence du projet"), max_length=60,
                                        required=False,
                                        help_text=_("Vide : toutes les heures de l'année."))


class RevalueForm(forms.Form):
    year = forms.IntegerField(label=_("Année"), min_value=2000, max_value=2100)


class RateForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type de taux"), choices=RateKind.choices)
    qualification = forms.ChoiceField(label=_("Qualification"), required=False,
                                      choices=[("", "—"), *Qualification.choices])
    valid_from = forms.DateField(label=_("En vigueur à partir du"), widget=DateInput())
    value = forms.DecimalField(label=_("Valeur"), max_digits=8, decimal_places=4, min_value=0,
                               localize=True)
    source = forms.CharField(label=_("Source"), max_length=255, required=False)
