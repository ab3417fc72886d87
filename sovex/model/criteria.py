"""Cohort criteria by concept (all_of / any_of groups, age at index) in a request, and the
checks of criteria and derived columns against the source catalog."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sovex.model.catalog import DERIVED_ROLES, Role, SourceCatalog


class ConceptCriterion(BaseModel):
    """Patients with a row of `table` coded with one of `concept_ids` (or a descendant)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    table: str = Field(
        description="a table of the source catalog that declares a concept_column "
        "(OMOP: condition_occurrence, drug_exposure, measurement, procedure_occurrence…)"
    )
    concept_ids: list[int] = Field(
        min_length=1,
        description="standard concept ids (OMOP concept_id, not source codes), each ≥ 0",
    )
    descendants: bool = Field(
        default=True,
        description="also the concepts' descendants (concept_ancestor; the catalog's bundled "
        "vocabulary when the source has none)",
    )

    @model_validator(mode="after")
    def _ids(self) -> ConceptCriterion:
        if any(concept < 0 for concept in self.concept_ids):
            raise ValueError("concept ids are 0 or more")
        return self


# How deep all_of / any_of groups may nest.
MAX_CRITERIA_DEPTH = 4


class CriteriaGroup(BaseModel):
    """Criteria combined with AND (`all_of`) or OR (`any_of`); groups nest."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    all_of: list[ConceptCriterion | CriteriaGroup] = Field(
        default_factory=list, description="every criterion holds"
    )
    any_of: list[ConceptCriterion | CriteriaGroup] = Field(
        default_factory=list, description="at least one criterion holds"
    )

    @model_validator(mode="after")
    def _one_kind(self) -> CriteriaGroup:
        if bool(self.all_of) == bool(self.any_of):
            raise ValueError("a group lists its criteria under exactly one of all_of, any_of")
        if self.depth() > MAX_CRITERIA_DEPTH:
            raise ValueError(f"groups nest at most {MAX_CRITERIA_DEPTH} deep")
        return self

    @property
    def criteria(self) -> list[ConceptCriterion | CriteriaGroup]:
        return self.all_of or self.any_of

    def depth(self) -> int:
        return 1 + max(
            (c.depth() for c in self.criteria if isinstance(c, CriteriaGroup)), default=0
        )

    def concept_criteria(self) -> list[ConceptCriterion]:
        """Every concept criterion of the group, nested ones included."""
        found: list[ConceptCriterion] = []
        for criterion in self.criteria:
            if isinstance(criterion, CriteriaGroup):
                found += criterion.concept_criteria()
            else:
                found.append(criterion)
        return found


# Ages are whole years; past this one a bound is a typo.
MAX_AGE_YEARS = 120


class AgeAtIndex(BaseModel):
    """Bounds on the patient's age, in whole years, on their index date."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    min: int = Field(default=0, ge=0, le=MAX_AGE_YEARS, description="youngest age included")
    max: int = Field(
        default=MAX_AGE_YEARS, ge=0, le=MAX_AGE_YEARS, description="oldest age included"
    )

    @model_validator(mode="after")
    def _ordered(self) -> AgeAtIndex:
        if self.min > self.max:
            raise ValueError("min must not be above max")
        return self


def criteria_problems(path: Path, raw: dict[str, Any], catalog: SourceCatalog) -> list[str]:
    """Each concept criterion names a table with a concept column; age needs a birth."""
    problems: list[str] = []

    def walk(group: Any, field: str) -> None:
        if not isinstance(group, dict):
            return
        for kind in ("all_of", "any_of"):
            items = group.get(kind)
            for index, item in enumerate(items if isinstance(items, list) else []):
                where = f"{field}.{kind}.{index}"
                if not isinstance(item, dict):
                    continue
                if "all_of" in item or "any_of" in item:
                    walk(item, where)
                    continue
                table = catalog.tables.get(str(item.get("table")))
                if table is None or table.concept_column is None:
                    problems.append(
                        f"{path}: field '{where}.table': {item.get('table')!r} is not a table "
                        "with concepts; tables with concepts: "
                        + ", ".join(
                            sorted(n for n, t in catalog.tables.items() if t.concept_column)
                        )
                    )
                elif table.period_column() is None:
                    problems.append(f"{path}: field '{where}.table': the table has no event date")

    walk(raw.get("cohort_criteria"), "cohort_criteria")
    if raw.get("age_at_index") is not None and catalog.birth_column is None:
        problems.append(
            f"{path}: field 'age_at_index': the catalog of {catalog.source!r} names no birth_column"
        )
    return problems


def derived_problems(path: Path, raw: dict[str, Any], catalog: SourceCatalog) -> list[str]:
    """Tables are patient tables; derived columns have what they are computed from."""
    problems: list[str] = []
    raw_tables = raw.get("tables")
    tables = raw_tables if isinstance(raw_tables, dict) else {}
    person_columns = tables.get(catalog.person_table)
    for table_name, columns in tables.items():
        table = catalog.tables.get(table_name)
        if table is None or not isinstance(columns, list):
            continue
        if not table.has_person_id():
            problems.append(
                f"{path}: field 'tables.{table_name}': a reference table without patients "
                "cannot be extracted (its ids are classified in the patient tables)"
            )
            continue
        for column in columns:
            spec = table.columns.get(str(column))
            if spec is None or spec.role not in DERIVED_ROLES:
                continue
            field = f"tables.{table_name}.{column}"
            if spec.role is Role.AGE_AT_EVENT and (
                catalog.birth_column is None
                or not isinstance(person_columns, list)
                or catalog.birth_column not in person_columns
            ):
                problems.append(
                    f"{path}: field '{field}': age at an event is published at the level the "
                    f"release gate chooses for the birth: request {catalog.birth_column!r} "
                    f"from {catalog.person_table} too"
                )
            if spec.role is Role.DAYS_SINCE_INDEX and raw.get("cohort_criteria") is None:
                problems.append(
                    f"{path}: field '{field}': days since index need cohort_criteria (they "
                    "define each patient's index date)"
                )
    return problems
