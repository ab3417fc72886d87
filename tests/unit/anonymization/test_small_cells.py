from __future__ import annotations

import itertools

import numpy as np
import pyarrow as pa
import pytest

from anonymization.small_cells import (
    SMALL_CELL_THRESHOLD,
    SUPPRESSED_FLAG_COLUMN,
    TOTAL_LABEL,
    suppress_small_cells,
    with_total_row,
)
from sovex.model.errors import InvalidInput

T = SMALL_CELL_THRESHOLD
SEED = 20260512
Cell = tuple[str, ...]


def _one_way(counts: list[int]) -> pa.Table:
    return pa.table(
        {"band": [f"b{i}" for i in range(len(counts))], "n": pa.array(counts, pa.int64())}
    )


def _hidden(table: pa.Table, group_columns: list[str]) -> set[Cell]:
    rows = table.to_pylist()
    return {tuple(row[c] for c in group_columns) for row in rows if row[SUPPRESSED_FLAG_COLUMN]}


def _random_table(shape: dict[str, int], seed: int) -> pa.Table:
    rng = np.random.default_rng(seed)
    cells = list(itertools.product(*([f"{c}{i}" for i in range(n)] for c, n in shape.items())))
    # Mostly large counts, with some small cells and zeros.
    counts = np.where(
        rng.random(len(cells)) < 0.3,
        rng.integers(0, T, len(cells)),
        rng.integers(T, 200, len(cells)),
    )
    columns: dict[str, object] = {c: [cell[i] for cell in cells] for i, c in enumerate(shape)}
    columns["n"] = pa.array(counts, pa.int64())
    return pa.table(columns)


def _with_all_totals(table: pa.Table, group_columns: list[str]) -> pa.Table:
    for column in group_columns:
        table = with_total_row(table, group_columns, "n", over=column)
    return table


def _recovered_by_subtraction(published: pa.Table, group_columns: list[str]) -> set[Cell]:
    """An attacker's view: every margin says total = sum of its cells. Solve any equation
    with a single unknown, learn that cell, and repeat until nothing more can be learnt."""
    known: dict[Cell, int | None] = {
        tuple(row[c] for c in group_columns): row["n"] for row in published.to_pylist()
    }
    recovered: set[Cell] = set()
    progress = True
    while progress:
        progress = False
        for position, _ in enumerate(group_columns):
            groups: dict[Cell, list[Cell]] = {}
            for cell in known:
                others = cell[:position] + cell[position + 1 :]
                groups.setdefault(others, []).append(cell)
            for cells in groups.values():
                totals = [c for c in cells if c[position] == TOTAL_LABEL]
                if len(totals) != 1:
                    continue
                parts = [c for c in cells if c[position] != TOTAL_LABEL]
                unknown = [c for c in [*parts, totals[0]] if known[c] is None]
                if len(unknown) != 1:
                    continue
                (cell,) = unknown
                total = known[totals[0]]
                visible = sum(known[c] or 0 for c in parts)
                known[cell] = visible if cell == totals[0] else (total or 0) - visible
                recovered.add(cell)
                progress = True
    return recovered


# --- primary suppression ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "hidden"),
    [(0, False), (1, True), (T - 1, True), (T, False), (T + 1, False)],
)
def test_a_count_is_hidden_when_small_and_not_zero(count: int, hidden: bool) -> None:
    result = suppress_small_cells(_one_way([count, 100, 200]), ["band"], "n")
    assert result[SUPPRESSED_FLAG_COLUMN][0].as_py() is hidden
    assert (result["n"][0].as_py() is None) is hidden


def test_a_custom_threshold_is_honoured() -> None:
    result = suppress_small_cells(_one_way([6, 7, 8]), ["band"], "n", threshold=7)
    assert result["n"].to_pylist() == [None, None, 8]


def test_large_tables_stay_untouched() -> None:
    table = _one_way([10, 0, 500])
    result = suppress_small_cells(table, ["band"], "n")
    assert result["n"].to_pylist() == [10, 0, 500]
    assert result[SUPPRESSED_FLAG_COLUMN].to_pylist() == [False, False, False]


# --- secondary suppression -------------------------------------------------------------------


def test_a_lone_hidden_cell_takes_the_next_smallest_cell_with_it() -> None:
    result = suppress_small_cells(_one_way([3, 40, 50, 400]), ["band"], "n")
    assert result["n"].to_pylist() == [None, None, 50, 400]


def test_the_complement_is_a_non_zero_cell_when_there_is_one() -> None:
    result = suppress_small_cells(_one_way([3, 0, 50]), ["band"], "n")
    assert result["n"].to_pylist() == [None, 0, None]


def test_two_small_cells_protect_each_other() -> None:
    result = suppress_small_cells(_one_way([3, 4, 50]), ["band"], "n")
    assert result["n"].to_pylist() == [None, None, 50]


