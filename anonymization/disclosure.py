"""Re-identification risk of a person-level view, and the search for a safe generalisation.

The measures (ARX / sdcMicro style) work on equivalence classes: the records sharing the
same values on every quasi-identifier.

- k-anonymity: the size of the smallest class.
- prosecutor risk: 1 / class size for each record; its maximum and its average.
- distinct l-diversity: the fewest distinct sensitive values found in one class.

`anonymise` searches the generalisation lattice (one level per quasi-identifier, within
what the steward allows) for the least generalised combination that reaches k once the
records in classes smaller than k are suppressed, suppressing at most a given share.

Everything is pure, vectorised Arrow compute and deterministic: the same records in any
row order give the same levels and the same suppressed set. Messages name columns,
levels and counts, never a patient's value.

One module, long on purpose: the measures and the lattice search share the
equivalence-class computation they are both built on.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

from anonymization.hierarchies import Hierarchy, hierarchy_for
from sovex.model.errors import InvalidInput

DEFAULT_K = 5
DEFAULT_MAX_SUPPRESSION = 0.05
# A request whose lattice has more nodes than this is refused rather than searched for
# minutes (4 birth-date levels × 3 postcode levels × 2 sex levels is 24 nodes).
MAX_LATTICE_NODES = 10_000
# Class keys are built as mixed-radix int64 numbers; past this bound they are re-numbered
# densely first so the arithmetic never overflows.
_KEY_LIMIT = 2**62
# max_suppression × records is rounded down to whole records; this absorbs float error
# (0.29 × 100 is 28.999999999999996 in binary floating point, and means 29 records).
_FLOAT_TOLERANCE = 1e-9


@dataclass(frozen=True)
class _Codes:
    """Dense integer codes of one column (nulls get a code of their own)."""

    ids: pa.Array  # int64, one per row, in [0, cardinality)
    cardinality: int


@dataclass(frozen=True)
class AnonymisationResult:
    """The outcome of `anonymise`.

    On success, ``generalised`` holds the id column and the generalised quasi-identifiers
    of the records kept, and the figures describe that released table. On failure nothing
    is releasable: ``generalised`` is empty, every id is in ``suppressed_ids``,
    ``suppression_rate`` is 1.0, ``levels`` is the most generalised allowed node and
    ``k_achieved`` / the risks describe that node before any suppression, so the steward
    sees how far the request is from the threshold; ``report`` says why.
    """

    success: bool
    levels: dict[str, str]
    generalised: pa.Table
    suppressed_ids: pa.Array
    k_achieved: int
    suppression_rate: float
    max_risk: float
    avg_risk: float
    report: list[str] = field(default_factory=list)
    nodes_evaluated: int = 0


# ---------------------------------------------------------------------------------------
# Equivalence classes


def _combined(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


def _codes(values: pa.Array | pa.ChunkedArray) -> _Codes:
    encoded = pc.dictionary_encode(_combined(values), null_encoding="encode")
    return _Codes(encoded.indices.cast(pa.int64()), len(encoded.dictionary))


def _densified(key: pa.Array) -> _Codes:
    encoded = pc.dictionary_encode(key)
    return _Codes(encoded.indices.cast(pa.int64()), len(encoded.dictionary))


def _class_key(codes: Sequence[_Codes], rows: int) -> pa.Array:
    """One int64 per row, equal exactly when the rows agree on every coded column."""
    key = pa.repeat(pa.scalar(0, pa.int64()), rows)
    cardinality = 1
    for column in codes:
        if column.cardinality <= 1:
            continue  # a constant column (e.g. '*') distinguishes no one
        if cardinality * column.cardinality >= _KEY_LIMIT:
            dense = _densified(key)
            key, cardinality = dense.ids, dense.cardinality
        key = pc.add_checked(pc.multiply_checked(key, column.cardinality), column.ids)
        cardinality *= column.cardinality
    return key


def _class_counts(key: pa.Array) -> tuple[pa.Array, pa.Array]:
    """The distinct class keys and the number of records in each."""
    counted = pc.value_counts(key)
    return counted.field("values"), counted.field("counts")


def _class_sizes(key: pa.Array) -> pa.Array:
    values, counts = _class_counts(key)
    return pc.take(counts, pc.index_in(key, value_set=values))


def _records_in_small_classes(key: pa.Array, k: int) -> int:
    _, counts = _class_counts(key)
    small = pc.sum(pc.filter(counts, pc.less(counts, k))).as_py()
    return int(small or 0)


def _check_columns(table: pa.Table, columns: Sequence[str]) -> None:
    missing = [column for column in columns if column not in table.column_names]
    if missing:
        raise InvalidInput([f"column {column!r} is not in the table" for column in missing])


def class_key(table: pa.Table, columns: Sequence[str]) -> pa.Array:
    """One int64 per row, equal exactly when the rows agree on every one of ``columns``
    (nulls included): the equivalence class of each row, as a number."""
    _check_columns(table, columns)
    return _class_key([_codes(table[c]) for c in columns], table.num_rows)


def equivalence_class_sizes(table: pa.Table, quasi_identifiers: Sequence[str]) -> pa.Array:
    """For each row, the number of rows sharing its quasi-identifier values (int64).

    Nulls are a value like any other: rows missing the same quasi-identifiers group
    together. With no quasi-identifiers every row is in one class of the table's size.
    """
    return _class_sizes(class_key(table, quasi_identifiers))


def k_anonymity(table: pa.Table, quasi_identifiers: Sequence[str]) -> int:
    """The size of the smallest equivalence class; 0 for an empty table (no class exists,
    and 0 is below any threshold, so a gate comparing k to its threshold fails closed)."""
    if table.num_rows == 0:
        _check_columns(table, quasi_identifiers)
        return 0
    return int(pc.min(equivalence_class_sizes(table, quasi_identifiers)).as_py())


def _risks(key: pa.Array) -> tuple[float, float]:
    rows = len(key)
    if rows == 0:
        return 0.0, 0.0
    _, counts = _class_counts(key)
    smallest = int(pc.min(counts).as_py())
    # The mean over records of 1 / class size is the number of classes over the records.
    return 1.0 / smallest, len(counts) / rows


def prosecutor_risk(table: pa.Table, quasi_identifiers: Sequence[str]) -> tuple[float, float]:
    """(maximum, average) over records of 1 / class size; (0.0, 0.0) for an empty table."""
    return _risks(class_key(table, quasi_identifiers))


def l_diversity(table: pa.Table, quasi_identifiers: Sequence[str], sensitive: str) -> int:
    """Distinct l-diversity: the fewest distinct sensitive values in one equivalence class.

    A missing sensitive value counts as a value of its own (knowing that nothing is
    recorded is knowledge too). 0 for an empty table.
    """
    _check_columns(table, [sensitive])
    if table.num_rows == 0:
        _check_columns(table, quasi_identifiers)
        return 0
    key = class_key(table, quasi_identifiers)
    per_class = (
        pa.table({"class": key, "sensitive": _combined(table[sensitive])})
        .group_by("class")
        .aggregate([("sensitive", "count_distinct", pc.CountOptions(mode="all"))])
    )
    return int(pc.min(per_class["sensitive_count_distinct"]).as_py())


# ---------------------------------------------------------------------------------------
# The generalisation lattice


class _Generaliser:
    """Labels and codes of each (column, level), computed once and reused across nodes."""

    def __init__(self, table: pa.Table, hierarchies: Mapping[str, Hierarchy]) -> None:
        self._table = table
        self._hierarchies = hierarchies
        self._labels: dict[tuple[str, int], pa.Array] = {}
        self._codes: dict[tuple[str, int], _Codes] = {}

    def labels(self, column: str, level: int) -> pa.Array:
        if (column, level) not in self._labels:
            apply = self._hierarchies[column].levels[level].apply
            self._labels[column, level] = apply(_combined(self._table[column]))
        return self._labels[column, level]

    def key(self, node: Mapping[str, int]) -> pa.Array:
        codes = []
        for column, level in node.items():
            if (column, level) not in self._codes:
                self._codes[column, level] = _codes(self.labels(column, level))
            codes.append(self._codes[column, level])
        return _class_key(codes, self._table.num_rows)


def _validate(
    table: pa.Table,
    id_column: str,
    quasi_identifiers: Mapping[str, str],
    k: int,
    max_suppression: float,
    max_levels: Mapping[str, int],
) -> dict[str, Hierarchy]:
    problems: list[str] = []
    if id_column not in table.column_names:
        problems.append(f"id column {id_column!r} is not in the table")
    else:
        ids = table[id_column]
        if ids.null_count:
            problems.append(f"id column {id_column!r} has {ids.null_count} missing values")
        duplicates = 0
        if table.num_rows and not ids.null_count:
            duplicates = table.num_rows - pc.count_distinct(ids, mode="all").as_py()
        if duplicates:
            problems.append(
                f"id column {id_column!r} has {duplicates} repeated values: anonymise "
                "expects one row per person"
            )
    if id_column in quasi_identifiers:
        problems.append(f"id column {id_column!r} cannot also be a quasi-identifier")
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        problems.append(f"k must be a whole number of at least 1 (got {k!r})")
    if not 0.0 <= max_suppression <= 1.0:
        problems.append(f"max_suppression must be between 0 and 1 (got {max_suppression!r})")
    hierarchies: dict[str, Hierarchy] = {}
    for column, kind in quasi_identifiers.items():
        if column not in table.column_names:
            problems.append(f"quasi-identifier {column!r} is not in the table")
        try:
            hierarchies[column] = hierarchy_for(kind)
        except InvalidInput as error:
            problems.extend(f"quasi-identifier {column!r}: {p}" for p in error.problems)
    for column, level in max_levels.items():
        if column not in quasi_identifiers:
            problems.append(f"max_levels names {column!r}, which is not a quasi-identifier")
        elif column in hierarchies:
            top = hierarchies[column].top
            if isinstance(level, bool) or not isinstance(level, int) or not 0 <= level <= top:
                problems.append(
                    f"max_levels[{column!r}] must be a level index from 0 to {top} (got {level!r})"
                )
    if problems:
        raise InvalidInput(problems)
    nodes = math.prod(min(max_levels.get(c, h.top), h.top) + 1 for c, h in hierarchies.items())
    if nodes > MAX_LATTICE_NODES:
        raise InvalidInput(
            f"the generalisation lattice has {nodes} nodes, more than {MAX_LATTICE_NODES}: "
            "cap some quasi-identifiers with max_levels or request fewer"
        )
    return hierarchies


def _lattice(tops: Mapping[str, int]) -> list[dict[str, int]]:
    """Every node, least generalised first: by total height, then lexicographically in
    the quasi-identifiers' order, so at equal height the first-listed column stays finest."""
    columns = list(tops)
    nodes = itertools.product(*(range(tops[c] + 1) for c in columns))
    ordered = sorted(nodes, key=lambda node: (sum(node), node))
    return [dict(zip(columns, node, strict=True)) for node in ordered]


