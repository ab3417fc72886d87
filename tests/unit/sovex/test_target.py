from __future__ import annotations

from pathlib import Path

import pytest

from sovex.model.errors import InvalidInput
from sovex.model.settings import PROJECT_ROOT
from sovex.model.target import HostingTarget, list_targets, load_target

TARGETS_DIR = PROJECT_ROOT / "infra" / "targets"

VALID = """\
name: {name}
provider: ovhcloud
region: gra
country: FR
endpoint: https://s3.gra.io.cloud.ovh.net
bucket: sovex-extracts
credentials: {{source: env, access_key_var: OVH_S3_ACCESS_KEY, secret_key_var: OVH_S3_SECRET_KEY}}
"""


def write(tmp_path: Path, text: str, name: str = "t") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(InvalidInput) as caught:
        load_target(path)
    return caught.value.problems


def test_every_bundled_target_file_loads():
    paths = list_targets(TARGETS_DIR)
    assert {p.stem for p in paths} >= {
        "local-seaweedfs",
        "ovhcloud-gra",
        "scaleway-par",
        "aws-eu-west-3-paris",
        "aws-us-east-1",
        "azure-francecentral",
        "ovhcloud-mismatch",
        "gcp-europe-west9",
        "ovhcloud-us-east-va",
        "infomaniak-ch",
        "self-hosted-oslo",
        "ovhcloud-gra-plain-http",
        "acme-cloud-fr",
    }
    for path in paths:
        assert load_target(path).name == path.stem


def test_only_the_reviewed_eu_targets_are_marked_in_use():
    in_use = {p.stem for p in list_targets(TARGETS_DIR) if load_target(p).in_use}
    assert in_use == {"local-seaweedfs", "ovhcloud-gra", "scaleway-par"}


def test_a_target_is_not_in_use_unless_it_says_so(tmp_path):
    assert load_target(write(tmp_path, VALID.format(name="t"))).in_use is False
    text = VALID.format(name="t") + "in_use: true\n"
    assert load_target(write(tmp_path, text)).in_use is True


@pytest.mark.parametrize("value", ['"yes"', "1", '"true"'])
def test_in_use_must_be_a_real_boolean(tmp_path, value):
    [problem] = problems_of(write(tmp_path, VALID.format(name="t") + f"in_use: {value}\n"))
    assert "field 'in_use'" in problem


def test_local_storage_credentials_only_open_the_local_endpoint(tmp_path):
    # The policy decides on the declared endpoint; the credentials must open that one.
    text = VALID.format(name="t").replace(
        "{source: env, access_key_var: OVH_S3_ACCESS_KEY, secret_key_var: OVH_S3_SECRET_KEY}",
        "{source: local-storage}",
    )
    [problem] = problems_of(write(tmp_path, text))
    assert "field 'credentials': source 'local-storage' goes with endpoint 'local' only" in problem


def test_the_local_endpoint_needs_the_local_storage_credentials(tmp_path):
    text = (
        VALID.format(name="t")
        .replace("provider: ovhcloud", "provider: self-hosted")
        .replace("https://s3.gra.io.cloud.ovh.net", "local")
    )
    [problem] = problems_of(write(tmp_path, text))
    assert "field 'credentials'" in problem


def test_local_target_points_at_the_local_server_with_a_local_credentials_reference():
    target = load_target(TARGETS_DIR / "local-seaweedfs.yaml")
    assert (target.provider, target.country, target.endpoint) == ("self-hosted", "FR", "local")
    assert target.credentials.source == "local-storage"


def test_a_valid_file_gives_a_frozen_target(tmp_path):
    target = load_target(write(tmp_path, VALID.format(name="t")))
    assert isinstance(target, HostingTarget)
    with pytest.raises(ValueError):
        target.country = "US"  # type: ignore[misc]


