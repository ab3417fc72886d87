from __future__ import annotations

import itertools
from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from anonymization.disclosure import (
    DEFAULT_K,
    DEFAULT_MAX_SUPPRESSION,
    AnonymisationResult,
    anonymise,
    equivalence_class_sizes,
    k_anonymity,
    l_diversity,
    prosecutor_risk,
)
from anonymization.hierarchies import hierarchy_for
from sovex.model.errors import InvalidInput

K = DEFAULT_K
QIS = {"birth_date": "birth_date", "sex": "sex", "postcode": "postcode"}
BASE_ONLY = {"birth_date": 0, "sex": 0, "postcode": 0}
SEED = 20260512


def _people(rows: list[tuple[date | None, str | None, str | None]]) -> pa.Table:
    return pa.table(
        {
            "person_id": pa.array([f"p{i:05d}" for i in range(len(rows))], type=pa.string()),
            "birth_date": pa.array([r[0] for r in rows], type=pa.date32()),
            "sex": pa.array([r[1] for r in rows], type=pa.string()),
            "postcode": pa.array([r[2] for r in rows], type=pa.string()),
        }
    )


def _crowd(size: int, birth_date: date, sex: str, postcode: str) -> list[tuple[date, str, str]]:
    return [(birth_date, sex, postcode)] * size


def _synthetic(rows: int, seed: int = SEED) -> pa.Table:
    rng = np.random.default_rng(seed)
    days = rng.integers(date(1930, 1, 1).toordinal(), date(2010, 1, 1).toordinal(), rows)
    postcodes = rng.choice(["75011", "75012", "69003", "13001", "20100", "97110"], rows)
    return pa.table(
        {
            "person_id": pa.array([f"p{i:06d}" for i in range(rows)]),
            "birth_date": pa.array([date.fromordinal(int(d)) for d in days], type=pa.date32()),
            "sex": pa.array(rng.choice(["F", "M"], rows)),
            "postcode": pa.array(postcodes),
            "diagnosis": pa.array(rng.choice(["I", "II", "IX", "X"], rows)),
        }
    )


def _shuffled(table: pa.Table, seed: int = SEED) -> pa.Table:
    order = np.random.default_rng(seed).permutation(table.num_rows)
    return table.take(pa.array(order))


# --- the measures ----------------------------------------------------------------------


def test_class_sizes_count_rows_sharing_every_quasi_identifier_nulls_included() -> None:
    table = pa.table({"a": ["x", "x", "y", None, None], "b": [1, 1, 1, 2, 2]})
    assert equivalence_class_sizes(table, ["a", "b"]).to_pylist() == [2, 2, 1, 2, 2]
    assert equivalence_class_sizes(table, ["b"]).to_pylist() == [3, 3, 3, 2, 2]
    assert equivalence_class_sizes(table, []).to_pylist() == [5] * 5


def test_class_sizes_of_a_chunked_table_match_the_combined_table() -> None:
    table = _synthetic(300)
    chunked = pa.concat_tables([table.slice(0, 100), table.slice(100)])
    columns = ["birth_date", "sex", "postcode"]
    assert equivalence_class_sizes(chunked, columns) == equivalence_class_sizes(table, columns)


@pytest.mark.parametrize("smallest", [K - 1, K, K + 1])
def test_k_anonymity_is_the_smallest_class(smallest: int) -> None:
    table = pa.table({"qi": ["small"] * smallest + ["large"] * (smallest + 3)})
    assert k_anonymity(table, ["qi"]) == smallest


def test_k_anonymity_of_an_empty_table_is_zero() -> None:
    assert k_anonymity(pa.table({"qi": pa.array([], pa.string())}), ["qi"]) == 0


def test_prosecutor_risk_is_max_and_mean_of_one_over_class_size() -> None:
    table = pa.table({"qi": ["a", "b", "b", "c", "c", "c"]})
    max_risk, avg_risk = prosecutor_risk(table, ["qi"])
    assert max_risk == 1.0
    assert avg_risk == pytest.approx((1 + 2 * (1 / 2) + 3 * (1 / 3)) / 6)
    assert prosecutor_risk(table.slice(0, 0), ["qi"]) == (0.0, 0.0)


def test_l_diversity_is_the_fewest_distinct_sensitive_values_in_a_class() -> None:
    table = pa.table(
        {
            "qi": ["a", "a", "a", "b", "b", "c", "c"],
            "dx": ["I", "I", "II", "IX", "IX", "X", None],
        }
    )
    assert l_diversity(table, ["qi"], "dx") == 1  # class b holds one diagnosis only
    assert l_diversity(table.slice(0, 3), ["qi"], "dx") == 2
    assert l_diversity(table.slice(5), ["qi"], "dx") == 2  # a missing value counts as one


def test_measures_name_a_missing_column() -> None:
    with pytest.raises(InvalidInput, match="column 'nope' is not in the table"):
        k_anonymity(pa.table({"qi": [1]}), ["nope"])


