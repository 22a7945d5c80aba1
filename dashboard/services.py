"""Writes of the dashboard app: the printable scorecard (request, then asynchronous render)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backoffice.core.audit import audit_log
from backoffice.core.pdf import render_pdf, sha256_bytes
from backoffice.core.permissions import require

from .models import ScorecardDocument, ScorecardStatus
from .permissions import can
from .selectors import rollups as rollup_reads
from .selectors.scorecard import ScorecardUnavailable, scorecard_authorities

TRANSITIONS = {
    ScorecardStatus.PENDING: {ScorecardStatus.READY, ScorecardStatus.FAILED},
    ScorecardStatus.FAILED: {ScorecardStatus.PENDING},
    ScorecardStatus.READY: set(),
}
MIN_YEAR, MAX_YEAR = 2000, 2100


def scorecard_document_transition(*, document: ScorecardDocument, to: str, actor=None,
                                  data: dict | None = None) -> ScorecardDocument:
    """The only place a scorecard document changes status; refuses moves outside TRANSITIONS and
    writes one audit row per move."""
    if to not in TRANSITIONS[ScorecardStatus(document.status)]:
        raise ValidationError(_("Changement de statut impossible : %(from)s vers %(to)s.")
                              % {"from": document.get_status_display(),
                                 "to": ScorecardStatus(to).label})
    previous = document.status
    document.status = to
    document.full_clean()
    document.save()
    audit_log(event=f"scorecard_{to}", obj=document, actor=actor,
              data={"from": previous, "to": to, **(data or {})})
    return document


def scorecard_document_request(*, year: int, actor, authority=None) -> ScorecardDocument:
    """Create a pending PDF of the scorecard of ``year`` of ``authority`` (None: the whole
    deployment) and enqueue its rendering once the transaction commits (never a task on a
    rolled-back row). Staff only (``scorecard.view``)."""
    from .tasks import scorecard_render_task

    require(can, actor, "scorecard.view")

    if not MIN_YEAR <= int(year) <= MAX_YEAR:
        raise ValidationError({"year": _("Choisissez une année entre 2000 et 2100.")})
    if not rollup_reads.available():
        raise ValidationError(str(ScorecardUnavailable.message))
    with transaction.atomic():
        document = ScorecardDocument(year=int(year), authority=authority, requested_by=actor)
        document.full_clean()
        document.save()
        audit_log(event="scorecard_requested", obj=document, actor=actor,
                  data={"year": year, "authority": authority.pk if authority else None})
        transaction.on_commit(lambda pk=document.pk: scorecard_render_task.delay(pk))
    return document


def scorecard_document_render(*, document_id: int) -> ScorecardDocument:
    """Render and store one scorecard PDF (of the document's authority, or of the whole
    deployment). Idempotent: a ready document is returned untouched. The file is saved only
    once the whole PDF exists; a failure leaves the 'failed' state and its error, never half a
    file."""
    from .presenters import scorecard_context

    with transaction.atomic():
        document = ScorecardDocument.objects.select_for_update().get(pk=document_id)
        if document.status == ScorecardStatus.READY:
            return document
        if document.status == ScorecardStatus.FAILED:
            scorecard_document_transition(document=document, to=ScorecardStatus.PENDING)
        try:
            context = scorecard_context(year=document.year, today=timezone.localdate(),
                                        authority=document.authority)
            context["document"] = document
            # The authorities whose figures these are: the document's own, or every one with
            # funds or conventions (usually one per deployment).
            context["authorities"] = ([document.authority] if document.authority_id
                                      else scorecard_authorities())
            content = render_pdf("dashboard/scorecard_pdf.html", context)
        except Exception as exc:  # a PDF engine or template failure must be recorded, not lost
            document.error = f"{type(exc).__name__}: {exc}"[:2000]
            return scorecard_document_transition(document=document, to=ScorecardStatus.FAILED)
        document.file.save(document.filename, ContentFile(content), save=False)
        document.sha256 = sha256_bytes(content)
        document.error = ""
        document.rendered_at = timezone.now()
        return scorecard_document_transition(document=document, to=ScorecardStatus.READY,
                                             data={"sha256": document.sha256})
