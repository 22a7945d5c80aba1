"""Pages to log, list, validate and value volunteer hours."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from backoffice.core.budget import (
    IN_KIND_CHARGE_ACCOUNTS,
    IN_KIND_RESOURCE_ACCOUNTS,
    VOLUNTEERING_CHARGE,
    VOLUNTEERING_RESOURCE,
)
from backoffice.core.forms import add_service_errors
from backoffice.core.money import format_eur, format_hours, plural

from .. import rules, selectors, services
from ..forms import (
    MethodForm,
    RevalueForm,
    SessionForm,
    VolunteerForm,
    WeekForm,
)
from ..models import EntryStatus, VolunteerEntry
from ._base import OrganisationMixin


class IndexView(LoginRequiredMixin, View):
    """Agents: every organisation's valued volunteering of a year. Members: their organisations."""

    def get(self, request):
        organisations = list(selectors.organisations_for_volunteering(user=request.user))
        if not request.user.works_for_authority and len(organisations) == 1:
            return redirect("volunteering:organisation", pk=organisations[0].pk)
        year = rules.parse_year(request.GET.get("annee")) or timezone.localdate().year
        overview = list(selectors.organisations_overview(user=request.user, year=year))
        totals = rules.sum_totals((o.vol_hours, o.vol_value) for o in overview)
        return render(request, "volunteering/index.html", {
            "organisations": organisations, "overview": overview, "year": year,
            "total_hours": totals[0], "total_value": totals[1],
            "years": range(timezone.localdate().year, timezone.localdate().year - 4, -1)})


class OrganisationView(OrganisationMixin, View):
    """The organisation's volunteering: totals, accounting lines, drafts to validate, entries."""

    def get(self, request, pk):
        organisation = self.organisation
        year = timezone.localdate().year
        status = request.GET.get("statut", "")
        if status not in EntryStatus.values:
            status = ""
        entries = selectors.entry_list(user=request.user, organisation=organisation,
                                       status=status)
        page = Paginator(entries, 50).get_page(request.GET.get("page"))
        by_year = selectors.totals_by_year(organisation=organisation)
        current = selectors.volunteer_totals(organisation=organisation, year=year)
        drafts = VolunteerEntry.objects.filter(organisation=organisation,
                                               status=EntryStatus.DRAFT).count()
        method = selectors.valuation_method_of(organisation)
        try:
            rate_today = selectors.valuation_rate(organisation=organisation,
                                                  on=timezone.localdate())
        except LookupError:
            rate_today = None
        return render(request, "volunteering/organisation.html", self.context(
            page=page, status=status, statuses=EntryStatus.choices, by_year=by_year,
            by_project=selectors.totals_by_project(organisation=organisation, year=year),
            year=year, current=current, drafts=drafts, method=method, rate_today=rate_today,
            method_form=MethodForm(initial={"valuation_method": method}),
            can_log=self.allowed("volunteering.log"),
            can_validate=self.allowed("volunteering.validate"),
            can_manage=self.allowed("volunteering.manage"),
            can_revalue=self.allowed("volunteering.revalue"),
            revalue_form=RevalueForm(initial={"year": year}),
            charge=(VOLUNTEERING_CHARGE, IN_KIND_CHARGE_ACCOUNTS[VOLUNTEERING_CHARGE]),
            resource=(VOLUNTEERING_RESOURCE, IN_KIND_RESOURCE_ACCOUNTS[VOLUNTEERING_RESOURCE]),
        ))


class WeekView(OrganisationMixin, View):
    """A week grid for one volunteer: seven hour cells, one submit (works on a phone)."""

    action = "volunteering.log"

    def _days(self, request):
        raw = request.POST.get("week") or request.GET.get("semaine")
        try:
            day = dt.date.fromisoformat(raw[:10]) if raw else timezone.localdate()
        except ValueError:
            day = timezone.localdate()
        if not rules.MIN_YEAR <= day.year <= rules.MAX_YEAR:
            day = timezone.localdate()
        return rules.week_days(day)

    def get(self, request, pk):
        days = self._days(request)
        form = WeekForm(organisation=self.organisation, days=days,
                        initial={"week": days[0], "volunteer": request.GET.get("benevole")})
        return render(request, "volunteering/week.html", self._context(form, days))

    def _context(self, form, days):
        volunteer_id = self.request.POST.get("volunteer") or self.request.GET.get("benevole")
        logged = []
        if rules.parse_id(volunteer_id) is not None:
            logged = VolunteerEntry.objects.filter(
                organisation=self.organisation, volunteer_id=rules.parse_id(volunteer_id),
                date__range=(days[0], days[-1])).select_related("volunteer").order_by("date")
        return self.context(form=form, days=days, logged=logged,
                            volunteer_id=volunteer_id or "",
                            previous_week=days[0] - dt.timedelta(days=7),
                            next_week=days[0] + dt.timedelta(days=7))

    def post(self, request, pk):
        days = self._days(request)
        form = WeekForm(request.POST, organisation=self.organisation, days=days)
        if form.is_valid():
            data = form.cleaned_data
            rows = [{"volunteer": data["volunteer"], "date": day, "hours": hours,
                     "activity": data["activity"], "qualification": data["qualification"],
                     "project_reference": data["project_reference"]}
                    for day, hours in form.filled_days()]
            try:
                entries = services.entries_log(organisation=self.organisation, rows=rows,
                                               actor=request.user,
                                               confirm_duplicates=data["confirm_duplicates"])
            except ValidationError as exc:
                add_service_errors(exc, form)
            else:
                hours = sum((e.hours for e in entries), Decimal(0))
                messages.success(request, _("%(count)s (%(hours)s) pour "
                                            "%(name)s, en brouillon.") % {
                    "count": plural(len(entries), "journée enregistrée", "journées enregistrées"),
                    "hours": format_hours(hours), "name": data["volunteer"].name})
                return redirect("volunteering:organisation", pk=self.organisation.pk)
        return render(request, "volunteering/week.html", self._context(form, days), status=400)


