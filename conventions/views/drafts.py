"""Convention pages that make and shape a draft: from an award in one click, by hand, and
the edit page of its clauses (with the list of what the document still lacks)."""

from __future__ import annotations

import copy

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from backoffice.core.choices import Nature
from backoffice.core.forms import add_service_errors

from .. import selectors, services
from ..forms import (
    ConventionCreateForm,
    ConventionEditForm,
)
from ..imputation import imputation_mismatch, imputation_proposal, imputation_proposals
from ._base import Base


class ConventionFromAwardView(Base):
    """One click: the award of a decided application becomes a draft convention (or letter)."""

    def post(self, request, award_pk):
        from funds.models import Award

        self.check("convention.manage")
        award = Award.objects.filter(pk=award_pk).first()
        if award is None:
            raise Http404(_("Attribution introuvable."))
        existing = selectors.convention_of_award(award=award)
        try:
            convention = services.convention_create_from_award(award=award, actor=request.user)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return redirect("conventions:convention-list")
        if existing is not None:
            messages.info(request, _("Cette attribution a déjà sa convention %(ref)s.")
                          % {"ref": convention.reference})
        else:
            kind = services.main_document_kind(convention)
            messages.success(request, (
                _("Convention %(ref)s créée en brouillon à partir de l'attribution : "
                  "complétez-la puis envoyez-la pour signature.") if kind == "convention" else
                _("Attribution %(ref)s créée en brouillon : sous le seuil de 23 000 € par an, "
                  "elle produit une lettre de notification.")) % {"ref": convention.reference})
        return redirect("conventions:convention-detail", convention.pk)


class ConventionCreateView(Base):
    def page(self, form, status=200):
        """The form, the account proposed for the nature and fund chosen and why, and every
        proposal for the script that follows the choices (static/js/imputation.js)."""
        data = form.data if form.is_bound else form.initial
        nature = data.get("nature") or Nature.OPERATING
        fund_id = str(data.get("fund") or "")
        fund = (form.fields["fund"].queryset.filter(pk=fund_id).first() if fund_id.isascii() and fund_id.isdigit()
                else None)
        account, reason = imputation_proposal(nature=nature, fund=fund)
        # The bound field keeps the help text it was made with: both say the reason.
        form.fields["imputation"].help_text = form["imputation"].help_text = reason
        return render(self.request, "conventions/convention_form.html",
                      {"form": form, "proposed_imputation": account,
                       "imputation_proposals": imputation_proposals(
                           form.fields["fund"].queryset)}, status=status)

    def get(self, request):
        self.check("convention.manage")
        nature = Nature.OPERATING
        return self.page(ConventionCreateForm(initial={
            "nature": nature, "imputation": imputation_proposal(nature=nature)[0]}))

    def post(self, request):
        self.check("convention.manage")
        form = ConventionCreateForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            fund = data.pop("fund", None)
            data["imputation"] = (data["imputation"] or "").strip() or imputation_proposal(
                nature=data["nature"], fund=fund)[0]
            try:
                convention = services.convention_create(actor=request.user, **data)
            except ValidationError as exc:
                add_service_errors(exc, form)
            else:
                mismatch = imputation_mismatch(nature=convention.nature,
                                               account=convention.imputation)
                for warning in [*convention.warnings, *filter(None, [mismatch])]:
                    messages.warning(request, warning)
                messages.success(request, _("Convention %(ref)s créée.")
                                 % {"ref": convention.reference})
                return redirect("conventions:convention-detail", convention.pk)
        return self.page(form, status=400)


CLAUSE_TEXTS = ("object", "imputation", "conditions_of_use", "evaluation_terms",
                "keep_rule_text", "decision_reference")


def _missing_as_typed(convention, data) -> list[str]:
    """The clauses the convention would still lack if saved as typed in ``data`` (never
    saved: the list is computed on an unsaved copy)."""
    draft = copy.copy(convention)
    for name in CLAUSE_TEXTS:
        if name in data:
            setattr(draft, name, data.get(name) or "")
    if "decision_date" in data:
        try:
            draft.decision_date = forms.DateField().clean(data.get("decision_date") or None)
        except ValidationError:
            draft.decision_date = None
    return services.missing_clauses(draft)


@method_decorator(never_cache, name="dispatch")
class ConventionEditView(Base):
    """Every clause of a draft convention, with the list of what the document still lacks
    (updated while typing). Refused once the convention has left the draft."""

    template_name = "conventions/convention_edit.html"

    def draft(self, pk):
        convention = self.convention(pk)
        self.check("convention.edit", convention)
        return convention

    def render_page(self, convention, form, missing, status=200):
        return render(self.request, self.template_name, {
            "convention": convention, "form": form, "missing": missing,
            "version": services.convention_version(convention),
            "document_kind": services.main_document_kind(convention)}, status=status)

    def get(self, request, pk):
        convention = self.draft(pk)
        form = ConventionEditForm(initial=ConventionEditForm.initial_from(convention))
        return self.render_page(convention, form, services.missing_clauses(convention))

    def post(self, request, pk):
        convention = self.draft(pk)
        form = ConventionEditForm(request.POST)
        if form.is_valid():
            try:
                updated = services.convention_update(
                    convention=convention, actor=request.user,
                    version=request.POST.get("version"), **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(exc, form)
            else:
                for warning in updated.warnings:
                    messages.warning(request, warning)
                messages.success(request, _("Clauses de la convention %(ref)s enregistrées.")
                                 % {"ref": updated.reference})
                return redirect("conventions:convention-detail", updated.pk)
        convention = self.convention(pk)
        return self.render_page(convention, form, _missing_as_typed(convention, request.POST),
                                status=400)


class ConventionClausesView(ConventionEditView):
    """The missing clauses of the draft as typed (htmx): reads, never saves."""

    def get(self, request, pk):
        return redirect("conventions:convention-edit", pk)

    def post(self, request, pk):
        convention = self.draft(pk)
        return render(request, "conventions/_missing_clauses.html",
                      {"missing": _missing_as_typed(convention, request.POST),
                       "convention": convention})
