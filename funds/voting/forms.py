"""Forms of the vote pages (French labels; the services check the rules)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import Call, District, VoteExclusion
from ..winners import RULES


class VoterForm(forms.Form):
    first_name = forms.CharField(label=_("Prénom"), max_length=150)
    last_name = forms.CharField(label=_("Nom"), max_length=150)
    birth_date = forms.DateField(label=_("Date de naissance"),
                                 widget=forms.DateInput(attrs={"type": "date"}),
                                 error_messages={"invalid": _("Date invalide (jj/mm/aaaa).")})
    district = forms.ModelChoiceField(label=_("Votre quartier"), queryset=District.objects.none(),
                                      required=False, empty_label=_("— choisir —"))
    resident = forms.BooleanField(label=_("Je réside sur le territoire"), required=False)

    def __init__(self, *args, call: Call, **kwargs):
        super().__init__(*args, **kwargs)
        districts = District.objects.filter(call=call)
        if districts.exists():
            self.fields["district"].queryset = districts
            self.fields["district"].required = True
        else:
            del self.fields["district"]
        if call.voter_residence:
            self.fields["resident"].label = _("Je réside à %(place)s") % {
                "place": call.voter_residence}
        else:
            del self.fields["resident"]


class PaperBallotForm(VoterForm):
    def __init__(self, *args, call: Call, projects, **kwargs):
        super().__init__(*args, call=call, **kwargs)
        self.fields["choices"] = forms.MultipleChoiceField(
            label=_("Projets cochés sur le bulletin"), widget=forms.CheckboxSelectMultiple,
            choices=[(str(p.pk), f"{p.title} ({p.district or ''})".replace(" ()", ""))
                     for p in projects])
        if "resident" in self.fields:
            self.fields["resident"].label = _("Justificatif de résidence vérifié")


class VoteSettingsForm(forms.ModelForm):
    winner_rule = forms.ChoiceField(label=_("Règle de désignation des lauréats"),
                                    choices=[(r, r) for r in RULES])

    class Meta:
        model = Call
        fields = ["ballot_style", "min_choices", "max_choices", "min_budget_share",
                  "winner_rule", "min_votes", "voter_min_age", "voter_residence",
                  "census_required"]

    def __init__(self, *args, locked: bool = False, **kwargs):
        from .results import LOCKED_FIELDS

        super().__init__(*args, **kwargs)
        self.fields["winner_rule"].choices = Call._meta.get_field("winner_rule").choices
        if locked:
            # Ballots exist: the ballot style and the rule are shown, not editable.
            for name in LOCKED_FIELDS:
                self.fields[name].disabled = True


class ExclusionForm(forms.Form):
    application = forms.IntegerField(widget=forms.HiddenInput)
    vote_exclusion = forms.ChoiceField(label=_("Motif"), choices=[("", _("Soumis au vote")),
                                                                   *VoteExclusion.choices],
                                       required=False)
    vote_exclusion_reason = forms.CharField(label=_("Explication"), max_length=300,
                                            required=False)


class PublishForm(forms.Form):
    computation = forms.IntegerField(widget=forms.HiddenInput)
    deliberation_reference = forms.CharField(label=_("Référence de la délibération"),
                                             max_length=100)
    deliberation_date = forms.DateField(label=_("Date de la délibération"),
                                        widget=forms.DateInput(attrs={"type": "date"}))


class CensusUploadForm(forms.Form):
    file = forms.FileField(label=_("Liste des inscrits (CSV ou XLSX : nom, prenom, "
                                   "date_naissance)"))
