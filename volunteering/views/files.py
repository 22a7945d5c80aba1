"""Import (preview then confirm, all or nothing), import template and export of entries."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View

from backoffice.core.money import format_eur, format_hours, plural

from .. import resources, rules, selectors
from ..forms import (
    ImportConfirmForm,
    ImportForm,
)
from ..importing import read_import_upload, upload_path, volunteer_hours_import
from ._base import OrganisationMixin, _download


class ImportView(OrganisationMixin, View):
    """Upload → dry-run preview (row-numbered errors) → confirm. All or nothing."""

    action = "volunteering.import"
    template = "volunteering/import.html"

    def _path(self, token: str) -> str:
        return upload_path(self.organisation.pk, token)

    def get(self, request, pk):
        return render(request, self.template, self.context(form=ImportForm()))

    def post(self, request, pk):
        if "token" in request.POST:
            return self._confirm(request)
        form = ImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return render(request, self.template, self.context(form=form), status=400)
        upload = form.cleaned_data["file"]
        content = read_import_upload(upload)
        if isinstance(content, str):
            form.add_error("file", content)
            return render(request, self.template, self.context(form=form), status=400)
        report = volunteer_hours_import(organisation=self.organisation, content=content,
                                        filename=upload.name, actor=request.user, dry_run=True)
        confirm = None
        if report.ok:
            token = uuid.uuid4().hex
            default_storage.save(self._path(token), ContentFile(content))
            request.session[f"volunteer-import-{token}"] = upload.name
            confirm = ImportConfirmForm(initial={"token": token})
        return render(request, self.template, self.context(
            form=ImportForm(), report=report, confirm=confirm),
            status=200 if report.ok else 400)

    def _confirm(self, request):
        form = ImportConfirmForm(request.POST)
        token = request.POST.get("token", "")
        filename = request.session.get(f"volunteer-import-{token}")
        if not form.is_valid() or not token.isalnum() or filename is None \
                or not default_storage.exists(self._path(token)):
            messages.error(request, _("Ce fichier n'est plus disponible : déposez-le à nouveau."))
            return redirect("volunteering:import", pk=self.organisation.pk)
        with default_storage.open(self._path(token)) as handle:
            content = handle.read()
        report = volunteer_hours_import(
            organisation=self.organisation, content=content, filename=filename,
            actor=request.user, dry_run=False,
            confirm_duplicates=form.cleaned_data["confirm_duplicates"])
        if report.imported:
            default_storage.delete(self._path(token))
            request.session.pop(f"volunteer-import-{token}", None)
            messages.success(request, _("%(count)s (%(hours)s, %(value)s), "
                                        "en brouillon à valider.") % {
                "count": plural(report.imported, "saisie importée", "saisies importées"),
                "hours": format_hours(report.hours), "value": format_eur(report.value)})
            return redirect("volunteering:organisation", pk=self.organisation.pk)
        confirm = ImportConfirmForm(initial={"token": token}) if report.ok else None
        return render(request, self.template, self.context(
            form=ImportForm(), report=report, confirm=confirm), status=400)


class ImportTemplateView(OrganisationMixin, View):
    action = "volunteering.import"

    def get(self, request, pk, file_format):
        content = resources.template_bytes(file_format)
        return _download(content, f"modele-heures-benevolat.{file_format}", file_format)


class ExportView(OrganisationMixin, View):
    """Every entry of the organisation (optionally one year), in the import's columns."""

    def get(self, request, pk, file_format):
        entries = selectors.entry_list(user=request.user, organisation=self.organisation,
                                       year=_year(request.GET.get("annee")))
        content = resources.export_file_bytes(entries, file_format)
        return _download(content, resources.export_filename("heures-benevolat", file_format),
                         file_format)


def _year(text) -> int | None:
    """A year from the query string; anything else means every year."""
    return rules.parse_year(text)
