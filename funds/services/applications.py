"""The single simple application: create, save as a draft, submit (with its receipt)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from backoffice.core.audit import audit_log
from backoffice.core.budget import (
    ALL_ACCOUNTS,
    CHARGE_ACCOUNTS,
    BudgetLine,
    budget_errors,
    budget_table,
)
from backoffice.core.models import LegalForm
from backoffice.core.notifications import Event, notify, organisation_recipients
from backoffice.core.pdf import render_pdf, sha256_bytes
from backoffice.core.permissions import is_member, require
from backoffice.core.versioning import version_check

from .. import rules, selectors
from ..models import (
    ApplicantKind,
    Application,
    ApplicationBudgetLine,
    ApplicationMessage,
    ApplicationStatus,
    ApplicationVersion,
    Call,
    MessageKind,
)
from ..permissions import can

S = ApplicationStatus
# The one table of allowed status changes of an application.
ALLOWED_TRANSITIONS = {
    S.DRAFT: {S.SUBMITTED},
    S.SUBMITTED: {S.INFO_REQUESTED, S.ELIGIBLE, S.INELIGIBLE},
    S.INFO_REQUESTED: {S.SUBMITTED},
    S.ELIGIBLE: {S.INFO_REQUESTED, S.INELIGIBLE, S.AWARDED, S.REJECTED},
    S.INELIGIBLE: set(),
    S.AWARDED: set(),
    S.REJECTED: set(),
}
LEGAL_FORM_KINDS = {
    LegalForm.ASSOCIATION: ApplicantKind.ASSOCIATION,
    LegalForm.SCIC: ApplicantKind.COOPERATIVE,
    LegalForm.SAS: ApplicantKind.COOPERATIVE,
    LegalForm.INFORMAL: ApplicantKind.INFORMAL,
}
EDITABLE_FIELDS = ["title", "summary", "place", "start_date", "end_date", "nature",
                   "amount_requested", "volunteer_hours", "answers", "cer_accepted",
                   "applicant_age", "external_reference"]


def application_transition(*, application: Application, to: str, actor=None,
                           message: str = "") -> Application:
    """The only place an application's status changes. Invariant: only the moves of
    ALLOWED_TRANSITIONS happen, each with an audit row (caller holds the row lock)."""
    current = ApplicationStatus(application.status)
    target = ApplicationStatus(to)
    if target not in ALLOWED_TRANSITIONS[current]:
        raise ValidationError({"status": _("Un dossier « %(from)s » ne peut pas passer à "
                                           "« %(to)s ».") % {"from": current.label,
                                                             "to": target.label}})
    application.status = target
    application.save(update_fields=["status", "updated_at"])
    audit_log(event=f"application_{target.value}", obj=application, actor=actor,
              message=message or _("Statut : %(to)s") % {"to": target.label},
              data={"from": current.value, "to": target.value})
    return application


def application_url(application: Application) -> str:
    return reverse("funds:application-detail", args=[application.pk])


def recipients_of(application: Application) -> list:
    if application.organisation_id:
        return organisation_recipients(application.organisation)
    return [application.applicant]


def _check_applicant(*, user, call: Call, organisation, applicant_age) -> None:
    if organisation is not None:
        if not is_member(user, organisation):
            raise PermissionDenied(_("Vous n'êtes pas membre de cette organisation."))
        kind = LEGAL_FORM_KINDS.get(organisation.legal_form)
        if kind not in (call.applicant_kinds or []):
            raise ValidationError({"organisation": _(
                "Cet appel n'est pas ouvert aux organisations de ce type (%(form)s).")
                % {"form": organisation.get_legal_form_display()}})
        return
    if not call.allows_individuals:
        raise ValidationError({"organisation": _(
            "Cet appel est réservé aux organisations : choisissez la vôtre.")})
    if applicant_age is None:
        raise ValidationError({"applicant_age": _("Indiquez votre âge.")})
    if call.min_age and applicant_age < call.min_age:
        raise ValidationError({"applicant_age": _(
            "Cet appel est ouvert à partir de %(age)s ans.") % {"age": call.min_age}})


def application_create(*, user, call: Call, title: str, organisation=None,
                       applicant_age: int | None = None,
                       external_reference: str = "") -> Application:
    """Start a draft for an organisation (or an individual when the call allows it).

    Invariant: only while the call takes submissions, and at most one application per
    applicant when the call says so (the call row is locked to serialise concurrent starts).
    """
    with transaction.atomic():
        call = Call.objects.select_for_update().select_related("fund").get(pk=call.pk)
        if not selectors.call_accepts_submissions(call):
            raise ValidationError({"call": _("Les dépôts sont clos pour cet appel.")})
        _check_applicant(user=user, call=call, organisation=organisation,
                         applicant_age=applicant_age)
        if call.one_per_applicant:
            existing = call.applications.filter(organisation=organisation)
            if organisation is None:
                existing = existing.filter(applicant=user)
            if existing.exists():
                raise ValidationError({"call": _(
                    "Cet appel n'accepte qu'un dossier par porteur et vous en avez déjà un : "
                    "« %(title)s ».") % {"title": existing.first().title}})
        application = Application(call=call, organisation=organisation, applicant=user,
                                  applicant_age=applicant_age, title=(title or "").strip(),
                                  external_reference=external_reference)
        application.full_clean()
        application.save()
        audit_log(event="application_created", obj=application, actor=user,
                  message=_("Brouillon créé"))
    return application


def _line_rows(application: Application, lines: list[BudgetLine]) -> list[ApplicationBudgetLine]:
    rows = []
    for line in lines:
        if line.account not in ALL_ACCOUNTS:
            raise ValidationError({"budget": _("Compte budgétaire inconnu : %(account)s.")
                                   % {"account": line.account}})
        if line.amount < 0:
            raise ValidationError({"budget": _("Le montant du compte %(account)s ne peut pas "
                                               "être négatif.") % {"account": line.account}})
        if line.amount == 0:
            continue
        rows.append(ApplicationBudgetLine(
            application=application, account=line.account, label=line.label[:200],
            funder=line.funder, funder_status=line.status,
            is_this_authority=line.is_this_authority, amount=line.amount))
    return rows


def application_budget(*, application: Application, lines: list[BudgetLine],
                       amount_requested: Decimal | None) -> list[BudgetLine]:
    """The budget as ``application_update`` stores it: this authority's 74 line is the amount
    requested (the lines given may omit it; a line claiming to be it is replaced)."""
    authority = application.call.fund.authority
    stored = selectors.budget_lines_of(application) if application.pk else []
    return rules.budget_with_authority_line(lines, amount=amount_requested or Decimal("0"),
                                            name=authority.name, kind=authority.kind,
                                            stored=stored)


def application_update(*, application: Application, user, data: dict,
                       budget_lines: list[BudgetLine] | None = None,
                       version: str | None = None) -> Application:
    """Save a draft (or an application sent back for more information).

    Invariant: only editable applications change, never half: fields and budget together;
    a save based on an older ``version`` than the stored one changes nothing; only the
    applicant's members edit; this authority's 74 line always equals the amount requested
    (``budget_lines`` need not carry it; a new amount alone rewrites it in the stored budget).
    """
    require(can, user, "application.apply", application)
    with transaction.atomic():
        application = Application.objects.select_for_update().get(pk=application.pk)
        if not application.editable:
            raise ValidationError({"status": _("Ce dossier a été déposé : il ne peut plus être "
                                               "modifié.")})
        version_check(obj=application, version=version)
        for name, value in data.items():
            if name not in EDITABLE_FIELDS:
                raise ValueError(f"Field {name!r} cannot be edited")
            setattr(application, name, value)
        application.title = (application.title or "").strip()
        application.full_clean()
        application.save()
        if budget_lines is None and "amount_requested" in data:
            budget_lines = selectors.budget_lines_of(application)
        if budget_lines is not None:
            budget_lines = application_budget(application=application, lines=budget_lines,
                                              amount_requested=application.amount_requested)
            rows = _line_rows(application, budget_lines)
            application.budget_lines.all().delete()
            for row in rows:
                row.full_clean(exclude=["application"])
            ApplicationBudgetLine.objects.bulk_create(rows)
    return application


REQUIRED_TO_SUBMIT = [("title", gettext_lazy("le titre")), ("summary", gettext_lazy("le résumé")),
                      ("place", gettext_lazy("le lieu")),
                      ("start_date", gettext_lazy("la date de début")),
                      ("end_date", gettext_lazy("la date de fin")),
                      ("nature", gettext_lazy("la nature"))]


def _call_errors(application: Application) -> Iterator[tuple[str, str]]:
    call = application.call
    if application.status == ApplicationStatus.DRAFT and \
            not selectors.call_accepts_submissions(call):
        yield "__all__", _("Les dépôts sont clos pour cet appel depuis le %(date)s.") % {
            "date": call.closes_on.strftime("%d/%m/%Y")}


def _completeness_errors(application: Application) -> Iterator[tuple[str, str]]:
    for field, label in REQUIRED_TO_SUBMIT:
        if not getattr(application, field):
            yield field, _("Indiquez %(what)s.") % {"what": label}
    if application.amount_requested <= 0:
        yield "amount_requested", _("Indiquez le montant demandé.")
    if not application.cer_accepted:
        yield "cer_accepted", _("Le contrat d'engagement républicain doit être accepté "
                                "(loi 2021-1109).")
    answers = list(application.answers or [])
    for index, question in enumerate(application.call.questions or []):
        if index >= len(answers) or not str(answers[index]).strip():
            yield "answers", _("Répondez à la question « %(q)s ».") % {"q": question}


def _project_errors(application: Application) -> Iterator[tuple[str, str]]:
    if application.start_date and application.end_date and \
            application.end_date < application.start_date:
        yield "end_date", _("La fin du projet ne peut pas précéder son début.")
    if application.nature and application.nature not in application.call.fund.natures:
        yield "nature", _("Ce fonds ne finance pas cette nature de dépense.")


def _budget_errors(application: Application) -> Iterator[tuple[str, str]]:
    lines = selectors.budget_lines_of(application)
    if not lines:
        yield "budget", _("Remplissez le budget du projet.")
    for message in budget_errors(lines) if lines else []:
        yield "budget", message
    for check in rules.rule_checks(lines, amount_requested=application.amount_requested,
                                   rules=selectors.fund_rules(application.call.fund)):
        if not check.ok:
            yield "amount_requested" if check.code == "amount" else "budget", check.message


def _organisation_errors(application: Application) -> Iterator[tuple[str, str]]:
    missing = selectors.application_missing_documents(application)
    if missing:
        from backoffice.core.models import DocumentKind

        yield "documents", _("Documents manquants ou expirés : %(kinds)s. Déposez-les dans la "
                             "fiche de votre organisation.") % {
            "kinds": ", ".join(str(DocumentKind(k).label) for k in missing)}
    if selectors.overdue_reports_block() and selectors.overdue_reports(
            organisation=application.organisation):
        yield "__all__", _("Un compte rendu financier d'une convention précédente est en "
                           "retard : déposez-le avant toute nouvelle demande.")


SUBMISSION_CHECKS = [_call_errors, _completeness_errors, _project_errors, _budget_errors,
                     _organisation_errors]


def submission_errors(application: Application) -> dict[str, list[str]]:
    """What prevents submitting: the call still open, completeness, the project's dates and
    nature, budget and fund rules, the organisation's documents and overdue reports."""
    errors: dict[str, list[str]] = {}
    for check in SUBMISSION_CHECKS:
        for field, message in check(application):
            errors.setdefault(field, []).append(message)
    return errors


