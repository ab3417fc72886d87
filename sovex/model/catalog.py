"""The source catalog: every source column's role, owned by the data steward.

One module, long on purpose: the catalog's fields (roles, links, derived columns, the
event tables' date families and stays, the codebook's descriptions) are checked together
when it loads, so that every problem of a catalog is reported in one message.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from sovex.model.errors import InvalidInput
from sovex.model.reviewed_yaml import load_reviewed_yaml

# The generalisation hierarchies a quasi-identifier may name, and their levels from finest
# to suppressed ("*"). `anonymization.hierarchies` implements them; a unit test keeps the
# two equal.
HIERARCHY_LEVELS: dict[str, tuple[str, ...]] = {
    "birth_date": ("year", "5y_band", "10y_band", "20y_band", "*"),
    "postcode": ("departement", "region", "*"),
    "sex": ("sex", "*"),
    "category": ("category", "grouped", "*"),
}


class Role(StrEnum):
    PERSON_ID = "person_id"
    DIRECT_IDENTIFIER = "direct_identifier"
    QUASI_IDENTIFIER = "quasi_identifier"
    EVENT_DATE = "event_date"
    FREE_TEXT = "free_text"
    SENSITIVE = "sensitive"
    ATTRIBUTE = "attribute"
    # A keyed per-project pseudonym of a record id (e.g. a visit) that rows of several
    # tables share: events link to their stay without the stay number leaving.
    LINK_ID = "link_id"
    # Derived at extraction, not read from the source (`of`: the table's event date):
    # the patient's age at the event, at the level the gate chose for the birth column,
    # and the days from the patient's cohort index date to the event.
    AGE_AT_EVENT = "age_at_event"
    DAYS_SINCE_INDEX = "days_since_index"


# Roles computed by sovex from other columns: the source has no such column.
DERIVED_ROLES = frozenset({Role.AGE_AT_EVENT, Role.DAYS_SINCE_INDEX})


# Roles whose values never leave the source, whatever the request says.
NEVER_EXTRACTABLE = frozenset({Role.DIRECT_IDENTIFIER})
# Roles that no version can release yet (kept as a hook for future roles).
NOT_YET_EXTRACTABLE: frozenset[Role] = frozenset()
# Languages the free-text scrubber handles; a free_text column declares its language.
TEXT_LANGUAGES = ("fr", "en")
DEFAULT_TEXT_LANGUAGE = "fr"


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    role: Role
    # quasi_identifier only: its generalisation hierarchy (anonymization.hierarchies) and
    # the most generalised level the steward allows the release gate to go to.
    hierarchy: str | None = None
    max_level: str | None = None
    language: str = DEFAULT_TEXT_LANGUAGE  # free_text only: the scrubber's language
    # attribute only: the steward's grouping of its values (value -> group, e.g. unit ->
    # service), a level the release gate may publish it at; from the catalog's `groups`.
    groups: Mapping[str, str] | None = None
    # link_id only: the namespace its pseudonyms share across tables (e.g. "visit").
    links: str | None = None
    # derived roles only: the event date column they are computed from.
    of: str | None = None
    # What the column holds and its unit of measure, for the extract's codebook
    # (transforms.codebook); None when the steward has not said.
    description: str | None = None
    unit: str | None = None


# Text a column spec may carry for the codebook.
DOCUMENTATION_FIELDS = ("description", "unit")


# Roles of the columns an adversary may know of an event (`adversary_knows`).
KNOWABLE_ROLES = frozenset({Role.EVENT_DATE, Role.ATTRIBUTE, Role.SENSITIVE})
# The adversary's bound L when the catalog does not set one, and the largest accepted:
# the gate enumerates every subset of up to L events of each patient.
DEFAULT_EVENTS_KNOWN = 2
MAX_EVENTS_KNOWN = 3
# How an event table's dates may be published (`date_families`): calendar dates after the
# shift (day, week, month, quarter, year), or the time since the patient's index date (the
# first of their events in the tables that offer it). Every family may also remove them.
DATE_FAMILIES = ("calendar", "since_index")
DEFAULT_DATE_FAMILIES = ("calendar",)


@dataclass(frozen=True)
class StaySpec:
    """A stay table's start and end dates, and the length-of-stay bands the release gate
    may publish instead of the end date: each level's cut points in days, finest level
    first, every coarser level's cuts among the finer one's (a hierarchy)."""

    start: str
    end: str
    bands: tuple[tuple[int, ...], ...]


@dataclass(frozen=True)
class TableSpec:
    name: str
    columns: dict[str, ColumnSpec]
    # An event table: the columns an adversary may know of each of a patient's rows
    # (e.g. a stay's unit and dates). Empty: the steward declares nobody knows its rows.
    adversary_knows: tuple[str, ...] = ()
    date_families: tuple[str, ...] = DEFAULT_DATE_FAMILIES
    stay: StaySpec | None = None
    # The column holding each row's standard concept (OMOP: condition_concept_id…), which
    # cohort criteria by concept look in.
    concept_column: str | None = None

    def has_person_id(self) -> bool:
        return any(c.role is Role.PERSON_ID for c in self.columns.values())

    def source_columns(self, names: list[str]) -> list[str]:
        """Of `names`, those read from the source (derived columns are computed)."""
        return [n for n in names if self.columns[n].role not in DERIVED_ROLES]

    def period_column(self) -> str | None:
        """The column a request's period applies to (the table's first event date)."""
        for column in self.columns.values():
            if column.role is Role.EVENT_DATE:
                return column.name
        return None

    def extractable_columns(self) -> list[str]:
        return [
            c.name
            for c in self.columns.values()
            if c.role not in NEVER_EXTRACTABLE and c.role not in NOT_YET_EXTRACTABLE
        ]


@dataclass(frozen=True)
class SourceCatalog:
    source: str
    path: Path
    person_id_column: str
    person_table: str
    consent_table: str
    tables: dict[str, TableSpec]
    # The release gate's adversary knows up to this many events of a patient (LKC-privacy).
    events_known: int = DEFAULT_EVENTS_KNOWN
    # The bundled vocabulary subset (concept ancestors) used when the source has no
    # `concept_ancestor` table; None: concept criteria need the source's own.
    vocabulary: Path | None = None
    # The person table's birth column (a date or a year), for age at index and at events.
    birth_column: str | None = None


def _parse_column(
    where: str, name: str, raw: Any, problems: list[str], folder: Path
) -> ColumnSpec | None:
    spec = {"role": raw} if isinstance(raw, str) else raw
    if not isinstance(spec, dict) or "role" not in spec:
        problems.append(f"{where}: column {name!r} needs a role (one of {_choices(Role)})")
        return None
    try:
        role = Role(spec["role"])
    except ValueError:
        problems.append(
            f"{where}: column {name!r}: unknown role {spec['role']!r} (one of {_choices(Role)})"
        )
        return None
    hierarchy = spec.get("hierarchy")
    max_level = spec.get("max_level")
    if role is Role.QUASI_IDENTIFIER:
        if hierarchy not in HIERARCHY_LEVELS:
            problems.append(
                f"{where}: column {name!r}: a quasi_identifier needs a 'hierarchy' "
                f"(one of {', '.join(sorted(HIERARCHY_LEVELS))})"
            )
            return None
        levels = HIERARCHY_LEVELS[str(hierarchy)]
        if max_level not in levels:
            problems.append(
                f"{where}: column {name!r}: 'max_level' must be one of {', '.join(levels)}"
            )
            return None
    elif hierarchy is not None or max_level is not None:
        problems.append(f"{where}: column {name!r}: only quasi_identifiers have a hierarchy")
        return None
    language = spec.get("language", DEFAULT_TEXT_LANGUAGE)
    if language not in TEXT_LANGUAGES:
        problems.append(
            f"{where}: column {name!r}: unknown language {language!r} "
            f"(one of {', '.join(TEXT_LANGUAGES)})"
        )
        return None
    groups = None
    if spec.get("groups") is not None:
        if role is not Role.ATTRIBUTE:
            problems.append(f"{where}: column {name!r}: only attributes have 'groups'")
            return None
        groups = load_groups(folder / str(spec["groups"]), f"{where}: column {name!r}", problems)
        if groups is None:
            return None
    links = spec.get("links")
    if (role is Role.LINK_ID) != isinstance(links, str):
        problems.append(f"{where}: column {name!r}: a link_id (and only a link_id) names 'links'")
        return None
    of = spec.get("of")
    if (role in DERIVED_ROLES) != isinstance(of, str):
        problems.append(
            f"{where}: column {name!r}: a derived column (and only one) names the event "
            "date it is computed 'of'"
        )
        return None
    documentation = {}
    for field in DOCUMENTATION_FIELDS:
        text = spec.get(field)
        if text is not None and (not isinstance(text, str) or not text.strip()):
            problems.append(f"{where}: column {name!r}: {field!r} must be non-empty text")
            return None
        documentation[field] = text.strip() if isinstance(text, str) else None
    return ColumnSpec(
        name=name,
        role=role,
        hierarchy=hierarchy,
        max_level=max_level,
        language=language,
        groups=groups,
        links=links,
        of=of,
        description=documentation["description"],
        unit=documentation["unit"],
    )


def load_groups(path: Path, where: str, problems: list[str]) -> dict[str, str] | None:
    """A groups file: a YAML mapping of each group to the values it holds, every value in
    one group at most. Returns value -> group, or None with the problems listed."""
    try:
        raw = load_reviewed_yaml(path, "groups")
    except InvalidInput as error:
        problems.append(f"{where}: 'groups': {error}")
        return None
    if not isinstance(raw, dict) or not raw:
        problems.append(f"{where}: 'groups': {path} must map each group to a list of values")
        return None
    groups: dict[str, str] = {}
    for group, values in raw.items():
        if not isinstance(group, str) or not group.strip():
            problems.append(f"{where}: 'groups': {path}: a group name must be text")
            return None
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            problems.append(f"{where}: 'groups': {path}: group {group!r} must list text values")
            return None
        for value in values:
            if value in groups and groups[value] != group:
                problems.append(
                    f"{where}: 'groups': {path}: a value is listed under both "
                    f"{groups[value]!r} and {group!r}"
                )
                return None
            groups[value] = group
    return groups


def _choices(enum: type[StrEnum]) -> str:
    return ", ".join(member.value for member in enum)


def load_catalog(path: Path) -> SourceCatalog:
    """Read and check a catalog file; every problem is listed at once."""
    raw = load_reviewed_yaml(path, "catalog")
    if not isinstance(raw, dict):
        raise InvalidInput(f"{path}: a catalog must be a YAML mapping")
    problems: list[str] = []
    for field in ("source", "person_id_column", "person_table", "consent_table", "tables"):
        if field not in raw:
            problems.append(f"{path}: field {field!r} is required")
    tables: dict[str, TableSpec] = {}
    raw_tables = raw.get("tables") or {}
    if not isinstance(raw_tables, dict):
        problems.append(f"{path}: field 'tables' must be a mapping of table name to columns")
        raw_tables = {}
    for table_name, table_raw in raw_tables.items():
        where = f"{path}: table {table_name!r}"
        raw_columns = (table_raw or {}).get("columns") if isinstance(table_raw, dict) else None
        if not isinstance(raw_columns, dict) or not raw_columns:
            problems.append(f"{where}: 'columns' must map each column to its role")
            continue
        columns = {}
        for column_name, column_raw in raw_columns.items():
            column = _parse_column(where, column_name, column_raw, problems, path.parent)
            if column is not None:
                columns[column_name] = column
        known = _parse_adversary_knows(where, table_raw, columns, problems)
        for column in columns.values():
            if column.of is not None and (
                column.of not in columns or columns[column.of].role is not Role.EVENT_DATE
            ):
                problems.append(
                    f"{where}: column {column.name!r}: 'of' must name an event_date column"
                )
        concept_column = table_raw.get("concept_column")
        if concept_column is not None and concept_column not in columns:
            problems.append(f"{where}: 'concept_column': {concept_column!r} is not a column")
        tables[table_name] = TableSpec(
            name=table_name,
            columns=columns,
            adversary_knows=known,
            date_families=_parse_date_families(where, table_raw, problems),
            stay=_parse_stay(where, table_raw, columns, problems),
            concept_column=str(concept_column) if concept_column is not None else None,
        )
    if raw.get("person_table") and raw.get("person_table") not in tables:
        problems.append(f"{path}: field 'person_table': {raw['person_table']!r} is not a table")
    adversary = raw.get("adversary") or {}
    events_known = (
        adversary.get("events_known", DEFAULT_EVENTS_KNOWN) if isinstance(adversary, dict) else None
    )
    if (
        not isinstance(events_known, int)
        or isinstance(events_known, bool)
        or not 1 <= events_known <= MAX_EVENTS_KNOWN
    ):
        problems.append(
            f"{path}: field 'adversary.events_known': a whole number from 1 to {MAX_EVENTS_KNOWN}"
        )
    birth_column = raw.get("birth_column")
    person = tables.get(str(raw.get("person_table")))
    if birth_column is not None and (
        person is None
        or birth_column not in person.columns
        or person.columns[birth_column].role is not Role.QUASI_IDENTIFIER
    ):
        problems.append(
            f"{path}: field 'birth_column': must be a quasi_identifier of the person table"
        )
    vocabulary = raw.get("vocabulary")
    if vocabulary is not None and not (path.parent / str(vocabulary)).is_file():
        problems.append(f"{path}: field 'vocabulary': no file {path.parent / str(vocabulary)}")
    if problems:
        raise InvalidInput(problems)
    return SourceCatalog(
        source=str(raw["source"]),
        path=path,
        person_id_column=str(raw["person_id_column"]),
        person_table=str(raw["person_table"]),
        consent_table=str(raw["consent_table"]),
        tables=tables,
        events_known=int(events_known or DEFAULT_EVENTS_KNOWN),
        vocabulary=path.parent / str(vocabulary) if vocabulary is not None else None,
        birth_column=str(birth_column) if birth_column is not None else None,
    )


def _parse_adversary_knows(
    where: str, table_raw: dict[str, Any], columns: dict[str, ColumnSpec], problems: list[str]
) -> tuple[str, ...]:
    raw = table_raw.get("adversary_knows", [])
    if not isinstance(raw, list) or not all(isinstance(name, str) for name in raw):
        problems.append(f"{where}: 'adversary_knows' must list column names")
        return ()
    for name in raw:
        spec = columns.get(name)
        if spec is None or spec.role not in KNOWABLE_ROLES:
            problems.append(
                f"{where}: 'adversary_knows': {name!r} must be a column with role "
                + ", ".join(sorted(role.value for role in KNOWABLE_ROLES))
            )
    return tuple(dict.fromkeys(raw))


def _parse_date_families(
    where: str, table_raw: dict[str, Any], problems: list[str]
) -> tuple[str, ...]:
    raw = table_raw.get("date_families", list(DEFAULT_DATE_FAMILIES))
    if (
        not isinstance(raw, list)
        or not raw
        or not all(isinstance(name, str) and name in DATE_FAMILIES for name in raw)
    ):
        problems.append(
            f"{where}: 'date_families' must list one or more of {', '.join(DATE_FAMILIES)}"
        )
        return DEFAULT_DATE_FAMILIES
    return tuple(dict.fromkeys(raw))


def _parse_stay(
    where: str, table_raw: dict[str, Any], columns: dict[str, ColumnSpec], problems: list[str]
) -> StaySpec | None:
    """`stay: {start, end, bands}`: two event_date columns and the length-of-stay bands,
    one list of cut points (days) or a list of them, finest first, each coarser level's
    cuts among the finer one's."""
    raw = table_raw.get("stay")
    if raw is None:
        return None
    message = (
        f"{where}: 'stay' needs 'start' and 'end' (event_date columns) and 'bands' (cut points "
        "in days, ascending, or a list of such lists from finest to coarsest, each coarser "
        "list among the finer one's cut points)"
    )
    if not isinstance(raw, dict) or set(raw) != {"start", "end", "bands"}:
        problems.append(message)
        return None
    start, end, bands = raw["start"], raw["end"], raw["bands"]
    dated = [
        isinstance(name, str) and name in columns and columns[name].role is Role.EVENT_DATE
        for name in (start, end)
    ]
    levels = bands if isinstance(bands, list) and bands and isinstance(bands[0], list) else [bands]
    valid = all(dated) and start != end and all(_valid_cuts(level) for level in levels)
    nested = valid and all(
        set(coarser) <= set(finer) and len(coarser) < len(finer)
        for finer, coarser in itertools.pairwise(levels)
    )
    if not valid or not nested:
        problems.append(message)
        return None
    return StaySpec(str(start), str(end), tuple(tuple(int(c) for c in level) for level in levels))


def _valid_cuts(level: Any) -> bool:
    return (
        isinstance(level, list)
        and bool(level)
        and all(isinstance(c, int) and not isinstance(c, bool) and c > 0 for c in level)
        and all(a < b for a, b in itertools.pairwise(level))
    )
