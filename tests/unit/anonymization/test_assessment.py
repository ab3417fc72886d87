from __future__ import annotations

import pyarrow as pa
import pytest

from anonymization.assessment import assess, level_functions, unassessed_record
from sovex.model.errors import GateFailed


def view(sexes: list[str]) -> pa.Table:
    return pa.table({"pid": [f"p{i}" for i in range(len(sexes))], "sex": sexes})


def test_a_reachable_k_gives_a_record_and_the_kept_ids() -> None:
    data = view(["F"] * 6 + ["M"] * 6)
    assessment = assess(
        data, data["pid"].combine_chunks(), "pid", {"sex": "sex"}, {"sex": "*"}, 5, 0.1
    )
    assert assessment.record["k_achieved"] >= 5
    assert assessment.record["generalisation"] == {"sex": "sex"}
    assert len(assessment.kept_ids) == 12


def test_an_unreachable_k_is_a_failed_gate() -> None:
    data = view(["F", "M", "F"])
    with pytest.raises(GateFailed, match="k=5 cannot be reached"):
        assess(data, data["pid"].combine_chunks(), "pid", {"sex": "sex"}, {"sex": "sex"}, 5, 0.0)


def test_the_chosen_levels_are_replayed_only_for_the_table_s_quasi_identifiers() -> None:
    record = unassessed_record(["sex"], 5, 12) | {"generalisation": {"sex": "*"}}
    levels = level_functions(record, {"sex": "sex"})
    assert set(levels) == {"sex"}
    assert levels["sex"](pa.array(["F", "M"])).to_pylist() == ["*", "*"]
    assert level_functions(record, {}) == {}
