"""The extract request a researcher writes (YAML), validated against the source catalog.

Every problem is listed at once, each naming the file and the field. One module, long on
purpose: every field a researcher may write and every check of them against the catalog
(the criteria by concept have their own module, `sovex.model.criteria`).
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from sovex.model.catalog import (
    NEVER_EXTRACTABLE,
    NOT_YET_EXTRACTABLE,
    Role,
    SourceCatalog,
    load_catalog,
)
from sovex.model.criteria import AgeAtIndex, CriteriaGroup, criteria_problems, derived_problems
from sovex.model.errors import InvalidInput
from sovex.model.reviewed_yaml import load_reviewed_yaml
from sovex.model.schedule import validate_schedule
from sovex.model.target import shown_field_path

DEFAULT_K_THRESHOLD = 5
MIN_K_THRESHOLD = 2
# Ceilings: past these a threshold is a typo, and the gate would suppress everyone.
MAX_K_THRESHOLD = 100
MAX_SMALL_CELL_THRESHOLD = 100
# Free-text fields are short and printable (they are shown to stewards and in logs).
MAX_TEXT_FIELD_CHARS = 500
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
DEFAULT_MAX_SUPPRESSION = 0.05
MAX_SUPPRESSION_CAP = 0.2
DEFAULT_SMALL_CELL_THRESHOLD = 10
# Below 5 a published count is too close to a person (ehrQL and the SNDS use 5 or more).
MIN_SMALL_CELL_THRESHOLD = 5
DEFAULT_MAX_EVENT_SUPPRESSION = 0.1
SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]{1,62}$"
# Cohort filters may look at these roles only: filtering on a name or a NIR would be a
# look-up of a known person, and free text is not searchable by requesters.
FILTERABLE_ROLES = frozenset(
    {Role.QUASI_IDENTIFIER, Role.SENSITIVE, Role.ATTRIBUTE, Role.EVENT_DATE}
)

Slug = Annotated[str, Field(pattern=SLUG_PATTERN)]


def _printable(value: str) -> str:
    # Escape sequences would rewrite a steward's terminal; newlines would forge log lines.
    if CONTROL_CHARACTERS.search(value):
        raise ValueError("must not contain control characters (newlines, escapes)")
    return value


ShortText = Annotated[
    str,
    Field(min_length=1, max_length=MAX_TEXT_FIELD_CHARS),
    AfterValidator(_printable),
]


class FilterOp(StrEnum):
    EQ = "eq"
    IN = "in"
    STARTS_WITH = "starts_with"
    GTE = "gte"
    LTE = "lte"
    BETWEEN = "between"


class CohortFilter(BaseModel):
    """Patients having at least one row of `table` where `column op values` holds."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    table: str = Field(description="a table of the source catalog")
    column: str = Field(
        description="a column of that table whose role is quasi_identifier, sensitive, "
        "attribute or event_date (never a direct identifier nor free text)"
    )
    op: FilterOp = Field(description="eq, in, starts_with, gte, lte or between")
    values: list[str | int | float | date] = Field(
        min_length=1,
        description="the values compared with: one for eq, gte and lte, two for between, "
        "one or more for in and starts_with",
    )

    @model_validator(mode="after")
    def _arity(self) -> CohortFilter:
        expected = {FilterOp.EQ: 1, FilterOp.GTE: 1, FilterOp.LTE: 1, FilterOp.BETWEEN: 2}
        if self.op in expected and len(self.values) != expected[self.op]:
            raise ValueError(f"op {self.op.value!r} takes {expected[self.op]} value(s)")
        return self


