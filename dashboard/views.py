"""Dashboard and scorecard pages (thin: parse the year, call selectors/presenters, render)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views import View

from backoffice.core.exports import table_response
from backoffice.core.models import Authority

from . import presenters, selectors, services
from .models import ScorecardDocument, ScorecardStatus
from .permissions import can
from .services import MAX_YEAR, MIN_YEAR


def parse_year(raw, default: int) -> tuple[int, str]:
    """The year asked in the query string, or ``default`` with a French message when invalid."""
    if raw in (None, ""):
        return default, ""
    try:
        year = int(raw)
    except (TypeError, ValueError):
        return default, _("Année invalide : « %(raw)s ». Affichage de %(year)s.") % {
            "raw": raw, "year": default}
    if not MIN_YEAR <= year <= MAX_YEAR:
        return default, _("Choisissez une année entre 2000 et 2100.")
    return year, ""


class StaffView(LoginRequiredMixin, View):
    """Associations never see these pages: 404, as for anything outside their organisation."""

    action = "dashboard.view"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not can(request.user, self.action)[0]:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def year(self, request) -> int:
        year, error = parse_year(request.GET.get("annee"), timezone.localdate().year)
        if error:
            messages.error(request, error)
        return year


def _year_choices(today) -> range:
    return range(today.year + 1, today.year - 6, -1)


def scorecard_authority(raw) -> tuple[Authority | None, str]:
    """The authority whose scorecard is asked with ``collectivite`` (None: the whole
    deployment) and the value that asks for it again ("" when nothing was asked: the site's
    authority). An unknown one is a 404: the choice is a link."""
    try:
        authority = selectors.scorecard_authority(raw)
    except Authority.DoesNotExist as exc:
        raise Http404(_("Cette collectivité n'existe pas dans ce service.")) from exc
    raw = str(raw or "").strip()
    if not raw:
        return authority, ""
    return authority, str(authority.pk) if authority else "toutes"


class DashboardView(StaffView):
    def get(self, request):
        today = timezone.localdate()
        year = self.year(request)
        data = selectors.dashboard(year=year, today=today)
        return render(request, "dashboard/dashboard.html", {
            **data, "charts": presenters.chart_tables(data), "years": _year_choices(today),
            "current_year": today.year})


class ChartDataView(StaffView):
    """The table behind one chart, as CSV or XLSX."""

    def get(self, request, chart, fmt):
        if fmt not in ("csv", "xlsx"):
            raise Http404
        today = timezone.localdate()
        year = self.year(request)
        charts = presenters.chart_tables(selectors.dashboard(year=year, today=today))
        if chart not in charts:
            raise Http404
        table = charts[chart]
        return table_response(table["headers"], table["rows"], filename=f"{chart}-{year}",
                              fmt=fmt, title=table["title"])


class ScorecardView(StaffView):
    action = "scorecard.view"

    def get(self, request):
        today = timezone.localdate()
        year = self.year(request)
        authority, asked = scorecard_authority(request.GET.get("collectivite"))
        authorities = selectors.scorecard_authorities()
        choice = {"chosen_authority": authority, "authority_query": asked,
                  "authorities": authorities if len(authorities) > 1 else [],
                  "years_choice": _year_choices(today)}
        try:
            context = presenters.scorecard_context(year=year, today=today, authority=authority)
        except selectors.ScorecardUnavailable as exc:
            return render(request, "dashboard/scorecard.html", {
                "year": year, "today": today, **choice, "unavailable": str(exc)})
        documents = ScorecardDocument.objects.filter(year=year)
        if len(authorities) > 1:
            documents = documents.filter(authority=authority)
        documents = documents[:3]
        return render(request, "dashboard/scorecard.html", {
            **context, **choice, "documents": documents})


class ScorecardExportView(StaffView):
    action = "scorecard.view"

    def get(self, request, fmt):
        if fmt not in ("csv", "xlsx"):
            raise Http404
        today = timezone.localdate()
        year = self.year(request)
        authority, asked = scorecard_authority(request.GET.get("collectivite"))
        try:
            context = presenters.scorecard_context(year=year, today=today, authority=authority)
        except selectors.ScorecardUnavailable as exc:
            messages.error(request, str(exc))
            return redirect("dashboard:scorecard")
        headers = [_("Engagement"), _("Indicateur"), *[str(y) for y in context["years"]],
                   _("Définition")]
        rows = [[group["commitment"], str(line["indicator"].label),
                 *[v["text"] for v in line["values"]], str(line["indicator"].definition)]
                for group in context["groups"] for line in group["lines"]]
        # The file of one authority, asked for by name, says whose it is.
        suffix = (f"-{slugify(authority.reference_code or authority.name)}"
                  if authority is not None and asked else "")
        return table_response(headers, rows, filename=f"engagements-pacte-{year}{suffix}",
                              fmt=fmt, title=_("Engagements du Pacte"))


def _back_to_scorecard(asked: str):
    url = reverse("dashboard:scorecard")
    return redirect(f"{url}?collectivite={asked}" if asked else url)


class ScorecardPdfRequestView(StaffView):
    action = "scorecard.view"

    def post(self, request):
        authority, asked = scorecard_authority(request.POST.get("collectivite"))
        year, error = parse_year(request.POST.get("annee"), timezone.localdate().year)
        if error:
            messages.error(request, error)
            return _back_to_scorecard(asked)
        try:
            document = services.scorecard_document_request(year=year, actor=request.user,
                                                           authority=authority)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return _back_to_scorecard(asked)
        return redirect("dashboard:scorecard-pdf", pk=document.pk)


class ScorecardPdfView(StaffView):
    """Status of one PDF (polled with htmx while pending), then its download."""

    action = "scorecard.view"

    def get(self, request, pk):
        document = get_object_or_404(ScorecardDocument, pk=pk)
        template = ("dashboard/_pdf_status.html" if request.headers.get("HX-Request")
                    else "dashboard/scorecard_pdf_status.html")
        return render(request, template, {"document": document,
                                          "pending": document.status == ScorecardStatus.PENDING})


class ScorecardPdfDownloadView(StaffView):
    action = "scorecard.view"

    def get(self, request, pk):
        document = get_object_or_404(ScorecardDocument, pk=pk, status=ScorecardStatus.READY)
        try:
            handle = document.file.open("rb")
        except (FileNotFoundError, ValueError):
            messages.error(request, _("Le fichier de ce PDF est introuvable : préparez-en un "
                                      "nouveau."))
            return redirect("dashboard:scorecard")
        return FileResponse(handle, as_attachment=True, filename=document.filename,
                            content_type="application/pdf")
