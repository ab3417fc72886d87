"""The release gate's declared adversary, played against a published extract.

The attacker knows the target is in the extract, the target's birth year and sex, and L
of the target's real stays (unit, exact admission and discharge dates). They do not know
the date shift, only its bound: a published stay matches a known one when its unit could
be the known unit at the published level and some shift within the bound, the same for
all L stays, maps the known dates onto the published ones at the published granularity.

When the dates are published as the time since the patient's index date (days, weeks or
30.4375-day months), the shift cancels out and the unknown is the index instead: a
published stay matches when some index date, the same for all L stays, maps the known
dates onto the published offsets. When a stay's end is published as a length-of-stay
band, the known stay's length must fall in the band.

For every published patient (the test knows who is who: it recomputes the pseudonyms
with the project key) and every set of L of their stays, the candidates are the
published patients compatible with all of it; the target's figure is its smallest
candidate set. Independent of `anonymization.event_risk` on purpose: it reads only the
published files, the source and the manifest.
"""

from __future__ import annotations

import calendar
import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from anonymization.pseudonyms import DATE_SHIFT_WINDOW_DAYS

# Enough sets of L stays per target for the worst case of the demo's patients.
MAX_SUBSETS_PER_TARGET = 60


@dataclass(frozen=True)
class Stay:
    """A stay as known (dates) or as published: dates, offsets since the index (int) or,
    for the discharge, a length-of-stay band label (text); None where removed."""

    unit: str
    admission: Any
    discharge: Any


@dataclass(frozen=True)
class PublishedPatient:
    birth_label: str
    sex_label: str
    stays: tuple[Stay, ...]


@dataclass(frozen=True)
class Target:
    pseudonym: str
    birth_year: int
    sex: str
    stays: tuple[Stay, ...]  # the real ones, in the period


@dataclass(frozen=True)
class AttackResult:
    targets: int
    singled_out: int  # the smallest candidate set is the target alone
    below_k: int  # the smallest candidate set (target among them) is smaller than k
    max_risk: float  # 1 / the smallest candidate set over every target
    not_found: int  # sets where the target was not among its own candidates (a bug)

    def share_singled_out(self) -> float:
        return self.singled_out / self.targets if self.targets else 0.0

    def share_below_k(self) -> float:
        return self.below_k / self.targets if self.targets else 0.0


def _bucket_end(start: date, granularity: str) -> date:
    if granularity == "day":
        return start
    if granularity == "week":
        return start + timedelta(days=6)
    if granularity == "month":
        return start.replace(day=calendar.monthrange(start.year, start.month)[1])
    if granularity == "quarter":
        month = start.month + 2
        return start.replace(month=month, day=calendar.monthrange(start.year, month)[1])
    if granularity == "year":
        return start.replace(month=12, day=31)
    raise ValueError(f"unknown granularity {granularity!r}")


SINCE_INDEX_DAYS = {
    "days_since_index": 1.0,
    "weeks_since_index": 7.0,
    "months_since_index": 487 / 16,
}
# The index date as an unknown: any day (ordinal), far enough either way.
ANY_INDEX = range(-(10**7), 10**7)


def _index_interval(known: date | None, published: int | None, granularity: str) -> range:
    """The index dates (ordinals) putting a known date at a published offset since it."""
    if published is None or known is None:
        return ANY_INDEX
    unit = SINCE_INDEX_DAYS[granularity]
    low = math.ceil(published * unit)  # the fewest days since the index at that offset
    high = math.ceil((published + 1) * unit) - 1
    return range(known.toordinal() - high, known.toordinal() - low + 1)


def _in_band(length: int, label: str) -> bool:
    """Whether a length of stay (days) falls in a published band ("3-6", "7", "30+")."""
    if label == "<0":
        return length < 0
    if label.endswith("+"):
        return length >= int(label[:-1])
    low, _, high = label.partition("-")
    return int(low) <= length <= int(high or low)


def _shift_interval(known: date | None, published: Any, granularity: str) -> range:
    """The shifts mapping a known date onto a published one (all of them when the
    published date was removed); for offsets since the index, the index dates instead."""
    if granularity in SINCE_INDEX_DAYS:
        return _index_interval(known, published, granularity)
    everything = range(-DATE_SHIFT_WINDOW_DAYS, DATE_SHIFT_WINDOW_DAYS + 1)
    if published is None or known is None:
        return everything
    low = (published - known).days
    high = (_bucket_end(published, granularity) - known).days
    return range(max(low, everything.start), min(high, everything.stop - 1) + 1)


