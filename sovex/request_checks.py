"""What `sovex request validate` (and `submit`) check beyond the file itself: everything
the run will check that needs no patient data, so a request that validates does not fail
on a setting, a type or a limit half an hour into its run.

- the project is registered and the requester is one of its members
  (`sovex.governance.projects`);
- the purpose has a consent regime (`infra/consent/regimes.yaml`);
- the hosting target file is valid, the hosting policy allows it and its credentials
  resolve (the environment variables are set, the file is owner-only, the Airflow
  connection exists);
- the source holds every catalogued column of the requested tables, and each cohort
  filter's values have the type of the column they are compared with (a quoted date
  against a date column would reach Arrow as text and stop the run).

Only schemas are read from the source, never a row.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyarrow as pa

from sovex.model.errors import InvalidInput, SovexError
from sovex.model.request import CohortFilter, ExtractRequest, FilterOp, load_request
from sovex.model.settings import Settings


def check_request(settings: Settings, path: Path) -> ExtractRequest:
    """The request in `path`, checked as the run will check it; InvalidInput lists every
    problem, each naming the file and the field."""
    request = load_request(path, settings.catalogs_dir, settings.targets_dir)
    problems = (
        _project_problems(settings, path, request)
        + _purpose_problems(settings, path, request)
        + _target_problems(settings, path, request)
        + _source_problems(settings, path, request)
    )
    if problems:
        raise InvalidInput(problems)
    return request


def _project_problems(settings: Settings, path: Path, request: ExtractRequest) -> list[str]:
    from sovex.governance.projects import ProjectRefused, ProjectRegistry
    from sovex.roles import load_roles, roles_path

    registry = ProjectRegistry(settings.state_dir, load_roles(roles_path(settings.infra_dir)))
    try:
        registry.require_member(request.project, request.requester, "name it in a request")
    except ProjectRefused as error:
        return [f"{path}: field 'project': {error}"]
    return []


def _purpose_problems(settings: Settings, path: Path, request: ExtractRequest) -> list[str]:
    from transforms.consent_regimes import load_regimes, regimes_file

    try:
        load_regimes(regimes_file(settings.infra_dir)).regime_for(request.purpose)
    except SovexError as error:
        return [f"{path}: field 'purpose': {error}"]
    return []


def _target_problems(settings: Settings, path: Path, request: ExtractRequest) -> list[str]:
    from policies.evaluator import evaluate_target
    from sovex.model.target import load_target
    from sovex.target_credentials import resolve_target_credentials

    try:
        target = load_target(settings.targets_dir / f"{request.target}.yaml")
    except InvalidInput as error:
        return [f"{path}: field 'target': {problem}" for problem in error.problems]
    decision = evaluate_target(target, params=settings.policy_params(request.purpose))
    if not decision.allowed:
        reasons = "; ".join(reason.message for reason in decision.reasons)
        return [f"{path}: field 'target': the hosting policy refuses {target.name!r}: {reasons}"]
    try:
        # Where the run will find them (this process's environment, the file, Airflow's
        # connection); the bucket itself is asked only by the run, before any read.
        resolve_target_credentials(settings, target)
    except SovexError as error:
        return [f"{path}: field 'target': {error}"]
    return []


def _source_problems(settings: Settings, path: Path, request: ExtractRequest) -> list[str]:
    from sovex.model.catalog import load_catalog
    from transforms.source import open_source
    from transforms.source_base import check_columns

    catalog = load_catalog(settings.catalogs_dir / f"{request.source}.yaml")
    source = open_source(settings.source_dir, settings.source_url)
    where = settings.source_url or str(settings.source_dir)
    schemas: dict[str, pa.Schema] = {}
    problems = []
    for table in sorted({*request.tables, *(f.table for f in request.cohort)}):
        try:
            schema = source.schema(table)
            check_columns(table, where, schema, list(catalog.tables[table].columns))
        except SovexError as error:
            problems.append(f"{path}: field 'source': {error}")
            continue
        schemas[table] = schema
    for index, cohort_filter in enumerate(request.cohort):
        schema = schemas.get(cohort_filter.table)
        if schema is not None:
            problems += [
                f"{path}: field 'cohort.{index}.values': {problem}"
                for problem in filter_type_problems(cohort_filter, schema)
            ]
    return problems


def filter_type_problems(cohort_filter: CohortFilter, schema: pa.Schema) -> list[str]:
    """Why the filter's values cannot be compared with its column, if they cannot."""
    column = f"{cohort_filter.table}.{cohort_filter.column}"
    kind = schema.field(cohort_filter.column).type
    if cohort_filter.op is FilterOp.STARTS_WITH:
        if not (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
            return [f"starts_with applies to text columns; {column} is {_kind_name(kind)}"]
        texts = all(isinstance(value, str) for value in cohort_filter.values)
        return [] if texts else [_text_hint(column)]
    expected = _kind_name(kind)
    wrong = [value for value in cohort_filter.values if not _value_fits(value, kind)]
    if not wrong:
        return []
    if expected == "a date":
        return [f"{column} is a date: write dates as YYYY-MM-DD, without quotes"]
    if expected == "text":
        return [_text_hint(column)]
    return [f"{column} is {expected}: every value must be {expected}"]


def _text_hint(column: str) -> str:
    return f'{column} is text: quote every value (e.g. "E11", "75001")'


def _value_fits(value: object, kind: pa.DataType) -> bool:
    if pa.types.is_date(kind) or pa.types.is_timestamp(kind):
        return isinstance(value, date)
    if pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        return isinstance(value, int | float) and not isinstance(value, bool)
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return isinstance(value, str)
    return False


def _kind_name(kind: pa.DataType) -> str:
    if pa.types.is_date(kind) or pa.types.is_timestamp(kind):
        return "a date"
    if pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        return "a number"
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return "text"
    return f"of type {kind}"