# --- anonymise: thresholds ---------------------------------------------------------------


@pytest.mark.parametrize(("class_size", "released"), [(K - 1, False), (K, True), (K + 1, True)])
def test_a_class_at_the_threshold_is_released_below_it_is_not(
    class_size: int, released: bool
) -> None:
    rows = _crowd(class_size, date(1960, 5, 1), "F", "75012") + _crowd(
        20, date(1980, 1, 1), "M", "69003"
    )
    result = anonymise(
        _people(rows), "person_id", QIS, k=K, max_suppression=0.0, max_levels=BASE_ONLY
    )
    assert result.success is released
    if released:
        assert result.k_achieved == class_size
        assert result.generalised.num_rows == len(rows)


@pytest.mark.parametrize(("unique_rows", "released"), [(2, True), (3, False)])
def test_suppression_up_to_the_allowed_share_and_not_one_record_more(
    unique_rows: int, released: bool
) -> None:
    # 50 records, 4% allowed: 2 unique records may be suppressed, 3 may not.
    rows = _crowd(50 - unique_rows, date(1960, 5, 1), "F", "75012")
    rows += [(date(1930 + i, 1, 1), "M", "13001") for i in range(unique_rows)]
    result = anonymise(
        _people(rows), "person_id", QIS, k=K, max_suppression=0.04, max_levels=BASE_ONLY
    )
    assert result.success is released
    if released:
        assert len(result.suppressed_ids) == unique_rows
        assert result.suppression_rate == pytest.approx(unique_rows / 50)


def test_the_allowed_share_is_counted_in_whole_records_without_float_error() -> None:
    # 0.29 × 100 is 28.999999999999996 in floating point: 29 records are still allowed.
    rows = _crowd(71, date(1960, 5, 1), "F", "75012")
    rows += [(date(1900 + i, 1, 1), "M", "13001") for i in range(29)]
    result = anonymise(
        _people(rows), "person_id", QIS, k=K, max_suppression=0.29, max_levels=BASE_ONLY
    )
    assert result.success
    assert len(result.suppressed_ids) == 29


def test_a_unique_person_is_generalised_or_suppressed_until_k_is_reached() -> None:
    rows = []
    for year, sex, postcode in itertools.product(
        range(1950, 1960), ["F", "M"], ["75011", "75012", "75013"]
    ):
        rows += _crowd(3, date(year, 6, 15), sex, postcode)
    rows.append((date(1931, 2, 3), "F", "97110"))  # one of a kind on every QI
    table = _people(rows)
    unique_id = f"p{len(rows) - 1:05d}"
    assert k_anonymity(table, list(QIS)) == 1

    result = anonymise(table, "person_id", QIS, k=K)

    assert result.success
    assert result.k_achieved >= K
    assert k_anonymity(result.generalised, list(QIS)) == result.k_achieved
    assert result.suppression_rate <= DEFAULT_MAX_SUPPRESSION
    assert result.max_risk <= 1 / K
    released = result.generalised["person_id"].to_pylist()
    suppressed = result.suppressed_ids.to_pylist()
    assert (unique_id in suppressed) != (unique_id in released)
    assert sorted(released + suppressed) == sorted(table["person_id"].to_pylist())


def test_the_chosen_node_is_the_least_generalised_that_works() -> None:
    table = _synthetic(2_000)
    result = anonymise(table, "person_id", QIS, k=K)
    assert result.success
    hierarchies = {column: hierarchy_for(kind) for column, kind in QIS.items()}
    chosen = {c: hierarchies[c].level_names().index(name) for c, name in result.levels.items()}
    for node in itertools.product(*(range(h.top + 1) for h in hierarchies.values())):
        if sum(node) >= sum(chosen.values()):
            continue
        view = pa.table(
            {
                column: hierarchies[column].levels[level].apply(table[column])
                for column, level in zip(QIS, node, strict=True)
            }
        )
        sizes = equivalence_class_sizes(view, list(QIS))
        at_risk = pc.sum(pc.less(sizes, K).cast(pa.int64())).as_py()
        assert at_risk > DEFAULT_MAX_SUPPRESSION * table.num_rows, node


@pytest.mark.parametrize(
    "max_levels",
    [
        {"birth_date": 0, "sex": 0, "postcode": 0},
        {"birth_date": 1, "sex": 0, "postcode": 1},
        {"birth_date": 2},
        {"postcode": 0},
        {},
    ],
)
def test_levels_never_exceed_what_the_steward_allows(max_levels: dict[str, int]) -> None:
    result = anonymise(_synthetic(1_500), "person_id", QIS, k=K, max_levels=max_levels)
    for column, kind in QIS.items():
        names = hierarchy_for(kind).level_names()
        cap = max_levels.get(column, len(names) - 1)
        assert names.index(result.levels[column]) <= cap


# --- anonymise: refusal --------------------------------------------------------------------