def test_when_the_file_is_malformed_then_every_problem_is_listed_with_file_and_field(tmp_path):
    path = write(
        tmp_path,
        "name: t\nprovider: OVH Cloud\ncountry: France\nendpoint: ftp://x\n"
        "bucket: B\ncolour: blue\ncredentials: {source: vault}\n",
    )
    problems = problems_of(path)
    assert all(p.startswith(f"{path}: field '") for p in problems)
    fields = {p.split("field '")[1].split("'")[0] for p in problems}
    assert fields == {
        "provider",
        "region",
        "country",
        "endpoint",
        "bucket",
        "colour",
        "credentials.source",
    }
    assert (
        f"{path}: field 'country': must be an ISO 3166-1 alpha-2 code such as FR, got 'France'"
        in problems
    )


@pytest.mark.parametrize("country, hint", [("EL", "GR"), ("UK", "GB")])
def test_eu_abbreviations_are_refused_with_the_iso_code_to_use(tmp_path, country, hint):
    text = VALID.format(name="t").replace("country: FR", f"country: {country}")
    [problem] = problems_of(write(tmp_path, text))
    assert f"use {hint}" in problem


def test_norway_is_read_as_the_country_code_not_as_false(tmp_path):
    text = VALID.format(name="t").replace("country: FR", "country: NO")
    assert load_target(write(tmp_path, text)).country == "NO"


@pytest.mark.parametrize("key", ["access_key", "secret_key", "password"])
def test_a_secret_looking_credentials_field_is_rejected_without_echoing_it(tmp_path, key):
    text = VALID.format(name="t").replace(
        "secret_key_var: OVH_S3_SECRET_KEY}", f"secret_key_var: OVH_S3_SECRET_KEY, {key}: hunter2}}"
    )
    [problem] = problems_of(write(tmp_path, text))
    assert f"field 'credentials.{key}': looks like a secret value" in problem
    assert "hunter2" not in problem


def test_an_access_key_pasted_as_a_variable_name_is_rejected_without_echoing_it(tmp_path):
    text = VALID.format(name="t").replace("OVH_S3_ACCESS_KEY", "AKIAIOSFODNN7EXAMPLE")
    [problem] = problems_of(write(tmp_path, text))
    assert "credentials.access_key_var" in problem
    assert "AKIAIOSFODNN7EXAMPLE" not in problem


def test_env_credentials_need_both_variable_names(tmp_path):
    text = VALID.format(name="t").replace(", secret_key_var: OVH_S3_SECRET_KEY", "")
    [problem] = problems_of(write(tmp_path, text))
    assert "field 'credentials.secret_key_var': required when source is 'env'" in problem


def test_credentials_embedded_in_the_endpoint_url_are_rejected_without_echoing_them(tmp_path):
    text = VALID.format(name="t").replace("https://", "https://user:hunter2@")
    [problem] = problems_of(write(tmp_path, text))
    assert "field 'endpoint': must not embed credentials" in problem
    assert "hunter2" not in problem


def test_the_local_endpoint_is_only_allowed_for_self_hosted_storage(tmp_path):
    text = VALID.format(name="t").replace("https://s3.gra.io.cloud.ovh.net", "local")
    [problem] = problems_of(write(tmp_path, text))
    assert "field 'endpoint': 'local'" in problem
    assert "self-hosted" in problem


def test_the_name_must_match_the_file_name(tmp_path):
    [problem] = problems_of(write(tmp_path, VALID.format(name="other"), name="t"))
    assert "field 'name': must match the file name 't'" in problem


@pytest.mark.parametrize(
    "text, expected",
    [
        ("name: [unclosed\n", "not valid YAML"),
        ("- a\n- b\n", "must be a mapping"),
        ("name: t\nname: u\n", "duplicate key 'name'"),
    ],
)
def test_unreadable_or_non_mapping_yaml_is_invalid_input(tmp_path, text, expected):
    path = write(tmp_path, text)
    [problem] = problems_of(path)
    assert problem.startswith(f"{path}: ")
    assert expected in problem


def test_a_missing_file_is_invalid_input(tmp_path):
    [problem] = problems_of(tmp_path / "absent.yaml")
    assert "cannot read the hosting target file: No such file or directory" in problem


def test_list_targets_returns_only_yaml_files_sorted(tmp_path):
    for name in ["b.yaml", "a.yaml", "notes.txt"]:
        (tmp_path / name).write_text("", encoding="utf-8")
    assert [p.name for p in list_targets(tmp_path)] == ["a.yaml", "b.yaml"]


