"""Cohorts by concept: criteria, groups, the window they look at and age at index.

A concept criterion holds for a patient with at least one row of its table, coded with
one of its concepts (and their descendants), dated (the table's first event date, on
source dates: before any shift) within the window. Its first such date is when the
patient first meets it. A group `all_of` holds when every criterion does, from the
latest of their first dates; `any_of` when one does, from the earliest. The group's date
is the patient's **index date**; `age_at_index` keeps the patients whose age in whole
years on it is within its bounds.

Age in whole years: from the birth date when the birth column is a date; from 1 July of
the year when it holds only the year (OMOP's year_of_birth), so no birth month is
assumed.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from sovex.model.catalog import SourceCatalog
from sovex.model.criteria import AgeAtIndex, ConceptCriterion, CriteriaGroup
from sovex.model.request import Period
from transforms.source_base import Source
from transforms.vocabulary import Vocabulary

ID = "person_id"
INDEX = "index_date"
# A birth known only by its year is taken as 1 July of it (month 7, day 1).
MID_YEAR_MONTH = 7
_SCHEMA = pa.schema([(ID, pa.string()), (INDEX, pa.date32())])


def _first_dates(ids: pa.Array, dates: pa.Array) -> pa.Table:
    """Each patient's earliest date (ids as text)."""
    table = pa.table({ID: ids.cast(pa.string()), INDEX: dates.cast(pa.date32())})
    grouped = table.group_by(ID).aggregate([(INDEX, "min")])
    first = pa.table({ID: grouped.column(ID), INDEX: grouped.column(f"{INDEX}_min")})
    return first.cast(_SCHEMA)


def criterion_dates(
    source: Source,
    catalog: SourceCatalog,
    criterion: ConceptCriterion,
    vocabulary: Vocabulary | None,
    window: Period,
) -> pa.Table:
    """The patients meeting one criterion in the window, and the first date they do."""
    table = catalog.tables[criterion.table]
    concept_column, date_column = table.concept_column, table.period_column()
    if concept_column is None or date_column is None:
        raise ValueError(f"table {criterion.table} has no concept column or no event date")
    concepts = set(criterion.concept_ids)
    if criterion.descendants:
        if vocabulary is None:
            raise ValueError("concept descendants need a vocabulary")
        concepts = set(vocabulary.expand(concepts))
    person_id = catalog.person_id_column
    expression = (
        ds.field(concept_column).isin(pa.array(sorted(concepts), type=pa.int64()))
        & (ds.field(date_column) >= window.start)
        & (ds.field(date_column) <= window.end)
    )
    batches = [
        batch
        for batch in source.batches(criterion.table, [person_id, date_column], filter=expression)
        if batch.num_rows
    ]
    if not batches:
        return _SCHEMA.empty_table()
    rows = pa.Table.from_batches(batches)
    return _first_dates(
        rows.column(person_id).combine_chunks(), rows.column(date_column).combine_chunks()
    )


def combine(group: CriteriaGroup, members: list[pa.Table]) -> pa.Table:
    """`all_of`: patients in every member, from the latest of their dates; `any_of`:
    patients in any member, from the earliest."""
    if not members:
        return _SCHEMA.empty_table()
    if group.any_of:
        return _first_dates(
            pa.chunked_array([m.column(ID) for m in members], type=pa.string()).combine_chunks(),
            pa.chunked_array([m.column(INDEX) for m in members], type=pa.date32()).combine_chunks(),
        )
    result = members[0]
    for member in members[1:]:
        joined = result.join(member, ID, join_type="inner", right_suffix="_other")
        later = pc.max_element_wise(joined.column(INDEX), joined.column(f"{INDEX}_other"))
        result = pa.table({ID: joined.column(ID), INDEX: later}).cast(_SCHEMA)
    return result


def group_dates(
    source: Source,
    catalog: SourceCatalog,
    group: CriteriaGroup,
    vocabulary: Vocabulary | None,
    window: Period,
) -> pa.Table:
    """The patients meeting the group in the window, and their index dates."""
    members = [
        group_dates(source, catalog, criterion, vocabulary, window)
        if isinstance(criterion, CriteriaGroup)
        else criterion_dates(source, catalog, criterion, vocabulary, window)
        for criterion in group.criteria
    ]
    return combine(group, members)


def age_in_years(birth: pa.Array, on: pa.Array) -> pa.Array:
    """Whole years from each birth (a date, or a year taken as its 1 July) to `on`."""
    on_days = on.cast(pa.date32())
    if pa.types.is_integer(birth.type):
        birth_year, birth_month, birth_day = (
            pc.cast(birth, pa.int32()),
            pa.scalar(MID_YEAR_MONTH, pa.int32()),
            pa.scalar(1, pa.int32()),
        )
    else:
        dates = birth.cast(pa.date32())
        birth_year = pc.cast(pc.year(dates), pa.int32())
        birth_month = pc.cast(pc.month(dates), pa.int32())
        birth_day = pc.cast(pc.day(dates), pa.int32())
    years = pc.subtract(pc.cast(pc.year(on_days), pa.int32()), birth_year)
    month, day = pc.cast(pc.month(on_days), pa.int32()), pc.cast(pc.day(on_days), pa.int32())
    before_birthday = pc.or_(
        pc.less(month, birth_month),
        pc.and_(pc.equal(month, birth_month), pc.less(day, birth_day)),
    )
    return pc.subtract(years, pc.cast(before_birthday, pa.int32()))


def within_age(
    source: Source, catalog: SourceCatalog, members: pa.Table, bounds: AgeAtIndex
) -> pa.Table:
    """The members whose age at their index date is within `bounds` (unknown birth: out)."""
    if catalog.birth_column is None:
        raise ValueError("age at index needs the catalog's birth_column")
    if members.num_rows == 0:
        return members
    person_id = catalog.person_id_column
    births = pa.Table.from_batches(
        list(
            source.batches(
                catalog.person_table,
                [person_id, catalog.birth_column],
                filter=ds.field(person_id).isin(
                    members.column(ID).cast(
                        source.schema(catalog.person_table).field(person_id).type
                    )
                ),
            )
        ),
        schema=pa.schema(
            [
                source.schema(catalog.person_table).field(c)
                for c in (person_id, catalog.birth_column)
            ]
        ),
    )
    births = pa.table(
        {
            ID: births.column(person_id).cast(pa.string()),
            "birth": births.column(catalog.birth_column),
        }
    )
    joined = members.join(births, ID, join_type="inner")
    ages = age_in_years(
        joined.column("birth").combine_chunks(), joined.column(INDEX).combine_chunks()
    )
    keep = pc.and_(pc.greater_equal(ages, bounds.min), pc.less_equal(ages, bounds.max))
    return joined.filter(pc.fill_null(keep, False)).select([ID, INDEX]).cast(_SCHEMA)


def select_by_concepts(
    source: Source,
    catalog: SourceCatalog,
    group: CriteriaGroup,
    vocabulary: Vocabulary | None,
    window: Period,
    age: AgeAtIndex | None,
) -> pa.Table:
    """Cohort members (person_id as text) and their index dates, sorted by id."""
    members = group_dates(source, catalog, group, vocabulary, window)
    if age is not None:
        members = within_age(source, catalog, members, age)
    return members.sort_by(ID)
