from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

import pytest

from sovex.model.errors import ConfigurationError
from sovex.model.settings import PROJECT_ROOT, Settings, settings_from_environ
from sovex.model.target import HostingTarget, load_target
from sovex.target_credentials import (
    MAX_CREDENTIALS_FILE_BYTES,
    TargetCredentials,
    resolve_target_credentials,
)

ACCESS = "OVHACCESSKEY0123456789"
SECRET = "s3cr3t/Value+With=Symbols0123456789abcd"
PEM = b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    infra = tmp_path / "infra"
    (infra / "targets").mkdir(parents=True)
    base = settings_from_environ({"SOVEX_STATE_DIR": str(tmp_path / "state")})
    return replace(base, infra_dir=infra)


def target(settings: Settings, credentials: str, extra: str = "", name: str = "t") -> HostingTarget:
    path = settings.targets_dir / f"{name}.yaml"
    path.write_text(
        f"name: {name}\nprovider: ovhcloud\nregion: gra\ncountry: FR\n"
        f"endpoint: https://s3.gra.io.cloud.ovh.net\nbucket: sovex-extracts\n"
        f"credentials: {credentials}\n{extra}",
        encoding="utf-8",
    )
    return load_target(path)


ENV_REF = "{source: env, access_key_var: OVH_S3_ACCESS_KEY, secret_key_var: OVH_S3_SECRET_KEY}"


def refusal(settings: Settings, hosting: HostingTarget, environ: dict[str, str]) -> str:
    with pytest.raises(ConfigurationError) as raised:
        resolve_target_credentials(settings, hosting, environ)
    message = str(raised.value)
    assert SECRET not in message and ACCESS not in message
    return message


# -- environment variables ----------------------------------------------------------------


def test_env_credentials_are_read_from_the_variables_the_target_names(settings):
    hosting = target(settings, ENV_REF)
    found = resolve_target_credentials(
        settings, hosting, {"OVH_S3_ACCESS_KEY": ACCESS, "OVH_S3_SECRET_KEY": SECRET}
    )
    assert found == TargetCredentials(ACCESS, SECRET, "env", None)
    assert SECRET not in repr(found) and ACCESS not in repr(found)


def test_a_missing_variable_is_named_with_the_target_and_field_never_the_secret(settings):
    hosting = target(settings, ENV_REF, name="ovhcloud-gra")
    message = refusal(settings, hosting, {"OVH_S3_SECRET_KEY": SECRET})
    assert message.startswith(
        "target ovhcloud-gra: credentials.access_key_var: environment variable "
        "OVH_S3_ACCESS_KEY is not set"
    )
    assert str(settings.targets_dir / "ovhcloud-gra.yaml") in message


@pytest.mark.parametrize(
    "value, rule", [("", "is empty"), (SECRET + "\n", "spaces or line breaks")]
)
def test_an_empty_or_padded_secret_is_refused_without_showing_it(settings, value, rule):
    hosting = target(settings, ENV_REF)
    message = refusal(settings, hosting, {"OVH_S3_ACCESS_KEY": ACCESS, "OVH_S3_SECRET_KEY": value})
    assert "credentials.secret_key_var: environment variable OVH_S3_SECRET_KEY" in message
    assert rule in message


def test_the_local_storage_target_has_nothing_to_resolve(settings):
    local = load_target(PROJECT_ROOT / "infra" / "targets" / "local-seaweedfs.yaml")
    assert resolve_target_credentials(settings, local, {}) is None


# -- an owner-only file -------------------------------------------------------------------


def credentials_file(path: Path, text: str, mode: int = 0o600) -> Path:
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return path


def file_target(settings: Settings, path: Path) -> HostingTarget:
    return target(settings, f"{{source: file, path: {path}}}")


def test_a_0600_file_of_the_user_gives_its_keys(settings, tmp_path):
    path = credentials_file(
        tmp_path / "s3.credentials",
        f"# OVH Gravelines, sovex-extracts\naccess_key = {ACCESS}\n\nsecret_key={SECRET}\n",
    )
    found = resolve_target_credentials(settings, file_target(settings, path), {})
    assert (found.access_key, found.secret_key, found.source) == (ACCESS, SECRET, "file")


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o620])
def test_a_file_others_or_the_group_may_open_is_refused_like_ssh_does(settings, tmp_path, mode):
    path = credentials_file(
        tmp_path / "s3.credentials", f"access_key = {ACCESS}\nsecret_key = {SECRET}\n", mode
    )
    message = refusal(settings, file_target(settings, path), {})
    assert f"credentials.path: {path} has mode {mode:04o}" in message
    assert "chmod 600" in message


