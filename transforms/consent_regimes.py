"""Which consent regime applies to each research purpose: declared by the data steward.

`infra/consent/regimes.yaml` maps each purpose code (system urn:sovex:purpose) to
`opt_in` or `opt_out`; `transforms.consent_registry.apply_regime` executes them. A purpose
the file does not name has no regime, and asking for it is an error, never a default.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from sovex.model.errors import ConfigurationError, InvalidInput
from sovex.model.reviewed_yaml import load_reviewed_yaml

REGIMES_FILE = Path("consent") / "regimes.yaml"  # relative to the infra folder


class Regime(StrEnum):
    OPT_IN = "opt_in"  # only an active permit covering the purpose and the date counts
    OPT_OUT = "opt_out"  # everyone counts unless a deny (opposition, withdrawal) covers it


class UnknownPurpose(ConfigurationError):
    """The regimes file names no regime for a purpose: nothing may be extracted for it."""


@dataclass(frozen=True)
class ConsentRegimes:
    path: Path
    regimes: Mapping[str, Regime]

    def regime_for(self, purpose: str) -> Regime:
        try:
            return self.regimes[purpose]
        except KeyError:
            raise UnknownPurpose(
                f"{self.path}: purpose {purpose!r} has no consent regime (known: "
                f"{', '.join(sorted(self.regimes))}); the data steward must add it to "
                "'regimes' before anything is extracted for it"
            ) from None


def regimes_file(infra_dir: Path) -> Path:
    return infra_dir / REGIMES_FILE


def load_regimes(path: Path) -> ConsentRegimes:
    """Read and check the regimes file; every problem is listed at once (InvalidInput)."""
    raw = load_reviewed_yaml(path, "consent regimes")
    if not isinstance(raw, dict) or not isinstance(raw.get("regimes"), dict):
        raise InvalidInput(f"{path}: field 'regimes' must map each purpose to its regime")
    allowed = ", ".join(regime.value for regime in Regime)
    problems = []
    regimes = {}
    for purpose, value in raw["regimes"].items():
        try:
            regimes[str(purpose)] = Regime(value)
        except (ValueError, TypeError):  # TypeError: a list or mapping instead of a word
            problems.append(
                f"{path}: field 'regimes.{purpose}': {value!r} is not a regime (one of {allowed})"
            )
    if not regimes and not problems:
        problems.append(f"{path}: field 'regimes' is empty: name at least one purpose")
    if problems:
        raise InvalidInput(problems)
    return ConsentRegimes(path=path, regimes=regimes)
