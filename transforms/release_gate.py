"""First release gate: a Great Expectations suite over one published table.

The suite checks, for one table (one part file at a time):

- schema: the columns are exactly the expected ones, in order;
- pseudonyms: each pseudonym column exists, has no nulls, and every value looks like a
  keyed pseudonym (32 lowercase hex characters);
- residual identifiers: no string column contains anything shaped like a NIR, an e-mail
  address or a French phone number.

Results carry counts only. GX is asked for no unexpected values (no partial lists, no
rows, no index queries), and its exception messages are never copied: they may quote a
value. Any GX error fails the gate (fail closed).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, Final

import pandas as pd
import pyarrow as pa

from anonymization.identifier_patterns import PSEUDONYM_PATTERN, RESIDUAL_IDENTIFIER_PATTERNS
from sovex.model.errors import GateFailed

if TYPE_CHECKING:
    from great_expectations.core.batch_definition import BatchDefinition
    from great_expectations.expectations.expectation import Expectation

logger = logging.getLogger(__name__)

_DATASOURCE_NAME: Final = "sovex_release_gate"
_ASSET_NAME: Final = "published_table"
_BATCH_DEFINITION_NAME: Final = "whole_table"
# Key in each expectation's `meta` carrying our label, to map results back to rules.
_LABEL_KEY: Final = "sovex_label"
PSEUDONYM_RULE: Final = "PSEUDONYM"
SCHEMA_EXPECTATION: Final = "expect_table_columns_to_match_ordered_list"
COLUMN_EXISTS_EXPECTATION: Final = "expect_column_to_exist"
SUITE_EXPECTATION: Final = "release_gate_suite"

# Counts only: no partial unexpected list, no unexpected rows, no index query.
_RESULT_FORMAT: Final[Mapping[str, Any]] = {
    "result_format": "BASIC",
    "partial_unexpected_count": 0,
    "include_unexpected_rows": False,
    "exclude_unexpected_values": True,
    "return_unexpected_index_query": False,
}


@dataclass(frozen=True)
class ExpectationOutcome:
    """One expectation's result: names and a count, never the unexpected values."""

    table: str
    expectation: str  # e.g. "expect_column_values_to_not_match_regex(FR_NIR)"
    column: str | None
    success: bool
    unexpected_count: int
    # Schema or missing column only: column names, never values.
    detail: str = ""

    def failure_message(self) -> str:
        where = f"table {self.table}" + (f", column {self.column}" if self.column else "")
        if self.detail:
            return f"{where}: {self.expectation} failed: {self.detail}"
        rows = "row" if self.unexpected_count == 1 else "rows"
        return f"{where}: {self.expectation} failed on {self.unexpected_count} {rows}"


@dataclass(frozen=True)
class TableGateResult:
    table: str
    rows: int
    success: bool
    outcomes: tuple[ExpectationOutcome, ...]

    def failures(self) -> list[str]:
        """One sentence per failed expectation, naming table, column, rule and count."""
        return [outcome.failure_message() for outcome in self.outcomes if not outcome.success]


def validate_table(
    table_name: str,
    data: pa.Table,
    expected_columns: Sequence[str],
    pseudonym_columns: Sequence[str],
) -> TableGateResult:
    """Run the release-gate suite on one table; raise GateFailed if GX itself errors."""
    expectations = _build_expectations(data.schema, expected_columns, pseudonym_columns)
    frame = _to_pandas(table_name, data)
    results = _run_suite(table_name, frame, [expectation for expectation, _ in expectations])
    outcomes = tuple(
        _outcome(table_name, label, result, expected_columns)
        for (_, label), result in zip(expectations, results, strict=True)
    )
    return TableGateResult(
        table=table_name,
        rows=data.num_rows,
        success=all(outcome.success for outcome in outcomes),
        outcomes=outcomes,
    )


