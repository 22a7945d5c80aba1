from django import forms
from django.utils.translation import gettext_lazy as _

from .models import RequestKind


class DataRequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("Votre demande"), choices=RequestKind.choices,
                             widget=forms.RadioSelect)
    message = forms.CharField(label=_("Précisions (facultatif)"), required=False,
                              max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))