class SessionView(OrganisationMixin, View):
    """One session for several volunteers (e.g. 12 people × 3 h at a Saturday workshop)."""

    action = "volunteering.log"

    def get(self, request, pk):
        form = SessionForm(organisation=self.organisation)
        return render(request, "volunteering/session.html", self.context(form=form))

    def post(self, request, pk):
        form = SessionForm(request.POST, organisation=self.organisation)
        if form.is_valid():
            data = form.cleaned_data
            try:
                entries = services.session_log(
                    organisation=self.organisation, volunteers=list(data["volunteers"]),
                    new_names=form.names(), date=data["date"], hours=data["hours"],
                    activity=data["activity"], qualification=data["qualification"],
                    project_reference=data["project_reference"], note=data["note"],
                    actor=request.user, confirm_duplicates=data["confirm_duplicates"])
            except ValidationError as exc:
                add_service_errors(exc, form)
            else:
                messages.success(request, _("Séance enregistrée pour %(count)s bénévoles, en "
                                            "brouillon.") % {"count": len(entries)})
                return redirect("volunteering:organisation", pk=self.organisation.pk)
        return render(request, "volunteering/session.html", self.context(form=form), status=400)


class ValidateView(OrganisationMixin, View):
    """Validate the selected drafts (or all of them), or send validated entries back to draft."""

    action = "volunteering.validate"

    def post(self, request, pk):
        ids = [i for i in map(rules.parse_id, request.POST.getlist("entry")) if i is not None]
        if request.POST.get("action") == "unvalidate":
            count = services.entries_unvalidate(organisation=self.organisation, entry_ids=ids,
                                                actor=request.user)
            messages.success(request, _("%(count)s saisies repassées en brouillon.")
                             % {"count": count})
        else:
            everything = request.POST.get("action") == "all"
            if not everything and not ids:
                messages.error(request, _("Cochez au moins une saisie à valider."))
                return redirect("volunteering:organisation", pk=self.organisation.pk)
            count = services.entries_validate(organisation=self.organisation,
                                              entry_ids=None if everything else ids,
                                              actor=request.user)
            messages.success(request, _("%(count)s saisies validées.") % {"count": count})
        return redirect("volunteering:organisation", pk=self.organisation.pk)


class EntryDeleteView(OrganisationMixin, View):
    action = "volunteering.log"

    def post(self, request, pk, entry_pk):
        entry = VolunteerEntry.objects.filter(organisation=self.organisation, pk=entry_pk).first()
        if entry is None:
            raise Http404
        try:
            services.entry_delete(entry=entry, actor=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Saisie supprimée."))
        return redirect("volunteering:organisation", pk=self.organisation.pk)


class VolunteerListView(OrganisationMixin, View):
    def get(self, request, pk):
        return render(request, "volunteering/volunteers.html", self.context(
            volunteers=selectors.volunteer_list(organisation=self.organisation),
            form=VolunteerForm(), can_log=self.allowed("volunteering.log")))

    def post(self, request, pk):
        self.check("volunteering.log")
        form = VolunteerForm(request.POST)
        if form.is_valid():
            try:
                volunteer = services.volunteer_create(organisation=self.organisation,
                                                      name=form.cleaned_data["name"],
                                                      actor=request.user)
            except ValidationError as exc:
                add_service_errors(exc, form)
            else:
                messages.success(request, _("%(name)s ajouté·e.") % {"name": volunteer.name})
                return redirect("volunteering:volunteers", pk=self.organisation.pk)
        return render(request, "volunteering/volunteers.html", self.context(
            volunteers=selectors.volunteer_list(organisation=self.organisation), form=form,
            can_log=True), status=400)


class MethodView(OrganisationMixin, View):
    action = "volunteering.manage"

    def post(self, request, pk):
        form = MethodForm(request.POST)
        if form.is_valid():
            services.organisation_set_valuation_method(
                organisation=self.organisation, method=form.cleaned_data["valuation_method"],
                actor=request.user)
            messages.success(request, _("Méthode enregistrée. Elle s'applique aux prochaines "
                                        "saisies ; revalorisez une année pour l'appliquer aux "
                                        "heures déjà saisies."))
        else:
            messages.error(request, _("Méthode inconnue."))
        return redirect("volunteering:organisation", pk=self.organisation.pk)


class RevalueView(OrganisationMixin, View):
    action = "volunteering.revalue"

    def post(self, request, pk):
        form = RevalueForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Année invalide."))
        else:
            try:
                result = services.entries_revalue(organisation=self.organisation,
                                                  year=form.cleaned_data["year"],
                                                  actor=request.user)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
                return redirect("volunteering:organisation", pk=self.organisation.pk)
            messages.success(request, _("%(count)s : %(before)s → %(after)s.") % {
                "count": plural(result["changed"], "saisie revalorisée", "saisies revalorisées"),
                "before": format_eur(result["before"]), "after": format_eur(result["after"])})
        return redirect("volunteering:organisation", pk=self.organisation.pk)
