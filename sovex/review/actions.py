"""The review's decisions, one function for the web form, the JSON API and the CLI's local
path: approve (with comment and conditions), reject, withdraw, expire; and a submission
sent to the server (`submit_content`)."""

from __future__ import annotations

import os
import re
import shutil
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from sovex.governance.errors import TransitionRefused, UnknownRequest
from sovex.governance.status import Outcome
from sovex.governance.store import RequestStore
from sovex.model.errors import InvalidInput, UserError
from sovex.model.reviewed_yaml import MAX_REVIEWED_FILE_BYTES
from sovex.model.settings import Settings
from sovex.roles import PermissionRefused

ACTIONS = ("approve", "reject", "withdraw", "expire")
# What HTTP status each refusal is (the exit code travels in the JSON body).
HTTP_STATUS_FOR = (
    (PermissionRefused, 403),
    (UnknownRequest, 404),
    (TransitionRefused, 409),
    (InvalidInput, 400),
    (UserError, 400),
)


def http_status(error: UserError) -> int:
    return next(code for kind, code in HTTP_STATUS_FOR if isinstance(error, kind))


def conditions_of(value: object) -> tuple[str, ...]:
    """Conditions from a form's textarea (one a line) or a JSON list."""
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(line for line in value.splitlines() if line.strip())
    if isinstance(value, Sequence) and all(isinstance(item, str) for item in value):
        return tuple(value)
    raise InvalidInput("field 'conditions': a list of texts")


def text_of(fields: Mapping[str, Any], name: str) -> str | None:
    value = fields.get(name)
    if value is None or isinstance(value, str):
        return value
    raise InvalidInput(f"field {name!r}: text")


def perform(
    store: RequestStore,
    action: str,
    request_id: str,
    actor: str,
    at: datetime,
    fields: Mapping[str, Any],
) -> Outcome:
    """Do `action` as `actor`; refusals are the store's (PermissionRefused, …)."""
    comment = text_of(fields, "comment")
    if action == "approve":
        return store.approve(
            request_id, actor, at, comment, conditions_of(fields.get("conditions"))
        )
    if action == "reject":
        return store.reject(request_id, actor, at, text_of(fields, "reason") or comment or "")
    if action == "withdraw":
        return store.withdraw(request_id, actor, at, text_of(fields, "reason") or comment)
    if action == "expire":
        return store.expire(request_id, actor, at, text_of(fields, "reason") or comment)
    raise InvalidInput(f"unknown action {action!r}; known: {', '.join(ACTIONS)}")


# Request files sent to the server are kept in its state: a run re-reads and re-hashes
# the file its request was submitted from, so the file must live where the runs are.
RECEIVED_DIR = "received-requests"
RECEIVED_FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}\.ya?ml")
DIR_MODE = 0o700
FILE_MODE = 0o600


def received_requests_dir(settings: Settings) -> Path:
    return settings.state_dir / RECEIVED_DIR


def submit_content(
    settings: Settings,
    store: RequestStore,
    actor: str,
    at: datetime,
    fields: Mapping[str, Any],
) -> Outcome:
    """Submit a request file's content sent by the CLI (`file_name`, `content`) as `actor`:
    kept in a folder of its own in the server's state (0700/0600), checked as `request
    validate` checks it, then submitted. A refused file leaves nothing behind, and
    messages name the sender's file, not the server's folder."""
    from sovex.request_checks import check_request

    file_name, content = text_of(fields, "file_name"), text_of(fields, "content")
    if not file_name or not RECEIVED_FILE_NAME.fullmatch(file_name):
        raise InvalidInput(
            "field 'file_name': the request file's own name (letters, digits, '.', '_', "
            "'-'; ending in .yaml or .yml)"
        )
    if content is None or len(content.encode("utf-8")) > MAX_REVIEWED_FILE_BYTES:
        raise InvalidInput(
            f"{file_name}: the content is required and at most {MAX_REVIEWED_FILE_BYTES} bytes"
        )
    root = received_requests_dir(settings)
    folder = root / uuid.uuid4().hex
    for directory in (root, folder):
        directory.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        os.chmod(directory, DIR_MODE)
    path = folder / file_name
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(content)
        check_request(settings, path)
        outcome = store.submit(path, actor, at)
    except UserError as error:
        shutil.rmtree(folder, ignore_errors=True)
        raise _named_as_sent(error, str(path.resolve()), str(path), file_name) from None
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    if not outcome.changed:  # the same content was already submitted: keep the first file
        shutil.rmtree(folder, ignore_errors=True)
    return outcome


def _named_as_sent(error: UserError, *server_paths_and_name: str) -> UserError:
    """The same error (its kind decides the HTTP status), its message naming the sender's
    file instead of the server's path of it."""
    *server_paths, file_name = server_paths_and_name
    message = str(error)
    for server_path in server_paths:
        message = message.replace(server_path, file_name)
    error.args = (message,)
    return error
