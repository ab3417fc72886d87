"""Per-project, read-only access to published extracts.

Each project gets its own S3 identity, allowed to list `extracts/<project>/` of the
extracts bucket and to read inside each of its *published* extracts (those whose manifest
is written), and nothing else: no other project's prefix, no staging area, no write, no
delete, and no part of an extract still being uploaded or left by a failed publish. The
grant is re-applied after every publication and every retention sweep. Locally that is a
SeaweedFS identity with prefix-scoped actions; for any other S3 store, `bucket_policy`
expresses the grant as a standard bucket policy (for the operator to re-apply likewise).

The secret key lives only in `<state dir>/credentials/<project>.json` (mode 0600), the
file the steward hands to the project's researchers. It is never written to an extract,
a manifest, a log or the audit trail (the audit records the access key id only).
"""

from __future__ import annotations

import json
import os
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from sovex.governance.checks import check_extract_id
from sovex.model.errors import ConfigurationError, InvalidInput
from sovex.model.settings import Settings
from sovex.model.small_files import read_small_file
from sovex.services.readiness import deadline_in, wait_until
from sovex.services.storage_server import LocalStorage, add_identity, remove_identity
from transforms.publish import EXTRACTS_ROOT, manifest_keys

IDENTITY_PREFIX = "project-"
ACCESS_KEY_BYTES = 10
SECRET_KEY_BYTES = 20
CREDENTIALS_FILE_MODE = 0o600
CREDENTIALS_DIR_MODE = 0o700
PROJECT_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
# One IAM user or role (no wildcard): the only principal a project's grant may name.
PRINCIPAL_ARN = re.compile(r"arn:[a-z0-9-]+:iam::[0-9]{12}:(user|role)/[A-Za-z0-9+=,.@_/-]{1,128}")
CREDENTIALS_FORMAT = "sovex-project-credentials/1"


@dataclass(frozen=True)
class ProjectCredentials:
    project: str
    access_key: str
    secret_key: str = field(repr=False)


def identity_name(project: str) -> str:
    return IDENTITY_PREFIX + check_project(project)


def check_project(project: str) -> str:
    if not PROJECT_NAME.fullmatch(project):
        raise InvalidInput(
            f"project {project!r}: must be lower-case letters, digits and hyphens (max 63)"
        )
    return project


def project_prefix(project: str) -> str:
    return f"{EXTRACTS_ROOT}/{check_project(project)}/"


def seaweedfs_actions(bucket: str, project: str, extract_ids: Sequence[str]) -> list[str]:
    """SeaweedFS identity actions: list under the project's prefix, read inside its
    published extracts only."""
    prefix = project_prefix(project)
    reads = [f"Read:{bucket}/{prefix}{check_extract_id(e)}/*" for e in sorted(extract_ids)]
    return [f"List:{bucket}/{prefix}*", *reads]


def published_extract_ids(s3: Any, bucket: str, project: str) -> list[str]:
    """The project's extracts whose manifest is written (the publication's commit point)."""
    return [key.split("/")[2] for key in manifest_keys(s3, bucket, check_project(project))]


def bucket_policy(
    bucket: str, project: str, principal_arn: str, extract_ids: Sequence[str]
) -> dict[str, Any]:
    """The same grant as an S3 bucket policy, for stores other than the local one: list
    keys under the project's prefix, read objects of its published extracts, and refuse
    plain HTTP."""
    prefix = project_prefix(project)
    if not PRINCIPAL_ARN.fullmatch(principal_arn):
        # "*" (or anything but one identity) would make the extracts public.
        raise InvalidInput(
            f"principal {principal_arn!r}: must be the ARN of the project's own identity "
            "(arn:<partition>:iam::<account>:user/NAME or role/NAME), never a wildcard"
        )
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": f"ReadExtracts-{project}",
                "Effect": "Allow",
                "Principal": {"AWS": [principal_arn]},
                "Action": ["s3:GetObject", "s3:GetObjectVersion"],
                "Resource": [
                    f"arn:aws:s3:::{bucket}/{prefix}{check_extract_id(extract_id)}/*"
                    for extract_id in sorted(extract_ids)
                ],
            },
            {
                "Sid": f"ListExtracts-{project}",
                "Effect": "Allow",
                "Principal": {"AWS": [principal_arn]},
                "Action": ["s3:ListBucket"],
                "Resource": [f"arn:aws:s3:::{bucket}"],
                "Condition": {"StringLike": {"s3:prefix": [f"{prefix}*"]}},
            },
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
        ],
    }


def credentials_path(settings: Settings, project: str) -> Path:
    return settings.credentials_dir / f"{check_project(project)}.json"


# A credentials file holds four short strings.
MAX_CREDENTIALS_FILE_BYTES = 16 << 10