def validate_scanned_part(
    table_name: str,
    schema: pa.Schema,
    rows: int,
    expected_columns: Sequence[str],
    pseudonym_columns: Sequence[str],
    scan: Mapping[str, int],
) -> TableGateResult:
    """The same suite as `validate_table`, for a part whose rows were scanned as they were
    written (`transforms.extract.scan_batch`: Arrow's RE2 over every batch; counts per
    "<column>:<rule>"). Only the file's schema is read here: a 10M-row extract is never
    loaded into pandas. Same labels, same counts, same failure messages."""
    from transforms.extract import NULL_RULE
    from transforms.extract import PSEUDONYM_RULE as SCANNED_PSEUDONYM_RULE

    outcomes: list[ExpectationOutcome] = []

    def add(label: str, column: str | None, failing: int, detail: str = "") -> None:
        outcomes.append(
            ExpectationOutcome(
                table=table_name,
                expectation=label,
                column=column,
                success=failing == 0 and not detail,
                unexpected_count=failing,
                detail=detail,
            )
        )

    found = list(schema.names)
    schema_detail = (
        ""
        if found == list(expected_columns)
        else f"expected columns {list(expected_columns)}, found {found}"
    )
    add(SCHEMA_EXPECTATION, None, 0, schema_detail)
    for column in pseudonym_columns:
        if column not in found:
            add(COLUMN_EXISTS_EXPECTATION, column, 0, "pseudonym column is missing")
            continue
        add(COLUMN_EXISTS_EXPECTATION, column, 0)
        add("expect_column_values_to_not_be_null", column, scan.get(f"{column}:{NULL_RULE}", 0))
        add(
            f"expect_column_values_to_match_regex({PSEUDONYM_RULE})",
            column,
            scan.get(f"{column}:{SCANNED_PSEUDONYM_RULE}", 0),
        )
    for field in schema:
        if not is_text_type(field.type):
            continue
        for rule in RESIDUAL_IDENTIFIER_PATTERNS:
            add(
                f"expect_column_values_to_not_match_regex({rule})",
                field.name,
                scan.get(f"{field.name}:{rule}", 0),
            )
    return TableGateResult(
        table=table_name,
        rows=rows,
        success=all(outcome.success for outcome in outcomes),
        outcomes=tuple(outcomes),
    )


def is_text_type(data_type: pa.DataType) -> bool:
    """Whether a column holds text the residual-identifier scan must read."""
    if pa.types.is_dictionary(data_type):
        return is_text_type(data_type.value_type)
    return (
        pa.types.is_string(data_type)
        or pa.types.is_large_string(data_type)
        or pa.types.is_string_view(data_type)
    )


def _build_expectations(
    schema: pa.Schema,
    expected_columns: Sequence[str],
    pseudonym_columns: Sequence[str],
) -> list[tuple[Expectation, str]]:
    """The suite as (expectation, label) pairs; the label is what failure messages show."""
    import great_expectations as gx  # heavy (seconds): only when a gate actually runs

    pairs: list[tuple[Expectation, str]] = []

    def add(expectation_class: Any, label: str, **kwargs: Any) -> None:
        pairs.append((expectation_class(**kwargs, meta={_LABEL_KEY: label}), label))

    add(
        gx.expectations.ExpectTableColumnsToMatchOrderedList,
        SCHEMA_EXPECTATION,
        column_list=list(expected_columns),
    )
    for column in pseudonym_columns:
        add(gx.expectations.ExpectColumnToExist, COLUMN_EXISTS_EXPECTATION, column=column)
        if column not in schema.names:
            continue  # reported by expect_column_to_exist; value checks would only error
        add(
            gx.expectations.ExpectColumnValuesToNotBeNull,
            "expect_column_values_to_not_be_null",
            column=column,
        )
        add(
            gx.expectations.ExpectColumnValuesToMatchRegex,
            f"expect_column_values_to_match_regex({PSEUDONYM_RULE})",
            column=column,
            regex=PSEUDONYM_PATTERN,
        )
    text_columns = [field.name for field in schema if is_text_type(field.type)]
    for column in text_columns:
        for rule, pattern in RESIDUAL_IDENTIFIER_PATTERNS.items():
            add(
                gx.expectations.ExpectColumnValuesToNotMatchRegex,
                f"expect_column_values_to_not_match_regex({rule})",
                column=column,
                regex=pattern,
            )
    return pairs


def _to_pandas(table_name: str, data: pa.Table) -> pd.DataFrame:
    """Plain pandas (text becomes the `str` dtype); dictionary text is decoded first."""
    try:
        for index, field in enumerate(data.schema):
            if pa.types.is_dictionary(field.type) and is_text_type(field.type):
                decoded = data.column(index).cast(field.type.value_type)
                data = data.set_column(index, field.name, decoded)
        return data.to_pandas()
    except Exception as error:  # fail closed; the error text may quote a value: keep its type
        raise GateFailed(
            [f"table {table_name}: could not be read for validation ({type(error).__name__})"]
        ) from None


