"""The source models `sovex synth` and `sovex demo` can write: each a generator and the
example request the demo runs on it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sovex.model.errors import InvalidInput

Generator = Callable[..., dict[str, int]]
MODELS = ("synthetic", "omop")
# The bundled example request the demo runs on each model (under examples/).
DEMO_REQUESTS = {
    "synthetic": "requests/diabetes-t2.yaml",
    "omop": "requests/omop-heart-failure.yaml",
}

# The demo's population per model: enough patients for its example request's cohort to
# pass the release gate at k=5 (heart failure at 65 or more is rarer than diabetes).
DEMO_PATIENTS = {"synthetic": 2_000, "omop": 10_000}


def demo_patients(model: str) -> int:
    generator_for(model)
    return DEMO_PATIENTS[model]


def generator_for(model: str) -> Generator:
    """The generator of `model`: (out_dir, patients=…, seed=…) → rows per table."""
    if model == "synthetic":
        from sovex.synth.population import generate_population

        return generate_population
    if model == "omop":
        from sovex.synth.omop import generate_omop

        return generate_omop
    raise InvalidInput(f"--model: unknown model {model!r} (one of {', '.join(MODELS)})")


def demo_request(examples_dir: Path, model: str) -> Path:
    generator_for(model)  # an unknown model is refused with the list of known ones
    return examples_dir / DEMO_REQUESTS[model]