def _snapshot(application: Application) -> dict:
    return {
        "title": application.title, "summary": application.summary, "place": application.place,
        "start_date": application.start_date.isoformat() if application.start_date else "",
        "end_date": application.end_date.isoformat() if application.end_date else "",
        "nature": application.nature, "amount_requested": str(application.amount_requested),
        "volunteer_hours": str(application.volunteer_hours),
        "answers": list(application.answers or []),
        "budget": [{"account": line.account, "label": line.label, "funder": line.funder,
                    "status": line.status, "this_authority": line.is_this_authority,
                    "amount": str(line.amount)}
                   for line in selectors.budget_lines_of(application)],
    }


def application_submit(*, application: Application, user, answer: str = "") -> Application:
    """Submit (or resubmit after a request for information) a complete application.

    Invariants: the row is locked, so a double click submits once and the second gets a
    French error; each submission freezes a numbered version; the receipt PDF and e-mail are
    produced only after commit; only the applicant's members submit.
    """
    require(can, user, "application.apply", application)
    with transaction.atomic():
        application = (Application.objects.select_for_update(of=("self",))
                       .select_related("call__fund", "organisation").get(pk=application.pk))
        if not application.editable:
            raise ValidationError({"status": _("Ce dossier est déjà déposé.")},
                                  code="already_submitted")
        errors = submission_errors(application)
        if errors:
            raise ValidationError(errors)
        now = timezone.now()
        resubmission = application.status == ApplicationStatus.INFO_REQUESTED
        application.version += 1
        application.submitted_at = now
        application.save(update_fields=["version", "submitted_at", "updated_at"])
        version = ApplicationVersion.objects.create(
            application=application, number=application.version, data=_snapshot(application),
            submitted_by=user, submitted_at=now)
        organisation = application.organisation
        if organisation is not None and not organisation.cer_accepted:
            # Décret 2021-1947: record who accepted the CER and when, once per organisation.
            organisation.cer_accepted_by = user
            organisation.cer_accepted_at = now
            organisation.save(update_fields=["cer_accepted_by", "cer_accepted_at"])
        if answer.strip():
            ApplicationMessage.objects.create(application=application, author=user,
                                              kind=MessageKind.ANSWER, body=answer.strip())
        application_transition(
            application=application, to=ApplicationStatus.SUBMITTED, actor=user,
            message=(_("Dossier complété et redéposé (version %(n)s)") if resubmission
                     else _("Dossier déposé (version %(n)s)")) % {"n": application.version})
        notify(Event.APPLICATION_SUBMITTED, application, user,
               recipients=recipients_of(application),
               url=application_url(application),
               context={"message": _("Dossier « %(title)s » déposé, version %(n)s")
                        % {"title": application.title, "n": application.version}})
        from ..tasks import application_receipt_task

        transaction.on_commit(lambda: application_receipt_task.delay(version.pk))
    return application