def test_a_file_owned_by_another_user_is_refused(settings, tmp_path, monkeypatch):
    path = credentials_file(
        tmp_path / "s3.credentials", f"access_key = {ACCESS}\nsecret_key = {SECRET}\n"
    )
    owner = path.stat().st_uid
    monkeypatch.setattr(os, "geteuid", lambda: owner + 1)
    message = refusal(settings, file_target(settings, path), {})
    assert f"is owned by uid {owner}, not by the user running sovex" in message


def test_only_a_regular_file_is_read(settings, tmp_path):
    fifo = tmp_path / "s3.fifo"
    os.mkfifo(fifo, 0o600)
    assert "is not a regular file" in refusal(settings, file_target(settings, fifo), {})
    directory = tmp_path / "dir"
    directory.mkdir(mode=0o700)
    assert "is not a regular file" in refusal(settings, file_target(settings, directory), {})


def test_a_file_larger_than_a_credentials_file_is_refused(settings, tmp_path):
    path = credentials_file(
        tmp_path / "big", f"access_key = {ACCESS}\n" + "#" * MAX_CREDENTIALS_FILE_BYTES + "\n"
    )
    assert f"larger than {MAX_CREDENTIALS_FILE_BYTES} bytes" in refusal(
        settings, file_target(settings, path), {}
    )


def test_a_line_that_is_not_a_key_is_refused_without_being_shown(settings, tmp_path):
    path = credentials_file(tmp_path / "s3.credentials", f"access_key = {ACCESS}\n{SECRET}\n")
    message = refusal(settings, file_target(settings, path), {})
    assert "line 2: expected 'access_key = …' or 'secret_key = …' (line not shown)" in message


def test_a_file_without_the_secret_key_names_what_is_missing(settings, tmp_path):
    path = credentials_file(tmp_path / "s3.credentials", f"access_key = {ACCESS}\n")
    assert f"secret_key in {path} is not set" in refusal(settings, file_target(settings, path), {})


def test_a_missing_file_is_named(settings, tmp_path):
    path = tmp_path / "absent.credentials"
    assert f"cannot open {path}" in refusal(settings, file_target(settings, path), {})


# -- an Airflow connection ----------------------------------------------------------------


def connection_target(settings: Settings, conn_id: str) -> HostingTarget:
    return target(settings, f"{{source: airflow-connection, conn_id: {conn_id}}}")


def test_an_airflow_connection_is_resolved_through_airflows_secrets(settings, monkeypatch):
    # AIRFLOW_CONN_<ID> is Airflow's environment secrets backend, as a deployment sets it.
    monkeypatch.setenv(
        "AIRFLOW_CONN_SOVEX_OVH_GRA",
        json.dumps({"conn_type": "aws", "login": ACCESS, "password": SECRET}),
    )
    found = resolve_target_credentials(settings, connection_target(settings, "sovex_ovh_gra"))
    assert (found.access_key, found.secret_key, found.source) == (
        ACCESS,
        SECRET,
        "airflow-connection",
    )


def test_an_undefined_airflow_connection_is_named(settings, monkeypatch):
    monkeypatch.delenv("AIRFLOW_CONN_SOVEX_NOWHERE", raising=False)
    message = refusal(settings, connection_target(settings, "sovex_nowhere"), {})
    assert "credentials.conn_id: Airflow connection 'sovex_nowhere' is not defined" in message
    assert "AIRFLOW_CONN_SOVEX_NOWHERE" in message


def test_an_airflow_connection_without_a_password_is_refused(settings, monkeypatch):
    monkeypatch.setenv(
        "AIRFLOW_CONN_SOVEX_NO_PASSWORD", json.dumps({"conn_type": "aws", "login": ACCESS})
    )
    message = refusal(settings, connection_target(settings, "sovex_no_password"), {})
    assert "Airflow connection 'sovex_no_password' password (the secret key) is not set" in message


# -- the CA bundle ------------------------------------------------------------------------


def test_a_ca_bundle_must_hold_a_pem_certificate(settings, tmp_path):
    environ = {"OVH_S3_ACCESS_KEY": ACCESS, "OVH_S3_SECRET_KEY": SECRET}
    bundle = tmp_path / "ca.pem"
    bundle.write_bytes(PEM)
    found = resolve_target_credentials(
        settings, target(settings, ENV_REF, f"ca_bundle: {bundle}\n"), environ
    )
    assert found is not None and found.ca_bundle == bundle
    bundle.write_text("not a certificate\n")
    message = refusal(settings, target(settings, ENV_REF, f"ca_bundle: {bundle}\n"), environ)
    assert f"ca_bundle: {bundle} holds no PEM certificate" in message
    missing = tmp_path / "absent.pem"
    message = refusal(settings, target(settings, ENV_REF, f"ca_bundle: {missing}\n"), environ)
    assert f"ca_bundle: cannot read {missing}" in message
