"""The event risk recomputed on published files (`anonymization.event_risk`): the
gate checks what leaves, not the plan.

- `verify_published`: one extract's parts (pseudonyms, published values);
- `verify_with_earlier`: this extract with the project's earlier extracts of the same
  cohort, which share its pseudonyms.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from anonymization.event_levels import event_labels
from anonymization.event_risk import patient_supports, risk_summary
from transforms.event_release import ONE_CLASS, person_classes


@dataclass(frozen=True)
class PublishedFiles:
    """One extract's published parts the event risk reads: the person table's (with the
    quasi-identifiers it publishes) and each event table's (with its known columns)."""

    person_parts: Sequence[str | Path]
    quasi_identifiers: Sequence[str]
    event_parts: Mapping[str, Sequence[str | Path]]
    known: Mapping[str, Sequence[str]]
    period: tuple[str, str] | None = None  # the request's (start, end), ISO dates
    # The person levels the quasi-identifiers are published at ({} when unknown).
    person_levels: Mapping[str, str] = field(default_factory=dict)


def _read_published(
    files: PublishedFiles, pseudonym: str
) -> tuple[dict[Any, str], dict[Any, list[str]]]:
    classes: dict[Any, str] = {}
    for path in files.person_parts:
        view = pq.read_table(path, columns=[pseudonym, *files.quasi_identifiers])
        classes.update(person_classes(view, pseudonym, files.quasi_identifiers))
    events: dict[Any, list[str]] = {}
    for table, paths in sorted(files.event_parts.items()):
        for path in paths:
            rows = pq.read_table(path, columns=[pseudonym, *files.known[table]])
            published = {name: rows.column(name).combine_chunks() for name in files.known[table]}
            labels = event_labels(table, published, rows.num_rows).to_pylist()
            for patient, label in zip(rows.column(pseudonym).to_pylist(), labels, strict=True):
                events.setdefault(patient, []).append(label)
                if not files.person_parts:
                    classes.setdefault(patient, ONE_CLASS)
    return classes, events


def verify_published(
    files: PublishedFiles, pseudonym: str, events_known: int, k: int
) -> dict[str, Any]:
    """The risk as the published files show it: person classes from the person table's
    parts, events from each event table's parts, both by pseudonym."""
    classes, events = _read_published(files, pseudonym)
    return risk_summary(patient_supports(classes, events, events_known), k)


def verify_with_earlier(
    current: PublishedFiles,
    earlier: Sequence[PublishedFiles],
    pseudonym: str,
    events_known: int,
    k: int,
) -> dict[str, Any]:
    """The risk of this extract's patients with the project's earlier extracts, which
    share its pseudonyms (the project key is the same). A patient's class is what every
    extract says of them (an adversary intersects): extracts at the same person levels
    say the same, so being absent from one of them says nothing more and the class is
    exact; at other or unknown levels it is split further than an adversary can (a
    conservative bound). Their events are the union: an event published by two extracts
    of overlapping periods counts once when its label is the same (the same levels);
    extracts of disjoint periods add up. Patients only in earlier extracts count as the
    others' lookalikes but are not this release's risk: it adds nothing about them."""
    classes: dict[Any, set[str]] = {}
    events: dict[Any, Counter[str]] = {}
    merged_periods: list[tuple[str, str] | None] = []
    in_current: set[Any] = set()
    for position, files in enumerate([current, *earlier]):
        extract_classes, extract_events = _read_published(files, pseudonym)
        present = set(extract_classes) | set(extract_events)
        if position == 0:
            in_current = present
        levels = (
            repr(sorted((n, files.person_levels[n]) for n in files.quasi_identifiers))
            if set(files.quasi_identifiers) <= set(files.person_levels)
            else str(position)
        )
        for patient in present:
            label = extract_classes.get(patient, ONE_CLASS)
            classes.setdefault(patient, set()).add(f"{levels}:{label}")
        overlapping = any(_overlap(files.period, other) for other in merged_periods)
        for patient, labels in extract_events.items():
            union = events.setdefault(patient, Counter())
            if overlapping:
                union |= Counter(labels)  # the larger count of each label
            else:
                union.update(labels)
        merged_periods.append(files.period)
    joined = {patient: "\x1d".join(sorted(labels)) for patient, labels in classes.items()}
    supports = patient_supports(
        joined, {p: list(c.elements()) for p, c in events.items()}, events_known
    )
    return {
        "earlier_extracts": len(earlier),
        **risk_summary(supports.restricted_to(in_current), k),
    }


def _overlap(first: tuple[str, str] | None, second: tuple[str, str] | None) -> bool:
    """Whether two request periods (ISO dates, both days included) overlap; unknown
    ones may."""
    if first is None or second is None:
        return True
    return first[0] <= second[1] and second[0] <= first[1]
