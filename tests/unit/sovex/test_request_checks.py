"""`sovex request validate` checks what the run would refuse, without reading a row."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from sovex.model.errors import InvalidInput
from sovex.model.settings import PROJECT_ROOT, Settings, settings_from_environ
from sovex.request_checks import check_request
from sovex.synth.population import generate_population
from tests.helpers import register_project

EXAMPLE = PROJECT_ROOT / "examples" / "requests" / "diabetes-t2.yaml"


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("source")
    generate_population(folder, patients=30)
    return folder


@pytest.fixture
def settings(tmp_path: Path, source: Path) -> Settings:
    settings = settings_from_environ(
        {"SOVEX_STATE_DIR": str(tmp_path / "state"), "SOVEX_SOURCE_DIR": str(source)}
    )
    # The example's project, with its requester on it.
    register_project(settings, "parcours-diabete", "claire.moreau@chu-exemple.fr")
    return settings


def write(tmp_path: Path, **changes: Any) -> Path:
    request = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    request.update(changes)
    path = tmp_path / "request.yaml"
    path.write_text(yaml.safe_dump(request), encoding="utf-8")
    return path


def problems(settings: Settings, path: Path) -> list[str]:
    with pytest.raises(InvalidInput) as raised:
        check_request(settings, path)
    return raised.value.problems


def test_the_example_request_passes(settings: Settings) -> None:
    assert check_request(settings, EXAMPLE).id == "diabetes-t2-2026"


def test_a_project_the_requester_is_not_a_member_of_is_listed_as_a_problem(
    settings: Settings, tmp_path: Path
) -> None:
    (problem,) = problems(settings, write(tmp_path, project="projet-inconnu"))
    assert "field 'project'" in problem and "'projet-inconnu' is not registered" in problem
    register_project(settings, "projet-inconnu")
    (problem,) = problems(settings, write(tmp_path, project="projet-inconnu"))
    assert "claire.moreau@chu-exemple.fr is not a member of project 'projet-inconnu'" in problem


def test_a_purpose_without_a_consent_regime_is_refused(settings: Settings, tmp_path: Path) -> None:
    (problem,) = problems(settings, write(tmp_path, purpose="marketing"))
    assert "field 'purpose'" in problem and "has no consent regime" in problem


def test_a_target_the_policy_refuses_is_refused(settings: Settings, tmp_path: Path) -> None:
    (problem,) = problems(settings, write(tmp_path, target="aws-eu-west-3-paris"))
    assert "field 'target': the hosting policy refuses 'aws-eu-west-3-paris'" in problem
    assert "CLOUD Act" in problem


@pytest.mark.parametrize(
    ("column", "op", "values", "says"),
    [
        ("diagnosis_date", "gte", ["2020-01-01"], "is a date: write dates as YYYY-MM-DD"),
        ("diagnosis_date", "between", [20200101, 20201231], "is a date"),
        ("icd10_code", "eq", [250], "is text: quote every value"),
        ("icd10_code", "starts_with", [25], "is text: quote every value"),
        ("diagnosis_date", "starts_with", ["2020"], "starts_with applies to text columns"),
    ],
)
def test_filter_values_must_have_the_columns_type(
    settings: Settings, tmp_path: Path, column: str, op: str, values: list[Any], says: str
) -> None:
    cohort = [{"table": "diagnoses", "column": column, "op": op, "values": values}]
    (problem,) = problems(settings, write(tmp_path, cohort=cohort))
    assert "field 'cohort.0.values'" in problem and says in problem


def test_a_source_without_the_catalogued_tables_is_named(
    settings: Settings, tmp_path: Path
) -> None:
    from dataclasses import replace

    empty = replace(settings, source_dir=tmp_path / "nothing-here")
    found = problems(empty, EXAMPLE)
    assert found and all("field 'source'" in p and "run `sovex synth` first" in p for p in found)


def test_every_problem_is_listed_at_once(settings: Settings, tmp_path: Path) -> None:
    cohort = [{"table": "diagnoses", "column": "icd10_code", "op": "eq", "values": [250]}]
    path = write(tmp_path, purpose="marketing", target="aws-us-east-1", cohort=cohort)
    assert len(problems(settings, path)) == 3


def test_a_target_whose_credentials_do_not_resolve_is_refused(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil
    from dataclasses import replace

    infra = tmp_path / "infra"
    shutil.copytree(PROJECT_ROOT / "infra", infra)
    with_targets = replace(settings, infra_dir=infra)
    monkeypatch.delenv("OVH_S3_ACCESS_KEY", raising=False)
    monkeypatch.delenv("OVH_S3_SECRET_KEY", raising=False)
    (problem,) = problems(with_targets, write(tmp_path, target="ovhcloud-gra"))
    assert "field 'target'" in problem and "is not set" in problem
    monkeypatch.setenv("OVH_S3_ACCESS_KEY", "an-access-key")
    monkeypatch.setenv("OVH_S3_SECRET_KEY", "a-secret-key-never-shown")
    assert check_request(with_targets, write(tmp_path, target="ovhcloud-gra")).target == (
        "ovhcloud-gra"
    )