def _level_names(hierarchies: Mapping[str, Hierarchy], node: Mapping[str, int]) -> dict[str, str]:
    return {column: hierarchies[column].levels[level].name for column, level in node.items()}


def _describe(levels: Mapping[str, str]) -> str:
    return ", ".join(f"{column}={level}" for column, level in levels.items()) or "no columns"


def _generalised_table(
    table: pa.Table, id_column: str, generaliser: _Generaliser, node: Mapping[str, int]
) -> pa.Table:
    columns = {id_column: _combined(table[id_column])}
    columns.update({c: generaliser.labels(c, level) for c, level in node.items()})
    return pa.table(columns)


def anonymise(
    table: pa.Table,
    id_column: str,
    quasi_identifiers: dict[str, str],
    k: int = DEFAULT_K,
    max_suppression: float = DEFAULT_MAX_SUPPRESSION,
    max_levels: dict[str, int] | None = None,
) -> AnonymisationResult:
    """The least generalised node reaching k with at most ``max_suppression`` suppressed.

    ``quasi_identifiers`` maps each column to its hierarchy kind (see
    `anonymization.hierarchies`); its order is the steward's priority: at equal total
    height, earlier columns are kept finer. ``max_levels`` caps a column's level index
    (inclusive; default: its hierarchy's top, ``*``). The nodes are tried least
    generalised first (total height, then column order); the first one whose classes
    smaller than k hold at most ``max_suppression`` of the records (and not all of them)
    is chosen and those records are suppressed (removed). Raises `InvalidInput` for a
    malformed request (unknown column or kind, duplicate ids, bad k or caps).
    """
    caps = dict(max_levels or {})
    hierarchies = _validate(table, id_column, quasi_identifiers, k, max_suppression, caps)
    tops = {column: caps.get(column, h.top) for column, h in hierarchies.items()}
    generaliser = _Generaliser(table, hierarchies)
    rows = table.num_rows
    allowed = math.floor(max_suppression * rows + _FLOAT_TOLERANCE)
    evaluated = 0
    if rows:
        for node in _lattice(tops):
            evaluated += 1
            key = generaliser.key(node)
            at_risk = _records_in_small_classes(key, k)
            if at_risk <= allowed and at_risk < rows:
                return _released(
                    table, id_column, hierarchies, generaliser, node, key, k, evaluated
                )
    return _refused(table, id_column, hierarchies, generaliser, tops, k, max_suppression, evaluated)


