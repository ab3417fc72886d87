"""The codebook of an extract: a Frictionless Data Package descriptor (`datapackage.json`)
and a short `README.md`, both published beside the tables and listed in the manifest.

The descriptor has one resource per published table, or per part of a table in several
parts (a Data Package reader reads only the first file of a multi-file Parquet resource):
its path, format and rows, and a Table Schema giving each field's name, type, description
and unit (from the source catalog) and what sovex did to it: the generalisation level the
release gate chose (birth date as a band, postcode as a département…), the per-patient
date shift and its bound, the date granularity of the event gate (a calendar unit, or
the time since the patient's index date: then an integer, not a date), a stay's end
published as a length-of-stay band, the scrubbing of free text. Sizes and SHA-256 are the
manifest's: a Parquet reader reads no byte stream a Data Package validator could count.
Custom properties carry a `sovex:` prefix.

Pure functions of the run's facts: no patient value is read, only each table's schema.
One module, long on purpose: the descriptor and the README rendered from it share the
level meanings and the shift semantics, and say them in one place.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path, PurePosixPath
from typing import Any

import pyarrow as pa

from anonymization.event_dates import (
    END_AS_DATE,
    LOS_BAND_PREFIX,
    SINCE_INDEX_LEVELS,
    los_bands,
)
from anonymization.event_levels import ATTRIBUTE_LEVELS
from anonymization.pseudonyms import DATE_SHIFT_WINDOW_DAYS
from anonymization.small_cells import SUPPRESSED_FLAG_COLUMN
from sovex.model.catalog import HIERARCHY_LEVELS, ColumnSpec, Role, SourceCatalog, TableSpec
from transforms.release_checks import (
    AGGREGATE_COUNT_COLUMN,
    GROUP_ROW,
    ROW_KIND_COLUMN,
    TOTAL_ROW,
    is_aggregate,
)

DATAPACKAGE_NAME = "datapackage.json"
README_NAME = "README.md"
DATAPACKAGE_PROFILE = "https://datapackage.org/profiles/2.0/datapackage.json"
PARQUET_MEDIATYPE = "application/vnd.apache.parquet"
# The manifest's table name of the codebook's files (published at the extract's root).
CODEBOOK_TABLE = "_codebook"

# What each generalisation level publishes (anonymization.hierarchies, event_levels).
LEVEL_MEANINGS: Mapping[str, Mapping[str, str]] = {
    "birth_date": {
        "year": "the year of birth, e.g. 1957",
        "5y_band": "a five-year band of birth years, e.g. 1955-1959",
        "10y_band": "a ten-year band of birth years, e.g. 1950-1959",
        "20y_band": "a twenty-year band of birth years, e.g. 1940-1959",
        "*": "suppressed: every value is *",
    },
    "postcode": {
        "departement": "the département code (INSEE), e.g. 69 or 2A",
        "region": "the region code (INSEE, 2016 regions), COM for overseas collectivities",
        "*": "suppressed: every value is *",
    },
    "sex": {"sex": "as recorded", "*": "suppressed: every value is *"},
    "category": {
        "category": "as recorded",
        "grouped": "rare values (fewer than 10 patients) grouped as other",
        "*": "suppressed: every value is *",
    },
    "event_attribute": {
        "value": "as recorded",
        "grouped": "rare values grouped as other",
        "steward_group": "the steward's group of the value (e.g. a unit's service)",
        "*": "suppressed: every value is *",
    },
}
DATE_GRANULARITY_MEANINGS: Mapping[str, str] = {
    "day": "the shifted day",
    "week": "the Monday of the shifted date's week",
    "month": "the first day of the shifted date's month",
    "quarter": "the first day of the shifted date's quarter",
    "year": "the first day of the shifted date's year",
    # The release gate's own index (issue 16), not the cohort's (`days_since_index` columns).
    "days_since_index": (
        "whole days since the patient's index date (an integer, 0 on that day): their first "
        "event in the period in the tables offering the time since the index; not the "
        "cohort's index date that days_since_index columns count from"
    ),
    "weeks_since_index": (
        "whole weeks (7 days, rounded down) since the patient's index date (an integer): "
        "their first event in the period in the tables offering the time since the index"
    ),
    "months_since_index": (
        "whole months of 30.4375 days (rounded down) since the patient's index date (an "
        "integer): their first event in the period in the tables offering the time since "
        "the index"
    ),
    "*": "suppressed: every value is null",
}
# The unit of a date published as the time since the index.
SINCE_INDEX_UNITS: Mapping[str, str] = {
    "days_since_index": "days",
    "weeks_since_index": "weeks",
    "months_since_index": "months",
}
SHIFT_SEMANTICS = (
    f"Every date of a patient is moved by the same number of days, drawn per patient and "
    f"per project between -{DATE_SHIFT_WINDOW_DAYS} and +{DATE_SHIFT_WINDOW_DAYS} "
    "(never 0), in every table: intervals between a patient's events are exact. The "
    "request's period applies to the dates before the shift, so published dates may lie "
    f"up to {DATE_SHIFT_WINDOW_DAYS} days outside it (and after today)."
)
# A missing value is an empty cell; "nan" too, because frictionless reads Parquet through
# pandas, where a null in a whole-number column becomes NaN, which it would otherwise
# report as a type error (the Parquet file itself holds a null).
MISSING_VALUES = ["", "nan"]
SINCE_INDEX_SEMANTICS = (
    "The time from the patient's index date (their first event, in the request's period, "
    "in the tables offering the time since the index) to the event: a difference of two "
    "dates of the patient, so the date shift cancels out. Another extract (another "
    "period) may have another index date. Not the cohort's index date."
)
ROLE_DESCRIPTIONS: Mapping[Role, str] = {
    Role.PERSON_ID: "The patient, as a keyed pseudonym of the project",
    Role.QUASI_IDENTIFIER: "A quasi-identifier, generalised",
    Role.EVENT_DATE: "A date, shifted per patient",
    Role.FREE_TEXT: "Free text, scrubbed of identifiers",
    Role.SENSITIVE: "A sensitive attribute",
    Role.ATTRIBUTE: "An attribute",
    Role.LINK_ID: "A record several tables share (a stay), as a keyed pseudonym of the project",
    Role.AGE_AT_EVENT: "The patient's age at the event, from the published birth date and date",
    Role.DAYS_SINCE_INDEX: "Days from the patient's cohort index date to the event",
}


@dataclass(frozen=True)
class PublishedTable:
    """One table as published: its parts (object key relative to the extract, rows) and
    its schema."""

    name: str
    parts: tuple[tuple[str, int], ...]
    schema: pa.Schema

    @property
    def rows(self) -> int:
        return sum(rows for _, rows in self.parts)


@dataclass(frozen=True)
class ExtractFacts:
    """What the codebook says of the extract as a whole (no patient data)."""

    extract_id: str
    project: str
    request_id: str
    purpose: str
    legal_basis: str
    regime: str
    period: tuple[date, date]
    logical_date: str
    k_threshold: int
    small_cell_threshold: int
    small_cell_rounding: int | None
    free_text_mode: str
    # aggregate name → (table counted, group columns)
    aggregates: Mapping[str, tuple[str, tuple[str, ...]]]


def frictionless_type(arrow_type: pa.DataType) -> str:
    """The Table Schema type of an Arrow type ("any" when none fits)."""
    if pa.types.is_dictionary(arrow_type):
        return frictionless_type(arrow_type.value_type)
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return "string"
    if pa.types.is_boolean(arrow_type):
        return "boolean"
    if pa.types.is_integer(arrow_type):
        return "integer"
    if pa.types.is_floating(arrow_type) or pa.types.is_decimal(arrow_type):
        return "number"
    if pa.types.is_date(arrow_type):
        return "date"
    if pa.types.is_timestamp(arrow_type):
        return "datetime"
    return "any"


def _table_field(
    spec: ColumnSpec | None,
    table: str,
    arrow_field: pa.Field,
    gate: Mapping[str, Any],
    table_spec: TableSpec | None = None,
) -> dict[str, Any]:
    field: dict[str, Any] = {
        "name": arrow_field.name,
        "type": frictionless_type(arrow_field.type),
    }
    if spec is None:
        field["description"] = "Not described by the source catalog"
        return field
    field["description"] = spec.description or ROLE_DESCRIPTIONS[spec.role]
    if spec.unit:
        field["unit"] = spec.unit
    field["sovex:role"] = spec.role.value
    events = gate.get("events") or {}
    known = arrow_field.name in (events.get("tables") or {}).get(table, [])
    if spec.role in (Role.PERSON_ID, Role.LINK_ID):
        field["sovex:pseudonym"] = (
            "HMAC-SHA-256 of the source identifier under the project's key: stable within "
            "the project, unlinkable across projects"
        )
    elif spec.role is Role.QUASI_IDENTIFIER and spec.hierarchy:
        level = (gate.get("generalisation") or {}).get(arrow_field.name)
        field["sovex:generalisation"] = _generalisation(spec.hierarchy, level)
    elif spec.role is Role.EVENT_DATE:
        granularity = str(events.get("date_granularity", "day")) if known else "day"
        stay = table_spec.stay if table_spec is not None else None
        end_level = str((events.get("stay_levels") or {}).get(table, END_AS_DATE))
        if known and stay is not None and arrow_field.name == stay.end and end_level != END_AS_DATE:
            field["description"] = (
                f"{field['description']}; published as the length of stay from "
                f"{stay.start} (days, as a band)"
            )
            field["unit"] = "days"
            field["sovex:lengthOfStay"] = _length_of_stay(stay.start, stay.bands, end_level)
        else:
            if granularity in SINCE_INDEX_UNITS:
                field["description"] = (
                    f"{field['description']}; published as the "
                    f"{SINCE_INDEX_UNITS[granularity]} since the patient's index date"
                )
                field["unit"] = SINCE_INDEX_UNITS[granularity]
            field["sovex:dateShift"] = {
                "perPatient": True,
                "boundDays": DATE_SHIFT_WINDOW_DAYS,
                "sameShiftInEveryTable": True,
                "granularity": granularity,
                "granularityMeaning": DATE_GRANULARITY_MEANINGS.get(granularity, granularity),
                "semantics": SINCE_INDEX_SEMANTICS
                if granularity in SINCE_INDEX_UNITS
                else SHIFT_SEMANTICS,
            }
    elif spec.role in (Role.AGE_AT_EVENT, Role.DAYS_SINCE_INDEX) and _no_calendar_dates(
        events, table, spec.of, table_spec
    ):
        field["description"] = (
            f"{field['description']}; empty in this extract: the release gate published "
            f"{spec.of} without a calendar date"
        )
    elif spec.role is Role.FREE_TEXT:
        field["sovex:scrubbing"] = {"language": spec.language}
    if known and spec.role in (Role.ATTRIBUTE, Role.SENSITIVE):
        level = (events.get("attribute_levels") or {}).get(f"{table}.{arrow_field.name}")
        if level is not None:
            field["sovex:generalisation"] = _generalisation("event_attribute", level)
    return field


def _length_of_stay(start: str, bands: tuple[tuple[int, ...], ...], level: str) -> dict[str, Any]:
    """A stay's end published as its length-of-stay band (issue 16)."""
    cuts = list(bands[int(level.removeprefix(LOS_BAND_PREFIX)) - 1])
    labels = los_bands(pa.array([0, *cuts], type=pa.int64()), cuts).to_pylist()
    return {
        "start": start,
        "level": level,
        "cutsDays": cuts,
        "bands": labels,
        "meaning": (
            "the whole days from the stay's start to its end, as a band ("
            + ", ".join(labels)
            + '; "<0" when the end is recorded before the start): text, not a date'
        ),
    }


