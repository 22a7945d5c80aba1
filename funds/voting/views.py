"""Vote pages: registration and ballot (citizens), results (public once published), and the
agents' vote management, paper ballots, voter list, statistics and Pabulib export."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views import View

from backoffice.core.charts import Series, bar_chart, horizontal_bars
from backoffice.core.exports import table_response

from ..models import Application, Call, CallKind, CallPhase, VoteComputation
from ..views.common import check, errors_to_forms
from . import results, selectors, services, stats
from .census import census_import, census_upload_read
from .forms import (
    CensusUploadForm,
    ExclusionForm,
    PaperBallotForm,
    PublishForm,
    VoterForm,
    VoteSettingsForm,
)
from .pabulib import database as pabulib_database
from .pabulib import write_pb


def _vote_call_or_404(pk: int, *, public: bool = True) -> Call:
    qs = Call.objects.filter(kind=CallKind.PARTICIPATORY).select_related("fund")
    if public:
        qs = qs.exclude(phase=CallPhase.DRAFT)
    try:
        return qs.get(pk=pk)
    except Call.DoesNotExist as exc:
        raise Http404 from exc


def _ballot_context(call, voter):
    district = voter.district if voter and voter.district_id else None
    projects = list(selectors.ballot_projects(call=call, district=district))
    ballot = selectors.ballot_of(voter)
    return {"projects": projects, "ballot": ballot,
            "chosen": {str(c) for c in (ballot.choices if ballot else [])},
            "envelope": selectors.call_envelope(call, district), "district": district}


class VoteView(View):
    """The voting page: register, then pick projects (remaining choices/budget shown live)."""

    template_name = "funds/vote.html"

    def get(self, request, pk):
        call = _vote_call_or_404(pk)
        voter = selectors.voter_for(call=call, user=request.user)
        form = VoterForm(call=call, initial=self._initial(request, voter))
        return self._render(request, call, voter, form)

    @staticmethod
    def _initial(request, voter):
        if voter is not None:
            return {"first_name": voter.first_name, "last_name": voter.last_name,
                    "birth_date": voter.birth_date, "district": voter.district_id,
                    "resident": voter.resident}
        if request.user.is_authenticated:
            return {"first_name": request.user.first_name, "last_name": request.user.last_name}
        return {}

    def _render(self, request, call, voter, form, errors=None, status=200):
        context = {"call": call, "voter": voter, "form": form, "ballot_errors": errors or [],
                   "vote_open": call.phase == CallPhase.VOTE and not call.results_published_at,
                   **_ballot_context(call, voter)}
        if errors is not None:
            context["chosen"] = set(request.POST.getlist("choices"))
        return render(request, self.template_name, context, status=status)

    def post(self, request, pk):
        call = _vote_call_or_404(pk)
        if not request.user.is_authenticated:
            return redirect(f"/compte/connexion/?next={request.path}")
        if request.POST.get("action") == "register":
            return self._register(request, call)
        try:
            services.ballot_cast_by_user(call=call, user=request.user,
                                         choices=request.POST.getlist("choices"))
        except ValidationError as exc:
            voter = selectors.voter_for(call=call, user=request.user)
            form = VoterForm(call=call, initial=self._initial(request, voter))
            return self._render(request, call, voter, form, exc.messages, status=400)
        messages.success(request, _("Votre vote est enregistré. Vous pouvez le modifier "
                                    "jusqu'à la fin du vote."))
        return redirect("funds:vote", pk=call.pk)

    def _register(self, request, call):
        form = VoterForm(request.POST, call=call)
        if form.is_valid():
            try:
                services.voter_register(call=call, user=request.user, **form.cleaned_data)
            except ValidationError as exc:
                errors_to_forms(exc, form)
            else:
                messages.success(request, _("Inscription enregistrée. Un lien de "
                                            "confirmation vous a été envoyé à %(email)s.")
                                 % {"email": request.user.email})
                return redirect("funds:vote", pk=call.pk)
        voter = selectors.voter_for(call=call, user=request.user)
        return self._render(request, call, voter, form, status=400)


class VoterVerifyView(View):
    def get(self, request, token):
        try:
            voter = services.voter_verify(token=token)
        except ValidationError as exc:
            return render(request, "funds/vote_link_invalid.html", {"errors": exc.messages},
                          status=400)
        messages.success(request, _("Votre adresse est confirmée : vous pouvez voter."))
        return redirect("funds:vote", pk=voter.call_id)


def _result_tables(computation: VoteComputation) -> list[dict]:
    """The stored result part by part (selectors.result_tables), each with its bar chart."""
    tables = selectors.result_tables(computation)
    for table in tables:
        rows = table["rows"][:40]
        table["chart"] = mark_safe(horizontal_bars(
            [r["application"].title[:60] if r["application"] else r["outcome"].project_id
             for r in rows], [r["outcome"].votes for r in rows],
            title=_("Voix par projet") + (f" — {table['name']}" if table["name"] else ""),
            description=_("Projets retenus en couleur, les autres en gris."), unit=_("voix"),
            highlight=[r["outcome"].won for r in rows]))
    return tables


class VoteResultsView(View):
    def get(self, request, pk):
        call = _vote_call_or_404(pk)
        shown = selectors.shown_results(call=call, user=request.user)
        computation = shown.computation
        return render(request, "funds/vote_results.html", {
            "call": call, "computation": computation, "preview": shown.preview,
            "tables": _result_tables(computation) if computation else [],
            "alternatives": results.rules_comparison(call) if computation else [],
            "is_agent": request.user.is_authenticated and request.user.works_for_authority})


class VoteReportView(View):
    """The technical report (PDF) of the published computation (or, for agents, the preview):
    rule, SHA-256 of the inputs and every step of the selection."""

    def get(self, request, pk):
        from backoffice.core.pdf import render_pdf

        call = _vote_call_or_404(pk)
        shown = selectors.shown_results(call=call, user=request.user)
        computation = shown.computation
        if computation is None:
            raise Http404
        pdf = render_pdf("funds/pdf/vote_report.html", {
            "call": call, "computation": computation, "published": not shown.preview,
            "tables": _result_tables(computation)})
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = (f'attachment; filename="rapport-technique-vote-'
                                           f'{call.pk}-calcul-{computation.pk}.pdf"')
        return response


class PabulibExportView(LoginRequiredMixin, View):
    def get(self, request, pk):
        check(request.user, "vote.export")
        call = _vote_call_or_404(pk, public=False)
        if not selectors.vote_counts_visible(call):
            messages.error(request, _("Les bulletins ne sont exportables qu'après la "
                                      "publication des résultats."))
            return redirect("funds:vote-results", pk=call.pk)
        try:
            text = write_pb(pabulib_database.pabulib_export(call), anonymise_voters=True)
        except ValueError as exc:
            messages.error(request, str(exc))
            return redirect("funds:vote-results", pk=call.pk)
        response = HttpResponse(text, content_type="text/plain; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="vote-{call.pk}.pb"'
        return response


class VoteManageView(LoginRequiredMixin, View):
    """Agents: vote settings, withdrawn projects, computations and publication."""

    def _context(self, call, **forms):
        computations = list(VoteComputation.objects.filter(call=call)
                            .select_related("requested_by")[:20])
        publishable = results.publishable_computations(call)
        return {"call": call, "projects": list(
            Application.objects.filter(call=call, status__in=("eligible", "awarded",
                                                              "submitted"))
            .select_related("district").order_by("district__position", "title")),
            "districts": selectors.call_districts(call),
            "ballots": selectors.call_ballot_count(call),
            "computations": computations,
            "settings_form": forms.get("settings_form") or VoteSettingsForm(
                instance=call, locked=call.ballots.exists()),
            # The form names the computation it publishes by its number (latest by default).
            "publish_form": forms.get("publish_form") or PublishForm(
                computations=publishable,
                initial={"computation": publishable[0].pk if publishable else None}),
            "publishable": publishable,
            "comparison": results.rules_comparison(call),
            "exclusion_choices": ExclusionForm().fields["vote_exclusion"].choices}

    def get(self, request, pk):
        check(request.user, "vote.manage")
        call = _vote_call_or_404(pk, public=False)
        return render(request, "funds/vote_manage.html", self._context(call))

    def post(self, request, pk):
        check(request.user, "vote.manage")
        call = _vote_call_or_404(pk, public=False)
        handler = {"configure": self._configure, "exclude": self._exclude,
                   "compute": self._compute, "compare": self._compare,
                   "publish": self._publish}.get(request.POST.get("action"))
        try:
            response = handler(request, call) if handler else None
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return render(request, "funds/vote_manage.html", self._context(call), status=400)
        return response or redirect("funds:vote-manage", pk=call.pk)

    def _configure(self, request, call):
        form = VoteSettingsForm(request.POST, instance=Call.objects.get(pk=call.pk),
                                locked=call.ballots.exists())
        if not form.is_valid():
            return render(request, "funds/vote_manage.html",
                          self._context(call, settings_form=form), status=400)
        results.call_vote_configure(call=call, actor=request.user, **{
            k: form.cleaned_data[k] for k in VoteSettingsForm.Meta.fields})
        messages.success(request, _("Paramètres du vote enregistrés."))
        return None

    def _exclude(self, request, call):
        form = ExclusionForm(request.POST)
        if not form.is_valid():
            for name, errors in form.errors.items():
                label = form.fields[name].label if name in form.fields else ""
                for error in errors:
                    messages.error(request, f"{label} : {error}" if label else error)
            return render(request, "funds/vote_manage.html", self._context(call), status=400)
        application = Application.objects.filter(
            call=call, pk=form.cleaned_data["application"]).first()
        if application is None:
            raise Http404
        results.project_set_exclusion(
            application=application, actor=request.user,
            exclusion=form.cleaned_data["vote_exclusion"],
            reason=form.cleaned_data["vote_exclusion_reason"])
        messages.success(request, _("Projet mis à jour : relancez le calcul."))
        return None

    def _compute(self, request, call):
        computation = results.vote_computation_request(call=call, actor=request.user)
        messages.success(request, _("Calcul terminé.") if computation.status == "done"
                         else _("Calcul lancé : rechargez la page dans un instant."))
        return None

    def _compare(self, request, call):
        done = results.vote_computations_compare(call=call, actor=request.user)
        messages.success(request, _("Toutes les règles calculées, pour comparaison : la "
                                    "règle de l'appel ne change pas.")
                         if all(c.status == "done" for c in done)
                         else _("Calculs lancés : rechargez la page dans un instant."))
        return None

    def _publish(self, request, call):
        check(request.user, "vote.publish")
        form = PublishForm(request.POST, computations=results.publishable_computations(call))
        if not form.is_valid():
            return render(request, "funds/vote_manage.html",
                          self._context(call, publish_form=form), status=400)
        computation = VoteComputation.objects.filter(
            call=call, pk=form.cleaned_data["computation"]).first()
        if computation is None:
            raise Http404
        results.vote_results_publish(
            call=call, computation=computation, actor=request.user,
            deliberation_reference=form.cleaned_data["deliberation_reference"],
            deliberation_date=form.cleaned_data["deliberation_date"])
        messages.success(request, _("Résultats publiés, attributions créées."))
        return redirect("funds:vote-results", pk=call.pk)


class PaperBallotView(LoginRequiredMixin, View):
    def _form(self, call, data=None):
        return PaperBallotForm(data, call=call, projects=selectors.ballot_projects(call=call))

    def get(self, request, pk):
        check(request.user, "vote.paper")
        call = _vote_call_or_404(pk, public=False)
        return render(request, "funds/vote_paper.html", {"call": call, "form": self._form(call)})

    def post(self, request, pk):
        check(request.user, "vote.paper")
        call = _vote_call_or_404(pk, public=False)
        form = self._form(call, request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.paper_ballot_enter(
                    call=call, agent=request.user, first_name=data["first_name"],
                    last_name=data["last_name"], birth_date=data["birth_date"],
                    district=data.get("district"), choices=data["choices"],
                    resident=data.get("resident", True), replace=data.get("replace", False))
            except ValidationError as exc:
                errors_to_forms(exc, form)
            else:
                messages.success(request, _("Bulletin papier enregistré."))
                return redirect("funds:vote-paper", pk=call.pk)
        return render(request, "funds/vote_paper.html", {"call": call, "form": form},
                      status=400)


class CensusImportView(LoginRequiredMixin, View):
    def get(self, request, pk):
        check(request.user, "vote.manage")
        call = _vote_call_or_404(pk, public=False)
        return render(request, "funds/vote_census.html",
                      {"call": call, "form": CensusUploadForm(), "count": call.census.count()})

    def post(self, request, pk):
        check(request.user, "vote.manage")
        call = _vote_call_or_404(pk, public=False)
        form = CensusUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                count = census_import(call=call, data=census_upload_read(upload),
                                      filename=upload.name)
            except ValidationError as exc:
                errors_to_forms(exc, form)
            else:
                messages.success(request, _("%(n)s inscrits importés.") % {"n": count})
                return redirect("funds:vote-census", pk=call.pk)
        return render(request, "funds/vote_census.html",
                      {"call": call, "form": form, "count": call.census.count()}, status=400)


STAT_TABLES = {
    "turnout": ([_("Quartier"), _("Inscrits"), _("Bulletins")], stats.turnout_by_district),
    "age": ([_("Tranche d'âge"), _("Bulletins")], stats.turnout_by_age),
    "days": ([_("Jour"), _("En ligne"), _("Papier ou importés")], stats.ballots_by_day),
    "projects": ([_("Projet"), _("Quartier"), _("Voix")], stats.votes_by_project),
}


class VoteStatsView(LoginRequiredMixin, View):
    def get(self, request, pk):
        check(request.user, "vote.stats")
        call = _vote_call_or_404(pk, public=False)
        table = request.GET.get("export")
        counts_visible = selectors.vote_counts_visible(call)
        if table == "projects" and not counts_visible:
            messages.error(request, _("Les voix par projet ne sont visibles qu'après la "
                                      "publication des résultats."))
            return redirect("funds:vote-stats", pk=call.pk)
        if table in STAT_TABLES:
            headers, function = STAT_TABLES[table]
            return table_response(headers, function(call), filename=f"vote-{call.pk}-{table}",
                                  fmt=request.GET.get("format", "csv"))
        turnout, ages = stats.turnout_by_district(call), stats.turnout_by_age(call)
        days = stats.ballots_by_day(call)
        projects = stats.votes_by_project(call) if counts_visible else []
        charts = {
            "turnout": bar_chart([r[0][:24] for r in turnout],
                                 [Series(_("Inscrits"), [r[1] for r in turnout]),
                                  Series(_("Bulletins"), [r[2] for r in turnout])],
                                 title=_("Participation par quartier")),
            "age": bar_chart([r[0] for r in ages], [Series(_("Bulletins"), [r[1] for r in ages])],
                             title=_("Bulletins par tranche d'âge")),
            "days": bar_chart([r[0][:5] for r in days],
                              [Series(_("En ligne"), [r[1] for r in days]),
                               Series(_("Papier ou importés"), [r[2] for r in days])],
                              title=_("Bulletins par jour")),
            "projects": horizontal_bars([r[0][:60] for r in projects[:40]],
                                        [r[2] for r in projects[:40]],
                                        title=_("Voix par projet"), unit=_("voix")),
        }
        if not counts_visible:
            del charts["projects"]
        return render(request, "funds/vote_stats.html", {
            "call": call, "turnout": turnout, "ages": ages, "days": days, "projects": projects,
            "counts_visible": counts_visible,
            "charts": {k: mark_safe(v) for k, v in charts.items()}})