def _released(
    table: pa.Table,
    id_column: str,
    hierarchies: Mapping[str, Hierarchy],
    generaliser: _Generaliser,
    node: Mapping[str, int],
    key: pa.Array,
    k: int,
    evaluated: int,
) -> AnonymisationResult:
    keep = pc.greater_equal(_class_sizes(key), k)
    everything = _generalised_table(table, id_column, generaliser, node)
    suppressed_ids = pc.filter(everything[id_column], pc.invert(keep)).combine_chunks()
    released_key = pc.filter(key, keep)
    max_risk, avg_risk = _risks(released_key)
    rows = table.num_rows
    suppressed = len(suppressed_ids)
    levels = _level_names(hierarchies, node)
    _, counts = _class_counts(released_key)
    return AnonymisationResult(
        success=True,
        levels=levels,
        generalised=everything.filter(keep),
        suppressed_ids=pc.take(suppressed_ids, pc.sort_indices(suppressed_ids)),
        k_achieved=int(pc.min(counts).as_py()),
        suppression_rate=suppressed / rows,
        max_risk=max_risk,
        avg_risk=avg_risk,
        report=[
            f"{_describe(levels)} reaches k={k} suppressing {suppressed} of {rows} records "
            f"({suppressed / rows:.2%})"
        ],
        nodes_evaluated=evaluated,
    )