def _no_calendar_dates(
    events: Mapping[str, Any], table: str, of: str | None, table_spec: TableSpec | None
) -> bool:
    """Whether the derived columns of `of` (age at event, days since the cohort's index)
    are empty: the table's dates published as the time since the release's index date, or
    `of` the stay's end published as a band (transforms.event_release.date_truncation)."""
    if table not in (events.get("tables") or {}):
        return False
    if str(events.get("date_granularity")) in SINCE_INDEX_LEVELS:
        return True
    stay = table_spec.stay if table_spec is not None else None
    end_level = (events.get("stay_levels") or {}).get(table, END_AS_DATE)
    return stay is not None and of == stay.end and end_level != END_AS_DATE


def _generalisation(hierarchy: str, level: str | None) -> dict[str, Any]:
    levels = ATTRIBUTE_LEVELS if hierarchy == "event_attribute" else HIERARCHY_LEVELS[hierarchy]
    meanings = LEVEL_MEANINGS.get(hierarchy, {})
    return {
        "hierarchy": hierarchy,
        "levels": list(levels),
        "level": level,
        "meaning": meanings.get(level or "", "not generalised by this run"),
    }


def _aggregate_fields(
    table: PublishedTable,
    counted: tuple[str, tuple[str, ...]] | None,
    catalog: SourceCatalog,
    facts: ExtractFacts,
) -> list[dict[str, Any]]:
    source_table = catalog.tables.get(counted[0]) if counted else None
    fields = []
    for arrow_field in table.schema:
        name = arrow_field.name
        field: dict[str, Any] = {"name": name, "type": frictionless_type(arrow_field.type)}
        if name == ROW_KIND_COLUMN:
            field["description"] = (
                "group: a count of one group; total: the distinct patients over all groups "
                "(not the sum of the groups: a patient may be in several)"
            )
            field["constraints"] = {"required": True, "enum": [GROUP_ROW, TOTAL_ROW]}
        elif name == AGGREGATE_COUNT_COLUMN:
            rounding = (
                f", rounded to a multiple of {facts.small_cell_rounding}"
                if facts.small_cell_rounding
                else ""
            )
            field["description"] = (
                f"Distinct patients of the row{rounding}; null when hidden (suppressed is "
                f"true): counts under {facts.small_cell_threshold} and the counts that "
                "would reveal them"
            )
            field["unit"] = "patients"
            field["constraints"] = {"minimum": 0}
        elif name == SUPPRESSED_FLAG_COLUMN:
            field["description"] = "true when the count is hidden"
            field["constraints"] = {"required": True}
        else:
            spec = source_table.columns.get(name) if source_table else None
            what = (spec.description if spec else None) or "A group column"
            field["description"] = (
                f"{what}, as text; null on a total row (row_kind tells it from a group "
                "of missing values)"
            )
        fields.append(field)
    return fields


