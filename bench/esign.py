"""Time to sign one convention electronically, both parties, against rendering its PDF.

value = seconds for the association's signature (code check, PAdES signature, evidence) plus
the authority's countersignature and the convention's move to "signed"; reference = seconds to
render the same convention's PDF with WeasyPrint. Median of 5 conventions.

    python -m bench.esign
"""

from __future__ import annotations

import statistics
import tempfile
from pathlib import Path

from bench.harness import bench_database, emit, timed

RUNS = 5


def main() -> None:
    with bench_database():
        import re

        from django.conf import settings
        from django.core import mail
        from django.test.utils import override_settings

        from backoffice.core.roles import Role
        from conventions import services as convention_services
        from conventions.models import GeneratedDocument
        from esign import pki, services
        from tests.conventions.factories import make_convention
        from tests.factories import AuthorityFactory, OrganisationFactory, member_of, staff_user

        made = pki.make_demo_pki(Path(tempfile.mkdtemp()) / "pki", authority_name="Bench")
        settings.ESIGN_PLATFORM_PKCS12, settings.ESIGN_AUTHORITY_PKCS12 = (
            str(made.platform_p12), str(made.authority_p12))
        settings.ESIGN_PLATFORM_PASSPHRASE = settings.ESIGN_AUTHORITY_PASSPHRASE = "demo"
        settings.ESIGN_TRUST_ROOTS = [str(made.ca_pem)]
        agent, elected = staff_user(), staff_user(Role.DECISION_MAKER)
        signing, rendering = [], []
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
                               CELERY_TASK_ALWAYS_EAGER=True):
            for number in range(RUNS):
                organisation = OrganisationFactory(legal_representative_name="Gaëlle Le Roux")
                rep = member_of(organisation, first_name="Gaëlle", last_name="Le Roux")
                convention = make_convention(authority=AuthorityFactory(), agent=agent,
                                             organisation=organisation)
                convention_services.convention_transition(convention=convention, to="sent",
                                                          actor=agent)
                document = convention.documents.get(kind="convention")
                again = GeneratedDocument.objects.create(convention=convention,
                                                         kind="convention", version=90 + number)
                with timed() as render:
                    convention_services.document_render(document_id=again.pk)
                document.refresh_from_db()
                if document.status != "ready":
                    convention_services.document_render(document_id=document.pk)
                    document.refresh_from_db()
                request = services.signature_request_create(document=document, actor=agent)
                mail.outbox = []
                services.signature_code_send(request=request, user=rep)
                code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
                with timed() as sign:
                    request = services.association_sign(request=request, user=rep, code=code,
                                                        shown_sha256=request.source_sha256)
                    services.authority_sign(request=request, user=elected,
                                            shown_sha256=request.signed_sha256)
                signing.append(sign.seconds)
                rendering.append(render.seconds)
        emit("esign_one_convention", value=statistics.median(signing), unit="s",
             reference=statistics.median(rendering), runs=RUNS)


if __name__ == "__main__":
    main()
