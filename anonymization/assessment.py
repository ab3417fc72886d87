"""The disclosure step of a run on the person-level view of an extract: generalise the
quasi-identifiers within the steward's hierarchies, suppress small classes up to the
request's cap, or refuse; then the level functions each table's batches replay.

The record is what the run keeps and the manifest publishes (ids never enter it).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from anonymization.disclosure import anonymise
from anonymization.hierarchies import GROUPED_LEVEL, frequent_values, group_rare, hierarchy_for
from sovex.model.errors import GateFailed


@dataclass(frozen=True)
class Assessment:
    record: dict[str, Any]
    kept_ids: pa.Array  # the included ids less the suppressed ones


def unassessed_record(quasi_identifiers: list[str], k: int, cohort: int) -> dict[str, Any]:
    """The record when nothing needs generalising: no quasi-identifier is requested."""
    risk = 1 / cohort if cohort else 0.0
    return {
        "quasi_identifiers": quasi_identifiers,
        "generalisation": {},
        "kept_categories": {},
        "k_threshold": k,
        "k_achieved": cohort,
        "suppressed_records": 0,
        "suppression_rate": 0.0,
        "max_prosecutor_risk": risk,
        "avg_prosecutor_risk": risk,
    }


def assess(
    view: pa.Table,
    included: pa.Array,
    person_id: str,
    quasi_identifiers: Mapping[str, str],
    max_level_names: Mapping[str, str],
    k: int,
    max_suppression: float,
) -> Assessment:
    """k-anonymity on `view` (person id and quasi-identifiers of the included patients);
    `quasi_identifiers` maps each column to its hierarchy kind. GateFailed when k cannot
    be reached within the allowed levels and suppression."""
    max_levels = {
        name: hierarchy_for(kind).level_names().index(max_level_names[name])
        for name, kind in quasi_identifiers.items()
    }
    result = anonymise(
        view,
        person_id,
        dict(quasi_identifiers),
        k=k,
        max_suppression=max_suppression,
        max_levels=max_levels,
    )
    if not result.success:
        summary = (
            f"k-anonymity: k={k} cannot be reached within the allowed generalisation and "
            f"{max_suppression:.0%} suppression"
        )
        raise GateFailed([summary, *result.report])
    suppressed = result.suppressed_ids.cast(pa.string())
    kept = included.filter(pc.invert(pc.is_in(included, value_set=suppressed)))
    record = unassessed_record(list(quasi_identifiers), k, len(included))
    record.update(
        generalisation=dict(result.levels),
        # A data-dependent level (rare categories grouped) is replayed in every batch with
        # the groups decided here, on the whole person-level view.
        kept_categories={
            name: frequent_values(view.column(name).combine_chunks()).to_pylist()
            for name, level in result.levels.items()
            if level == GROUPED_LEVEL
        },
        k_achieved=result.k_achieved,
        suppressed_records=len(suppressed),
        suppression_rate=result.suppression_rate,
        max_prosecutor_risk=result.max_risk,
        avg_prosecutor_risk=result.avg_risk,
    )
    return Assessment(record, kept)


def level_functions(
    record: Mapping[str, Any], hierarchy_kinds: Mapping[str, str]
) -> dict[str, Callable[[pa.Array], pa.Array]]:
    """The level function the assessment chose for each quasi-identifier of a table
    (`hierarchy_kinds`: its quasi-identifier columns and their hierarchy kinds)."""
    levels: dict[str, Callable[[pa.Array], pa.Array]] = {}
    for name, level_name in record["generalisation"].items():
        if name not in hierarchy_kinds:
            continue
        if level_name == GROUPED_LEVEL:
            kept = pa.array(record["kept_categories"][name], type=pa.string())
            levels[name] = functools.partial(group_rare, kept=kept)
            continue
        hierarchy = hierarchy_for(hierarchy_kinds[name])
        levels[name] = hierarchy.levels[hierarchy.level_names().index(level_name)].apply
    return levels