def _refused(
    table: pa.Table,
    id_column: str,
    hierarchies: Mapping[str, Hierarchy],
    generaliser: _Generaliser,
    tops: Mapping[str, int],
    k: int,
    max_suppression: float,
    evaluated: int,
) -> AnonymisationResult:
    rows = table.num_rows
    top_key = generaliser.key(tops)
    everything = _generalised_table(table, id_column, generaliser, tops)
    ids = everything[id_column]
    max_risk, avg_risk = _risks(top_key)
    return AnonymisationResult(
        success=False,
        levels=_level_names(hierarchies, tops),
        generalised=everything.slice(0, 0),
        suppressed_ids=pc.take(ids, pc.sort_indices(ids)),
        k_achieved=int(pc.min(_class_sizes(top_key)).as_py()) if rows else 0,
        suppression_rate=1.0 if rows else 0.0,
        max_risk=max_risk,
        avg_risk=avg_risk,
        report=_failure_report(hierarchies, generaliser, tops, rows, k, max_suppression),
        nodes_evaluated=evaluated,
    )


def _failure_report(
    hierarchies: Mapping[str, Hierarchy],
    generaliser: _Generaliser,
    tops: Mapping[str, int],
    rows: int,
    k: int,
    max_suppression: float,
) -> list[str]:
    """Why no node works, and which quasi-identifiers drive the risk (counts only)."""
    if rows == 0:
        return ["the table has no records: there is nothing to release"]
    levels = _level_names(hierarchies, tops)
    at_top = _records_in_small_classes(generaliser.key(tops), k)
    report = [
        f"no combination of allowed levels reaches k={k} while suppressing at most "
        f"{max_suppression:.2%} of {rows} records",
        f"the most generalised allowed node ({_describe(levels)}) leaves "
        f"{at_top} of {rows} records in "
        f"classes smaller than {k}",
    ]
    if k > rows:
        report.append(f"k={k} is larger than the number of records ({rows})")
    for column, top in tops.items():
        if top < hierarchies[column].top:
            report.append(
                f"{column} is capped by max_levels at {levels[column]!r} (its hierarchy "
                f"goes up to {hierarchies[column].levels[-1].name!r})"
            )
    rescued: dict[str, int] = {}
    for column, top in tops.items():
        at_base = _records_in_small_classes(generaliser.key({column: 0}), k)
        alone = _records_in_small_classes(generaliser.key({column: top}), k)
        others = {c: level for c, level in tops.items() if c != column}
        without = _records_in_small_classes(generaliser.key(others), k)
        rescued[column] = at_top - without
        base_name = hierarchies[column].levels[0].name
        climbed = (
            f" and {alone} at {levels[column]!r} (its most generalised allowed level)"
            if top
            else " (its only allowed level)"
        )
        report.append(
            f"{column} alone leaves {at_base} records in classes smaller than {k} at "
            f"{base_name!r}{climbed}; dropping {column} from the most generalised allowed "
            f"node would leave {without}"
        )
    drivers = sorted(rescued, key=lambda column: -rescued[column])
    report.append(
        "quasi-identifiers driving the risk, most first (records that dropping each one "
        "would bring into classes of at least k): "
        + ", ".join(f"{column} ({rescued[column]})" for column in drivers)
    )
    return report
