"""The steps of one `research_extract` run. Each DAG task is one call into this module.

Every step takes the run's typed context (`RunContext`; the DAG converts it to and from
XCom at its edges) and returns a small JSON-able record; data stays in the run's folder
(`RunFolder`). A step that fails records why in the folder's outcome (no patient data), so
`sovex run` can report the right exit code, and removes any local parts: a failed run
publishes nothing.

One module, long on purpose: the steps, in DAG order, each a short call into the library
that owns its logic; the run's bookkeeping they share (outcome, audit, life cycle) sits
above them, so the flow reads top to bottom.
"""

from __future__ import annotations

import functools
import logging
import subprocess
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

import sovex
from sovex.model.catalog import Role, SourceCatalog, load_catalog
from sovex.model.errors import (
    GateFailed,
    IntegrityError,
    PolicyRefused,
    error_record,
    exit_code_for,
)
from sovex.model.manifest import (
    ConsentRecord,
    GateRecord,
    Manifest,
    PolicyRecord,
    RetentionRecord,
    draft_manifest,
)
from sovex.model.request import ExtractRequest, load_request
from sovex.model.run import PartRecord, RunContext, RunFolder, make_extract_id
from sovex.model.settings import PROJECT_ROOT, Settings
from sovex.run_hygiene import HOLDER_DAG, make_state_private, run_lease
from sovex.run_progress import record_progress

if TYPE_CHECKING:
    from transforms.extract import WrittenPart
    from transforms.publish import LocalPart

LOG = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")


# Who acts in the audit log when the DAG runs (no person: the pipeline itself).
AUDIT_ACTOR = "research_extract"


def audit(settings: Settings, run: RunContext, action: str, detail: dict[str, Any]) -> None:
    """Append one record (ids, hashes and counts only: never patient data). It carries
    the time it is written, so the log stays in order; the run's logical date (a
    backfill's may be long past) is a field of its own."""
    from sovex.audit import AuditLog, default_log_path

    AuditLog(default_log_path(settings.state_dir)).append(
        AUDIT_ACTOR,
        action,
        run.extract_id,
        {
            "request_id": run.request_id,
            "logical_date": run.logical_date.isoformat(),
            **detail,
        },
    )


def run_folder(settings: Settings, extract_id: str) -> RunFolder:
    return RunFolder.under(settings.runs_dir, extract_id)


def record_outcome(folder: RunFolder, step: str, error: BaseException | None) -> None:
    """The run's outcome for `sovex run`: ok, or the failed step and its error's record
    (`error_record`: class, message, exit code; no patient data)."""
    outcome: dict[str, Any] = (
        {"ok": True} if error is None else {"ok": False, "step": step, **error_record(error)}
    )
    folder.write_record(folder.outcome_file, outcome)