class Aggregate(BaseModel):
    """Counts of distinct patients by group, from a requested table (small cells hidden)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: Slug = Field(description="the aggregate's file name in the extract")
    table: str = Field(description="a requested table")
    by: list[str] = Field(min_length=1, description="the columns to count patients by")


class Period(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    start: date = Field(description="first day (YYYY-MM-DD)")
    end: date = Field(description="last day, not before start")

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.start > self.end:
            raise ValueError("start must not be after end")
        return self


SCHEDULE_MARK = "schedule"


class ExtractRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: Slug = Field(description="the request's id, unique among submitted requests")
    project: Slug = Field(
        description="the research project: its pseudonymisation key, storage prefix and "
        "read-only credentials"
    )
    requester: ShortText = Field(description="who asks (a person of infra/roles.yaml)")
    purpose: ShortText = Field(
        description="the research purpose; its consent regime (infra/consent/regimes.yaml) "
        "decides which patients may be included",
    )
    legal_basis: ShortText = Field(description="reference of the legal basis")
    source: Slug = Field(description="the source catalog (infra/catalogs/<source>.yaml)")
    cohort: list[CohortFilter] = Field(
        default_factory=list,
        description="filters that all hold for an included patient (none: every consenting "
        "patient)",
    )
    cohort_criteria: CriteriaGroup | None = Field(
        default=None,
        description="criteria by concept (all_of / any_of groups) an included patient meets "
        "within the cohort window; their first day meeting them is their index date",
    )
    cohort_window: Period | None = Field(
        default=None,
        description="the dates cohort criteria look at (none: the request's period)",
    )
    age_at_index: AgeAtIndex | None = Field(
        default=None,
        description="bounds on the age at the index date, in whole years (needs cohort_criteria)",
    )
    period: Period = Field(description="the care period extracted")
    tables: dict[str, list[str]] = Field(
        min_length=1,
        description="for each table of the catalog, the columns to extract; a column the "
        "catalog does not classify as extractable is refused",
    )
    retention_until: date = Field(
        description="the published files are locked (COMPLIANCE) until this date, then deleted"
    )
    target: Slug = Field(
        description="the hosting target (infra/targets/<target>.yaml); the hosting policy "
        "must allow it before anything is read"
    )
    k_threshold: int = Field(
        default=DEFAULT_K_THRESHOLD,
        ge=MIN_K_THRESHOLD,
        le=MAX_K_THRESHOLD,
        description="k of k-anonymity on the quasi-identifiers of the published patients",
    )
    max_suppression: float = Field(
        default=DEFAULT_MAX_SUPPRESSION,
        ge=0,
        le=MAX_SUPPRESSION_CAP,
        description="share of patients the release gate may suppress to reach k",
    )
    max_event_suppression: float = Field(
        default=DEFAULT_MAX_EVENT_SUPPRESSION,
        ge=0,
        le=MAX_SUPPRESSION_CAP,
        description="share of the events (rows of the tables an adversary may know) the "
        "release gate may suppress to keep every patient among k for an adversary knowing "
        "some of their events",
    )
    aggregates: list[Aggregate] = Field(
        default_factory=list, description="patient counts published beside the tables"
    )
    schedule: str | None = Field(
        default=None,
        description="a periodic refresh: an Airflow preset (@monthly, @quarterly…) or a "
        "5-field cron expression; none for a one-off extract",
    )
    small_cell_threshold: int = Field(
        default=DEFAULT_SMALL_CELL_THRESHOLD,
        ge=MIN_SMALL_CELL_THRESHOLD,
        le=MAX_SMALL_CELL_THRESHOLD,
        description="counts below this are hidden in aggregates, with the cells that would "
        "reveal them (at least 5)",
    )
    small_cell_rounding: int | None = Field(
        default=None,
        ge=2,
        le=100,
        description="round every shown count to the nearest multiple of this, after small "
        "cells are hidden (ehrQL's rule: 5, with small_cell_threshold 8); none publishes "
        "exact counts",
    )
    free_text_mode: Literal["tags", "surrogates"] = Field(
        default="tags",
        description="free text: identifiers replaced by <TYPE> tags, or by surrogates (names "
        "consistent per patient, dates moved by the patient's shift, great ages as 90+)",
    )

    @model_validator(mode="after")
    def _criteria_for_index(self) -> ExtractRequest:
        if self.age_at_index is not None and self.cohort_criteria is None:
            raise ValueError("age_at_index needs cohort_criteria (they define the index date)")
        if self.cohort_window is not None and self.cohort_criteria is None:
            raise ValueError("cohort_window needs cohort_criteria (the window they look at)")
        return self

    def criteria_window(self) -> Period:
        """The dates cohort criteria look at."""
        return self.cohort_window or self.period

    @field_validator("schedule")
    @classmethod
    def _schedule(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return validate_schedule(value, SCHEDULE_MARK)
        except InvalidInput as error:
            # Pydantic adds the file and field; keep only the rule.
            raise ValueError(str(error).removeprefix(f"{SCHEDULE_MARK}: ")) from None

    def sha256(self) -> str:
        """Hash of the request's content: what an approval and a manifest refer to."""
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()

    def cohort_sha256(self) -> str:
        """Hash of who the request selects (source, purpose and cohort filters), whatever
        it publishes of them: extracts of one project with the same hash release the same
        patients, so the release gate assesses them together."""
        selection: dict[str, Any] = {
            "source": self.source,
            "purpose": self.purpose,
            "cohort": [filter_.model_dump(mode="json") for filter_ in self.cohort],
        }
        if self.cohort_criteria is not None:
            selection["criteria"] = {
                "groups": self.cohort_criteria.model_dump(mode="json"),
                "window": self.criteria_window().model_dump(mode="json"),
                "age_at_index": self.age_at_index.model_dump(mode="json")
                if self.age_at_index
                else None,
            }
        canonical = json.dumps(selection, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


def _catalog_problems(path: Path, raw: dict[str, Any], catalog: SourceCatalog) -> list[str]:
    """Checks against the catalog, on the raw document so they run even when other fields
    are malformed (a researcher sees every problem in one go)."""
    problems: list[str] = []
    raw_tables = raw.get("tables")
    for table_name, columns in raw_tables.items() if isinstance(raw_tables, dict) else []:
        table = catalog.tables.get(table_name)
        if table is None:
            problems.append(
                f"{path}: field 'tables.{table_name}': unknown table; tables you may request: "
                + ", ".join(sorted(catalog.tables))
            )
            continue
        if not isinstance(columns, list) or not columns:
            problems.append(f"{path}: field 'tables.{table_name}': list at least one column")
            continue
        if len(set(map(str, columns))) != len(columns):
            problems.append(f"{path}: field 'tables.{table_name}': a column is listed twice")
        for column in columns:
            spec = table.columns.get(str(column))
            field = f"tables.{table_name}.{column}"
            if spec is None:
                problems.append(
                    f"{path}: field '{field}': unknown or unclassified column; columns you may "
                    f"request from {table_name}: " + ", ".join(table.extractable_columns())
                )
            elif spec.role in NEVER_EXTRACTABLE:
                problems.append(
                    f"{path}: field '{field}': role {spec.role.value} never leaves the source "
                    "(direct identifiers cannot be requested)"
                )
            elif spec.role in NOT_YET_EXTRACTABLE:
                problems.append(
                    f"{path}: field '{field}': role {spec.role.value} cannot be extracted by "
                    "this version of sovex (free text needs the scrubber)"
                )
    raw_cohort = raw.get("cohort")
    for index, cohort_filter in enumerate(raw_cohort if isinstance(raw_cohort, list) else []):
        if not isinstance(cohort_filter, dict):
            continue
        field = f"cohort.{index}"
        table = catalog.tables.get(str(cohort_filter.get("table")))
        if table is None:
            problems.append(
                f"{path}: field '{field}.table': unknown table {cohort_filter.get('table')!r}"
            )
            continue
        spec = table.columns.get(str(cohort_filter.get("column")))
        if spec is None:
            problems.append(
                f"{path}: field '{field}.column': unknown column "
                f"{table.name}.{cohort_filter.get('column')}"
            )
        elif spec.role not in FILTERABLE_ROLES:
            problems.append(
                f"{path}: field '{field}.column': cannot filter on a column with role "
                f"{spec.role.value}"
            )
    problems += criteria_problems(path, raw, catalog)
    problems += derived_problems(path, raw, catalog)
    raw_aggregates = raw.get("aggregates")
    names: set[str] = set()
    for index, aggregate in enumerate(raw_aggregates if isinstance(raw_aggregates, list) else []):
        if not isinstance(aggregate, dict):
            continue
        field = f"aggregates.{index}"
        if aggregate.get("name") in names:
            problems.append(f"{path}: field '{field}.name': used twice")
        names.add(str(aggregate.get("name")))
        requested = raw_tables.get(aggregate.get("table")) if isinstance(raw_tables, dict) else None
        if not isinstance(requested, list):
            problems.append(
                f"{path}: field '{field}.table': must be one of the tables the request extracts"
            )
            continue
        table = catalog.tables.get(str(aggregate.get("table")))
        if table is None:
            continue
        if catalog.person_id_column not in requested:
            problems.append(
                f"{path}: field '{field}.table': counting patients needs "
                f"{catalog.person_id_column!r} among the requested columns of {table.name}"
            )
        for column in aggregate.get("by") or []:
            spec = table.columns.get(str(column))
            if column not in requested:
                problems.append(
                    f"{path}: field '{field}.by': {column!r} is not requested from {table.name}"
                )
            elif spec is not None and spec.role in (Role.PERSON_ID, Role.FREE_TEXT, Role.LINK_ID):
                problems.append(
                    f"{path}: field '{field}.by': cannot group by a {spec.role.value} column"
                )
    return problems


def load_request(path: Path, catalogs_dir: Path, targets_dir: Path) -> ExtractRequest:
    """Read, parse and check a request file against its catalog and the known targets."""
    # Duplicate keys, YAML 1.1 booleans ("no"), alias bombs and deep nesting are refused.
    raw = load_reviewed_yaml(path, "request")
    if not isinstance(raw, dict):
        raise InvalidInput(f"{path}: a request must be a YAML mapping of fields")
    problems: list[str] = []
    request: ExtractRequest | None = None
    try:
        request = ExtractRequest.model_validate(raw)
    except ValidationError as error:
        problems += [
            f"{path}: field '{shown_field_path(e['loc']) or '(document)'}': "
            + e["msg"].removeprefix("Value error, ")
            for e in error.errors()
        ]
    source = raw.get("source")
    if isinstance(source, str) and re.fullmatch(SLUG_PATTERN, source):
        catalog_path = catalogs_dir / f"{source}.yaml"
        if catalog_path.is_file():
            problems += _catalog_problems(path, raw, load_catalog(catalog_path))
        else:
            problems.append(
                f"{path}: field 'source': no catalog named {source!r} in {catalogs_dir}"
            )
    target = raw.get("target")
    if isinstance(target, str) and not (targets_dir / f"{target}.yaml").is_file():
        problems.append(
            f"{path}: field 'target': no hosting target named {target!r} in {targets_dir}"
        )
    if request is not None and request.retention_until <= request.period.end:
        problems.append(f"{path}: field 'retention_until': must be after period.end")
    if problems or request is None:
        raise InvalidInput(problems)
    return request
