"""Downloads: generated documents, payment calendar, payments due, SCDL open data."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
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


class PaymentCalendarView(Base):
    def get(self, request):
        self.check("export.download")
        c = conf()
        by = request.GET.get("par", "imputation")
        if by not in selectors.CALENDAR_GROUPS:
            by = "imputation"
        buckets = selectors.payment_calendar(soon_days=c.soon_late_days, by=by)
        on_hold = Organisation.objects.filter(
            pk__in=selectors.payments_on_hold().values("year__convention__organisation")
        ).order_by("name")
        return render(request, "conventions/calendar.html",
                      {"buckets": buckets, "today": timezone.localdate(), "by": by,
                       "soon_days": c.soon_late_days, "on_hold": on_hold})


class PaymentsDueExportView(Base):
    def get(self, request, fmt):
        from ..resources import PAYMENTS_DUE_COLUMNS, payments_due_rows

        self.check("export.download")
        if fmt not in ("csv", "xlsx"):
            raise Http404
        stamp = timezone.localdate().isoformat()
        return export_response(PAYMENTS_DUE_COLUMNS, payments_due_rows(selectors.payments_due()),
                               filename=f"versements-a-mandater-{stamp}", fmt=fmt,
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
        authority = site_authority()
        if authority is None:
            return render(request, "400.html", {"explanation": NO_SITE_AUTHORITY}, status=400)
        response = HttpResponse(scdl_csv(year=year, authority=authority),
                                content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="subventions-{year}.csv"'
        return response