def application_receipt_generate(*, version_id: int) -> bool:
    """Render the receipt PDF of one submitted version, once (idempotent: an existing receipt
    is kept). Returns True when a PDF was written."""
    with transaction.atomic():
        version = (ApplicationVersion.objects.select_for_update(of=("self",))
                   .select_related("application__call__fund__authority",
                                   "application__organisation", "submitted_by")
                   .filter(pk=version_id).first())
        if version is None or version.receipt:
            return False
        application = version.application
        authority = application.call.fund.authority
        lines = [BudgetLine(str(line["account"]), Decimal(str(line["amount"])),
                            line.get("label", ""), funder=line.get("funder", ""),
                            status=line.get("status", ""),
                            is_this_authority=bool(line.get("this_authority")))
                 for line in version.data.get("budget", [])]
        content = render_pdf("funds/receipt_pdf.html", {
            "application": application, "version": version, "data": version.data,
            "authority": authority,
            "charges_total": sum((Decimal(line["amount"]) for line in version.data["budget"]
                                  if line["account"] in CHARGE_ACCOUNTS), Decimal("0.00")),
            "budget": budget_table(lines, authority_name=authority.name),
        })
        version.receipt.save(f"recepisse-{application.pk}-v{version.number}.pdf",
                             ContentFile(content), save=False)
        version.receipt_sha256 = sha256_bytes(content)
        version.save(update_fields=["receipt", "receipt_sha256"])
    return True
