"""Locking the local SeaweedFS's own servers against the machine's other users.

The S3 gateway checks signatures, but `weed mini`'s master, filer and volume servers and
their gRPC ports listen on 127.0.0.1 too, and by default answer any local process: the
filer hands out every S3 identity's keys, `weed shell` creates an admin identity, the
master deletes a whole collection, locked objects included. Each start therefore gets:

- `-disableHttp`: the master's and the filer's HTTP APIs are off (only gRPC remains);
- mutual TLS on every gRPC port (master, volume, filer, S3, admin, worker): a fresh CA,
  and one certificate for the server's components and for our own `weed shell`, written
  to `storage_dir/tls/` (0700, keys 0600) and named by `storage_dir/security.toml`, which
  weed and `weed shell` read from their working directory;
- signed tokens (JWT, fresh random keys) for every read and write on the volume server's
  HTTP port, which stays (the S3 gateway fetches chunks there), so nobody without the key
  reads or deletes a chunk even knowing its id;
- the filer's and the S3 gateway's local Unix sockets inside `storage_dir`, and a umask
  of 077 for weed, so the gRPC sockets it insists on creating in /tmp are its owner's only.

Keys and certificates are regenerated at every start and live only in the private
storage directory. Not covered: root, and a local user who squats one of the /tmp socket
paths before weed starts (mutual TLS refuses them, so at worst the server does not work).
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import secrets
import shutil
from pathlib import Path
from typing import Final

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

SECURITY_FILE_NAME: Final = "security.toml"
TLS_DIR_NAME: Final = "tls"
FILER_SOCKET_NAME: Final = "filer.sock"
S3_SOCKET_NAME: Final = "s3.sock"
# The common name every component's certificate carries; servers accept no other.
COMMON_NAME: Final = "sovex-local-storage"
# Every gRPC service weed mini may run, each requiring our certificate from its clients.
GRPC_COMPONENTS: Final = (
    "master",
    "volume",
    "filer",
    "s3",
    "admin",
    "worker",
    "msg_broker",
    "msg_agent",
    "mq",
)
CERTIFICATE_DAYS: Final = 30  # regenerated at every start anyway
JWT_KEY_BYTES: Final = 32
JWT_EXPIRES_S: Final = 10
_PRIVATE_DIR: Final = 0o700
_PRIVATE_FILE: Final = 0o600


def hardening_options(storage_dir: Path) -> list[str]:
    """The `weed mini` options that close the HTTP APIs and move its sockets inside the
    private storage directory."""
    return [
        "-disableHttp",
        f"-filer.localSocket={storage_dir / FILER_SOCKET_NAME}",
        f"-s3.localSocket={storage_dir / S3_SOCKET_NAME}",
    ]


def write_security_files(storage_dir: Path) -> Path:
    """A fresh CA, certificate and JWT keys, and the security.toml naming them, in
    `storage_dir` (replacing the previous start's). Returns the security.toml path."""
    tls = storage_dir / TLS_DIR_NAME
    if tls.exists():
        shutil.rmtree(tls)
    tls.mkdir(mode=_PRIVATE_DIR)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    key = ec.generate_private_key(ec.SECP256R1())
    ca_certificate, certificate = _certificates(ca_key, key)
    _write_private(tls / "ca.crt", ca_certificate.public_bytes(serialization.Encoding.PEM))
    _write_private(tls / "tls.crt", certificate.public_bytes(serialization.Encoding.PEM))
    _write_private(
        tls / "tls.key",
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )
    security = storage_dir / SECURITY_FILE_NAME
    security.unlink(missing_ok=True)
    _write_private(security, security_toml(tls).encode("utf-8"))
    return security


def security_toml(tls: Path) -> str:
    """weed's security configuration: mutual TLS on every gRPC service, JWT on the
    volume server's reads and writes (fresh keys)."""
    certificate, key = tls / "tls.crt", tls / "tls.key"
    sections = [f'[grpc]\nca = "{tls / "ca.crt"}"\n']
    sections += [
        f'[grpc.{component}]\ncert = "{certificate}"\nkey = "{key}"\n'
        f'allowed_commonNames = "{COMMON_NAME}"\n'
        for component in GRPC_COMPONENTS
    ]
    sections.append(f'[grpc.client]\ncert = "{certificate}"\nkey = "{key}"\n')
    for section in ("jwt.signing", "jwt.signing.read"):
        sections.append(
            f'[{section}]\nkey = "{secrets.token_hex(JWT_KEY_BYTES)}"\n'
            f"expires_after_seconds = {JWT_EXPIRES_S}\n"
        )
    return "\n".join(sections)


def _certificates(
    ca_key: ec.EllipticCurvePrivateKey, key: ec.EllipticCurvePrivateKey
) -> tuple[x509.Certificate, x509.Certificate]:
    now = datetime.datetime.now(datetime.UTC)
    valid_from, valid_to = (
        now - datetime.timedelta(minutes=5),
        now + datetime.timedelta(days=CERTIFICATE_DAYS),
    )
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{COMMON_NAME} CA")])
    ca_certificate = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(valid_from)
        .not_valid_after(valid_to)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, COMMON_NAME)]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(valid_from)
        .not_valid_after(valid_to)
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
            ),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    return ca_certificate, certificate


def _write_private(path: Path, data: bytes) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _PRIVATE_FILE)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
