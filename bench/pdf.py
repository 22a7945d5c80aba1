"""200 convention PDFs through the real pipeline against bare WeasyPrint.

Pipeline = database read → template → WeasyPrint → storage with sha256 and state change
(conventions.services.document_render); bare = WeasyPrint on the same HTML, already rendered.
value = pipeline seconds per document, reference = bare seconds per document (goal ≤ 1.25);
extra: documents per second through the pipeline.
Run: python -m bench.pdf  (BENCH_PDF_COUNT=200 to change the volume)
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from decimal import Decimal

from bench.harness import bench_database, emit, timed


def main() -> None:
    count = int(os.environ.get("BENCH_PDF_COUNT", "200"))
    with bench_database():
        from django.conf import settings

        settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="bench-pdf-")
        from backoffice.core.choices import Nature
        from backoffice.core.pdf import html_to_pdf
        from conventions import services
        from conventions.models import GeneratedDocument
        from tests.factories import AuthorityFactory, OrganisationFactory, staff_user

        authority = AuthorityFactory(administrative_court="Tribunal administratif de Rennes")
        agent = staff_user()
        documents = []
        for index in range(count):
            convention = services.convention_create(
                authority=authority, organisation=OrganisationFactory(),
                object=f"Projet associatif n° {index} : animation, ateliers et chantiers.",
                nature=Nature.OPERATING, start_date=dt.date(2026, 1, 1),
                end_date=dt.date(2028, 12, 31), actor=agent,
                yearly_amounts=[Decimal("30000") + index, Decimal("31000"), Decimal("32000")],
                conditions_of_use="Fonctionnement général.", evaluation_terms="Comité annuel.",
                keep_rule_text="Excédent raisonnable.",
                cofinancing=[{"funder": "Région", "amount": "10000", "status": "obtained"}])
            documents.append(GeneratedDocument.objects.create(
                convention=convention, kind="convention", version=1))
        # Warm-up: fonts and stylesheet are loaded once per process in both paths.
        html_to_pdf(services.document_html(documents[0]))
        htmls = [services.document_html(document) for document in documents]

        # Interleaved, so that load from other processes on the machine hits both alike;
        # timed without tracemalloc (it slows WeasyPrint several times over).
        bare_seconds = pipeline_seconds = 0.0
        for document, html in zip(documents, htmls, strict=True):
            with timed() as bare:
                html_to_pdf(html)
            with timed() as pipeline:
                services.document_render(document_id=document.pk)
            bare_seconds += bare.seconds
            pipeline_seconds += pipeline.seconds
        ready = GeneratedDocument.objects.filter(status="ready").count()
        assert ready == count, ready
        pipeline_per_doc = pipeline_seconds / count
        bare_per_doc = bare_seconds / count
        print(f"# {count} documents: pipeline {pipeline_seconds:.1f} s, bare {bare_seconds:.1f} s")
        emit("pdf", value=pipeline_per_doc, unit="s/document", reference=bare_per_doc,
             documents=count, documents_per_second=round(count / pipeline_seconds, 2))


if __name__ == "__main__":
    main()
