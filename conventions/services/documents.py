"""Generated documents: one version per request, rendered by a Celery task after commit,
stored with its sha256; a signed version is never overwritten."""

from __future__ import annotations

from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from backoffice.core.audit import audit_log
from backoffice.core.budget import budget_totals
from backoffice.core.notifications import Event, notify
from backoffice.core.pdf import html_to_pdf, render_html, sha256_bytes

from ..models import (
    Convention,
    ConventionYear,
    DocumentStatus,
    GeneratedDocument,
    ScheduleLine,
)
from ._common import apply_transition, conf, convention_url

SHORT_NAMES = {"convention": "convention", "notification": "lettre", "amendment": "avenant",
               "repayment": "reversement", "withdrawal_notice": "retrait",
               "recovery_decision": "decision"}
DOCUMENT_TRANSITIONS = {
    DocumentStatus.PENDING: {DocumentStatus.READY, DocumentStatus.FAILED},
    DocumentStatus.FAILED: {DocumentStatus.READY, DocumentStatus.FAILED},
}
TEMPLATES = {
    "convention": "conventions/pdf/convention.html",
    "notification": "conventions/pdf/notification.html",
    "amendment": "conventions/pdf/amendment.html",
    "repayment": "conventions/pdf/repayment.html",
    "withdrawal_notice": "conventions/pdf/withdrawal_notice.html",
    "recovery_decision": "conventions/pdf/recovery_decision.html",
}


def document_request(*, convention: Convention, kind: str, amendment=None, report=None,
                     recovery=None) -> GeneratedDocument:
    """Create the next version of a document and enqueue its rendering once the surrounding
    transaction commits (never a task on a rolled-back row)."""
    from ..tasks import document_render_task

    last = (GeneratedDocument.objects.select_for_update()
            .filter(convention=convention, kind=kind).order_by("-version").first())
    document = GeneratedDocument.objects.create(
        convention=convention, kind=kind, version=(last.version + 1) if last else 1,
        amendment=amendment, report=report, recovery=recovery)
    transaction.on_commit(lambda pk=document.pk: document_render_task.delay(pk))
    return document


def document_context(document: GeneratedDocument) -> dict:
    """Everything a template shows, read from the database only (no clock): the same data
    always gives the same text."""
    convention = (Convention.objects.select_related("authority", "organisation")
                  .prefetch_related(Prefetch(
                      "years", queryset=ConventionYear.objects.order_by("year").prefetch_related(
                          Prefetch("lines", queryset=ScheduleLine.objects.order_by("position")))))
                  .get(pk=document.convention_id))
    years = list(convention.years.all())
    c = conf()
    context = {
        "document": document, "convention": convention, "authority": convention.authority,
        "organisation": convention.organisation, "years": years,
        "total": sum((y.amount for y in years), 0),
        "cofinancing": convention.cofinancing,
        "keep_rate_percent": convention.keep_rule_rate * 100,
        "advance_rate_percent": convention.advance_rate * 100,
        "report_due_months": c.report_due_months,
        "financial_year_end": convention.organisation.financial_year_end,
        "advance_deadline": "%02d/%02d" % (c.advance_deadline[1], c.advance_deadline[0]),
        "threshold": c.threshold,
        "doc_ref": "%s · %s v%s" % (convention.reference, SHORT_NAMES[document.kind],
                                     document.version),
    }
    context.update(_legal_context(document, convention, years, context["total"]))
    if document.amendment_id:
        context["amendment"] = document.amendment
        context["amendment_years"] = sorted(document.amendment.new_amounts.items())
    if document.recovery_id:
        context["recovery"] = document.recovery
    if document.report_id:
        report = document.report
        context["report"] = report
        context["kept"] = (report.unspent_amount or 0) - (report.repayment_amount or 0)
        from .reports import budget_lines_from

        context["report_totals"] = budget_totals(budget_lines_from(report.budget_lines))
    return context


# Code de commerce L612-4 and D612-5: above €153,000 of public aid a year, an association
# appoints a statutory auditor and publishes its accounts.
AUDITOR_THRESHOLD = Decimal("153000")
ORIGINALS = {"convention": 2, "amendment": 2}
NATURE_TEXTS = {"fonctionnement": _("subvention de fonctionnement"),
                "projet": _("subvention de projet"),
                "investissement": _("subvention d'investissement"),
                "ingenierie": _("subvention d'ingénierie sociale et écologique")}


