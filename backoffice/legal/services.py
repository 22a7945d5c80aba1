"""Personal data by design: a person's own data, their requests, and the scheduled purge.

Retention (settings, in days; see the personal-data page): voters' identities
``VOTER_DATA_RETENTION_DAYS`` after the results are published (the time for disputes), inactive
accounts ``INACTIVE_ACCOUNT_RETENTION_DAYS`` after their last login, rejected applications'
attachments and answers ``REJECTED_APPLICATION_RETENTION_DAYS`` after the decision.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from backoffice.core.audit import audit_log
from backoffice.core.models import Membership, User
from backoffice.core.roles import AUTHORITY_ROLES

from . import registry
from .models import DataRequest, LegalPage, PageKind, RequestKind

ANONYMOUS_DOMAIN = "compte-supprime.invalid"


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def personal_data_export(*, user: User) -> dict:
    """Everything the product holds about ``user`` and only about them (RGPD art. 15 and 20)."""
    data = {
        "compte": {"adresse": user.email, "prénom": user.first_name, "nom": user.last_name,
                   "téléphone": getattr(user, "phone", ""), "créé le": _iso(user.date_joined),
                   "dernière connexion": _iso(user.last_login)},
        "organisations": [
            {"organisation": m.organisation.name, "rôle": m.get_role_display(),
             "état": m.get_status_display(), "depuis": _iso(m.created_at)}
            for m in Membership.objects.filter(user=user).select_related("organisation")],
        "demandes sur vos données": [
            {"demande": r.get_kind_display(), "reçue le": _iso(r.created_at),
             "état": r.get_status_display()}
            for r in DataRequest.objects.filter(user=user)],
    }
    for provider in registry.providers():
        if provider.export is not None:
            data.update(provider.export(user=user))
    return data


def data_request_create(*, user: User, kind: str, message: str = "") -> DataRequest:
    if kind not in RequestKind.values:
        raise ValidationError({"kind": _("Choisissez le type de demande.")})
    if len(message) > 4000:
        raise ValidationError({"message": _("4 000 caractères au plus.")})
    today = timezone.localdate()
    with transaction.atomic():
        request = DataRequest(user=user, email=user.email, kind=kind, message=message,
                              answer_due_on=today + dt.timedelta(days=30))
        request.full_clean()
        request.save()
        audit_log(event="data_request", obj=request, actor=user,
                  message=_("Demande sur des données personnelles"), data={"kind": kind})
    if settings.DPO_EMAIL:
        transaction.on_commit(lambda: send_mail(
            _("Demande sur des données personnelles"),
            _("%(email)s demande : %(kind)s. Réponse due le %(due)s.\n\n%(message)s") % {
                "email": user.email, "kind": request.get_kind_display(),
                "due": request.answer_due_on.strftime("%d/%m/%Y"), "message": message},
            None, [settings.DPO_EMAIL], fail_silently=True))
    return request


def inactive_accounts_purge(*, today: dt.date, dry_run: bool = False) -> int:
    """Anonymise accounts unused for ``INACTIVE_ACCOUNT_RETENTION_DAYS``: no staff, no one who
    works for the authority, no active member of an organisation. Idempotent."""
    cutoff = timezone.make_aware(dt.datetime.combine(
        today - dt.timedelta(days=settings.INACTIVE_ACCOUNT_RETENTION_DAYS), dt.time()))
    stale = (User.objects.filter(is_staff=False, is_superuser=False)
             .exclude(groups__name__in=[role.label for role in AUTHORITY_ROLES])
             .filter(Q(last_login__lt=cutoff) | Q(last_login__isnull=True,
                                                  date_joined__lt=cutoff))
             .exclude(email__endswith=f"@{ANONYMOUS_DOMAIN}")
             .exclude(memberships__status="active"))
    ids = list(stale.values_list("pk", flat=True))
    if dry_run or not ids:
        return len(ids)
    with transaction.atomic():
        for user in User.objects.select_for_update().filter(pk__in=ids):
            user.email = f"compte-{user.pk}@{ANONYMOUS_DOMAIN}"
            user.first_name = user.last_name = ""
            if hasattr(user, "phone"):
                user.phone = ""
            user.is_active = False
            user.set_unusable_password()
            user.save()
            audit_log(event="account_anonymised", obj=user, actor=None,
                      message=_("Compte inactif anonymisé (durée de conservation échue)"))
    return len(ids)


def personal_data_purge(*, today: dt.date | None = None, dry_run: bool = False) -> dict:
    """The scheduled purge: every app's provider, then inactive accounts. Running it twice
    changes nothing the second time."""
    today = today or timezone.localdate()
    report: dict[str, int] = {}
    for provider in registry.providers():
        if provider.purge is not None:
            report.update(provider.purge(today=today, dry_run=dry_run))
    report["comptes inactifs anonymisés"] = inactive_accounts_purge(today=today,
                                                                    dry_run=dry_run)
    return report


def legal_page_save(*, page: LegalPage, actor) -> LegalPage:
    with transaction.atomic():
        page.updated_at = timezone.now()
        page.updated_by = actor if getattr(actor, "pk", None) else None
        page.full_clean()
        page.save()
        audit_log(event="legal_page_updated", obj=page, actor=actor,
                  message=_("Page « %(kind)s » mise à jour") % {
                      "kind": PageKind(page.kind).label})
    return page