def step(function: Callable[P, R]) -> Callable[P, R]:
    """Record a failing step's reason in the run folder and drop local parts, then re-raise."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        settings = args[0]
        run = args[1]
        assert isinstance(settings, Settings) and isinstance(run, RunContext)
        folder = run_folder(settings, run.extract_id)
        make_state_private(settings)
        record_progress(folder, {"step": function.__name__, "state": "started"})
        try:
            with run_lease(settings, run.extract_id, HOLDER_DAG):
                result = function(*args, **kwargs)
            record_progress(folder, {"step": function.__name__, "state": "done"})
            return result
        except BaseException as error:
            record_outcome(folder, function.__name__, error)
            _record_failed_progress(folder, function.__name__)
            folder.drop_parts()
            # The step's own failure must surface: a failure to record it is logged (its
            # kind only, never its text) and does not replace it.
            name, code = function.__name__, exit_code_for(error)
            try:
                audit(settings, run, "run_failed", {"step": name, "exit_code": code})
            except Exception as secondary:
                LOG.warning(
                    "step %s failed; appending its audit record failed too (%s)",
                    name,
                    type(secondary).__name__,
                )
            try:
                _finish_in_life_cycle(
                    settings, run, False, reason=f"step {name} failed (exit {code})"
                )
            except Exception as secondary:
                LOG.warning(
                    "step %s failed; recording it in the request life cycle failed too (%s)",
                    name,
                    type(secondary).__name__,
                )
            raise

    return wrapper


def _record_failed_progress(folder: RunFolder, step_name: str) -> None:
    # Progress is for the person watching: failing to write it never hides the failure.
    try:
        record_progress(folder, {"step": step_name, "state": "failed"})
    except OSError as secondary:
        LOG.warning(
            "step %s failed; recording its progress failed too (%s)",
            step_name,
            type(secondary).__name__,
        )


def _load(settings: Settings, run: RunContext) -> tuple[ExtractRequest, SourceCatalog]:
    """The request as approved (its file is re-checked against the run's hash) and its
    source's catalog."""
    request = load_request(run.request_file, settings.catalogs_dir, settings.targets_dir)
    if request.sha256() != run.request_sha256:
        raise IntegrityError(
            f"{run.request_file}: the request changed during the run (hash differs)"
        )
    return request, load_catalog(settings.catalogs_dir / f"{request.source}.yaml")


def code_version() -> str:
    """The package version and, in a checkout, the commit that ran."""
    try:
        commit = subprocess.run(
            ["git", "-C", str(PROJECT_ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            timeout=5,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = "unknown"
    return f"sovex {sovex.__version__} ({commit})"


# --- the steps --------------------------------------------------------------------------


def prepare_run(settings: Settings, request_id: str, logical_date: datetime) -> RunContext:
    """Name the run and check, before anything is read, that the request's current file is
    exactly what a steward approved; the request life cycle records the run's start."""
    from sovex.governance.store import RequestStore
    from sovex.governance.transitions import State
    from sovex.roles import SYSTEM_ACTOR

    store = RequestStore.for_settings(settings)
    status = store.get(request_id)  # UnknownRequest lists the submitted ids
    request_file = status.submission.request_file
    request = load_request(request_file, settings.catalogs_dir, settings.targets_dir)
    run = RunContext(
        request_file=request_file.resolve(),
        request_id=request.id,
        request_sha256=request.sha256(),
        project=request.project,
        extract_id=make_extract_id(request.id, logical_date),
        logical_date=logical_date.astimezone(UTC),
        tables=tuple(request.tables),
    )
    folder = run_folder(settings, run.extract_id)
    folder.create()
    folder.outcome_file.unlink(missing_ok=True)
    folder.progress_file.unlink(missing_ok=True)
    record_progress(folder, {"step": "prepare", "state": "started"})
    try:
        # The key is checked before anything is read: a run that cannot pseudonymise
        # must not read the source or the consent registry first.
        _project_key(settings, request.project)
    except BaseException as error:
        record_outcome(folder, "prepare", error)
        _record_failed_progress(folder, "prepare")
        raise
    last, approval = status.last_run, status.approval
    rerun_of_published = (
        status.state is State.PUBLISHED
        and last is not None
        and last.extract_id == run.extract_id
        and approval is not None
        and approval.request_sha256 == run.request_sha256
    )
    try:
        if not rerun_of_published:  # a rerun of a published run only re-checks, idempotently
            store.start_run(
                request.id,
                run.extract_id,
                request_sha256=run.request_sha256,
                actor=SYSTEM_ACTOR,
                at=datetime.now(UTC),
            )
    except BaseException as error:
        record_outcome(folder, "prepare", error)
        _record_failed_progress(folder, "prepare")
        raise
    audit(settings, run, "run_started", {"request_sha256": run.request_sha256})
    record_progress(folder, {"step": "prepare", "state": "done"})
    return run


def _finish_in_life_cycle(
    settings: Settings,
    run: RunContext,
    published: bool,
    *,
    manifest: str | None = None,
    retention_until: date | None = None,
    reason: str | None = None,
) -> None:
    from sovex.governance.store import RequestStore
    from sovex.roles import SYSTEM_ACTOR

    RequestStore.for_settings(settings).finish_run(
        run.request_id,
        run.extract_id,
        published,
        SYSTEM_ACTOR,
        datetime.now(UTC),
        manifest=manifest,
        retention_until=retention_until,
        reason=reason,
    )


@step
def decide_hosting(settings: Settings, run: RunContext) -> dict[str, Any]:
    """The hosting policy decision, then (allowed) the target's credentials resolved and
    its bucket asked what it can do: all before any source row is read; a refusal, missing
    credentials or a bucket that cannot hold the extract stops the run."""
    from sovex.storage_access import check_target_bucket, decide_for_target

    request, _ = _load(settings, run)
    decision, target, endpoint_url = decide_for_target(settings, request.target, request.purpose)
    record: dict[str, Any] = {
        "target": target.name,
        "provider": target.provider,
        "country": target.country,
        "allowed": decision.allowed,
        "reasons": [{"code": r.code, "message": r.message} for r in decision.reasons],
        "policy_bundle_sha256": decision.policy_bundle_sha256,
        "params": dict(decision.params),
    }
    folder = run_folder(settings, run.extract_id)
    folder.write_record(folder.policy_file, record)
    audit(
        settings,
        run,
        "policy_decision",
        {
            "target": target.name,
            "allowed": decision.allowed,
            "codes": [r.code for r in decision.reasons],
            "policy_bundle_sha256": decision.policy_bundle_sha256,
        },
    )
    if not decision.allowed:
        raise PolicyRefused(target.name, [r.message for r in decision.reasons])
    # Only an allowed target's credentials are read and its endpoint contacted.
    record["bucket"] = check_target_bucket(settings, target, endpoint_url)
    folder.write_record(folder.policy_file, record)
    audit(
        settings,
        run,
        "bucket_checked",
        {
            "target": target.name,
            "versioning": record["bucket"]["versioning"],
            "object_lock": record["bucket"]["object_lock"],
            "default_encryption": record["bucket"]["default_encryption"],
            "downgrades": [d["capability"] for d in record["bucket"]["downgrades"]],
        },
    )
    return record


@step
def select_consented_cohort(settings: Settings, run: RunContext) -> dict[str, Any]:
    """Cohort filters, then the consent gate on the consent registry as of the run date,
    in the regime the steward declared for the purpose. Writes the included ids."""
    from transforms.cohort import select_cohort
    from transforms.consent_regimes import load_regimes, regimes_file
    from transforms.consent_registry import apply_registry_consent
    from transforms.source import open_source

    request, catalog = _load(settings, run)
    source = open_source(settings.source_dir, settings.source_url)
    cohort = select_cohort(
        source, catalog.person_table, catalog.person_id_column, list(request.cohort)
    )
    index_dates = _concept_cohort(request, catalog, source)
    if index_dates is not None:
        cohort = pc.cast(cohort, pa.string())
        cohort = cohort.filter(pc.is_in(cohort, value_set=index_dates.column("person_id")))
    regimes = load_regimes(regimes_file(settings.infra_dir))
    known_by = datetime.now(UTC)
    outcome = apply_registry_consent(
        settings.consent_registry_db,
        regimes,
        cohort,
        request.purpose,
        run.as_of,
        known_by,
    )
    if len(outcome.included) == 0:
        # Nothing to assess or release: say why, in counts, before any table is read.
        raise GateFailed(
            [
                f"no patient to release: {len(cohort)} patient(s) match the cohort filters, "
                f"none of them with consent covering purpose {request.purpose!r} on "
                f"{run.as_of.isoformat()}"
                if len(cohort)
                else "no patient to release: no patient of the source matches the cohort filters"
            ]
        )
    folder = run_folder(settings, run.extract_id)
    folder.included_file.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table({"patient_id": outcome.included}), folder.included_file)
    if index_dates is not None:
        included = pc.is_in(index_dates.column("person_id"), value_set=outcome.included)
        pq.write_table(index_dates.filter(included), folder.index_dates_file)
    return {
        "regime": str(regimes.regime_for(request.purpose)),
        "purpose": request.purpose,
        "as_of": run.as_of.isoformat(),
        "known_by": known_by.isoformat(),
        "snapshot_sha256": outcome.snapshot_sha256,
        **outcome.counts(),
    }


def _concept_cohort(
    request: ExtractRequest, catalog: SourceCatalog, source: Any
) -> pa.Table | None:
    """The patients meeting the request's criteria by concept in its window (age at
    index applied) and their index dates; None when the request has no such criteria."""
    from transforms.concept_cohort import select_by_concepts
    from transforms.vocabulary import vocabulary_for

    group = request.cohort_criteria
    if group is None:
        return None
    wanted = [c for c in group.concept_criteria() if c.descendants]
    vocabulary = (
        vocabulary_for(source, catalog.vocabulary, [i for c in wanted for i in c.concept_ids])
        if wanted
        else None
    )
    return select_by_concepts(
        source, catalog, group, vocabulary, request.criteria_window(), request.age_at_index
    )


@step
def assess_disclosure(settings: Settings, run: RunContext) -> dict[str, Any]:
    """k-anonymity on the person-level view of the extract (`anonymization.assessment`):
    generalise within the steward's hierarchies, suppress small classes up to the
    request's cap, or stop."""
    import pyarrow.dataset as ds

    from anonymization.assessment import assess, unassessed_record
    from transforms.source import open_source

    request, catalog = _load(settings, run)
    folder = run_folder(settings, run.extract_id)
    person = catalog.tables[catalog.person_table]
    person_id = catalog.person_id_column
    quasi_identifiers = {
        name: str(person.columns[name].hierarchy)
        for name in request.tables.get(catalog.person_table, [])
        if person.columns[name].role is Role.QUASI_IDENTIFIER
    }
    included = pq.read_table(folder.included_file).column("patient_id").combine_chunks()
    record = unassessed_record(list(quasi_identifiers), request.k_threshold, len(included))
    if quasi_identifiers:
        source = open_source(settings.source_dir, settings.source_url)
        batches = source.batches(
            catalog.person_table,
            [person_id, *quasi_identifiers],
            filter=ds.field(person_id).isin(
                included.cast(source.schema(catalog.person_table).field(person_id).type)
            ),
        )
        assessment = assess(
            pa.Table.from_batches(list(batches)),
            included,
            person_id,
            quasi_identifiers,
            {name: str(person.columns[name].max_level) for name in quasi_identifiers},
            request.k_threshold,
            request.max_suppression,
        )
        pq.write_table(pa.table({"patient_id": assessment.kept_ids}), folder.included_file)
        record = assessment.record
    record["events"] = _assess_events(settings, run, request, catalog, folder, record)
    if (
        record["events"] is not None
        and (
            record["events"]["date_granularity"] != "day"
            or set(record["events"].get("stay_levels", {}).values()) - {"dates"}
        )
        and request.free_text_mode == "surrogates"
        and _free_text_columns(request, catalog)
    ):
        # Surrogate dates in notes are exact shifted dates: they would give back what the
        # event gate just coarsened.
        raise GateFailed(
            [
                "event risk: dates are published at "
                f"{record['events']['date_granularity']} granularity (stays' ends: "
                f"{record['events'].get('stay_levels') or 'dates'}), but free_text_mode "
                "surrogates writes exact shifted dates in the notes; use free_text_mode tags"
            ]
        )
    if record["events"] is not None:
        # The release's risk is the larger of the person-level and the event-level one.
        for name in ("max_prosecutor_risk", "avg_prosecutor_risk"):
            record[name] = max(record[name], record["events"][name])
    folder.write_record(folder.disclosure_file, record)
    return record


def _assess_events(
    settings: Settings,
    run: RunContext,
    request: ExtractRequest,
    catalog: SourceCatalog,
    folder: RunFolder,
    person_record: dict[str, Any],
) -> dict[str, Any] | None:
    """LKC-privacy over the requested event tables the adversary may know rows of
    (`transforms.event_release`), searched jointly with coarser person levels when the
    person step's own are too fine for the events. Updates `person_record` with the
    person levels chosen; None when the request publishes no such table."""
    import pyarrow.dataset as ds

    from transforms import event_release
    from transforms.source import open_source

    tables = event_release.event_tables(catalog, request.tables)
    if not tables:
        return None
    source = open_source(settings.source_dir, settings.source_url)
    person_id = catalog.person_id_column
    kept = pq.read_table(folder.included_file).column("patient_id").combine_chunks()
    quasi_identifiers = list(person_record["quasi_identifiers"])
    columns = [person_id, *quasi_identifiers]
    view = pa.Table.from_batches(
        list(
            source.batches(
                catalog.person_table,
                columns,
                filter=ds.field(person_id).isin(
                    kept.cast(source.schema(catalog.person_table).field(person_id).type)
                ),
            )
        ),
        schema=pa.schema([source.schema(catalog.person_table).field(c) for c in columns]),
    )
    # The gate sees dates as published (shifted); it needs no pseudonym.
    known = event_release.read_known_tables(
        source,
        catalog,
        {table: request.tables[table] for table in tables},
        _project_key(settings, request.project),
        kept,
        (request.period.start, request.period.end),
    )
    person = catalog.tables[catalog.person_table]
    record = event_release.assess_with_person_levels(
        known,
        view,
        person_id,
        {name: str(person.columns[name].hierarchy) for name in quasi_identifiers},
        {name: str(person.columns[name].max_level) for name in quasi_identifiers},
        person_record,
        catalog.events_known,
        request.k_threshold,
        request.max_event_suppression,
        folder.suppressed_events_file,
        folder.event_index_file,
    )
    # Later extracts of the same cohort are assessed together with this one (check_release).
    period = [request.period.start.isoformat(), request.period.end.isoformat()]
    return {**record, "cohort_sha256": request.cohort_sha256(), "period": period}


def _quasi_identifier_levels(
    folder: RunFolder, catalog: SourceCatalog, table: str
) -> dict[str, Callable[[pa.Array], pa.Array]]:
    """The level functions the disclosure step chose, for this table's quasi-identifiers."""
    if table != catalog.person_table:
        return {}
    return _quasi_identifier_levels_from(folder.read_record(folder.disclosure_file), catalog)


def _quasi_identifier_levels_from(
    disclosure: dict[str, Any], catalog: SourceCatalog
) -> dict[str, Callable[[pa.Array], pa.Array]]:
    from anonymization.assessment import level_functions

    spec = catalog.tables[catalog.person_table]
    kinds = {
        name: str(column.hierarchy)
        for name, column in spec.columns.items()
        if column.role is Role.QUASI_IDENTIFIER
    }
    return level_functions(disclosure, kinds)


def _project_key(settings: Settings, project: str) -> bytes:
    from anonymization.keys import derive_project_key, load_master_key

    return derive_project_key(
        load_master_key(settings.master_key_file, settings.master_key_hex), project
    )


def _free_text_columns(request: ExtractRequest, catalog: SourceCatalog) -> list[str]:
    return [
        f"{table}.{column}"
        for table, columns in sorted(request.tables.items())
        for column in columns
        if catalog.tables[table].columns[column].role is Role.FREE_TEXT
    ]


# A table is never cut into more pieces than this, whatever its size.
MAX_PARTITIONS = 64


@step
def plan_partitions(settings: Settings, run: RunContext) -> list[dict[str, Any]]:
    """The pieces the requested tables are extracted in: one per `partition_rows` rows
    (at least one per table). Each is one mapped task; their union is the table.

    The included patients' pseudonyms and date shifts are computed here, once per run,
    for every partition to read (two HMACs per patient: about a second per 100k)."""
    from anonymization.pseudonyms import patient_keys
    from transforms.source import open_source

    request, _ = _load(settings, run)
    folder = run_folder(settings, run.extract_id)
    included = pq.read_table(folder.included_file).column("patient_id")
    keys = patient_keys(_project_key(settings, request.project), included)
    # Under parts/: removed with them when the run publishes or fails.
    folder.patient_keys_file.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(
        pa.table({"id": keys.ids, "pseudonym": keys.pseudonyms, "shift": keys.shifts}),
        folder.patient_keys_file,
    )
    source = open_source(settings.source_dir, settings.source_url)
    plan = []
    for table in run.tables:
        rows = source.row_count(table)
        count = min(max(-(-rows // settings.partition_rows), 1), MAX_PARTITIONS)
        plan += [{"table": table, "index": index, "count": count} for index in range(count)]
    return plan


@step
def extract_table(
    settings: Settings,
    run: RunContext,
    table: str,
    partition_index: int = 0,
    partition_count: int = 1,
) -> list[PartRecord]:
    """One table (or one partition of it): cohort rows, requested columns, pseudonymised,
    shifted, generalised, scanned for residual identifiers."""
    from anonymization.pseudonyms import PatientKeys
    from transforms.extract import extract_table as write_table_parts
    from transforms.free_text import text_scrubber
    from transforms.source import open_source
    from transforms.source_base import Partition

    request, catalog = _load(settings, run)
    folder = run_folder(settings, run.extract_id)
    # The included patients and their keys, as plan_partitions computed them.
    computed = pq.read_table(folder.patient_keys_file)
    keys = PatientKeys(
        ids=computed["id"].combine_chunks(),
        pseudonyms=computed["pseudonym"].combine_chunks(),
        shifts=computed["shift"].combine_chunks(),
    )
    release = None
    disclosure = folder.read_record(folder.disclosure_file)
    if disclosure.get("events") and table in disclosure["events"]["tables"]:
        from transforms.event_release import EventRelease

        release = EventRelease.from_record(
            disclosure["events"],
            catalog.tables[table],
            request.tables[table],
            folder.suppressed_events_file,
            folder.event_index_file,
        )
    source = open_source(settings.source_dir, settings.source_url)
    parts = write_table_parts(
        source=source,
        table=catalog.tables[table],
        person_id_column=catalog.person_id_column,
        columns=request.tables[table],
        included_ids=keys.ids,
        period=(request.period.start, request.period.end),
        project_key=_project_key(settings, request.project),
        out_dir=folder.table_dir(table),
        scrub_text=text_scrubber(request.free_text_mode),
        free_text_mode=request.free_text_mode,
        quasi_identifier_levels=_quasi_identifier_levels(folder, catalog, table),
        partition=Partition(partition_index, partition_count),
        keys=keys,
        event_release=release,
        derived=_derived_inputs(folder, catalog, request, table, keys, source, disclosure),
    )
    record_progress(
        folder,
        {
            "step": "extract_table",
            "state": "rows",
            "table": table,
            "rows": sum(part.rows for part in parts),
            "partitions": partition_count,
        },
    )
    return [_part_record(part) for part in parts]


def _derived_inputs(
    folder: RunFolder,
    catalog: SourceCatalog,
    request: ExtractRequest,
    table: str,
    keys: Any,
    source: Any,
    disclosure: dict[str, Any],
) -> Any:
    """Births (at the gate's level) and index dates for this table's derived columns,
    aligned with the included patients' keys; None when it requests none."""
    import pyarrow.dataset as ds

    from transforms.extract import DerivedInputs

    spec = catalog.tables[table]
    roles = {spec.columns[c].role for c in request.tables[table]}
    if not roles & {Role.AGE_AT_EVENT, Role.DAYS_SINCE_INDEX}:
        return None
    births = birth_level = index_dates = None
    person_id = catalog.person_id_column
    if Role.AGE_AT_EVENT in roles and catalog.birth_column is not None:
        id_type = source.schema(catalog.person_table).field(person_id).type
        rows = pa.Table.from_batches(
            list(
                source.batches(
                    catalog.person_table,
                    [person_id, catalog.birth_column],
                    filter=ds.field(person_id).isin(keys.ids.cast(id_type)),
                )
            ),
            schema=pa.schema(
                [
                    source.schema(catalog.person_table).field(c)
                    for c in (person_id, catalog.birth_column)
                ]
            ),
        )
        where = pc.index_in(keys.ids, value_set=rows.column(person_id).cast(pa.string()))
        births = rows.column(catalog.birth_column).combine_chunks().take(where)
        birth_level = disclosure["generalisation"].get(catalog.birth_column)
        if birth_level is None:
            raise GateFailed([f"age at event: the gate chose no level for {catalog.birth_column}"])
    if Role.DAYS_SINCE_INDEX in roles:
        indexed = pq.read_table(folder.index_dates_file)
        where = pc.index_in(keys.ids, value_set=indexed.column("person_id"))
        index_dates = indexed.column("index_date").combine_chunks().take(where)
    return DerivedInputs(births=births, birth_level=birth_level, index_dates=index_dates)


def _part_record(part: WrittenPart) -> PartRecord:
    """A written file as the steps hand it on (its scan, for a table part, included)."""
    return PartRecord(
        table=part.table,
        path=str(part.path),
        rows=part.rows,
        bytes=part.bytes,
        sha256=part.sha256,
        scan=part.scan,
    )


@step
def build_aggregates(
    settings: Settings, run: RunContext, parts: list[PartRecord]
) -> list[PartRecord]:
    """Counts of distinct patients by group, from the published (generalised, shifted)
    tables, with a total row and small cells hidden (`transforms.release_checks`)."""
    from transforms.extract import write_table_file
    from transforms.release_checks import AGGREGATES_PREFIX, patient_counts

    request, catalog = _load(settings, run)
    directory = run_folder(settings, run.extract_id).table_dir(AGGREGATES_PREFIX)
    written = []
    for aggregate in request.aggregates:
        counts = patient_counts(
            [p["path"] for p in parts if p["table"] == aggregate.table],
            aggregate.by,
            catalog.person_id_column,
            request.small_cell_threshold,
            request.small_cell_rounding,
        )
        part = write_table_file(
            counts, f"{AGGREGATES_PREFIX}/{aggregate.name}", directory / aggregate.name
        )
        written.append(_part_record(part))
    return written


@step
def check_release(settings: Settings, run: RunContext, parts: list[PartRecord]) -> dict[str, Any]:
    """The release gate over every part (`transforms.release_checks`); any failure stops
    the run before publishing."""
    from transforms.gate_docs import write_gate_docs
    from transforms.release_checks import check_parts, sensitive_l_diversity

    request, catalog = _load(settings, run)
    folder = run_folder(settings, run.extract_id)
    disclosure = folder.read_record(folder.disclosure_file)
    # The included cohort is the consented one less the suppressed records.
    cohort_size = pq.read_metadata(folder.included_file).num_rows
    checked = check_parts(request, catalog, parts, disclosure["quasi_identifiers"], cohort_size)
    if disclosure.get("events"):
        published = _verify_events(settings, request, catalog, parts, disclosure, folder)
        disclosure["events"]["published"] = published
        if published["patients_below_k"]:
            checked.failures.append(
                f"event risk on the published files: {published['patients_below_k']} "
                f"patient(s) share what an adversary knowing {catalog.events_known} of their "
                f"events sees with fewer than {request.k_threshold - 1} others"
            )
        union = published["across_extracts"]
        if union["patients_below_k"]:
            checked.failures.append(
                f"event risk across extracts: with the project's {union['earlier_extracts']} "
                f"earlier extract(s), which share its pseudonyms, {union['patients_below_k']} "
                f"patient(s) share what an adversary knowing {catalog.events_known} of their "
                f"events sees with fewer than {request.k_threshold - 1} others"
            )
    audit(
        settings,
        run,
        "gate_result",
        {
            "success": not checked.failures,
            "failures": len(checked.failures),
            "k_threshold": request.k_threshold,
            "k_achieved": disclosure["k_achieved"],
            "suppressed_records": disclosure["suppressed_records"],
        },
    )
    if checked.failures:
        raise GateFailed(checked.failures)
    write_gate_docs(request, catalog, parts, folder.table_dir(DATA_DOCS_DIR))
    # Kept category labels are an internal replay detail, not part of the gate record.
    gate = {name: value for name, value in disclosure.items() if name != "kept_categories"}
    l_diversity = sensitive_l_diversity(
        catalog, disclosure["quasi_identifiers"], checked.persons, parts
    )
    return {
        **gate,
        "l_diversity": l_diversity,
        "success": True,
        "expectations": checked.expectations,
        "data_docs": f"{DATA_DOCS_DIR}/index.html",
    }


DATA_DOCS_DIR = "_gate_docs"


def _verify_events(
    settings: Settings,
    request: ExtractRequest,
    catalog: SourceCatalog,
    parts: list[PartRecord],
    disclosure: dict[str, Any],
    folder: RunFolder,
) -> dict[str, Any]:
    """The event risk recomputed on the published parts (what leaves, not the plan), and
    with the project's earlier extracts of the same cohort (`across_extracts`), which
    share its pseudonyms."""
    from anonymization.keys import key_fingerprint
    from sovex.storage_access import publishing_client
    from transforms.download import download_tables, list_extracts
    from transforms.event_release import known_columns
    from transforms.published_event_risk import (
        PublishedFiles,
        verify_published,
        verify_with_earlier,
    )

    pseudonym = catalog.person_id_column
    tables = list(disclosure["events"]["tables"])

    def files(
        columns: dict[str, list[str]],
        paths: dict[str, list[str]],
        quasi: list[str],
        period: list[str] | None,
        person_levels: dict[str, str],
    ) -> PublishedFiles:
        linked = [t for t in tables if pseudonym in columns.get(t, [])]
        return PublishedFiles(
            person_parts=paths.get(catalog.person_table, [])
            if pseudonym in columns.get(catalog.person_table, [])
            else [],
            quasi_identifiers=quasi,
            event_parts={table: paths.get(table, []) for table in linked},
            known={
                table: [
                    name
                    for group in known_columns(catalog.tables[table], columns[table])
                    for name in group
                ]
                for table in linked
            },
            period=(period[0], period[1]) if period else None,
            person_levels=person_levels,
        )

    paths: dict[str, list[str]] = {}
    for part in parts:
        paths.setdefault(part["table"], []).append(part["path"])
    current = files(
        dict(request.tables),
        paths,
        list(disclosure["quasi_identifiers"]),
        disclosure["events"]["period"],
        dict(disclosure["generalisation"]),
    )
    record = verify_published(current, pseudonym, catalog.events_known, request.k_threshold)

    s3, target, _ = publishing_client(settings, request.target)
    fingerprint = key_fingerprint(_project_key(settings, request.project))
    earlier = []
    for manifest in list_extracts(s3, target.bucket, request.project):
        events = manifest.release_gate.events
        if not events or events.get("cohort_sha256") != disclosure["events"]["cohort_sha256"]:
            continue  # another cohort, or published before the event gate (docs/release-risk.md)
        if manifest.key_fingerprint != fingerprint:
            continue  # another project key: no pseudonym in common
        if manifest.extract_id == folder.path.name:
            continue  # this very extract, committed before a failure: its rerun finishes it
        wanted = {catalog.person_table, *tables} & set(manifest.tables)
        downloaded = download_tables(
            s3, target.bucket, manifest, wanted, folder.parts_dir / "_earlier" / manifest.extract_id
        )
        columns = {
            table: list(pq.read_schema(table_paths[0]).names)
            for table, table_paths in downloaded.items()
        }
        earlier_paths = {t: [str(p) for p in table_paths] for t, table_paths in downloaded.items()}
        quasi = list(manifest.release_gate.quasi_identifiers)
        levels = dict(manifest.release_gate.generalisation)
        earlier.append(files(columns, earlier_paths, quasi, events.get("period"), levels))
    record["across_extracts"] = verify_with_earlier(
        current, earlier, pseudonym, catalog.events_known, request.k_threshold
    )
    return record


def _data_docs_parts(folder: RunFolder) -> list[PartRecord]:
    from transforms.extract import sha256_of

    return [
        PartRecord(
            table=DATA_DOCS_DIR,
            path=str(path),
            rows=0,
            bytes=path.stat().st_size,
            sha256=sha256_of(path),
            key=path.relative_to(folder.parts_dir).as_posix(),
        )
        for path in sorted(folder.table_dir(DATA_DOCS_DIR).rglob("*"))
        if path.is_file()
    ]


def _grant_member_access(
    settings: Settings, target: Any, project: str, retention_until: date
) -> None:
    """Each member named on the project gets (or keeps) their own read-only credential,
    now reading this extract too (`sovex.member_access`). Other stores get the project's
    grant as a bucket policy, applied by their operator."""
    from sovex.member_access import issue_member_credentials

    if target.credentials.source != "local-storage":
        return
    # A credential's life is counted from when it is handed out, not from the run's
    # logical date (a backfill's may be long past).
    issue_member_credentials(
        settings,
        project,
        target.bucket,
        datetime.now(UTC),
        AUDIT_ACTOR,
        retention_until=retention_until,
    )


@step
def publish(
    settings: Settings,
    run: RunContext,
    parts: list[PartRecord],
    policy: dict[str, Any],
    consent: dict[str, Any],
    gate: dict[str, Any],
) -> dict[str, Any]:
    """Upload the parts and the manifest, last. The policy is decided again right here."""
    from anonymization.keys import key_fingerprint
    from sovex.model.target import OBJECT_LOCK
    from sovex.storage_access import publishing_client
    from transforms.download import manifest_pin
    from transforms.publish import (
        LOCK_MODE,
        NO_LOCK_MODE,
        extract_prefix,
        object_lock_enabled,
        publish_extract,
        retention_deadline,
    )
    from transforms.release_checks import AGGREGATES_PREFIX

    request, catalog = _load(settings, run)
    s3, target, decision = publishing_client(settings, request.target)
    # Locked whenever the bucket can lock; without lock only under a declared downgrade
    # (publish_extract refuses an unlocked bucket otherwise).
    lock = object_lock_enabled(s3, target.bucket) or target.downgraded(OBJECT_LOCK) is None
    folder = run_folder(settings, run.extract_id)
    prefix = extract_prefix(request.project, run.extract_id)
    retain_until = retention_deadline(request.retention_until)
    local_parts = _local_parts([*parts, *_data_docs_parts(folder)])
    local_parts += _codebook_parts(settings, run, request, catalog, local_parts, consent, gate)
    draft = draft_manifest(
        run,
        request,
        code_version=code_version(),
        bucket=target.bucket,
        prefix=prefix,
        key_fingerprint=key_fingerprint(_project_key(settings, request.project)),
        policy=PolicyRecord(
            **{
                **policy,
                "policy_bundle_sha256": decision.policy_bundle_sha256,
                "params": dict(decision.params),
            }
        ),
        consent=ConsentRecord(**consent),
        gate=GateRecord(**gate),
        retention=RetentionRecord(
            until=request.retention_until.isoformat(),
            locked_until=retain_until.isoformat(),
            mode=LOCK_MODE if lock else NO_LOCK_MODE,
        ),
        free_text_columns=_free_text_columns(request, catalog),
        published_tables=[
            *request.tables,
            *(f"{AGGREGATES_PREFIX}/{a.name}" for a in request.aggregates),
        ],
        parts=[(part.table, part.rows) for part in local_parts],
    )
    manifest = publish_extract(
        s3,
        target.bucket,
        prefix,
        local_parts,
        draft.with_files,
        run.request_sha256,
        retain_until,
        lock=lock,
    )
    manifest_url = f"s3://{target.bucket}/{prefix}/_manifest.json"
    # The version written is the publication: readers check they read that one.
    pin = manifest_pin(s3, target.bucket, prefix)
    result = _published_result(manifest, manifest_url, consent, gate)
    folder.write_record(folder.result_file, result)
    audit(
        settings,
        run,
        "extract_published",
        {
            "manifest": manifest_url,
            "manifest_version_id": pin.version_id,
            "manifest_sha256": pin.sha256,
            "files": len(manifest.files),
            "request_sha256": manifest.request_sha256,
            "key_fingerprint": manifest.key_fingerprint,
            "locked_until": manifest.retention.locked_until,
        },
    )
    _grant_member_access(settings, target, request.project, request.retention_until)
    _finish_in_life_cycle(
        settings, run, True, manifest=manifest_url, retention_until=request.retention_until
    )
    record_outcome(folder, "publish", None)
    folder.drop_parts()
    return result


def _codebook_parts(
    settings: Settings,
    run: RunContext,
    request: ExtractRequest,
    catalog: SourceCatalog,
    parts: list[LocalPart],
    consent: dict[str, Any],
    gate: dict[str, Any],
) -> list[LocalPart]:
    """The extract's codebook (`transforms.codebook`), written into the run's folder from
    the published tables' schemas and the gates' records, as parts at the extract's root."""
    from transforms.codebook import (
        CODEBOOK_TABLE,
        ExtractFacts,
        PublishedTable,
        write_codebook,
    )
    from transforms.extract import sha256_of
    from transforms.publish import LocalPart
    from transforms.release_checks import AGGREGATES_PREFIX

    names = [*request.tables, *(f"{AGGREGATES_PREFIX}/{a.name}" for a in request.aggregates)]
    tables = []
    for name in names:
        files = [part for part in parts if part.table == name]
        if not files:
            continue
        tables.append(
            PublishedTable(
                name=name,
                parts=tuple((part.relative_key, part.rows) for part in files),
                schema=pq.read_schema(files[0].path),
            )
        )
    facts = ExtractFacts(
        extract_id=run.extract_id,
        project=request.project,
        request_id=request.id,
        purpose=request.purpose,
        legal_basis=request.legal_basis,
        regime=str(consent.get("regime", "")),
        period=(request.period.start, request.period.end),
        logical_date=run.logical_date.astimezone(UTC).isoformat(),
        k_threshold=request.k_threshold,
        small_cell_threshold=request.small_cell_threshold,
        small_cell_rounding=request.small_cell_rounding,
        free_text_mode=request.free_text_mode,
        aggregates={a.name: (a.table, tuple(a.by)) for a in request.aggregates},
    )
    folder = run_folder(settings, run.extract_id)
    paths = write_codebook(folder.table_dir(CODEBOOK_TABLE), facts, tables, catalog, gate)
    return [
        LocalPart(
            table=CODEBOOK_TABLE,
            path=path,
            rows=0,
            bytes=path.stat().st_size,
            sha256=sha256_of(path),
            key=path.name,
        )
        for path in paths
    ]


def _local_parts(parts: list[PartRecord]) -> list[LocalPart]:
    from transforms.publish import LocalPart

    return [
        LocalPart(
            table=p["table"],
            path=Path(p["path"]),
            rows=p["rows"],
            bytes=p["bytes"],
            sha256=p["sha256"],
            key=p.get("key"),
        )
        for p in parts
    ]


# What `sovex run` reports of the release gate.
REPORTED_GATE_FIELDS = (
    "quasi_identifiers",
    "generalisation",
    "k_threshold",
    "k_achieved",
    "suppressed_records",
    "max_prosecutor_risk",
)
# What the run's result says of the event gate (the manifest has the whole record).
REPORTED_EVENT_FIELDS = (
    "events_known",
    "date_granularity",
    "stay_levels",
    "attribute_levels",
    "events_kept_share",
    "full_knowledge_unique_share",
)


def _published_result(
    manifest: Manifest, manifest_url: str, consent: dict[str, Any], gate: dict[str, Any]
) -> dict[str, Any]:
    """The run's result for `sovex run` (ids, counts and decisions; no patient data)."""
    return {
        "extract_id": manifest.extract_id,
        "manifest": manifest_url,
        "bucket": manifest.bucket,
        "prefix": manifest.prefix,
        "tables": manifest.tables,
        "consent": consent,
        "retention": manifest.retention.model_dump(),
        "release_gate": {
            **{name: gate[name] for name in REPORTED_GATE_FIELDS},
            "events": {name: gate["events"][name] for name in REPORTED_EVENT_FIELDS}
            if gate.get("events")
            else None,
        },
    }
