"""Both parties sign a convention in the product (PAdES), with a real PKI made in the test;
every signature validates with pyHanko's validator, tampering and strangers are detected."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from backoffice.core.models import AuditEvent
from conventions.models import ConventionStatus
from esign import pki, services
from esign.models import RequestStatus, SignatureEvidence
from tests.factories import member_of

from .conftest import code_from

pytestmark = pytest.mark.django_db


def _validate_all(data: bytes, ca_pem):
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    context = ValidationContext(trust_roots=[load_cert_from_pemder(str(ca_pem))],
                                allow_fetching=False)
    reader = PdfFileReader(io.BytesIO(data))
    return [(s.field_name, validate_pdf_signature(s, context))
            for s in reader.embedded_signatures]


def _sign_both(document, agent, representative, elected, mailoutbox,
               capture) -> bytes:
    request = services.signature_request_create(document=document, actor=agent)
    with capture(execute=True):
        services.signature_code_send(request=request, user=representative)
    request = services.association_sign(request=request, user=representative,
                                        code=code_from(mailoutbox),
                                        shown_sha256=request.source_sha256, ip="192.0.2.7",
                                        user_agent="Firefox")
    with capture(execute=True):
        request = services.authority_sign(request=request, user=elected,
                                          shown_sha256=request.signed_sha256, ip="192.0.2.8")
    return request


def test_both_sign_and_both_signatures_validate(
        demo_pki, sent_document, agent, representative, elected, mailoutbox,
        django_capture_on_commit_callbacks):
    request = _sign_both(sent_document, agent, representative, elected, mailoutbox,
                         django_capture_on_commit_callbacks)
    assert request.status == RequestStatus.SIGNED
    data = services.current_pdf(request)
    assert services.sha256(data) == request.signed_sha256
    # pyHanko's validator: both intact, valid, trusted by the CA; the first signature is
    # still valid after the second (incremental update) and the last covers the whole file
    results = _validate_all(data, demo_pki.ca_pem)
    assert [name for name, _status in results] == ["Signature_organisation",
                                                   "Signature_collectivite"]
    for _name, status in results:
        assert status.intact and status.valid and status.trusted, status.summary()
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    assert results[0][1].coverage == SignatureCoverageLevel.ENTIRE_REVISION
    assert results[1][1].coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert "Plateforme de signature" in results[0][1].signing_cert.subject.human_friendly
    assert "Ville de Test" in results[1][1].signing_cert.subject.human_friendly
    # the product's own verification agrees
    verdict = services.pdf_verify(data=data)
    assert verdict.ok and len(verdict.signatures) == 2
    # the convention follows the signatures: signed on the day of the last one
    convention = sent_document.convention
    convention.refresh_from_db()
    assert convention.status == ConventionStatus.SIGNED
    assert convention.signed_on == timezone.localdate()
    assert convention.organisation_signatory == "Gaëlle Le Roux"
    assert convention.authority_signatory == "Anne Le Bihan"
    # evidence: who, how identified, when, from where, on which bytes, with which certificate
    association = SignatureEvidence.objects.get(request=request, role="association")
    assert association.code_verified_at and association.ip_address == "192.0.2.7"
    assert association.sha256_before == request.source_sha256
    assert association.user_agent == "Firefox" and len(association.certificate_sha256) == 64
    authority = SignatureEvidence.objects.get(request=request, role="authority")
    assert authority.sha256_before == association.sha256_after
    assert authority.sha256_after == request.signed_sha256


def test_a_byte_changed_after_signing_is_detected(
        demo_pki, sent_document, agent, representative, elected, mailoutbox,
        django_capture_on_commit_callbacks):
    request = _sign_both(sent_document, agent, representative, elected, mailoutbox,
                         django_capture_on_commit_callbacks)
    data = bytearray(services.current_pdf(request))
    position = data.index(b"stream", 200) + 20
    data[position] = (data[position] + 1) % 256
    verdict = services.pdf_verify(data=bytes(data))
    assert not verdict.ok
    assert not all(check.intact for check in verdict.signatures)
    assert verdict.message == "Le document a été modifié après sa signature."


def test_an_update_appended_after_the_last_signature_is_flagged(
        demo_pki, sent_document, agent, representative, elected, mailoutbox,
        django_capture_on_commit_callbacks):
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    request = _sign_both(sent_document, agent, representative, elected, mailoutbox,
                         django_capture_on_commit_callbacks)
    from pyhanko.pdf_utils import generic

    writer = IncrementalPdfFileWriter(io.BytesIO(services.current_pdf(request)))
    writer.root["/Lang"] = generic.TextStringObject("en")
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    verdict = services.pdf_verify(data=out.getvalue())
    assert not verdict.ok
    assert verdict.message == "Le document a été complété après la dernière signature."


def test_a_pdf_signed_by_someone_else_is_flagged(demo_pki, sent_document, tmp_path):
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers

    stranger_ca = pki.issue(common_name="Autre AC", organisation="Ailleurs", ca=True)
    stranger = pki.issue(common_name="Quelqu'un d'autre", organisation="Ailleurs",
                         issuer=stranger_ca)
    path = tmp_path / "stranger.p12"
    path.write_bytes(stranger.pkcs12(b"x", [stranger_ca.certificate], "x"))
    signer = signers.SimpleSigner.load_pkcs12(pfx_file=str(path), passphrase=b"x")
    with sent_document.file.open("rb") as handle:
        writer = IncrementalPdfFileWriter(io.BytesIO(handle.read()))
    signed = signers.sign_pdf(writer, signers.PdfSignatureMetadata(field_name="Sig"),
                              signer=signer).getvalue()
    verdict = services.pdf_verify(data=signed)
    assert not verdict.ok and verdict.signatures[0].intact and not verdict.signatures[0].trusted
    assert verdict.message == "Un certificat de signature n'est pas reconnu."
    # trusted but not the expected signer
    own = services.pdf_verify(data=signed, expected_signers=["Plateforme de signature"])
    assert own.signatures[0].expected is False


def test_wrong_and_expired_codes_sign_nothing_and_are_audited(
        demo_pki, sent_document, agent, representative, mailoutbox,
        django_capture_on_commit_callbacks):
    request = services.signature_request_create(document=sent_document, actor=agent)
    with django_capture_on_commit_callbacks(execute=True):
        services.signature_code_send(request=request, user=representative)
    code = code_from(mailoutbox)
    wrong = "000000" if code != "000000" else "111111"
    with pytest.raises(ValidationError, match="Code incorrect .4 essai"):
        services.association_sign(request=request, user=representative, code=wrong,
                                  shown_sha256=request.source_sha256)
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=11)):
        with pytest.raises(ValidationError, match="Ce code a expiré"):
            services.association_sign(request=request, user=representative, code=code,
                                      shown_sha256=request.source_sha256)
    request.refresh_from_db()
    assert request.status == RequestStatus.ASSOCIATION and not request.signed_file
    assert not SignatureEvidence.objects.exists()
    assert AuditEvent.objects.filter(event="signature_refused").count() == 2


def test_too_many_attempts_need_a_new_code(demo_pki, sent_document, agent, representative,
                                           mailoutbox, django_capture_on_commit_callbacks):
    request = services.signature_request_create(document=sent_document, actor=agent)
    with django_capture_on_commit_callbacks(execute=True):
        services.signature_code_send(request=request, user=representative)
    code = code_from(mailoutbox)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        with pytest.raises(ValidationError):
            services.association_sign(request=request, user=representative, code=wrong,
                                      shown_sha256=request.source_sha256)
    with pytest.raises(ValidationError, match="Trop d'essais"):
        services.association_sign(request=request, user=representative, code=code,
                                  shown_sha256=request.source_sha256)


def test_only_the_legal_representative_signs_for_the_organisation(
        demo_pki, sent_document, agent, organisation, mailoutbox):
    request = services.signature_request_create(document=sent_document, actor=agent)
    treasurer = member_of(organisation, first_name="Paul", last_name="Trésorier")
    with pytest.raises(ValidationError, match="pas le représentant légal"):
        services.signature_code_send(request=request, user=treasurer)
    simple_member = member_of(organisation, role="member", first_name="Gaëlle",
                              last_name="Le Roux")
    with pytest.raises(ValidationError, match="Seul un administrateur"):
        services.association_sign(request=request, user=simple_member, code="123456",
                                  shown_sha256=request.source_sha256)
    assert not mailoutbox and not SignatureEvidence.objects.exists()
    assert AuditEvent.objects.filter(event="signature_refused").count() == 2


def test_a_pdf_changed_between_display_and_signature_is_refused(
        demo_pki, sent_document, agent, representative, mailoutbox,
        django_capture_on_commit_callbacks):
    request = services.signature_request_create(document=sent_document, actor=agent)
    with django_capture_on_commit_callbacks(execute=True):
        services.signature_code_send(request=request, user=representative)
    with pytest.raises(ValidationError, match="a changé depuis son affichage"):
        services.association_sign(request=request, user=representative,
                                  code=code_from(mailoutbox), shown_sha256="0" * 64)
    request.refresh_from_db()
    assert request.status == RequestStatus.ASSOCIATION and not request.signed_file


def test_the_authority_signs_only_after_the_organisation_and_with_the_right_role(
        demo_pki, sent_document, agent, elected):
    request = services.signature_request_create(document=sent_document, actor=agent)
    with pytest.raises(ValidationError, match="Seul le signataire de la collectivité"):
        services.authority_sign(request=request, user=agent, shown_sha256="x")
    with pytest.raises(ValidationError, match="L'organisation doit signer d'abord"):
        services.authority_sign(request=request, user=elected, shown_sha256="x")


def test_only_agents_open_a_signature(demo_pki, sent_document, representative):
    with pytest.raises(PermissionDenied):
        services.signature_request_create(document=sent_document, actor=representative)


def test_a_corrupt_or_unsigned_upload_gets_a_french_answer(demo_pki, sent_document):
    with pytest.raises(ValidationError, match="n'est pas un PDF"):
        services.pdf_verify(data=b"GIF89a....")
    with pytest.raises(ValidationError, match="PDF illisible"):
        services.pdf_verify(data=b"%PDF-1.7\n1 0 obj <<>> garbage")
    with sent_document.file.open("rb") as handle:
        verdict = services.pdf_verify(data=handle.read())
    assert not verdict.ok and "aucune signature" in verdict.message


def test_a_notification_letter_is_signed_by_the_authority_alone(
        demo_pki, organisation, agent, elected, django_capture_on_commit_callbacks):
    from decimal import Decimal

    from conventions import services as convention_services
    from tests.conventions.factories import make_convention

    with django_capture_on_commit_callbacks(execute=True):
        convention = make_convention(organisation=organisation, agent=agent,
                                     amounts=(Decimal("8000"),), end=dt.date(2026, 12, 31))
        convention_services.convention_transition(convention=convention,
                                                  to=ConventionStatus.SENT, actor=agent)
    letter = convention.documents.get(kind="notification")
    request = services.signature_request_create(document=letter, actor=agent)
    assert request.status == RequestStatus.AUTHORITY
    with django_capture_on_commit_callbacks(execute=True):
        request = services.authority_sign(request=request, user=elected,
                                          shown_sha256=request.source_sha256)
    assert request.status == RequestStatus.SIGNED
    verdict = services.pdf_verify(data=services.current_pdf(request))
    assert verdict.ok and [c.field for c in verdict.signatures] == ["Signature_collectivite"]
    convention.refresh_from_db()
    assert convention.status == ConventionStatus.SIGNED


def test_an_amendment_is_signed_electronically_by_both_and_takes_effect(
        demo_pki, organisation, agent, representative, elected, mailoutbox,
        django_capture_on_commit_callbacks):
    from decimal import Decimal

    from conventions import services as convention_services
    from conventions.models import AmendmentStatus
    from tests.conventions.factories import make_convention

    with django_capture_on_commit_callbacks(execute=True):
        convention = make_convention(organisation=organisation, agent=agent, confirmed=True)
        amendment = convention_services.amendment_create(
            convention=convention, actor=agent, reason="Hausse de l'activité",
            new_amounts={2027: "36000"}, decision_reference="DEL-2026-050",
            decision_date=dt.date(2026, 3, 2))
        convention_services.amendment_transition(amendment=amendment, to=AmendmentStatus.SENT,
                                                 actor=agent)
    document = amendment.documents.get(kind="amendment")
    request = _sign_both(document, agent, representative, elected, mailoutbox,
                         django_capture_on_commit_callbacks)
    assert request.status == RequestStatus.SIGNED
    assert services.pdf_verify(data=services.current_pdf(request)).ok
    amendment.refresh_from_db()
    assert amendment.status == AmendmentStatus.SIGNED
    assert convention.years.get(year=2027).planned_amount == Decimal("36000.00")


def test_a_recovery_decision_is_signed_by_the_authority_and_changes_nothing_else(
        demo_pki, organisation, agent, elected, django_capture_on_commit_callbacks):
    from conventions import services as convention_services
    from conventions.models import LineKind
    from tests.conventions.factories import make_convention

    with django_capture_on_commit_callbacks(execute=True):
        convention = make_convention(organisation=organisation, agent=agent, confirmed=True)
        advance = convention.years.get(year=2026).lines.get(kind=LineKind.ADVANCE)
        convention_services.payment_record(line=advance, paid_on=advance.planned_date,
                                           mandate_reference="M1", actor=agent)
        recovery = convention_services.convention_withdraw_for_cer_breach(
            convention=convention, breach_date=dt.date(2026, 3, 1), actor=agent,
            on=dt.date(2026, 3, 20), reason="Propos appelant à la haine lors d'un atelier")
        convention_services.recovery_decide(recovery=recovery, amount=recovery.amount,
                                            reasons="Faits établis", on=dt.date(2026, 4, 20),
                                            actor=agent)
    decision = convention.documents.get(kind="recovery_decision")
    request = services.signature_request_create(document=decision, actor=agent)
    assert request.status == RequestStatus.AUTHORITY
    with django_capture_on_commit_callbacks(execute=True):
        request = services.authority_sign(request=request, user=elected,
                                          shown_sha256=request.source_sha256)
    assert request.status == RequestStatus.SIGNED
    assert services.pdf_verify(data=services.current_pdf(request)).ok
    convention.refresh_from_db()
    assert convention.status == ConventionStatus.TERMINATED


def test_a_signature_request_moves_only_in_the_procedures_order(
        demo_pki, sent_document, agent, representative, elected, mailoutbox,
        django_capture_on_commit_callbacks):
    request = services.signature_request_create(document=sent_document, actor=agent)
    assert request.status == RequestStatus.ASSOCIATION
    with pytest.raises(ValidationError, match="Changement d'état impossible"):
        services.signature_request_transition(request=request, to=RequestStatus.SIGNED)
    request.refresh_from_db()
    assert request.status == RequestStatus.ASSOCIATION and request.completed_at is None
    request = _sign_both(sent_document, agent, representative, elected, mailoutbox,
                         django_capture_on_commit_callbacks)
    assert request.status == RequestStatus.SIGNED and request.completed_at is not None
    with pytest.raises(ValidationError, match="Changement d'état impossible"):
        services.signature_request_transition(request=request, to=RequestStatus.AUTHORITY)