@cache
def _batch_definition() -> BatchDefinition:
    """One ephemeral GX context per process (startup takes seconds), DataFrame at run time."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    # Belt and braces with GX_ANALYTICS_ENABLED=false: no usage statistics.
    context.enable_analytics(False)
    # tqdm bars on stderr would clutter Airflow task logs.
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    asset = context.data_sources.add_pandas(_DATASOURCE_NAME).add_dataframe_asset(_ASSET_NAME)
    return asset.add_batch_definition_whole_dataframe(_BATCH_DEFINITION_NAME)


def _run_suite(table_name: str, frame: pd.DataFrame, expectations: list[Expectation]) -> list[Any]:
    """Validate and return GX's results in suite order; any GX error raises GateFailed."""
    import great_expectations as gx

    try:
        batch = _batch_definition().get_batch(batch_parameters={"dataframe": frame})
        suite = gx.ExpectationSuite(name=f"sovex_release_gate_{table_name}")
        for expectation in expectations:
            suite.add_expectation(expectation)
        validation = batch.validate(suite, result_format=dict(_RESULT_FORMAT))
    except Exception as error:  # fail closed: any GX failure is a gate failure
        logger.error("release gate: GX error on table %s (%s)", table_name, type(error).__name__)
        raise GateFailed(
            [f"table {table_name}: {SUITE_EXPECTATION} could not run ({type(error).__name__})"]
        ) from None

    results, problems = [], []
    for expectation in expectations:
        result, problem = _result_for(table_name, expectation, validation.results)
        results.append(result)
        if problem:
            problems.append(problem)
    if problems:
        logger.error("release gate: GX could not evaluate %d expectation(s)", len(problems))
        raise GateFailed(list(dict.fromkeys(problems)))  # duplicate column names repeat
    return results


def _result_for(
    table_name: str, expectation: Expectation, results: Sequence[Any]
) -> tuple[Any, str | None]:
    """The result of `expectation`, or a problem if it is missing or GX errored."""
    label = expectation.meta[_LABEL_KEY] if expectation.meta else ""
    column = getattr(expectation, "column", None)
    matching = [
        result
        for result in results
        if result.expectation_config.meta.get(_LABEL_KEY) == label
        and result.expectation_config.kwargs.get("column") == column
    ]
    where = f"table {table_name}" + (f", column {column}" if column else "")
    if len(matching) != 1:
        return None, f"{where}: {label} returned no single result"
    result = matching[0]
    if _raised_exception(result.exception_info) or result.success is None:
        return None, f"{where}: {label} could not be evaluated"
    return result, None


def _raised_exception(exception_info: Mapping[str, Any] | None) -> bool:
    """GX reports errors either flat or keyed by metric id; anything keyed is an error."""
    if not exception_info:
        return False
    if "raised_exception" in exception_info:
        return bool(exception_info["raised_exception"])
    return True


def _outcome(
    table_name: str, label: str, result: Any, expected_columns: Sequence[str]
) -> ExpectationOutcome:
    column = result.expectation_config.kwargs.get("column")
    details = result.result or {}
    detail = ""
    if label == SCHEMA_EXPECTATION and not result.success:
        found = details.get("observed_value") or []
        detail = f"expected columns {list(expected_columns)}, found {list(found)}"
    elif label == COLUMN_EXISTS_EXPECTATION and not result.success:
        detail = "pseudonym column is missing"
    return ExpectationOutcome(
        table=table_name,
        expectation=label,
        column=column,
        success=bool(result.success),
        unexpected_count=int(details.get("unexpected_count") or 0),
        detail=detail,
    )


K_ANONYMITY_EXPECTATION = "expect_k_anonymity_at_least"
CLASS_SIZE_COLUMN = "equivalence_class_size"


def validate_k_anonymity(
    table_name: str, data: pa.Table, quasi_identifiers: Sequence[str], k: int
) -> ExpectationOutcome:
    """k-anonymity as a Great Expectations check on the published person table: every
    record's equivalence-class size (over the published quasi-identifiers) is at least k.

    GX validates a derived frame holding only the class sizes (no patient value), with
    its built-in `expect_column_min_to_be_between`; `unexpected_count` is the shortfall.
    """
    import great_expectations as gx

    from anonymization.disclosure import equivalence_class_sizes

    sizes = equivalence_class_sizes(data, list(quasi_identifiers))
    frame = pd.DataFrame({CLASS_SIZE_COLUMN: sizes.to_numpy(zero_copy_only=False)})
    expectation = gx.expectations.ExpectColumnMinToBeBetween(
        column=CLASS_SIZE_COLUMN, min_value=k, meta={_LABEL_KEY: K_ANONYMITY_EXPECTATION}
    )
    [result] = _run_suite(f"{table_name}_k_anonymity", frame, [expectation])
    observed = int((result.result or {}).get("observed_value") or 0)
    return ExpectationOutcome(
        table=table_name,
        expectation=f"{K_ANONYMITY_EXPECTATION}_{k}",
        column=",".join(quasi_identifiers),
        success=bool(result.success) and data.num_rows > 0,
        unexpected_count=0 if result.success else max(k - observed, 1),
        detail=f"k achieved {observed}",
    )