def datapackage(
    facts: ExtractFacts,
    tables: Sequence[PublishedTable],
    catalog: SourceCatalog,
    gate: Mapping[str, Any],
) -> dict[str, Any]:
    """The extract's Data Package descriptor (a JSON-able dict)."""
    resources = []
    for table in tables:
        if is_aggregate(table.name):
            counted = facts.aggregates.get(table.name.split("/", 1)[1])
            fields = _aggregate_fields(table, counted, catalog, facts)
            description = (
                f"Distinct patients of table {counted[0]} by {', '.join(counted[1])}, with "
                "total rows and small cells hidden"
                if counted
                else "Distinct patients by group"
            )
        else:
            spec = catalog.tables.get(table.name)
            fields = [
                _table_field(spec.columns.get(f.name) if spec else None, table.name, f, gate, spec)
                for f in table.schema
            ]
            description = f"Rows of table {table.name} for the extract's cohort and period"
        # One resource per part when a table has several: a Data Package reader (frictionless
        # among them) reads only the first file of a multi-file Parquet resource.
        for key, rows in table.parts:
            several = len(table.parts) > 1
            resources.append(
                {
                    "name": f"{table.name}/{PurePosixPath(key).stem}" if several else table.name,
                    "path": key,
                    "format": "parquet",
                    "mediatype": PARQUET_MEDIATYPE,
                    "description": description,
                    "schema": {"fields": fields, "missingValues": MISSING_VALUES},
                    "sovex:table": table.name,
                    "sovex:rows": rows,
                }
            )
    return {
        "$schema": DATAPACKAGE_PROFILE,
        "name": facts.extract_id,
        "title": f"Research extract {facts.extract_id} of project {facts.project}",
        "description": (
            f"Pseudonymised extract of request {facts.request_id} for the purpose "
            f"{facts.purpose}; see README.md"
        ),
        "created": facts.logical_date,
        "resources": resources,
        "sovex:extract": {
            "project": facts.project,
            "request": facts.request_id,
            "purpose": facts.purpose,
            "legalBasis": facts.legal_basis,
            "consentRegime": facts.regime,
            "period": [facts.period[0].isoformat(), facts.period[1].isoformat()],
            "kThreshold": facts.k_threshold,
            "quasiIdentifiers": list(gate.get("quasi_identifiers") or []),
            "smallCellThreshold": facts.small_cell_threshold,
            "freeTextMode": facts.free_text_mode,
            "dateShift": {"perPatient": True, "boundDays": DATE_SHIFT_WINDOW_DAYS},
        },
    }


