"""Great Expectations Data Docs for the release gate, published beside an extract.

`write_data_docs` runs the release-gate suite (the same expectations as
`release_gate.validate_table`, built by its own helpers) on each table through a fresh
ephemeral GX context, stores the validation results in that context's in-memory store and
builds GX's static HTML site (index.html, validations/, expectations/, static/) into
`out_dir`.

No patient value reaches the HTML:

- results are computed with the release gate's result format (BASIC, no partial
  unexpected list, no rows, no index query), so failures show as counts and percentages;
- before the site is rendered, every stored result is scrubbed again: any value-bearing
  key GX might still have filled is dropped, and exception messages and tracebacks
  (which may quote a value) are replaced by a fixed sentence.

The build makes no network call (analytics are disabled on the context; the caller also
sets GX_ANALYTICS_ENABLED=false), and neither do the pages it writes: GX's pages load
Bootstrap, jQuery, bootstrap-table, Font Awesome and Vega from public CDNs and its logo
from an AWS bucket, so `offline_html.make_site_offline` rewrites every page (scripts
dropped, the index tables written as plain HTML, sovex's own small stylesheet inlined,
the logo taken from the site's static/images) and the build fails closed (SovexError)
if any page or stylesheet still names an http(s) URL. The site opens from the extract
itself, offline, and never calls a host outside the EU store it was published to.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

import pyarrow as pa
import pyarrow.parquet as pq

from sovex.model.catalog import Role, SourceCatalog
from sovex.model.errors import InvalidInput, SovexError
from sovex.model.request import ExtractRequest
from transforms.offline_html import make_site_offline
from transforms.release_gate import _RESULT_FORMAT, _build_expectations, _to_pandas

_SITE_NAME: Final = "sovex_release_gate"
_DATASOURCE_NAME: Final = "sovex_release_gate"
_BATCH_DEFINITION_NAME: Final = "whole_table"
_RUN_NAME: Final = "sovex_release_gate"
# Same prefix as release_gate's suites, so pages and gate logs name suites alike.
_SUITE_PREFIX: Final = "sovex_release_gate_"
# Table names become GX suite/asset names and hence file paths in the site.
_TABLE_NAME_PATTERN: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
# Keys of an expectation result that can carry values from the data.
_VALUE_KEYS: Final = frozenset(
    {
        "partial_unexpected_list",
        "partial_unexpected_counts",
        "partial_unexpected_index_list",
        "unexpected_list",
        "unexpected_index_list",
        "unexpected_index_query",
        "unexpected_index_column_names",
        "unexpected_rows",
        "details",
    }
)
_WITHHELD: Final = "GX could not evaluate this expectation (message withheld: it may quote a value)"

Table = tuple[str, pa.Table, Sequence[str], Sequence[str]]
# The Data Docs show the suite on at most this many rows per table (the first ones); the
# gate itself scanned every row (`release_checks`). Keeps GX's pandas copy bounded.
DATA_DOCS_MAX_ROWS = 200_000


def write_gate_docs(
    request: ExtractRequest,
    catalog: SourceCatalog,
    parts: Sequence[Mapping[str, Any]],
    out_dir: Path,
) -> None:
    """The gate's Data Docs for an extract's table parts (no values), replacing any in
    `out_dir`."""
    shutil.rmtree(out_dir, ignore_errors=True)
    documented = []
    for name in sorted({p["table"] for p in parts} & set(catalog.tables)):
        data = first_rows([p["path"] for p in parts if p["table"] == name], DATA_DOCS_MAX_ROWS)
        columns = request.tables[name]
        spec = catalog.tables[name]
        pseudonyms = [c for c in columns if spec.columns[c].role is Role.PERSON_ID]
        documented.append((name, data, columns, pseudonyms))
    write_data_docs(documented, out_dir)


def first_rows(paths: Sequence[str], limit: int) -> pa.Table:
    """The first `limit` rows of the Parquet files at `paths`, read batch by batch."""
    batches: list[pa.RecordBatch] = []
    schema = pq.read_schema(paths[0])
    remaining = limit
    for path in paths:
        for batch in pq.ParquetFile(path).iter_batches(batch_size=min(remaining, 65_536)):
            batches.append(batch.slice(0, remaining))
            remaining -= min(remaining, batch.num_rows)
            if remaining == 0:
                return pa.Table.from_batches(batches, schema=schema)
    return pa.Table.from_batches(batches, schema=schema)


def write_data_docs(tables: Sequence[Table], out_dir: Path) -> Path:
    """Validate each (table_name, data, expected_columns, pseudonym_columns) with the
    release-gate suite and build GX Data Docs into `out_dir`; return its index.html.

    `out_dir` must not exist or be empty; the site is built in a sibling temporary
    directory and moved into place, so a failed build leaves nothing half-written.
    Table names must be unique and path-safe. GX errors are re-raised as SovexError
    naming only the exception type (GX messages may quote a value); a page left naming an
    http(s) URL raises `offline_html.ExternalUrlFound`.
    """
    out_dir = Path(out_dir)
    _check_inputs(tables, out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        site = staging / "site"
        _build_site(tables, site)
        index = site / "index.html"
        if not index.is_file():
            raise SovexError("data docs: GX built no index.html")
        make_site_offline(site)  # raises if any page would still call another host
        if out_dir.exists():
            out_dir.rmdir()  # empty (checked above); rename needs the name free
        site.rename(out_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return out_dir / "index.html"


def _check_inputs(tables: Sequence[Table], out_dir: Path) -> None:
    problems = []
    names = [name for name, *_ in tables]
    for name in dict.fromkeys(names):
        if not _TABLE_NAME_PATTERN.fullmatch(name):
            problems.append(
                f"data docs: table name {name!r} must be letters, digits, '_', '.' or '-'"
            )
        if names.count(name) > 1:
            problems.append(f"data docs: table {name!r} is listed more than once")
    if not tables:
        problems.append("data docs: no table to validate")
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        problems.append(f"data docs: {out_dir} must not exist or be an empty directory")
    if problems:
        raise InvalidInput(problems)


def _build_site(tables: Sequence[Table], site_dir: Path) -> None:
    with _quiet_gx():
        import great_expectations as gx
        from great_expectations.core.run_identifier import RunIdentifier

        context = _context(site_dir)
        datasource = context.data_sources.add_pandas(_DATASOURCE_NAME)
        run_id = RunIdentifier(run_name=_RUN_NAME)
        for table_name, data, expected_columns, pseudonym_columns in tables:
            expectations = _build_expectations(data.schema, expected_columns, pseudonym_columns)
            frame = _to_pandas(table_name, data)  # raises GateFailed (type only) if unreadable
            try:
                batch_definition = datasource.add_dataframe_asset(
                    table_name
                ).add_batch_definition_whole_dataframe(_BATCH_DEFINITION_NAME)
                suite = context.suites.add(gx.ExpectationSuite(name=_SUITE_PREFIX + table_name))
                for expectation, _label in expectations:
                    suite.add_expectation(expectation)
                definition = context.validation_definitions.add(
                    gx.ValidationDefinition(name=table_name, data=batch_definition, suite=suite)
                )
                # Stores the result in the context's (in-memory) validation results store.
                definition.run(
                    batch_parameters={"dataframe": frame},
                    result_format=dict(_RESULT_FORMAT),
                    run_id=run_id,
                )
            except Exception as error:  # GX messages may quote a value: keep the type only
                raise SovexError(
                    f"data docs: GX could not validate table {table_name} ({type(error).__name__})"
                ) from None
        try:
            _scrub_stored_results(context)
            context.build_data_docs(site_names=[_SITE_NAME])
        except Exception as error:
            raise SovexError(
                f"data docs: GX could not build the site ({type(error).__name__})"
            ) from None


def _context(site_dir: Path) -> Any:
    """A fresh ephemeral context whose only Data Docs site is `site_dir` on disk."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.enable_analytics(False)
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    # An ephemeral context comes with a "local_site" in a temp dir: keep only ours.
    for name in list(context.get_site_names()):
        context.delete_data_docs_site(name)
    context.add_data_docs_site(
        site_name=_SITE_NAME,
        site_config={
            "class_name": "SiteBuilder",
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(site_dir),
            },
            "site_index_builder": {
                "class_name": "DefaultSiteIndexBuilder",
                "show_cta_footer": False,
            },
        },
    )
    return context


