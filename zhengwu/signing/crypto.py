"""Key and certificate primitives (pure: no database, no Django models).

The built-in CA issues ECDSA P-256 certificates: key generation takes well under a millisecond,
signatures are small, and every PAdES validator (Adobe, poppler/NSS, pyHanko) accepts them.
SM2 (GB/T 32918) is not used because PDF validators outside China do not support it; see
docs/modules/signing.md.
"""

import datetime as dt
import hashlib
import os
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.conf import settings

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey

ROOT_VALIDITY_DAYS = 20 * 365
UNIT_VALIDITY_DAYS = 3 * 365
# Backdating absorbs clock skew between this server and a validator's machine.
BACKDATE = dt.timedelta(minutes=10)
_KEK_INFO = b"zhengwu.signing.private-key-encryption.v1"
_ENVELOPE_VERSION = b"\x01"


class KeyDecryptionError(Exception):
    """The stored key cannot be decrypted: the key-encryption secret changed or data is damaged."""


# --- Key encryption at rest ------------------------------------------------------------------


def _key_encryption_key() -> bytes:
    """AES-256 key derived (HKDF-SHA256) from ZHENGWU_SIGNING_KEY, else from SECRET_KEY."""
    secret = getattr(settings, "ZHENGWU_SIGNING_KEY", "") or settings.SECRET_KEY
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_KEK_INFO).derive(
        secret.encode("utf-8")
    )


def key_encryption_id() -> str:
    """A short fingerprint of the current key-encryption key, stored beside each encrypted key
    so that a changed secret is reported as such rather than as damaged data."""
    return hashlib.sha256(b"kek-id" + _key_encryption_key()).hexdigest()[:16]


def encrypt_private_key(key: PrivateKey) -> bytes:
    """PKCS#8 DER sealed with AES-256-GCM: version byte, 12-byte nonce, ciphertext + tag."""
    der = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    nonce = os.urandom(12)
    sealed = AESGCM(_key_encryption_key()).encrypt(nonce, der, _ENVELOPE_VERSION)
    return _ENVELOPE_VERSION + nonce + sealed


def decrypt_private_key(blob: bytes) -> PrivateKey:
    blob = bytes(blob)
    if len(blob) < 30 or blob[:1] != _ENVELOPE_VERSION:
        raise KeyDecryptionError("unknown key envelope")
    try:
        der = AESGCM(_key_encryption_key()).decrypt(blob[1:13], blob[13:], _ENVELOPE_VERSION)
    except Exception as exc:  # InvalidTag: wrong secret or altered bytes
        raise KeyDecryptionError("the key cannot be decrypted") from exc
    key = serialization.load_der_private_key(der, password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise KeyDecryptionError("unsupported key type")
    return key


# --- Certificates ----------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitSubject:
    """Who a unit certificate names. The 统一社会信用代码 goes into the X.520 serialNumber
    attribute (OID 2.5.4.5), as Chinese CAs commonly do for organisation certificates."""

    name: str
    credit_code: str = ""
    locality: str = ""

    def x509_name(self) -> x509.Name:
        attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, "CN")]
        if self.locality:
            attrs.append(x509.NameAttribute(NameOID.LOCALITY_NAME, self.locality))
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, self.name))
        attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, self.name))
        if self.credit_code:
            attrs.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, self.credit_code))
        return x509.Name(attrs)


def new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _key_usage(*, signer: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=signer, content_commitment=signer, key_encipherment=False,
        data_encipherment=False, key_agreement=False, key_cert_sign=not signer,
        crl_sign=not signer, encipher_only=False, decipher_only=False,
    )  # fmt: skip


def build_root(
    *, common_name: str, organisation: str, now: dt.datetime
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = new_key()
    name = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])  # fmt: skip
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + dt.timedelta(days=ROOT_VALIDITY_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(signer=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert, key


def build_unit_certificate(
    *, subject: UnitSubject, issuer_cert: x509.Certificate, issuer_key: PrivateKey,
    now: dt.datetime, days: int = UNIT_VALIDITY_DAYS,
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:  # fmt: skip
    key = new_key()
    not_after = min(now + dt.timedelta(days=days), issuer_cert.not_valid_after_utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject.x509_name())
        .issuer_name(issuer_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(signer=True), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(issuer_key, hashes.SHA256())
    )
    return cert, key


def cert_pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def load_pem(pem: str | bytes) -> x509.Certificate:
    data = pem.encode("ascii") if isinstance(pem, str) else pem
    return x509.load_pem_x509_certificate(data)


def load_certificates(data: bytes) -> list[x509.Certificate]:
    """Every certificate in a PEM bundle, or the single certificate of a DER file."""
    if b"-----BEGIN" in data:
        return x509.load_pem_x509_certificates(data)
    return [x509.load_der_x509_certificate(data)]


def fingerprint(cert: x509.Certificate) -> str:
    return cert.fingerprint(hashes.SHA256()).hex()


def subject_attribute(name: x509.Name, oid: x509.ObjectIdentifier) -> str:
    values = name.get_attributes_for_oid(oid)
    return str(values[0].value) if values else ""


def load_pkcs12(
    data: bytes, password: str
) -> tuple[PrivateKey, x509.Certificate, list[x509.Certificate]]:
    """Key, certificate and the other (CA) certificates of a PKCS#12 file.

    Raises ``ValueError`` for a wrong password or a damaged file (cryptography does not tell
    them apart), ``TypeError`` for a key type the platform cannot sign with.
    """
    key, cert, others = pkcs12.load_key_and_certificates(data, password.encode("utf-8") or None)
    if key is None or cert is None:
        raise ValueError("no key or certificate in the file")
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise TypeError("unsupported key type")
    return key, cert, list(others)


def key_matches(cert: x509.Certificate, key: PrivateKey) -> bool:
    spki = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    return cert.public_key().public_bytes(*spki) == key.public_key().public_bytes(*spki)


def is_signing_capable(cert: x509.Certificate) -> bool:
    """Digital signature and non-repudiation are both required: pyHanko's validator and PAdES
    signers of legal documents expect the non-repudiation (contentCommitment) bit."""
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return True  # no restriction stated
    return usage.digital_signature and usage.content_commitment