def test_a_one_way_table_with_its_total_hides_two_cells() -> None:
    table = with_total_row(_one_way([3, 40, 50]), ["band"], "n", over="band")
    result = suppress_small_cells(table, ["band"], "n")
    assert result["band"].to_pylist()[-1] == TOTAL_LABEL
    assert result["n"].to_pylist() == [None, None, 50, 93]
    assert _recovered_by_subtraction(result, ["band"]) == set()


def test_a_two_way_table_hides_a_complement_in_every_margin() -> None:
    table = pa.table(
        {"sex": ["F", "F", "M", "M"], "band": ["a", "b", "a", "b"], "n": [3, 40, 50, 60]}
    )
    result = suppress_small_cells(_with_all_totals(table, ["sex", "band"]), ["sex", "band"], "n")
    assert _hidden(result, ["sex", "band"]) == {("F", "a"), ("F", "b"), ("M", "a"), ("M", "b")}
    assert _recovered_by_subtraction(result, ["sex", "band"]) == set()


@pytest.mark.parametrize(
    "shape",
    [
        {"band": 8},
        {"sex": 2, "band": 6},
        {"region": 5, "band": 7},
        {"sex": 2, "region": 4, "band": 5},
    ],
)
@pytest.mark.parametrize("seed", range(5))
def test_no_hidden_cell_can_be_recomputed_from_the_totals(shape: dict[str, int], seed: int) -> None:
    group_columns = list(shape)
    table = _with_all_totals(_random_table(shape, SEED + seed), group_columns)
    result = suppress_small_cells(table, group_columns, "n")
    hidden = _hidden(result, group_columns)
    assert _recovered_by_subtraction(result, group_columns) == set()
    small = {tuple(row[c] for c in group_columns) for row in table.to_pylist() if 0 < row["n"] < T}
    assert small <= hidden


def test_the_flag_never_says_why_a_cell_is_hidden() -> None:
    result = suppress_small_cells(_one_way([3, 40, 50]), ["band"], "n")
    assert result.schema.field(SUPPRESSED_FLAG_COLUMN).type == pa.bool_()
    assert result.column_names == ["band", "n", SUPPRESSED_FLAG_COLUMN]


def test_shuffled_rows_hide_the_same_cells() -> None:
    group_columns = ["sex", "region", "band"]
    table = _with_all_totals(_random_table({"sex": 2, "region": 4, "band": 5}, SEED), group_columns)
    order = np.random.default_rng(SEED).permutation(table.num_rows)
    original = suppress_small_cells(table, group_columns, "n")
    shuffled = suppress_small_cells(table.take(pa.array(order)), group_columns, "n")
    assert _hidden(original, group_columns) == _hidden(shuffled, group_columns)
    assert original.equals(suppress_small_cells(table, group_columns, "n"))


def test_equal_candidates_are_chosen_by_group_value_not_row_position() -> None:
    table = _one_way([3, 40, 40])
    reversed_rows = table.take(pa.array([2, 1, 0]))
    assert _hidden(suppress_small_cells(table, ["band"], "n"), ["band"]) == {("b0",), ("b1",)}
    assert _hidden(suppress_small_cells(reversed_rows, ["band"], "n"), ["band"]) == {
        ("b0",),
        ("b1",),
    }


# --- totals and input checks -----------------------------------------------------------------


def test_total_rows_sum_each_margin() -> None:
    table = pa.table({"sex": ["F", "F", "M"], "band": [1, 2, 1], "n": [5, 7, 11]})
    totals = with_total_row(table, ["sex", "band"], "n", over="band")
    assert totals.to_pylist()[3:] == [
        {"sex": "F", "band": TOTAL_LABEL, "n": 12},
        {"sex": "M", "band": TOTAL_LABEL, "n": 11},
    ]
    assert totals.schema.field("band").type == pa.string()


@pytest.mark.parametrize(
    ("counts", "message"),
    [
        (pa.array([1, None], pa.int64()), "has 1 missing counts"),
        (pa.array([1, -2], pa.int64()), "has 1 negative counts"),
        (pa.array([1.0, 2.0]), "must hold whole numbers"),
    ],
)
def test_malformed_counts_are_refused(counts: pa.Array, message: str) -> None:
    table = pa.table({"band": ["a", "b"], "n": counts})
    with pytest.raises(InvalidInput, match=message):
        suppress_small_cells(table, ["band"], "n")


def test_a_missing_column_is_named() -> None:
    with pytest.raises(InvalidInput, match="column 'sex' is not in the table"):
        suppress_small_cells(_one_way([1, 2]), ["sex"], "n")


def test_rounding_moves_every_shown_count_to_the_nearest_multiple() -> None:
    from anonymization.small_cells import round_counts

    counts = pa.table({"n": pa.array([None, 8, 12, 13, 0], type=pa.int64())})
    assert round_counts(counts, "n", 5)["n"].to_pylist() == [None, 10, 10, 15, 0]
    with pytest.raises(InvalidInput):
        round_counts(counts, "n", 1)
