"""Agents record the open-data publication of a convention."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..services.open_data import convention_open_data_record
from ._base import Base


class OpenDataForm(forms.Form):
    published_on = forms.DateField(label=gettext_lazy("Publiée le"),
                                   widget=forms.DateInput(attrs={"type": "date"}))


class OpenDataPublishedView(Base):
    def post(self, request, pk):
        convention = self.convention(pk)
        self.check("convention.manage", convention)
        form = OpenDataForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Indiquez une date de publication valide."))
            return redirect("conventions:convention-detail", pk=convention.pk)
        try:
            convention_open_data_record(convention=convention,
                                        published_on=form.cleaned_data["published_on"],
                                        actor=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Publication en données ouvertes enregistrée : les "
                                        "rappels s'arrêtent."))
        return redirect("conventions:convention-detail", pk=convention.pk)
