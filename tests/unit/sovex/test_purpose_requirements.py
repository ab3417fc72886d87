"""A purpose's hosting requirements tighten the deployment's, never loosen them."""

from __future__ import annotations

from pathlib import Path

import pytest

from sovex.model.errors import InvalidInput
from sovex.model.purpose_requirements import (
    REQUIREMENTS_FILE,
    load_purpose_requirements,
    policy_params_for,
)
from sovex.model.settings import PROJECT_ROOT

LOOSE = {"require_hds": False, "allow_eea_adequacy": True}


def infra_with(tmp_path: Path, text: str) -> Path:
    path = tmp_path / REQUIREMENTS_FILE
    path.parent.mkdir(parents=True)
    path.write_text(text)
    return tmp_path


def test_a_purpose_tightens_the_deployment(tmp_path: Path) -> None:
    infra = infra_with(
        tmp_path, "purposes:\n  genetics: {require_hds: true, allow_eea_adequacy: false}\n"
    )
    assert policy_params_for(LOOSE, infra, "genetics") == {
        "require_hds": True,
        "allow_eea_adequacy": False,
    }
    assert policy_params_for(LOOSE, infra, "other") == LOOSE
    assert policy_params_for(LOOSE, infra, None) == LOOSE


def test_without_a_file_the_deployment_applies(tmp_path: Path) -> None:
    assert policy_params_for(LOOSE, tmp_path, "genetics") == LOOSE


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("purposes:\n  p: {require_hds: false}\n", "can only tighten"),
        ("purposes:\n  p: {allow_eea_adequacy: true}\n", "can only tighten"),
        ("purposes:\n  p: {require_secnumcloud: true}\n", "unknown requirement"),
        ("purposes:\n  p: yes-please\n", "must map requirements"),
        ("regimes: {}\n", "one field 'purposes'"),
    ],
)
def test_a_file_that_would_loosen_or_is_malformed_is_refused(
    tmp_path: Path, text: str, says: str
) -> None:
    with pytest.raises(InvalidInput, match=says):
        load_purpose_requirements(infra_with(tmp_path, text) / REQUIREMENTS_FILE)


def test_the_shipped_file_is_valid() -> None:
    requirements = load_purpose_requirements(PROJECT_ROOT / "infra" / REQUIREMENTS_FILE)
    assert requirements["public-health-surveillance"]["require_hds"] is True