def _legal_context(document: GeneratedDocument, convention: Convention, years, total) -> dict:
    """What a legal department expects on the page: the authorising deliberation, the number
    of originals, the real date of the contrat d'engagement républicain, the CPO annexes taken
    from the application, and whether the statutory-auditor clause applies."""
    from backoffice.core.budget import BudgetLine, budget_table
    from backoffice.core.money import format_date

    application = None
    if convention.award_id:
        application = convention.award.application
    deliberation = ""
    if convention.decision_reference:
        deliberation = _("la délibération %(ref)s") % {"ref": convention.decision_reference}
        if convention.decision_date:
            deliberation += _(" du %(date)s") % {"date": format_date(convention.decision_date)}
    public_cofinancing = Decimal("0")
    for row in convention.cofinancing or []:
        try:
            public_cofinancing += Decimal(str(row.get("amount", "0")))
        except (ArithmeticError, ValueError):
            continue
    yearly = max((y.amount for y in years), default=Decimal("0"))
    public_aid = yearly + public_cofinancing
    context = {
        "deliberation_text": deliberation,
        "nature_text": NATURE_TEXTS.get(convention.nature, _("subvention")),
        "originals": ORIGINALS.get(document.kind),
        "originals_words": {2: "deux", 3: "trois"}.get(ORIGINALS.get(document.kind), ""),
        "cer_date": None,
        "application": application,
        "application_answers": [],
        "annex_budget": None,
        "public_aid_yearly": public_aid,
        "auditor_threshold": AUDITOR_THRESHOLD,
        "auditor_required": public_aid > AUDITOR_THRESHOLD,
    }
    if application is not None:
        # The CER was accepted with the application, not when the convention was typed.
        context["cer_date"] = application.submitted_at or convention.organisation.cer_accepted_at
        questions = application.call.questions or []
        context["application_answers"] = [
            (question, answer) for question, answer in zip(
                questions, application.answers or [], strict=False) if (answer or "").strip()]
        lines = [BudgetLine(line.account, line.amount, line.label, funder=line.funder,
                            status=line.funder_status, is_this_authority=line.is_this_authority)
                 for line in application.budget_lines.all() if line.amount]
        if lines:
            context["annex_budget"] = budget_table(lines, authority_name=convention.authority.name)
    else:
        context["cer_date"] = convention.organisation.cer_accepted_at
    return context


def document_html(document: GeneratedDocument) -> str:
    return render_html(TEMPLATES[document.kind], document_context(document))


def document_render(*, document_id: int) -> GeneratedDocument:
    """Render and store one document version. Idempotent: a ready (or signed) version is
    returned untouched (a signed version is therefore never overwritten). The file is written only once the whole PDF exists, so a failed
    render leaves no half file, only the 'failed' state and its error."""
    with transaction.atomic():
        document = GeneratedDocument.objects.select_for_update(of=("self",)).select_related(
            "convention", "amendment", "report").get(pk=document_id)
        if document.status == DocumentStatus.READY:
            return document
        document.attempts += 1
        try:
            content = html_to_pdf(document_html(document))
        except Exception as exc:
            document.error = f"{type(exc).__name__}: {exc}"[:2000]
            apply_transition(obj=document, to=DocumentStatus.FAILED,
                             table=DOCUMENT_TRANSITIONS, actor=None, event="document_failed",
                             label=_("le document"))
            failed = True
        else:
            failed = False
            document.file.save(document.filename, ContentFile(content), save=False)
            document.sha256 = sha256_bytes(content)
            document.size = len(content)
            document.error = ""
            document.rendered_at = timezone.now()
            apply_transition(obj=document, to=DocumentStatus.READY, table=DOCUMENT_TRANSITIONS,
                             actor=None, event="document_ready", label=_("le document"),
                             data={"sha256": document.sha256})
            convention = document.convention
            notify(Event.DOCUMENT_GENERATED, convention, None, send_email=False,
                   url=convention_url(convention), context={"document": document})
    if failed:
        raise DocumentRenderError(document.error)
    return document


class DocumentRenderError(RuntimeError):
    """Raised after a failed render is recorded, so the task retries."""


@transaction.atomic
def document_mark_signed(*, convention: Convention, kind: str) -> GeneratedDocument | None:
    """Freeze the latest version of a document as the signed one: it can never be rendered
    again; any later change makes a new version."""
    document = (GeneratedDocument.objects.select_for_update()
                .filter(convention=convention, kind=kind).order_by("-version").first())
    if document is None:
        return None
    document.signed = True
    document.save(update_fields=["signed"])
    audit_log(event="document_signed", obj=document, actor=None,
              message=_("Version signée figée"), data={"sha256": document.sha256})
    return document