def _intersect(first: range, second: range) -> range:
    return range(max(first.start, second.start), min(first.stop, second.stop))


def _unit_compatible(known: str, published: str, kept: Sequence[str] | None) -> bool:
    if published == "*":
        return True
    if published == "other" and kept is not None:
        return known not in kept
    return published == known


def _birth_compatible(year: int, label: str) -> bool:
    if label == "*":
        return True
    if "-" in label:
        start, end = label.split("-")
        return int(start) <= year <= int(end)
    return label == str(year)


def _matches(
    known: Sequence[Stay], published: Sequence[Stay], granularity: str, kept: Sequence[str] | None
) -> bool:
    """Some distinct published stays, one per known stay, under one common shift (or
    index date)."""
    options: list[list[tuple[int, range]]] = []
    for stay in known:
        compatible = []
        for index, candidate in enumerate(published):
            if not _unit_compatible(stay.unit, candidate.unit, kept):
                continue
            shifts = _shift_interval(stay.admission, candidate.admission, granularity)
            if isinstance(candidate.discharge, str):
                if stay.admission is None or stay.discharge is None:
                    pass  # an unknown length matches any band
                elif not _in_band((stay.discharge - stay.admission).days, candidate.discharge):
                    continue
            else:
                shifts = _intersect(
                    shifts, _shift_interval(stay.discharge, candidate.discharge, granularity)
                )
            if len(shifts):
                compatible.append((index, shifts))
        if not compatible:
            return False
        options.append(compatible)
    for assignment in itertools.product(*options):
        if len({index for index, _ in assignment}) < len(assignment):
            continue
        common = (
            ANY_INDEX
            if granularity in SINCE_INDEX_DAYS
            else range(-DATE_SHIFT_WINDOW_DAYS, DATE_SHIFT_WINDOW_DAYS + 1)
        )
        for _, shifts in assignment:
            common = _intersect(common, shifts)
        if len(common):
            return True
    return False


def attack(
    targets: Sequence[Target],
    published: Mapping[str, PublishedPatient],
    events_known: int,
    k: int,
    granularity: str,
    kept_units: Sequence[str] | None = None,
) -> AttackResult:
    """Play the attack for every target; `granularity` is the published date level."""
    singled_out = below_k = not_found = 0
    smallest_overall = len(published)
    for target in targets:
        pool = [
            pseudonym
            for pseudonym, patient in published.items()
            if _birth_compatible(target.birth_year, patient.birth_label)
            and patient.sex_label in ("*", target.sex)
        ]
        size = min(events_known, len(target.stays))
        subsets = list(itertools.combinations(target.stays, size))[:MAX_SUBSETS_PER_TARGET]
        smallest = len(pool)
        for subset in subsets:
            candidates = [
                p for p in pool if _matches(subset, published[p].stays, granularity, kept_units)
            ]
            if target.pseudonym not in candidates:
                # A known stay was suppressed: the attacker is misled, not helped.
                not_found += 1
                continue
            smallest = min(smallest, len(candidates))
        smallest_overall = min(smallest_overall, smallest)
        singled_out += smallest == 1
        below_k += smallest < k
    return AttackResult(
        targets=len(targets),
        singled_out=singled_out,
        below_k=below_k,
        max_risk=1 / smallest_overall if smallest_overall else 1.0,
        not_found=not_found,
    )


def published_patients(
    persons: Sequence[dict[str, Any]], stays: Sequence[dict[str, Any]]
) -> dict[str, PublishedPatient]:
    """The published person rows (patient_id, birth_date, sex) and stay rows (patient_id,
    admission_date, discharge_date, unit), by pseudonym."""
    by_patient: dict[str, list[Stay]] = {}
    for row in stays:
        by_patient.setdefault(row["patient_id"], []).append(
            # A unit not published is as good as removed.
            Stay(str(row.get("unit", "*")), row["admission_date"], row["discharge_date"])
        )
    return {
        row["patient_id"]: PublishedPatient(
            str(row["birth_date"]), str(row["sex"]), tuple(by_patient.get(row["patient_id"], ()))
        )
        for row in persons
    }