def test_k_larger_than_the_table_fails_with_a_report_naming_every_quasi_identifier() -> None:
    table = _synthetic(40)
    result = anonymise(table, "person_id", QIS, k=41)
    assert not result.success
    assert result.generalised.num_rows == 0
    assert result.generalised.column_names == ["person_id", *QIS]
    assert len(result.suppressed_ids) == table.num_rows
    assert result.suppression_rate == 1.0
    assert any("larger than the number of records (40)" in line for line in result.report)
    for column in QIS:
        assert any(line.startswith(f"{column} alone") for line in result.report)


def test_a_capped_request_that_cannot_reach_k_names_the_quasi_identifiers_driving_risk() -> None:
    table = _synthetic(500)
    result = anonymise(table, "person_id", QIS, k=K, max_levels={"birth_date": 0, "postcode": 0})
    assert not result.success
    assert result.levels == {"birth_date": "year", "sex": "*", "postcode": "departement"}
    assert result.k_achieved < K
    report = "\n".join(result.report)
    assert "birth_date is capped by max_levels at 'year'" in report
    drivers = result.report[-1]
    assert drivers.startswith("quasi-identifiers driving the risk")
    assert drivers.index("birth_date") < drivers.index("sex")
    _assert_no_patient_value(report, table)


def _assert_no_patient_value(report: str, table: pa.Table) -> None:
    for column in ("birth_date", "postcode", "person_id"):
        for value in set(table[column].to_pylist()):
            assert str(value) not in report, column


def test_an_empty_table_fails_closed() -> None:
    result = anonymise(_people([]), "person_id", QIS, k=K)
    assert not result.success
    assert result.k_achieved == 0
    assert result.report == ["the table has no records: there is nothing to release"]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"quasi_identifiers": {"shoe": "category"}}, "quasi-identifier 'shoe' is not in"),
        ({"quasi_identifiers": {"sex": "gender"}}, "unknown quasi-identifier kind 'gender'"),
        ({"id_column": "nope"}, "id column 'nope' is not in the table"),
        ({"k": 0}, "k must be a whole number of at least 1"),
        ({"max_suppression": 1.5}, "max_suppression must be between 0 and 1"),
        ({"max_levels": {"sex": 2}}, r"max_levels\['sex'\] must be a level index from 0 to 1"),
        ({"max_levels": {"dx": 0}}, "max_levels names 'dx', which is not a quasi-identifier"),
    ],
)
def test_a_malformed_request_is_refused_naming_the_problem(
    arguments: dict[str, object], message: str
) -> None:
    call: dict[str, object] = {"id_column": "person_id", "quasi_identifiers": QIS, "k": K}
    call.update(arguments)
    with pytest.raises(InvalidInput, match=message):
        anonymise(_synthetic(20), **call)  # type: ignore[arg-type]


def test_repeated_person_ids_are_refused() -> None:
    table = _synthetic(20)
    doubled = pa.concat_tables([table, table])
    with pytest.raises(InvalidInput, match="20 repeated values: anonymise expects one row"):
        anonymise(doubled, "person_id", QIS, k=K)


# --- anonymise: determinism -------------------------------------------------------------


def _same(first: AnonymisationResult, second: AnonymisationResult) -> None:
    assert first.levels == second.levels
    assert first.suppressed_ids == second.suppressed_ids
    assert first.k_achieved == second.k_achieved
    assert first.suppression_rate == second.suppression_rate
    assert (first.max_risk, first.avg_risk) == (second.max_risk, second.avg_risk)
    assert first.report == second.report


def test_the_same_input_gives_the_same_result() -> None:
    table = _synthetic(3_000)
    first = anonymise(table, "person_id", QIS, k=K)
    second = anonymise(table, "person_id", QIS, k=K)
    _same(first, second)
    assert first.generalised.equals(second.generalised)


@pytest.mark.parametrize("k", [K, 3 * K, 5_000])
def test_shuffled_rows_give_the_same_levels_and_the_same_suppressed_set(k: int) -> None:
    table = _synthetic(3_000)
    original = anonymise(table, "person_id", QIS, k=k)
    shuffled = anonymise(_shuffled(table), "person_id", QIS, k=k)
    _same(original, shuffled)
    assert original.generalised.sort_by("person_id").equals(
        shuffled.generalised.sort_by("person_id")
    )


def test_the_quasi_identifier_order_decides_ties_at_equal_height() -> None:
    # Sex or postcode must climb one level (both postcodes are in Île-de-France); at
    # equal height the first-listed column stays finest.
    rows = []
    for sex, postcode in itertools.product(["F", "M"], ["75011", "92100"]):
        rows += _crowd(3, date(1970, 1, 1), sex, postcode)
    table = _people(rows)
    sex_first = anonymise(table, "person_id", {"sex": "sex", "postcode": "postcode"}, k=K)
    postcode_first = anonymise(table, "person_id", {"postcode": "postcode", "sex": "sex"}, k=K)
    assert sex_first.levels == {"sex": "sex", "postcode": "region"}
    assert postcode_first.levels == {"postcode": "departement", "sex": "*"}
