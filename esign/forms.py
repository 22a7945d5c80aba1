from django import forms
from django.utils.translation import gettext_lazy as _


class AssociationSignForm(forms.Form):
    shown_sha256 = forms.CharField(widget=forms.HiddenInput)
    code = forms.CharField(label=_("Code reçu par courriel"), max_length=6, min_length=6,
                           widget=forms.TextInput(attrs={"inputmode": "numeric",
                                                         "autocomplete": "one-time-code"}))
    confirm = forms.BooleanField(label=_("J'ai lu le document et je le signe au nom de "
                                         "l'organisation."))


class AuthoritySignForm(forms.Form):
    shown_sha256 = forms.CharField(widget=forms.HiddenInput)
    confirm = forms.BooleanField(label=_("J'ai lu le document et je le signe au nom de la "
                                         "collectivité."))


class VerifyForm(forms.Form):
    file = forms.FileField(label=_("PDF à vérifier"))
