"""Certificates: the signers from settings (PKCS#12 files) and a demo PKI made on the spot.

A deployment provides two PKCS#12 files: the platform's (``ESIGN_PLATFORM_PKCS12`` and
``ESIGN_PLATFORM_PASSPHRASE``), used to sign on behalf of associations' representatives, and
the authority's (``ESIGN_AUTHORITY_PKCS12`` and ``ESIGN_AUTHORITY_PASSPHRASE``). Verification
trusts the CA certificates listed in ``ESIGN_TRUST_ROOTS`` (PEM or DER files). ``seed_demo``
makes a demo CA and both signers under ``MEDIA_ROOT/esign-demo/`` when no file is configured.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@dataclass
class Issued:
    key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate

    def pkcs12(self, passphrase: bytes, chain: list[x509.Certificate], name: str) -> bytes:
        return pkcs12.serialize_key_and_certificates(
            name.encode(), self.key, self.certificate, chain,
            serialization.BestAvailableEncryption(passphrase))

    def pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)


def _name(common_name: str, organisation: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation[:64]),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64])])


def issue(*, common_name: str, organisation: str, issuer: Issued | None = None,
          ca: bool = False, not_before: dt.datetime | None = None,
          days: int = 3 * 365) -> Issued:
    """A certificate signed by ``issuer`` (self-signed when None): a CA, or a signer."""
    key = ec.generate_private_key(ec.SECP256R1())
    start = not_before or (dt.datetime.now(dt.UTC) - dt.timedelta(days=1))
    subject = _name(common_name, organisation)
    builder = (x509.CertificateBuilder()
               .subject_name(subject)
               .issuer_name(issuer.certificate.subject if issuer else subject)
               .public_key(key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(start)
               .not_valid_after(start + dt.timedelta(days=days))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                              critical=False))
    if ca:
        builder = builder.add_extension(x509.KeyUsage(
            digital_signature=False, content_commitment=False, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
            encipher_only=False, decipher_only=False), critical=True)
    else:
        builder = builder.add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=True, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
            encipher_only=False, decipher_only=False), critical=True).add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
    if issuer:
        builder = builder.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
            issuer.key.public_key()), critical=False)
    certificate = builder.sign(issuer.key if issuer else key, hashes.SHA256())
    return Issued(key=key, certificate=certificate)


@dataclass
class DemoPki:
    ca_pem: Path
    platform_p12: Path
    authority_p12: Path
    passphrase: str


def make_demo_pki(folder: Path, *, authority_name: str, passphrase: str = "demo") -> DemoPki:
    """A demo CA, the platform's and the authority's signers, written as files (idempotent:
    existing files are kept)."""
    folder.mkdir(parents=True, exist_ok=True)
    pki = DemoPki(ca_pem=folder / "ca.pem", platform_p12=folder / "plateforme.p12",
                  authority_p12=folder / "collectivite.p12", passphrase=passphrase)
    if pki.ca_pem.exists() and pki.platform_p12.exists() and pki.authority_p12.exists():
        return pki
    ca = issue(common_name="AC de démonstration du Pacte", organisation=authority_name,
               ca=True, days=10 * 365)
    platform = issue(common_name="Plateforme de signature du Pacte",
                     organisation=authority_name, issuer=ca)
    authority = issue(common_name=f"{authority_name} — signataire",
                      organisation=authority_name, issuer=ca)
    pki.ca_pem.write_bytes(ca.pem())
    pki.platform_p12.write_bytes(platform.pkcs12(passphrase.encode(), [ca.certificate],
                                                 "plateforme"))
    pki.authority_p12.write_bytes(authority.pkcs12(passphrase.encode(), [ca.certificate],
                                                   "collectivite"))
    return pki


def _demo_folder() -> Path:
    return Path(settings.MEDIA_ROOT) / "esign-demo"


def _configured(path_setting: str, passphrase_setting: str, demo_file: str):
    path = getattr(settings, path_setting)
    passphrase = getattr(settings, passphrase_setting)
    if not path:
        demo = _demo_folder() / demo_file
        if not demo.exists():
            raise ImproperlyConfigured(
                f"Aucun certificat de signature : renseignez {path_setting} (fichier PKCS#12) "
                f"et {passphrase_setting}, ou lancez seed_demo pour la démonstration.")
        return str(demo), "demo"
    return path, passphrase


def platform_signer():
    from pyhanko.sign import signers

    path, passphrase = _configured("ESIGN_PLATFORM_PKCS12", "ESIGN_PLATFORM_PASSPHRASE",
                                   "plateforme.p12")
    return signers.SimpleSigner.load_pkcs12(pfx_file=path, passphrase=passphrase.encode())


def authority_signer():
    from pyhanko.sign import signers

    path, passphrase = _configured("ESIGN_AUTHORITY_PKCS12", "ESIGN_AUTHORITY_PASSPHRASE",
                                   "collectivite.p12")
    return signers.SimpleSigner.load_pkcs12(pfx_file=path, passphrase=passphrase.encode())


def trust_roots() -> list:
    """The CA certificates verification trusts (asn1crypto objects, as pyHanko wants)."""
    from pyhanko.keys import load_cert_from_pemder

    paths = list(settings.ESIGN_TRUST_ROOTS)
    demo = _demo_folder() / "ca.pem"
    if not paths and demo.exists():
        paths = [str(demo)]
    return [load_cert_from_pemder(path) for path in paths]
