"""The CLI's side of the review server: the password file must be private, the server URL
plain http on loopback only, and nothing of a refused password is shown."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest

from sovex.model.errors import ConfigurationError, InvalidInput
from sovex.model.settings import settings_from_environ
from sovex.review.client import ServerLogin, read_password, server_login, submit_through_server

SECRET = "correct-horse-battery"


def password_file(tmp_path: Path, mode: int) -> Path:
    path = tmp_path / "password"
    path.write_text(SECRET + "\n")
    os.chmod(path, mode)
    return path


def test_a_private_password_file_is_read(tmp_path: Path) -> None:
    assert read_password(password_file(tmp_path, 0o600)) == SECRET


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_a_password_file_others_can_read_is_refused_without_showing_it(
    tmp_path: Path, mode: int
) -> None:
    with pytest.raises(ConfigurationError, match="readable by others") as refused:
        read_password(password_file(tmp_path, mode))
    assert SECRET not in str(refused.value)


def test_without_a_server_the_cli_acts_locally(tmp_path: Path) -> None:
    settings = settings_from_environ({"SOVEX_STATE_DIR": str(tmp_path)})
    assert server_login(settings) is None


@pytest.mark.parametrize(
    "url", ["http://review.example.org", "ftp://127.0.0.1", "not a url", "http://10.0.0.5:8081"]
)
def test_a_password_never_travels_in_clear_beyond_this_machine(tmp_path: Path, url: str) -> None:
    settings = replace(
        settings_from_environ({"SOVEX_STATE_DIR": str(tmp_path)}),
        api_url=url,
        user="paul.bernard@chu-exemple.fr",
        password_file=password_file(tmp_path, 0o600),
    )
    with pytest.raises(ConfigurationError, match="SOVEX_API_URL"):
        server_login(settings)


def test_a_server_without_user_or_password_file_is_a_clear_error(tmp_path: Path) -> None:
    settings = replace(
        settings_from_environ({"SOVEX_STATE_DIR": str(tmp_path)}), api_url="http://127.0.0.1:1"
    )
    with pytest.raises(ConfigurationError, match="SOVEX_PASSWORD_FILE"):
        server_login(settings)


def test_a_missing_request_file_is_named_before_anything_is_sent(tmp_path: Path) -> None:
    login = ServerLogin("http://127.0.0.1:1", "claire.moreau@chu-exemple.fr", "token")
    with pytest.raises(InvalidInput, match="no such request file"):
        submit_through_server(login, tmp_path / "missing.yaml")


def test_a_request_file_that_is_not_a_regular_file_is_refused(tmp_path: Path) -> None:
    login = ServerLogin("http://127.0.0.1:1", "claire.moreau@chu-exemple.fr", "token")
    with pytest.raises(InvalidInput, match="not a regular file"):
        submit_through_server(login, tmp_path)
