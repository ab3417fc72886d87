from __future__ import annotations

from pathlib import Path

import pytest

from sovex.model.errors import ConfigurationError, InvalidInput
from sovex.model.settings import PROJECT_ROOT
from sovex.synth.population import PURPOSES
from transforms.consent_regimes import Regime, UnknownPurpose, load_regimes, regimes_file

SHIPPED = regimes_file(PROJECT_ROOT / "infra")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "regimes.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_file_declares_a_regime_for_every_synthetic_purpose() -> None:
    regimes = load_regimes(SHIPPED)
    assert {purpose: regimes.regime_for(purpose) for purpose in PURPOSES} == {
        "chronic-disease-research": Regime.OPT_OUT,
        "cancer-research": Regime.OPT_IN,
        "public-health-surveillance": Regime.OPT_OUT,
    }


def test_every_shipped_regime_has_a_comment_saying_why() -> None:
    lines = SHIPPED.read_text(encoding="utf-8").splitlines()
    entries = [
        i for i, line in enumerate(lines) if line.startswith("  ") and line.strip()[0] != "#"
    ]
    assert len(entries) == len(PURPOSES)
    assert all(lines[i - 1].strip().startswith("# ") for i in entries)


def test_an_unknown_purpose_is_refused_naming_the_file_and_the_purpose(tmp_path: Path) -> None:
    regimes = load_regimes(write(tmp_path, "regimes:\n  cancer-research: opt_in\n"))
    with pytest.raises(UnknownPurpose) as raised:
        regimes.regime_for("genomics")
    assert isinstance(raised.value, ConfigurationError)
    assert str(tmp_path / "regimes.yaml") in str(raised.value)
    assert "'genomics'" in str(raised.value)


def test_an_invalid_regime_names_the_file_the_field_and_the_allowed_values(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, "regimes:\n  cancer-research: opt-in\n  genomics: [opt_in]\n")
    with pytest.raises(InvalidInput) as raised:
        load_regimes(path)
    assert raised.value.problems == [
        f"{path}: field 'regimes.cancer-research': 'opt-in' is not a regime "
        "(one of opt_in, opt_out)",
        f"{path}: field 'regimes.genomics': ['opt_in'] is not a regime (one of opt_in, opt_out)",
    ]


@pytest.mark.parametrize("text", ["", "purposes: {}\n", "regimes: []\n", "regimes: {}\n", "{"])
def test_a_file_without_a_regimes_mapping_is_refused(tmp_path: Path, text: str) -> None:
    with pytest.raises(InvalidInput, match="regimes"):
        load_regimes(write(tmp_path, text))
