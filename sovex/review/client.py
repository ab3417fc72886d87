"""The CLI's side of the review server: log in with the person's password (from their own
0600 file, never printed) for a token, then ask the server to act (submit a request,
decide on one, change a project), so the audit log's actor is the logged-in person
(`actor_auth: authenticated`)."""

from __future__ import annotations

import json
import os
import stat
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from sovex.model.errors import EXIT_INTERNAL, ConfigurationError, InvalidInput, ReportedError
from sovex.model.settings import Settings
from sovex.project_changes import ProjectChange

TOKEN_PATH = "/auth/token"
API_PREFIX = "/sovex/api/requests"
PROJECTS_PREFIX = "/sovex/api/projects"
TIMEOUT_S = 60.0
MAX_PASSWORD_BYTES = 1024
# Group or others may not read, write or run a password file.
FORBIDDEN_MODE_BITS = 0o077


@dataclass(frozen=True)
class ServerLogin:
    api_url: str
    user: str
    token: str = field(repr=False)


@dataclass(frozen=True)
class RemoteStatus:
    value: Mapping[str, Any]

    def to_json(self) -> dict[str, Any]:
        return dict(self.value)


@dataclass(frozen=True)
class RemoteOutcome:
    """What the server did, shaped like `Outcome` for the CLI's printing."""

    message: str
    status: RemoteStatus


def read_password(path: Path) -> str:
    """The password in `path`, which must be a regular file of this user that nobody else
    may read (0600): otherwise refused, and nothing of it is shown."""
    try:
        info = path.lstat()
    except FileNotFoundError:
        raise ConfigurationError(
            f"SOVEX_PASSWORD_FILE: {path} does not exist; ask the steward who manages "
            "accounts (`sovex users sync` writes new passwords into the state folder)"
        ) from None
    if not stat.S_ISREG(info.st_mode):
        raise ConfigurationError(f"SOVEX_PASSWORD_FILE: {path} is not a regular file")
    if info.st_uid != os.getuid():
        raise ConfigurationError(f"SOVEX_PASSWORD_FILE: {path} belongs to another user")
    if info.st_mode & FORBIDDEN_MODE_BITS:
        raise ConfigurationError(
            f"SOVEX_PASSWORD_FILE: {path} is readable by others (mode "
            f"{stat.S_IMODE(info.st_mode):o}); make it private: chmod 600 {path}"
        )
    if info.st_size > MAX_PASSWORD_BYTES:
        raise ConfigurationError(f"SOVEX_PASSWORD_FILE: {path} is too large for a password")
    password = path.read_text(encoding="utf-8").strip()
    if not password:
        raise ConfigurationError(f"SOVEX_PASSWORD_FILE: {path} is empty")
    return password


def _check_url(api_url: str) -> str:
    parts = urlsplit(api_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(
            f"SOVEX_API_URL: {api_url!r} is not an http(s) URL of the review server"
        )
    if parts.scheme == "http" and parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        # A password never travels in clear text beyond this machine.
        raise ConfigurationError(
            f"SOVEX_API_URL: {api_url!r}: plain http only on loopback; use https"
        )
    return api_url.rstrip("/")


def _post(url: str, body: Mapping[str, Any], token: str | None = None) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        try:
            payload = json.loads(error.read() or b"null")
        except ValueError:
            payload = None
        return error.code, payload
    except (urllib.error.URLError, OSError) as error:
        raise ConfigurationError(
            f"the review server {url.split('/', 3)[:3][-1]} does not answer ({error}); "
            "is it running (`sovex airflow-ui`)? unset SOVEX_API_URL for the local demo"
        ) from None


def server_login(settings: Settings) -> ServerLogin | None:
    """A token for the person when a server is configured; None for the local demo."""
    if not settings.api_url:
        return None
    api_url = _check_url(settings.api_url)
    if settings.password_file is None or settings.user in ("", "unknown"):
        raise ConfigurationError(
            "SOVEX_API_URL is set: also set SOVEX_USER (your login) and SOVEX_PASSWORD_FILE "
            "(your 0600 password file)"
        )
    password = read_password(settings.password_file)
    code, payload = _post(api_url + TOKEN_PATH, {"username": settings.user, "password": password})
    if code not in (200, 201) or not isinstance(payload, dict) or "access_token" not in payload:
        raise ConfigurationError(
            f"the review server refused the login of {settings.user} (HTTP {code}): check "
            "SOVEX_USER and the password file"
        )
    return ServerLogin(api_url, settings.user, str(payload["access_token"]))


def _call(login: ServerLogin, path: str, body: Mapping[str, Any], what: str) -> dict[str, Any]:
    """POST `body` to the server as the person; a refusal is raised with the server's
    message and exit code, as the local store would have raised it."""
    code, payload = _post(f"{login.api_url}{path}", body, login.token)
    if code == 200 and isinstance(payload, dict) and "error" not in payload:
        return payload
    if isinstance(payload, dict) and "error" in payload:
        raise ReportedError(
            str(payload.get("kind", "RemoteError")),
            str(payload["error"]),
            int(payload.get("exit_code", EXIT_INTERNAL)),
        )
    raise ConfigurationError(f"the review server answered HTTP {code} to {what}")


def _json_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    return {
        name: list(value) if isinstance(value, tuple) else value for name, value in fields.items()
    }


def _outcome(payload: Mapping[str, Any], what: str) -> RemoteOutcome:
    if "message" not in payload:
        raise ConfigurationError(f"the review server's answer to {what} has no message")
    return RemoteOutcome(str(payload["message"]), RemoteStatus(payload.get("status") or {}))


def act_through_server(
    login: ServerLogin, action: str, request_id: str, fields: Mapping[str, Any]
) -> RemoteOutcome:
    path = f"{API_PREFIX}/{quote(request_id, safe='')}/{quote(action, safe='')}"
    what = f"{action} {request_id}"
    return _outcome(_call(login, path, _json_fields(fields), what), what)


def submit_through_server(login: ServerLogin, request_file: Path) -> RemoteOutcome:
    """Send the request file's content (read here, at most MAX_REVIEWED_FILE_BYTES) to be
    kept, checked and submitted on the server as the logged-in person."""
    from sovex.model.reviewed_yaml import read_reviewed_file

    try:
        content = read_reviewed_file(request_file)
    except FileNotFoundError:
        raise InvalidInput(f"{request_file}: no such request file") from None
    except OSError as error:
        raise InvalidInput(
            f"{request_file}: cannot read the request file: {error.strerror}"
        ) from None
    except UnicodeDecodeError:
        raise InvalidInput(f"{request_file}: not UTF-8 text") from None
    body = {"file_name": request_file.name, "content": content}
    what = f"submit {request_file.name}"
    return _outcome(_call(login, API_PREFIX, body, what), what)


def change_project_through_server(
    login: ServerLogin, action: str, name: str, fields: Mapping[str, Any]
) -> ProjectChange:
    path = f"{PROJECTS_PREFIX}/{quote(name, safe='')}/{quote(action, safe='')}"
    payload = _call(login, path, _json_fields(fields), f"project {action} {name}")
    lines = payload.get("lines")
    if not isinstance(lines, list):
        raise ConfigurationError(f"the review server's answer to project {action} has no lines")
    return ProjectChange(tuple(str(line) for line in lines), payload.get("result"))
