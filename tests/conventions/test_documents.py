import io
import time

import pytest
from pypdf import PdfReader

from conventions import services
from conventions.models import ConventionStatus, DocumentStatus, GeneratedDocument
from conventions.services.documents import DocumentRenderError

from .factories import make_convention

KEY_CLAUSES = [
    "Objet", "Durée", "sous réserve de l'inscription", "Avance", "Conditions d'utilisation",
    "Contrôle et évaluation", "compte rendu financier", "Excédent raisonnable",
    "Plan de cofinancement", "Bénévolat valorisé", "contrat d'engagement républicain",
    "résiliée", "tribunal administratif", "Page 1 sur",
]


def _text(document) -> str:
    with document.file.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


@pytest.mark.services
def test_real_worker_renders_the_convention_pdf(celery_worker_process, authority, organisation,
                                                agent):
    convention = make_convention(authority=authority, organisation=organisation, agent=agent)
    services.convention_transition(convention=convention, to=ConventionStatus.SENT, actor=agent)
    document = GeneratedDocument.objects.get(convention=convention, kind="convention")
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        document.refresh_from_db()
        if document.status != DocumentStatus.PENDING:
            break
        time.sleep(0.5)
    assert document.status == DocumentStatus.READY, document.error
    text = _text(document)
    for clause in KEY_CLAUSES:
        assert clause.lower() in text.lower(), clause
    assert convention.reference in text
    assert "30 000,00" in text.replace("\u202f", " ").replace("\u00a0", " ")


@pytest.mark.django_db
def test_same_data_gives_the_same_text(authority, organisation, agent,
                                       django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        convention = make_convention(authority=authority, organisation=organisation, agent=agent,
                                     signed=True)
    first = convention.documents.get(kind="convention", version=1)
    assert services.document_html(first) == services.document_html(first)
    again = GeneratedDocument.objects.create(convention=convention, kind="convention", version=9)
    services.document_render(document_id=again.pk)
    again.refresh_from_db()
    assert _text(first).replace("version 1", "") .replace("v1", "") == \
        _text(again).replace("version 9", "").replace("v9", "")


@pytest.mark.django_db
def test_failed_render_leaves_no_file_and_a_signed_version_is_never_overwritten(
        authority, organisation, agent, monkeypatch, django_capture_on_commit_callbacks):
    convention = make_convention(authority=authority, organisation=organisation, agent=agent)
    document = GeneratedDocument.objects.create(convention=convention, kind="convention",
                                                version=1)

    def boom(html, **kwargs):
        raise OSError("police introuvable")

    monkeypatch.setattr("conventions.services.documents.html_to_pdf", boom)
    with pytest.raises(DocumentRenderError):
        services.document_render(document_id=document.pk)
    document.refresh_from_db()
    assert document.status == DocumentStatus.FAILED and "police" in document.error
    assert not document.file and document.attempts == 1
    monkeypatch.undo()
    services.document_render(document_id=document.pk)
    document.refresh_from_db()
    assert document.status == DocumentStatus.READY and document.attempts == 2
    sha = document.sha256
    document.signed = True
    document.save()
    services.document_render(document_id=document.pk)
    document.refresh_from_db()
    assert document.sha256 == sha


@pytest.mark.django_db
def test_letter_below_threshold_and_amendment_and_repayment_documents(
        authority, organisation, agent, member, django_capture_on_commit_callbacks):
    import datetime as dt
    from decimal import Decimal

    from .factories import BALANCED_REPORT

    with django_capture_on_commit_callbacks(execute=True):
        small = make_convention(authority=authority, organisation=organisation, agent=agent,
                                end=dt.date(2026, 12, 31), amounts=[Decimal("8000")],
                                confirmed=True)
    letter = small.documents.get()
    assert letter.kind == "notification" and letter.status == DocumentStatus.READY
    assert "Notification d'attribution" in _text(letter)
    assert small.open_data_deadline is None
    report = small.years.get().report
    for line in small.years.get().lines.order_by("position"):
        services.payment_record(line=line, paid_on=line.planned_date,
                                mandate_reference=f"M{line.pk}", actor=agent)
    with django_capture_on_commit_callbacks(execute=True):
        amendment = services.amendment_create(convention=small, reason="Prolongation d'un an",
                                              new_amounts={2027: "6000"},
                                              new_end_date=dt.date(2027, 12, 31), actor=agent,
                                              decision_reference="DEL-2026-090",
                                              decision_date=dt.date(2026, 11, 2))
        services.amendment_transition(amendment=amendment, to="sent", actor=agent)
        services.amendment_transition(amendment=amendment, to="signed", actor=agent)
        services.report_submit(report=report, budget_lines=BALANCED_REPORT, subsidy_used="5000",
                               qualitative_report="Bilan", actor=member,
                               on=dt.date(2027, 1, 15))
        services.report_review(report=report, approve=True, actor=agent)
    repayment = small.documents.get(kind="repayment")
    assert "2 200,00" in _text(repayment).replace("\u202f", " ").replace("\u00a0", " ")
    assert "Avenant n° 1" in _text(small.documents.get(kind="amendment"))
    assert small.documents.filter(kind="notification").count() == 2