def _scrub_stored_results(context: Any) -> None:
    """Drop value-bearing keys, exception texts and the data fingerprint from every result."""
    store = context.validation_results_store
    for key in store.list_keys():
        suite_result = store.get(key)
        markers = suite_result.meta.get("batch_markers")
        if isinstance(markers, dict):  # a hash of the patient rows has no place in the docs
            markers.pop("pandas_data_fingerprint", None)
        for result in suite_result.results:
            if isinstance(result.result, dict):
                for value_key in _VALUE_KEYS & result.result.keys():
                    del result.result[value_key]
            result.exception_info = _scrub_exception_info(result.exception_info)
        store.set(key, suite_result)


def _scrub_exception_info(info: Any) -> Any:
    """Same shape (flat or keyed by metric id), messages replaced, tracebacks removed."""
    if not isinstance(info, Mapping):
        return info
    if "raised_exception" in info:
        raised = bool(info.get("raised_exception"))
        return {
            "raised_exception": raised,
            "exception_message": _WITHHELD if raised else None,
            "exception_traceback": None,
        }
    return {metric: _scrub_exception_info(nested) for metric, nested in info.items()}


@contextmanager
def _quiet_gx() -> Iterator[None]:
    """Silence GX's own warnings only (pytest turns warnings into errors)."""
    with warnings.catch_warnings():
        for category in (DeprecationWarning, FutureWarning, UserWarning):
            warnings.filterwarnings("ignore", category=category, module=r"great_expectations\b")
        yield


__all__ = ["write_data_docs"]
