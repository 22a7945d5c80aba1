from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from .models import Authority, DocumentKind, Organisation


def add_service_errors(exc: forms.ValidationError, form) -> None:
    """Show a service's French ValidationError on the form: on the named field when the form
    has it, as a non-field error otherwise (nothing is lost)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


class AuthorityChoiceField(forms.ModelChoiceField):
    """The authority a fund or a convention belongs to, chosen by the person who creates it:
    a list when several authorities share the service (the site's own preselected), a hidden
    field holding the only one otherwise. Never "the first one"."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Collectivité"))
        kwargs.setdefault("empty_label", _("Choisissez la collectivité"))
        kwargs.setdefault("error_messages", {
            "required": _("Choisissez la collectivité concernée (aucune n'est enregistrée ? "
                          "créez-la dans l'administration, rubrique Collectivités)."),
            "invalid_choice": _("Cette collectivité n'existe pas ou plus : choisissez-en une "
                                "de la liste.")})
        super().__init__(queryset=Authority.objects.order_by("name"), **kwargs)

    def configure(self, form, name: str) -> None:
        """Hide the field when the service has a single authority; preselect the site's."""
        from .selectors import site_authority

        authorities = list(self.queryset[:2])
        if len(authorities) == 1:
            # Nothing to choose: the only authority, even when a post leaves the field out.
            self.widget = forms.HiddenInput()
            self.required, self.only = False, authorities[0]
            form.initial.setdefault(name, authorities[0].pk)
        else:
            chosen = site_authority()
            if chosen is not None:
                form.initial.setdefault(name, chosen.pk)

    only = None

    def clean(self, value):
        return super().clean(value) or self.only

    @property
    def several(self) -> bool:
        return not isinstance(self.widget, forms.HiddenInput)


class SignupForm(forms.Form):
    first_name = forms.CharField(label=_("Prénom"), max_length=150)
    last_name = forms.CharField(label=_("Nom"), max_length=150)
    email = forms.EmailField(label=_("Adresse électronique"))
    password1 = forms.CharField(label=_("Mot de passe"), widget=forms.PasswordInput(
        attrs={"autocomplete": "new-password"}),
        help_text=_("8 caractères au moins, pas uniquement des chiffres."))
    password2 = forms.CharField(label=_("Confirmation du mot de passe"),
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean(self):
        data = super().clean()
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("Les deux mots de passe ne correspondent pas."))
        if p1:
            try:
                password_validation.validate_password(p1)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data


class OrganisationForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = [
            "name", "legal_form", "siret", "rna", "object", "address", "postcode", "city",
            "email", "phone", "website", "legal_representative_name",
            "legal_representative_title", "members_count", "volunteers_count",
            "employees_count", "fte", "financial_year_end", "iban", "bic",
        ]
        widgets = {"object": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Most organisations close their accounts on 31 December: an empty field means that.
        self.fields["financial_year_end"].required = False

    def clean_financial_year_end(self):
        return (self.cleaned_data.get("financial_year_end") or "").strip() or "31/12"

    def clean_siret(self):
        return self.cleaned_data["siret"].replace(" ", "")

    def clean_rna(self):
        return self.cleaned_data["rna"].strip().upper()

    def clean_iban(self):
        return self.cleaned_data["iban"].replace(" ", "").upper()


class OrganisationCreateForm(OrganisationForm):
    accept_cer = forms.BooleanField(
        label=_("J'accepte, au nom de l'organisation, le contrat d'engagement républicain "
                "(loi n° 2021-1109 du 24 août 2021, décret n° 2021-1947)."),
        required=True,
        error_messages={"required": _("Le contrat d'engagement républicain doit être accepté.")},
    )


class OrganisationJoinForm(forms.Form):
    identifier = forms.CharField(
        label=_("SIRET ou numéro RNA de l'organisation"), max_length=20,
        help_text=_("14 chiffres pour un SIRET, W suivi de 9 chiffres pour un RNA."),
    )
    proof_kind = forms.ChoiceField(
        label=_("Justificatif (si l'organisation n'a encore aucun administrateur)"),
        required=False,
        choices=[("", "—"), (DocumentKind.MANDATE.value, DocumentKind.MANDATE.label),
                 (DocumentKind.STATUTES.value, DocumentKind.STATUTES.label)],
    )
    proof_file = forms.FileField(
        label=_("Fichier du justificatif (PDF, PNG ou JPEG)"), required=False,
        help_text=_("Un agent de la collectivité le vérifie avant de vous confier "
                    "l'administration de l'organisation."),
    )

    def clean_identifier(self):
        from .validators import validate_rna, validate_siret

        value = self.cleaned_data["identifier"].replace(" ", "").upper()
        if value.startswith("W"):
            validate_rna(value)
            lookup = {"rna": value}
        else:
            validate_siret(value)
            lookup = {"siret": value}
        organisation = Organisation.objects.filter(**lookup).first()
        if organisation is None:
            raise forms.ValidationError(_("Aucune organisation n'est enregistrée avec cet "
                                          "identifiant. Vous pouvez la créer."))
        self.organisation = organisation
        return value


class BankDetailsConfirmForm(forms.Form):
    document = forms.ModelChoiceField(
        label=_("RIB vérifié"), queryset=None,
        empty_label=None,
        error_messages={"invalid_choice": _("Choisissez un RIB déposé par cette organisation.")},
    )

    def __init__(self, *args, organisation, **kwargs):
        from .models import OrganisationDocument

        super().__init__(*args, **kwargs)
        self.fields["document"].queryset = OrganisationDocument.objects.filter(
            organisation=organisation, kind=DocumentKind.RIB).order_by("-uploaded_at")


class DocumentUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type de document"), choices=DocumentKind.choices)
    label = forms.CharField(label=_("Intitulé (facultatif)"), max_length=200, required=False)
    file = forms.FileField(label=_("Fichier (PDF, PNG ou JPEG)"))
    valid_until = forms.DateField(label=_("Valable jusqu'au (facultatif)"), required=False,
                                  widget=forms.DateInput(attrs={"type": "date"}))


class NotificationPreferencesForm(forms.Form):
    """One choice per topic; mandatory topics do not offer "no e-mail" at all."""

    def __init__(self, *args, topics, current, **kwargs):
        from .models import Delivery

        super().__init__(*args, **kwargs)
        self.topics = topics
        for code, label, mandatory in topics:
            choices = [c for c in Delivery.choices if not (mandatory and c[0] == Delivery.NONE)]
            self.fields[code] = forms.ChoiceField(
                label=label, choices=choices, initial=current.get(code, Delivery.IMMEDIATE),
                help_text=_("Obligatoire : ne peut pas être désactivé.") if mandatory else "",
            )


class ReminderFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type de rappel"), required=False)
    organisation = forms.ModelChoiceField(label=_("Organisation"), required=False,
                                          queryset=Organisation.objects.order_by("name"))
    date_from = forms.DateField(label=_("Du"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("Au"), required=False,
                              widget=forms.DateInput(attrs={"type": "date"}))
    status = forms.ChoiceField(label=_("Statut"), required=False)

    def __init__(self, *args, **kwargs):
        from .models import ReminderStatus
        from .reminders import all_kinds

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("Tous"))] + [(k.code, k.label) for k in all_kinds()]
        self.fields["status"].choices = [("", _("Tous"))] + list(ReminderStatus.choices)

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("La date de fin doit suivre la date de début."))
        return data


class ReminderSendNowForm(forms.Form):
    kind = forms.CharField(max_length=60)
    target_type = forms.IntegerField(min_value=1)
    target_id = forms.IntegerField(min_value=1)
    due_date = forms.DateField()
    step = forms.CharField(max_length=20)
