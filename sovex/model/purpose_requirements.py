"""Hosting requirements per research purpose (`infra/hosting/purpose-requirements.yaml`).

The deployment sets `require_hds` and `allow_eea_adequacy` for every run (`Settings`); the
steward may tighten them for a purpose (HDS for public-health data, no adequacy country for
genetics). A purpose can only tighten: `require_hds: true`, `allow_eea_adequacy: false`;
anything else is refused, so a file can never switch a deployment's safeguard off. No file
means no per-purpose requirement. `second_approval: true` is not a hosting parameter: a
request for the purpose needs two stewards' approvals (`sovex.governance.review_rules`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sovex.model.errors import InvalidInput
from sovex.model.reviewed_yaml import load_reviewed_yaml

REQUIREMENTS_FILE = Path("hosting") / "purpose-requirements.yaml"  # under the infra folder
# The value each requirement may take: the one that tightens the deployment's.
TIGHTENING = {"require_hds": True, "allow_eea_adequacy": False, "second_approval": True}
# The requirements that are hosting-policy parameters; `second_approval` is the review's:
# a request for the purpose needs two stewards' approvals of the same content (issue 20).
POLICY_PARAMS = ("require_hds", "allow_eea_adequacy")
SECOND_APPROVAL = "second_approval"


def requirements_file(infra_dir: Path) -> Path:
    return infra_dir / REQUIREMENTS_FILE


def load_purpose_requirements(path: Path) -> dict[str, dict[str, bool]]:
    """Purpose → the requirements it sets; every problem is listed (InvalidInput)."""
    if not path.exists():
        return {}
    raw: Any = load_reviewed_yaml(path, "purpose requirements")
    if (
        not isinstance(raw, dict)
        or set(raw) != {"purposes"}
        or not isinstance(raw["purposes"], dict)
    ):
        raise InvalidInput(
            f"{path}: must hold one field 'purposes', mapping each to its requirements"
        )
    problems = []
    requirements: dict[str, dict[str, bool]] = {}
    for purpose, settings in raw["purposes"].items():
        field = f"purposes.{purpose}"
        if not isinstance(settings, dict):
            problems.append(f"{path}: field '{field}': must map requirements to values")
            continue
        for name, value in settings.items():
            if name not in TIGHTENING:
                problems.append(
                    f"{path}: field '{field}.{name}': unknown requirement; known: "
                    + ", ".join(TIGHTENING)
                )
            elif value is not TIGHTENING[name]:
                problems.append(
                    f"{path}: field '{field}.{name}': a purpose can only tighten the "
                    f"deployment's requirements: the only value is {TIGHTENING[name]!r}"
                )
        requirements[str(purpose)] = {k: v for k, v in settings.items() if k in TIGHTENING}
    if problems:
        raise InvalidInput(problems)
    return requirements


def policy_params_for(
    deployment: dict[str, bool], infra_dir: Path, purpose: str | None
) -> dict[str, bool]:
    """The deployment's policy parameters, tightened by the purpose's requirements."""
    params = dict(deployment)
    if purpose is None:
        return params
    for name, value in (
        load_purpose_requirements(requirements_file(infra_dir)).get(purpose, {}).items()
    ):
        if name in POLICY_PARAMS:
            params[name] = value
    return params


def second_approval_required(infra_dir: Path, purpose: str) -> bool:
    """Whether a request for `purpose` needs a second steward's approval."""
    requirements = load_purpose_requirements(requirements_file(infra_dir)).get(purpose, {})
    return bool(requirements.get(SECOND_APPROVAL, False))
