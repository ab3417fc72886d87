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
    assert "cannot read the file" in problem


def test_list_targets_returns_only_yaml_files_sorted(tmp_path):
    for name in ["b.yaml", "a.yaml", "notes.txt"]:
        (tmp_path / name).write_text("", encoding="utf-8")
    assert [p.name for p in list_targets(tmp_path)] == ["a.yaml", "b.yaml"]
