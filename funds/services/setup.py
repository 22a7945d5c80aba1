"""Setting up funds and calls from the staff pages: create, edit, copy last year's call.

The model's ``clean()`` holds every rule (the envelope never below what is committed, the
phases in order), so the pages, the admin and the demo refuse the same things with the same
French message.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backoffice.core.audit import audit_log
from backoffice.core.money import format_date
from backoffice.core.permissions import require
from backoffice.core.services import reject_unknown_keys
from backoffice.core.versioning import version_check

from .. import rules
from ..models import Call, CallPhase, District, Fund
from ..permissions import can

FUND_FIELDS = ("name", "year_start", "year_end", "envelope", "natures", "budget_imputation",
               "max_authority_share", "max_public_share", "min_self_financing_share",
               "volunteering_counts", "in_kind_counts", "min_amount", "max_amount")
CALL_FIELDS = ("kind", "title", "description", "applicant_kinds", "min_age",
               "one_per_applicant", "required_documents", "questions", "opens_on", "closes_on",
               "vote_on", "decision_on", "results_on", "ends_on")
# Answers are stored by question position and the kind decides the path (committee or
# vote): once a file exists, neither changes.
LOCKED_ONCE_APPLIED = ("kind", "questions")
# What a copy of a call does not take: its identity, its phase, its dates (shifted), its
# published results, and what names its own projects.
NOT_COPIED = {"id", "fund", "title", "phase", "results_computation", "results_published_at",
              "pb_meta", "created_at", "exclusive_groups"}
DATE_FIELDS = ("opens_on", "closes_on", "vote_on", "decision_on", "results_on", "ends_on")


def fund_create(*, authority, actor, data: dict) -> Fund:
    """Create a fund of ``authority``. Only a finance agent or an administrator
    (``fund.manage``) does; the fund's rules are checked by ``Fund.clean``."""
    require(can, actor, "fund.manage")
    reject_unknown_keys(data, FUND_FIELDS)
    with transaction.atomic():
        fund = Fund(authority=authority, **data)
        fund.full_clean()
        fund._change_reason = "Création depuis les pages de gestion"
        fund.save()
        audit_log(event="fund_created", obj=fund, actor=actor,
                  message=_("Fonds « %(name)s » créé.") % {"name": fund.name})
    return fund


def fund_update(*, fund: Fund, actor, data: dict, version: str | None = None) -> Fund:
    """Change a fund's settings. Invariant: the fund row is locked (as an award locks it)
    before ``Fund.clean`` reads the committed total, so the envelope never goes below what
    is awarded, even with a decision saved at the same moment; a form opened on an older
    ``version`` changes nothing."""
    require(can, actor, "fund.manage", fund)
    reject_unknown_keys(data, FUND_FIELDS)
    with transaction.atomic():
        fund = Fund.objects.select_for_update().get(pk=fund.pk)
        version_check(obj=fund, version=version)
        for name, value in data.items():
            setattr(fund, name, value)
        fund.full_clean()
        fund._change_reason = "Modification depuis les pages de gestion"
        fund.save()
        audit_log(event="fund_updated", obj=fund, actor=actor,
                  message=_("Fonds « %(name)s » modifié.") % {"name": fund.name})
    return fund


def call_create(*, fund: Fund, actor, data: dict) -> Call:
    """Create a call of ``fund``, in preparation (not shown to the public until its opening
    date moves it on)."""
    require(can, actor, "fund.manage", fund)
    reject_unknown_keys(data, CALL_FIELDS)
    with transaction.atomic():
        call = Call(fund=fund, phase=CallPhase.DRAFT, **data)
        call.full_clean()
        call._change_reason = "Création depuis les pages de gestion"
        call.save()
        audit_log(event="call_created", obj=call, actor=actor,
                  message=_("Appel « %(title)s » créé en préparation.") % {"title": call.title})
    return call


def call_update(*, call: Call, actor, data: dict, version: str | None = None) -> Call:
    """Change a call's settings (never its phase: ``call_set_phase``). Invariant: once an
    application exists, the kind and the questions stay as they were (answers are stored by
    question); a form opened on an older ``version`` changes nothing."""
    require(can, actor, "fund.manage", call.fund)
    reject_unknown_keys(data, CALL_FIELDS)
    with transaction.atomic():
        call = Call.objects.select_for_update().get(pk=call.pk)
        version_check(obj=call, version=version)
        if call.applications.exists():
            errors = {name: _("Des dossiers ont déjà été déposés sur cet appel : ce réglage ne "
                              "peut plus changer.")
                      for name in LOCKED_ONCE_APPLIED
                      if name in data and data[name] != getattr(call, name)}
            if errors:
                raise ValidationError(errors)
        for name, value in data.items():
            setattr(call, name, value)
        call.full_clean()
        call._change_reason = "Modification depuis les pages de gestion"
        call.save()
        audit_log(event="call_updated", obj=call, actor=actor,
                  message=_("Appel « %(title)s » modifié.") % {"title": call.title})
    return call


def call_copy_preview(call: Call) -> dict:
    """What a copy of ``call`` for next year would be: its title and shifted dates."""
    dates = {name: rules.shift_year(getattr(call, name)) if getattr(call, name) else None
             for name in DATE_FIELDS}
    return {"title": rules.title_shifted(call.title, new_year=dates["opens_on"].year),
            "dates": dates}


def call_duplicate(*, call: Call, actor, fund: Fund | None = None) -> Call:
    """A draft copy of ``call`` for next year, in ``fund`` (its own by default): every date one
    year later (29 February → 28 February), the years of its title moved on, who may apply,
    the documents, the questions, the vote settings and the districts copied; nothing
    published.

    Invariant: the copy is in preparation and opens in the future (a copy whose shifted
    opening date is already past would be opened at once by the daily phase update, so it is
    refused); copying twice into one fund is refused (same title).
    """
    fund = fund or call.fund
    require(can, actor, "fund.manage", fund)
    preview = call_copy_preview(call)
    with transaction.atomic():
        Fund.objects.select_for_update().get(pk=fund.pk)
        errors = {}
        today = timezone.localdate()
        if preview["dates"]["opens_on"] <= today:
            errors["opens_on"] = _(
                "Décalée d'un an, l'ouverture tomberait le %(date)s, déjà passée : la copie "
                "s'ouvrirait aussitôt aux dépôts. Dupliquez l'appel le plus récent, ou créez "
                "un nouvel appel.") % {"date": format_date(preview["dates"]["opens_on"])}
        if Call.objects.filter(fund=fund, title=preview["title"]).exists():
            errors["title"] = _("Le fonds « %(fund)s » a déjà un appel « %(title)s » : la copie "
                                "existe sans doute déjà.") % {"fund": fund.name,
                                                               "title": preview["title"]}
        if errors:
            raise ValidationError(errors)
        copied = {field.name: getattr(call, field.name) for field in Call._meta.concrete_fields
                  if field.name not in NOT_COPIED and field.name not in DATE_FIELDS}
        copy = Call(fund=fund, title=preview["title"], phase=CallPhase.DRAFT,
                    **copied, **preview["dates"])
        copy.full_clean()
        copy._change_reason = "Copie de l'appel de l'année précédente"
        copy.save()
        District.objects.bulk_create([
            District(call=copy, name=district.name, envelope=district.envelope,
                     position=district.position) for district in call.districts.all()])
        audit_log(event="call_duplicated", obj=copy, actor=actor,
                  message=_("Copie de l'appel « %(title)s » pour l'année suivante, en "
                            "préparation.") % {"title": call.title},
                  data={"source": call.pk})
    return copy
