"""Downloads: generated documents, payment calendar, payments due, SCDL open data."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from backoffice.core.exports import export_response
from backoffice.core.models import Organisation

from .. import selectors
from ..models import GeneratedDocument
from ..services._common import conf
from ._base import Base


class DocumentDownloadView(Base):
    def get(self, request, pk):
        try:
            document = selectors.document_detail(user=request.user, pk=pk)
        except GeneratedDocument.DoesNotExist as exc:
            raise Http404 from exc
        if document.status != "ready":
            raise Http404(_("Ce document n'est pas encore disponible."))
        try:
            handle = document.file.open("rb")
        except FileNotFoundError as exc:
            # The storage every machine shares is a setting (STORAGE_BACKEND): on local disk, a
            # file rendered by a worker on another machine is not here.
            raise Http404(_("Le fichier de ce document est introuvable sur le stockage.")) from exc
        return FileResponse(handle, as_attachment=True,
                            filename=document.filename, content_type="application/pdf")


def _paying_authority(request):
    """The authority chosen with ``?collectivite=<id>`` (None: every authority) and the
    authorities to choose from. An unknown one is a 404: the choice is a link."""
    authorities = list(selectors.paying_authorities())
    raw = request.GET.get("collectivite", "")
    if not raw:
        return None, authorities
    chosen = next((a for a in authorities if str(a.pk) == raw), None)
    if chosen is None:
        raise Http404(_("Cette collectivité n'a pas de convention."))
    return chosen, authorities


class PaymentCalendarView(Base):
    def get(self, request):
        self.check("export.download")
        c = conf()
        by = request.GET.get("par", "imputation")
        if by not in selectors.CALENDAR_GROUPS:
            by = "imputation"
        authority, authorities = _paying_authority(request)
        buckets = selectors.payment_calendar(soon_days=c.soon_late_days, by=by,
                                             authority=authority)
        on_hold = Organisation.objects.filter(
            pk__in=selectors.payments_on_hold(authority=authority).values(
                "year__convention__organisation")
        ).order_by("name")
        return render(request, "conventions/calendar.html",
                      {"buckets": buckets, "today": timezone.localdate(), "by": by,
                       "soon_days": c.soon_late_days, "on_hold": on_hold,
                       "chosen_authority": authority,
                       "authorities": authorities if len(authorities) > 1 else []})


class PaymentsDueExportView(Base):
    def get(self, request, fmt):
        from ..resources import PAYMENTS_DUE_COLUMNS, payments_due_rows

        self.check("export.download")
        if fmt not in ("csv", "xlsx"):
            raise Http404
        authority, _authorities = _paying_authority(request)
        stamp = timezone.localdate().isoformat()
        suffix = f"-{slugify(authority.reference_code or authority.name)}" if authority else ""
        return export_response(PAYMENTS_DUE_COLUMNS,
                               payments_due_rows(selectors.payments_due(authority=authority)),
                               filename=f"versements-a-mandater{suffix}-{stamp}", fmt=fmt,
                               title="Versements à mandater")


class ScdlExportView(Base):
    def get(self, request):
        from backoffice.core.selectors import NO_SITE_AUTHORITY, site_authority

        from ..scdl import scdl_csv

        self.check("export.download")
        try:
            year = int(request.GET.get("annee", timezone.localdate().year))
        except ValueError as exc:
            raise Http404 from exc
        # Each authority of a shared service publishes its own file (?collectivite=ID).
        authority = _paying_authority(request)[0] or site_authority()
        if authority is None:
            return render(request, "400.html", {"explanation": NO_SITE_AUTHORITY}, status=400)
        response = HttpResponse(scdl_csv(year=year, authority=authority),
                                content_type="text/csv; charset=utf-8")
        code = f"-{slugify(authority.reference_code)}" if authority.reference_code else ""
        response["Content-Disposition"] = f'attachment; filename="subventions{code}-{year}.csv"'
        return response