AGGREGATES_README = [
    "## Aggregates",
    "",
    "Each aggregate row has `row_kind` group or total. A total row counts the distinct",
    "patients over all groups (its group column is null): it is not the sum of the",
    "groups. `patients` is a 64-bit integer; a hidden count is null with `suppressed`",
    "true (pandas reads the column as `Int64`, never as float).",
    "",
]


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _treatment(field: Mapping[str, Any]) -> str:
    if "sovex:generalisation" in field:
        general = field["sovex:generalisation"]
        return f"generalised: {general['level']} ({general['meaning']})"
    if "sovex:lengthOfStay" in field:
        stay = field["sovex:lengthOfStay"]
        return f"length of stay from {stay['start']}, {stay['level']} ({stay['meaning']})"
    if "sovex:dateShift" in field:
        granularity = field["sovex:dateShift"]["granularity"]
        if granularity in SINCE_INDEX_UNITS:
            return f"{granularity} ({DATE_GRANULARITY_MEANINGS[granularity]})"
        return f"shifted per patient (±{DATE_SHIFT_WINDOW_DAYS} days), {granularity}"
    if "sovex:pseudonym" in field:
        return "keyed pseudonym"
    if "sovex:scrubbing" in field:
        return "identifiers scrubbed"
    return ""


def readme(descriptor: Mapping[str, Any]) -> str:
    """A short human README of the extract, from its descriptor."""
    extract = descriptor["sovex:extract"]
    lines = [
        f"# {descriptor['title']}",
        "",
        f"- Request: `{extract['request']}`; purpose: {extract['purpose']}",
        f"- Legal basis: {extract['legalBasis']}; consent regime: {extract['consentRegime']}",
        f"- Care period requested: {extract['period'][0]} to {extract['period'][1]} "
        "(before the date shift)",
        *(
            [
                f"- Every patient shares the published "
                f"{', '.join(extract['quasiIdentifiers'])} with at least "
                f"{extract['kThreshold'] - 1} others (k = {extract['kThreshold']}).",
            ]
            if extract["quasiIdentifiers"]
            else []
        ),
        f"- Free text: mode {extract['freeTextMode']}.",
        "",
        "The machine-readable codebook is `datapackage.json` (Frictionless Data Package);",
        "`_manifest.json` lists every file with its SHA-256.",
        "",
        "## Tables",
        "",
        "| table | rows | files |",
        "|---|---|---|",
    ]
    tables: dict[str, list[Mapping[str, Any]]] = {}
    for resource in descriptor["resources"]:
        tables.setdefault(resource["sovex:table"], []).append(resource)
    for name, parts in tables.items():
        lines.append(f"| {name} | {sum(p['sovex:rows'] for p in parts)} | {len(parts)} |")
    for name, parts in tables.items():
        resource = parts[0]
        lines += [
            "",
            f"### {name}",
            "",
            _cell(resource["description"]),
            "",
            "| column | type | unit | description | treatment |",
            "|---|---|---|---|---|",
        ]
        for field in resource["schema"]["fields"]:
            lines.append(
                f"| {_cell(field['name'])} | {field['type']} | {_cell(field.get('unit', ''))} "
                f"| {_cell(field.get('description', ''))} | {_cell(_treatment(field))} |"
            )
    first = next(iter(tables), "patients")
    lines += [
        "",
        "## Dates",
        "",
        SHIFT_SEMANTICS,
        "",
        *(AGGREGATES_README if any(is_aggregate(name) for name in tables) else []),
        "## Loading",
        "",
        "```python",
        "import duckdb",
        f"duckdb.sql(\"SELECT * FROM read_parquet('{first}/*.parquet')\").df()",
        "",
        "import pandas as pd",
        f'pd.read_parquet("{first}")',
        "```",
        "",
    ]
    return "\n".join(lines)


def write_codebook(
    directory: Path,
    facts: ExtractFacts,
    tables: Sequence[PublishedTable],
    catalog: SourceCatalog,
    gate: Mapping[str, Any],
) -> list[Path]:
    """Write `datapackage.json` and `README.md` into `directory`; returns their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    descriptor = datapackage(facts, tables, catalog, gate)
    package_path = directory / DATAPACKAGE_NAME
    package_path.write_text(json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n")
    readme_path = directory / README_NAME
    readme_path.write_text(readme(descriptor))
    return [package_path, readme_path]