# -- credentials sources, CA bundle, addressing, downgrades (issue 18) --------------------

OVH_ENV = "{source: env, access_key_var: OVH_S3_ACCESS_KEY, secret_key_var: OVH_S3_SECRET_KEY}"


def with_credentials(reference: str, extra: str = "") -> str:
    return VALID.format(name="t").replace(OVH_ENV, reference) + extra


def test_a_file_source_names_an_absolute_path(tmp_path):
    target = load_target(write(tmp_path, with_credentials("{source: file, path: /etc/s3.creds}")))
    assert (target.credentials.source, target.credentials.path) == ("file", "/etc/s3.creds")
    [problem] = problems_of(write(tmp_path, with_credentials("{source: file, path: s3.creds}")))
    assert "field 'credentials.path': must be an absolute path" in problem
    [problem] = problems_of(write(tmp_path, with_credentials("{source: file}")))
    assert "field 'credentials.path': required when source is 'file'" in problem


def test_an_airflow_connection_source_names_a_connection_id(tmp_path):
    text = with_credentials("{source: airflow-connection, conn_id: ovh_gra_s3}")
    assert load_target(write(tmp_path, text)).credentials.conn_id == "ovh_gra_s3"
    [problem] = problems_of(write(tmp_path, with_credentials("{source: airflow-connection}")))
    assert "field 'credentials.conn_id': required when source is 'airflow-connection'" in problem
    bad = with_credentials("{source: airflow-connection, conn_id: 'a b/c'}")
    [problem] = problems_of(write(tmp_path, bad))
    assert "field 'credentials.conn_id': must be an Airflow connection id" in problem
    assert "a b/c" not in problem


def test_a_reference_of_another_source_is_refused(tmp_path):
    text = with_credentials("{source: file, path: /etc/s3.creds, access_key_var: OVH_KEY}")
    [problem] = problems_of(write(tmp_path, text))
    assert "field 'credentials.access_key_var': only allowed when source is 'env'" in problem


def test_a_ca_bundle_is_an_absolute_path_for_an_https_endpoint(tmp_path):
    target = load_target(write(tmp_path, with_credentials(OVH_ENV, "ca_bundle: /etc/ca.pem\n")))
    assert target.ca_bundle == "/etc/ca.pem"
    [problem] = problems_of(write(tmp_path, with_credentials(OVH_ENV, "ca_bundle: ca.pem\n")))
    assert "field 'ca_bundle': must be an absolute path" in problem


@pytest.mark.parametrize("style", ["path", "virtual"])
def test_the_addressing_style_is_path_or_virtual(tmp_path, style):
    text = with_credentials(OVH_ENV, f"addressing_style: {style}\n")
    assert load_target(write(tmp_path, text)).addressing_style == style
    [problem] = problems_of(write(tmp_path, with_credentials(OVH_ENV, "addressing_style: dns\n")))
    assert "field 'addressing_style'" in problem


def test_an_object_lock_downgrade_needs_a_reason_a_reviewer_can_read(tmp_path):
    reason = "archive bucket created before object lock was available here"
    text = with_credentials(
        OVH_ENV, f"downgrades: [{{capability: object_lock, reason: '{reason}'}}]\n"
    )
    target = load_target(write(tmp_path, text))
    downgrade = target.downgraded("object_lock")
    assert downgrade is not None and downgrade.reason == reason
    short = with_credentials(OVH_ENV, "downgrades: [{capability: object_lock, reason: cost}]\n")
    [problem] = problems_of(write(tmp_path, short))
    assert "field 'downgrades.0.reason': must say why" in problem


def test_only_object_lock_may_be_downgraded(tmp_path):
    text = with_credentials(
        OVH_ENV, "downgrades: [{capability: sse_s3, reason: 'the store cannot encrypt at rest'}]\n"
    )
    [problem] = problems_of(write(tmp_path, text))
    assert "field 'downgrades.0.capability'" in problem
    assert load_target(write(tmp_path, VALID.format(name="t"))).downgrades == ()
