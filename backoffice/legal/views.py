"""The four public pages and a person's own data ("Mes données")."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from . import selectors, services
from .forms import DataRequestForm
from .models import PageKind
from .rendering import text_to_html


class LegalPageView(View):
    kind: PageKind = PageKind.LEGAL_NOTICE

    def get(self, request):
        view = selectors.legal_page(self.kind)
        return render(request, "legal/page.html", {
            "view": view, "kind": self.kind, "body": text_to_html(view.page.body)
            if view.edited else None,
            "default_template": f"legal/default_{self.kind.value.replace('-', '_')}.html",
            "retention": selectors.retention_days(), "year": selectors.current_year(),
            "settings_legal": services_settings()})


def services_settings() -> dict:
    from django.conf import settings

    return {"host_name": settings.LEGAL_HOST_NAME, "host_address": settings.LEGAL_HOST_ADDRESS,
            "host_phone": settings.LEGAL_HOST_PHONE, "dpo_email": settings.DPO_EMAIL,
            "publication_director": settings.LEGAL_PUBLICATION_DIRECTOR,
            "site_url": settings.SITE_URL}


class MyDataView(LoginRequiredMixin, View):
    template_name = "legal/my_data.html"

    def get(self, request):
        return render(request, self.template_name, {"form": DataRequestForm(),
                                                    "retention": selectors.retention_days()})

    def post(self, request):
        form = DataRequestForm(request.POST)
        if form.is_valid():
            try:
                services.data_request_create(user=request.user, **form.cleaned_data)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, _("Votre demande est enregistrée : une réponse vous "
                                            "sera apportée dans un délai d'un mois."))
                return redirect("legal:my-data")
        return render(request, self.template_name, {"form": form,
                                                    "retention": selectors.retention_days()},
                      status=400)


class MyDataDownloadView(LoginRequiredMixin, View):
    def get(self, request):
        data = services.personal_data_export(user=request.user)
        body = json.dumps(data, ensure_ascii=False, indent=2, default=str)
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
        stamp = timezone.localdate().isoformat()
        response["Content-Disposition"] = f'attachment; filename="mes-donnees-{stamp}.json"'
        response["Cache-Control"] = "no-store"
        return response
