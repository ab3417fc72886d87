"""Concept descendants, for cohort criteria by concept.

From the source's own OHDSI vocabulary tables (`concept_ancestor`) when it has them, else
from the catalog's bundled vocabulary subset (a YAML file, `ancestors:` mapping each
concept to its descendants). A concept is always its own descendant (concept_ancestor's
row of separation 0). No vocabulary at all, when descendants are asked for, is an error:
a cohort silently limited to the named concepts would be smaller than the researcher
believes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from sovex.model.errors import ConfigurationError, InvalidInput, SourceTableMissing
from sovex.model.reviewed_yaml import load_reviewed_yaml
from transforms.source_base import Source

ANCESTOR_TABLE = "concept_ancestor"
ANCESTOR_COLUMNS = ("ancestor_concept_id", "descendant_concept_id")


@dataclass(frozen=True)
class Vocabulary:
    """Where descendants come from: `ancestors` (ancestor → descendants) and its origin."""

    ancestors: Mapping[int, frozenset[int]]
    origin: str

    def expand(self, concept_ids: Iterable[int]) -> frozenset[int]:
        """The concepts and all their descendants (transitively: a bundled file may list
        only direct children)."""
        found: set[int] = set()
        pending = list(concept_ids)
        while pending:
            concept = pending.pop()
            if concept in found:
                continue
            found.add(concept)
            pending += self.ancestors.get(concept, frozenset())
        return frozenset(found)


def load_bundled(path: Path) -> Vocabulary:
    """The catalog's vocabulary subset; every problem names the file."""
    raw = load_reviewed_yaml(path, "vocabulary")
    ancestors = raw.get("ancestors") if isinstance(raw, dict) else None
    if not isinstance(ancestors, dict):
        raise InvalidInput(f"{path}: field 'ancestors' must map a concept id to its descendants")
    parsed: dict[int, frozenset[int]] = {}
    for ancestor, descendants in ancestors.items():
        if not _is_id(ancestor) or not isinstance(descendants, list):
            raise InvalidInput(f"{path}: field 'ancestors.{ancestor}': a concept id and a list")
        if not all(_is_id(d) for d in descendants):
            raise InvalidInput(f"{path}: field 'ancestors.{ancestor}': concept ids only")
        parsed[int(ancestor)] = frozenset(int(d) for d in descendants)
    return Vocabulary(parsed, f"bundled {path.name}")


def _is_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def from_source(source: Source, concept_ids: Iterable[int]) -> Vocabulary | None:
    """The descendants of `concept_ids` from the source's concept_ancestor table; None
    when the source has no such table."""
    try:
        source.schema(ANCESTOR_TABLE)
    except SourceTableMissing:
        return None
    wanted = pa.array(sorted(set(concept_ids)), type=pa.int64())
    ancestors: dict[int, set[int]] = {}
    for batch in source.batches(
        ANCESTOR_TABLE,
        list(ANCESTOR_COLUMNS),
        filter=ds.field(ANCESTOR_COLUMNS[0]).isin(wanted),
    ):
        pairs = zip(
            pc.cast(batch.column(0), pa.int64()).to_pylist(),
            pc.cast(batch.column(1), pa.int64()).to_pylist(),
            strict=True,
        )
        for ancestor, descendant in pairs:
            ancestors.setdefault(ancestor, set()).add(descendant)
    return Vocabulary(
        {a: frozenset(d) for a, d in ancestors.items()}, f"source table {ANCESTOR_TABLE}"
    )


def vocabulary_for(source: Source, bundled: Path | None, concept_ids: Iterable[int]) -> Vocabulary:
    """The source's concept_ancestor when present, else the bundled subset, else an error."""
    ids = list(concept_ids)
    found = from_source(source, ids)
    if found is not None:
        return found
    if bundled is None:
        raise ConfigurationError(
            f"cohort criteria ask for concept descendants, but the source has no "
            f"{ANCESTOR_TABLE} table and its catalog names no bundled 'vocabulary'"
        )
    return load_bundled(bundled)
