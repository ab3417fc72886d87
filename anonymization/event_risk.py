"""Re-identification risk of a longitudinal release: LKC-privacy over event tables.

The adversary is the one the steward declares in the catalog: they know the target is in
the extract, the target's person quasi-identifiers (birth year, sex, area) and up to L of
the target's events in the tables that declare `adversary_knows` (a stay: its unit and
dates). Those L events and the person class narrow the published patients down to those
whose published events contain the same ones: the "support" of that knowledge. A
patient's prosecutor risk is 1 / the smallest support over every set of up to L of their
events; the release holds when every published patient's smallest support is at least k.

The model is conservative about the date shift: it assumes the adversary can undo it, so
a known event is seen exactly as it is published (shifted, then truncated to the chosen
granularity). The real adversary, who knows the true dates but not the shift, narrows
things down less; the attack tests check the reported risk is never below what they get.

The search for a transformation that holds is `anonymization.event_search`'s.

Everything here works on ids and labels the run keeps to itself; the record it returns
holds counts, levels and shares only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from anonymization.event_supports import EventArrays, subset_counts


@dataclass(frozen=True)
class Supports:
    """For each patient, the fewest published patients sharing what an adversary knowing
    up to L of their events (and their class) sees; and the totals the record reports."""

    smallest: dict[Any, int]
    alone_with_all_events: set[Any]  # alone in their class with all their events

    @property
    def full_knowledge_unique(self) -> int:
        return len(self.alone_with_all_events)

    def restricted_to(self, patients: Iterable[Any]) -> Supports:
        """The same figures for some of the patients (their supports still count every
        published patient)."""
        kept = set(patients)
        return Supports(
            {p: s for p, s in self.smallest.items() if p in kept},
            self.alone_with_all_events & kept,
        )


def patient_supports(
    classes: Mapping[Any, str], events: Mapping[Any, Sequence[str]], events_known: int
) -> Supports:
    """`classes`: each published patient's person class (their generalised quasi-
    identifiers); `events`: each patient's event labels (a label may repeat). A patient
    with no known event is protected by their class alone."""
    patients = list(classes)
    index = {patient: position for position, patient in enumerate(patients)}
    owner = [index[p] for p, labels in events.items() if p in index for _ in labels]
    labels = [label for p, labels in events.items() if p in index for label in labels]
    label_codes = codes(labels)
    arrays = EventArrays.sorted(
        np.asarray(owner, dtype=np.int64),
        label_codes,
        label_codes,
        codes([classes[p] for p in patients]),
    )
    return supports_of(patients, arrays, subset_counts(arrays, events_known).smallest)


def codes(values: Sequence[str] | pa.Array) -> np.ndarray:
    """Dense integer codes of string values."""
    array = values if isinstance(values, pa.Array) else pa.array(list(values), type=pa.string())
    if len(array) == 0:
        return np.zeros(0, dtype=np.int64)
    encoded = pc.dictionary_encode(array)
    return np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64)


def supports_of(patients: Sequence[Any], arrays: EventArrays, smallest: np.ndarray) -> Supports:
    """`smallest` per patient as a Supports, with who is alone in their class with all
    their events (the multiset of their labels, whole)."""
    return Supports(
        smallest=dict(zip(patients, smallest.tolist(), strict=True)),
        alone_with_all_events={
            patients[int(index)] for index in np.flatnonzero(_alone_with_all_events(arrays))
        },
    )


def _alone_with_all_events(arrays: EventArrays) -> np.ndarray:
    """Per patient: whether no other patient of their class has the same multiset of
    labels. The multiset is coded position by position (events are sorted by patient
    and label), one hash pass per position."""
    patients = len(arrays.classes)
    held = np.bincount(arrays.patient, minlength=patients)
    signature = pd.factorize(arrays.classes * (int(held.max(initial=0)) + 1) + held)[0]
    signature = signature.astype(np.int64)
    if len(arrays.patient):
        starts = np.r_[0, np.cumsum(held)[:-1]]
        rank = np.arange(len(arrays.patient)) - starts[arrays.patient]
        by_rank = np.argsort(rank, kind="stable")
        bounds = np.searchsorted(rank[by_rank], np.arange(int(held.max()) + 1))
        width = int(arrays.label.max()) + 1
        for position in range(int(held.max())):
            at = by_rank[bounds[position] : bounds[position + 1]]
            owner = arrays.patient[at]
            combined = signature[owner] * width + arrays.label[at]
            # New codes above every code in use: a patient's signature only meets another's
            # when both extend the same signature with the same label.
            signature[owner] = pd.factorize(combined)[0] + int(signature.max()) + 1
        signature = pd.factorize(signature)[0]
    return np.bincount(signature)[signature] == 1


def risk_summary(supports: Supports, k: int) -> dict[str, Any]:
    """The risk figures of one support computation (counts and shares only)."""
    smallest = list(supports.smallest.values())
    patients = len(smallest)
    return {
        "patients": patients,
        "max_prosecutor_risk": 1 / min(smallest) if smallest else 0.0,
        "avg_prosecutor_risk": sum(1 / s for s in smallest) / patients if patients else 0.0,
        "patients_below_k": sum(s < k for s in smallest),
        "patients_singled_out": sum(s == 1 for s in smallest),
        "full_knowledge_unique_share": (
            supports.full_knowledge_unique / patients if patients else 0.0
        ),
    }