def read_credentials(path: Path, project: str | None = None) -> ProjectCredentials:
    """Credentials from a file written by `grant_access` (errors name the file and field)."""
    try:
        raw = json.loads(read_small_file(path, MAX_CREDENTIALS_FILE_BYTES, "credentials file"))
    except FileNotFoundError:
        raise InvalidInput(
            f"{path}: no credentials file; the data steward grants access with "
            "`sovex access grant PROJECT`"
        ) from None
    except OSError as error:
        raise InvalidInput(f"{path}: cannot read the credentials file ({error.strerror})") from None
    except (ValueError, RecursionError):
        raise InvalidInput(f"{path}: not a JSON credentials file") from None
    problems = [
        name
        for name in ("format", "project", "access_key", "secret_key")
        if not isinstance(raw, dict) or not isinstance(raw.get(name), str)
    ]
    if problems:
        raise InvalidInput(f"{path}: field(s) {', '.join(problems)} missing or not text")
    if raw["format"] != CREDENTIALS_FORMAT:
        raise InvalidInput(f"{path}: field 'format' must be {CREDENTIALS_FORMAT!r}")
    if project is not None and raw["project"] != project:
        raise InvalidInput(f"{path}: field 'project' is not {project!r}")
    return ProjectCredentials(raw["project"], raw["access_key"], raw["secret_key"])


def _write_credentials(path: Path, credentials: ProjectCredentials) -> None:
    path.parent.mkdir(mode=CREDENTIALS_DIR_MODE, parents=True, exist_ok=True)
    body = json.dumps(
        {
            "format": CREDENTIALS_FORMAT,
            "project": credentials.project,
            "access_key": credentials.access_key,
            "secret_key": credentials.secret_key,
        },
        indent=2,
    )
    partial = path.with_name(path.name + ".partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, CREDENTIALS_FILE_MODE)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(body + "\n")
    partial.replace(path)


def grant_access(settings: Settings, project: str, bucket: str) -> ProjectCredentials:
    """Create (or re-apply) the project's read-only identity on the local store, reading
    the extracts published now. Idempotent: an existing credentials file keeps its keys."""
    path = credentials_path(settings, project)
    if path.exists():
        credentials = read_credentials(path, project)
    else:
        credentials = ProjectCredentials(
            project,
            secrets.token_hex(ACCESS_KEY_BYTES).upper(),
            secrets.token_hex(SECRET_KEY_BYTES),
        )
    storage = LocalStorage(settings.storage_dir)
    published = published_extract_ids(storage.endpoint().s3_client(), bucket, project)
    if path.exists():
        # Actions are only ever added by `s3.configure`: start again from none, so an
        # extract deleted by the retention sweep is no longer readable.
        remove_identity(storage, identity_name(project))
    add_identity(
        storage,
        identity_name(project),
        credentials.access_key,
        credentials.secret_key,
        seaweedfs_actions(bucket, project, published),
    )
    wait_until_active(storage, credentials, bucket, identity_name(project))
    if not path.exists():
        _write_credentials(path, credentials)
    return credentials


ACTIVATION_TIMEOUT_S = 15.0
ACTIVATION_POLL_S = 0.2


def wait_until_active(
    storage: LocalStorage, credentials: ProjectCredentials, bucket: str, identity: str
) -> None:
    """The gateway learns new identities from the filer asynchronously: wait until the
    new key lists its own prefix, so the credentials handed out work straight away."""
    client = replace(
        storage.endpoint(),
        access_key=credentials.access_key,
        secret_key=credentials.secret_key,
    ).s3_client(max_attempts=1)

    def refused(code: str) -> ConfigurationError:
        return ConfigurationError(
            f"local storage: identity {identity!r} was not accepted by the S3 gateway ({code})"
        )

    def accepted() -> str | None:
        try:
            client.list_objects_v2(Bucket=bucket, Prefix=project_prefix(credentials.project))
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code", ""))
            if code not in ("InvalidAccessKeyId", "AccessDenied"):
                raise refused(code) from None
            return code  # not yet known to the gateway: wait
        return None

    code = wait_until(accepted, deadline_in(ACTIVATION_TIMEOUT_S), ACTIVATION_POLL_S)
    if code is not None:
        raise refused(code)


def revoke_access(settings: Settings, project: str) -> bool:
    """Remove the project's identity and its credentials file. True if a file existed."""
    path = credentials_path(settings, project)
    remove_identity(LocalStorage(settings.storage_dir), identity_name(project))
    existed = path.exists()
    path.unlink(missing_ok=True)
    return existed


def require_local_storage_credentials(source: str, target_name: str) -> None:
    if source != "local-storage":
        raise ConfigurationError(
            f"hosting target {target_name!r}: project identities are managed here only for "
            "the local storage; for other stores apply `sovex access policy` to the bucket"
        )
