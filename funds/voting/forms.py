"""Forms of the vote pages (French labels; the services check the rules)."""

from __future__ import annotations

import re
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import Call, District, VoteExclusion
from .rules import RULES


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
        self.fields["replace"] = forms.BooleanField(
            label=_("Cette personne a déjà un bulletin papier : je confirme le remplacer "
                    "(erreur de saisie, tracé)"), required=False)


def _french_amount(text: str) -> Decimal:
    """« 50 000 », « 50 000,50 € » or « 50000.5 » -> Decimal; ValueError otherwise."""
    cleaned = re.sub(r"[\s\u00a0\u202f€]", "", text).replace(",", ".")
    if not re.fullmatch(r"\d+(\.\d{1,2})?", cleaned):
        raise ValueError(text)
    return Decimal(cleaned)


class VoteSettingsForm(forms.ModelForm):
    winner_rule = forms.ChoiceField(label=_("Règle de désignation des lauréats"),
                                    choices=[(r, r) for r in RULES])
    # Typed as lines of plain text (never JSON): stored as the model's lists and mappings.
    exclusive_groups = forms.CharField(
        label=_("Groupes de projets exclusifs"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Un groupe par ligne : les références des projets séparées par des virgules "
                    "(un seul projet du groupe peut être retenu, par exemple deux projets sur le même site)."))
    category_budgets = forms.CharField(
        label=_("Enveloppes par catégorie ou quartier"), required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Une par ligne : « nom = montant », par exemple « Jeunesse = 50 000 »."))

    class Meta:
        model = Call
        fields = ["ballot_style", "min_choices", "max_choices", "min_budget_share",
                  "winner_rule", "min_votes", "min_score", "min_share", "exclusive_groups",
                  "category_budgets", "category_budget_mode", "voter_min_age", "voter_residence",
                  "census_required"]

    def __init__(self, *args, locked: bool = False, **kwargs):
        from .results import LOCKED_FIELDS

        super().__init__(*args, **kwargs)
        self.fields["winner_rule"].choices = Call._meta.get_field("winner_rule").choices
        if self.instance and not self.is_bound:
            self.initial["exclusive_groups"] = "\n".join(
                ", ".join(group) for group in self.instance.exclusive_groups or [])
            self.initial["category_budgets"] = "\n".join(
                f"{name} = {amount}" for name, amount in (self.instance.category_budgets or {}).items())
        if locked:
            # Ballots exist: the ballot style and the rule are shown, not editable.
            for name in LOCKED_FIELDS:
                self.fields[name].disabled = True

    def clean_exclusive_groups(self):
        value = self.cleaned_data["exclusive_groups"]
        if isinstance(value, list):      # disabled field: the stored value
            return value
        groups, seen = [], {}
        for number, line in enumerate((value or "").splitlines(), start=1):
            group = [part.strip() for part in line.split(",") if part.strip()]
            if not group:
                continue
            if len(set(group)) < 2:
                raise forms.ValidationError(_("Ligne %(n)s : un groupe compte au moins deux "
                                              "projets différents.") % {"n": number})
            for reference in group:
                if reference in seen:
                    raise forms.ValidationError(_("Le projet %(ref)s est dans deux groupes (lignes "
                                                  "%(a)s et %(b)s).") % {"ref": reference,
                                                                         "a": seen[reference], "b": number})
                seen[reference] = number
            groups.append(group)
        return groups

    def clean_category_budgets(self):
        value = self.cleaned_data["category_budgets"]
        if isinstance(value, dict):
            return value
        budgets = {}
        for number, line in enumerate((value or "").splitlines(), start=1):
            if not line.strip():
                continue
            name, sep, amount = line.rpartition("=")
            try:
                parsed = _french_amount(amount) if sep and name.strip() else None
            except (ValueError, ArithmeticError):
                parsed = None
            if parsed is None or parsed < 0:
                raise forms.ValidationError(_("Ligne %(n)s : écrivez « nom = montant », par exemple "
                                              "« Jeunesse = 50 000 ».") % {"n": number})
            budgets[name.strip()] = str(parsed)
        return budgets


class ExclusionForm(forms.Form):
    application = forms.IntegerField(widget=forms.HiddenInput)
    vote_exclusion = forms.ChoiceField(label=_("Motif"), choices=[("", _("Soumis au vote")),
                                                                   *VoteExclusion.choices],
                                       required=False)
    vote_exclusion_reason = forms.CharField(label=_("Explication"), max_length=300,
                                            required=False)


class PublishForm(forms.Form):
    computation = forms.TypedChoiceField(
        label=_("Calcul à publier"), coerce=int,
        error_messages={"invalid_choice": _("Choisissez un des calculs proposés (règle de "
                                            "l'appel, terminé).")})
    deliberation_reference = forms.CharField(label=_("Référence de la délibération"),
                                             max_length=100)
    deliberation_date = forms.DateField(label=_("Date de la délibération"),
                                        widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, computations=(), **kwargs):
        from .rules import rule_label

        super().__init__(*args, **kwargs)
        self.fields["computation"].choices = [
            (c.pk, _("N° %(n)s — %(rule)s — %(winners)s lauréats, calculé le %(date)s") % {
                "n": c.pk, "rule": rule_label(c.rule), "winners": len(c.winner_ids()),
                "date": c.computed_at.strftime("%d/%m/%Y %H:%M") if c.computed_at else "—"})
            for c in computations]


class CensusUploadForm(forms.Form):
    file = forms.FileField(label=_("Liste des inscrits (CSV ou XLSX : nom, prenom, "
                                   "date_naissance)"))
