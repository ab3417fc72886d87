"""Keyed pseudonyms and per-patient date shifts, vectorised over Arrow arrays.

Each distinct identifier is hashed once (`patient_keys`), then rows find their pseudonym
and shift by position, so a patient with a thousand rows costs one HMAC.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

PSEUDONYM_CONTEXT = b"sovex/pseudonym/v1/"
DATE_SHIFT_CONTEXT = b"sovex/date-shift/v1/"
LINK_CONTEXT = b"sovex/link/v1/"
PSEUDONYM_HEX_CHARS = 32
# Event dates move by up to this many days either way, the same for all of a patient's rows.
DATE_SHIFT_WINDOW_DAYS = 182


def _hmac_digest(key: bytes, context: bytes, value: str) -> bytes:
    # hmac.digest: the one-shot C path, several times faster than hmac.new(...).digest().
    return hmac.digest(key, context + value.encode("utf-8"), "sha256")


def pseudonym(key: bytes, identifier: str) -> str:
    """The stable pseudonym of one identifier under one project key."""
    return _hmac_digest(key, PSEUDONYM_CONTEXT, identifier).hex()[:PSEUDONYM_HEX_CHARS]


def date_shift_days(key: bytes, identifier: str) -> int:
    """The patient's date shift, in [-window, +window] days, never zero."""
    number = int.from_bytes(_hmac_digest(key, DATE_SHIFT_CONTEXT, identifier)[:8], "big")
    shift = number % (2 * DATE_SHIFT_WINDOW_DAYS) - DATE_SHIFT_WINDOW_DAYS
    # Zero would leave the true dates: use +window instead (keeps the range symmetric-ish).
    return shift if shift != 0 else DATE_SHIFT_WINDOW_DAYS


@dataclass(frozen=True)
class PatientShifts:
    """The included patients' date shifts, computed once (one HMAC each) and looked up by
    position for every row of every batch. The release gate needs no more than this."""

    ids: pa.Array  # distinct patient ids, as text
    shifts: pa.Array  # int32 days, aligned with `ids`

    def positions(self, identifiers: pa.Array | pa.ChunkedArray) -> pa.Array:
        """Each identifier's position in `ids`; an id outside them is an error, never a
        silently unpseudonymised row."""
        if isinstance(identifiers, pa.ChunkedArray):
            identifiers = identifiers.combine_chunks()
        positions = pc.index_in(identifiers.cast(pa.string()), value_set=self.ids)
        if positions.null_count:
            raise ValueError("rows of patients outside the included cohort reached the writer")
        return positions

    def select(self, rows: pa.RecordBatch, id_column: str) -> tuple[pa.RecordBatch, pa.Array]:
        """The rows whose patient is among `ids` (the others are dropped), and each kept
        row's position in `ids`: the cohort filter and the lookup in one hash pass."""
        found = pc.index_in(rows.column(id_column).cast(pa.string()), value_set=self.ids)
        if found.null_count == 0:
            return rows, found
        kept = pc.is_valid(found)
        return rows.filter(kept), found.filter(kept)

    def shift(self, dates: pa.Array | pa.ChunkedArray, positions: pa.Array) -> pa.Array:
        """Each date moved by its patient's shift; nulls stay null."""
        if isinstance(dates, pa.ChunkedArray):
            dates = dates.combine_chunks()
        days = pc.cast(dates.cast(pa.date32()), pa.int32())
        return pc.cast(pc.add(days, self.shifts.take(positions)), pa.date32())


@dataclass(frozen=True)
class PatientKeys(PatientShifts):
    """The included patients' pseudonyms as well as their shifts (what the writer needs)."""

    pseudonyms: pa.Array  # string, aligned with `ids`


def _distinct_ids(identifiers: pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(identifiers, pa.ChunkedArray):
        identifiers = identifiers.combine_chunks()
    if identifiers.null_count:
        raise ValueError("identifier column contains nulls")
    return pc.unique(identifiers.cast(pa.string()))


def patient_shifts(key: bytes, identifiers: pa.Array | pa.ChunkedArray) -> PatientShifts:
    """Shifts of the distinct identifiers (nulls are an error): half the HMACs of
    `patient_keys`, for whoever needs dates as published but no pseudonym."""
    ids = _distinct_ids(identifiers)
    texts = ids.to_pylist()
    return PatientShifts(
        ids=ids, shifts=pa.array([date_shift_days(key, text) for text in texts], type=pa.int32())
    )


def patient_keys(key: bytes, identifiers: pa.Array | pa.ChunkedArray) -> PatientKeys:
    """Pseudonyms and shifts of the distinct identifiers (nulls are an error)."""
    ids = _distinct_ids(identifiers)
    texts = ids.to_pylist()
    return PatientKeys(
        ids=ids,
        pseudonyms=pa.array([pseudonym(key, text) for text in texts], type=pa.string()),
        shifts=pa.array([date_shift_days(key, text) for text in texts], type=pa.int32()),
    )


def pseudonymise(key: bytes, identifiers: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Each identifier's pseudonym (one HMAC per distinct identifier)."""
    keys = patient_keys(key, identifiers)
    return keys.pseudonyms.take(keys.positions(identifiers))


def shift_dates(
    key: bytes, identifiers: pa.Array | pa.ChunkedArray, dates: pa.Array | pa.ChunkedArray
) -> pa.Array:
    """Shift each date by its patient's offset; nulls stay null."""
    keys = patient_keys(key, identifiers)
    return keys.shift(dates, keys.positions(identifiers))


def link_pseudonyms(key: bytes, namespace: str, values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Keyed pseudonyms of record ids (e.g. visits) shared by several tables: the same id
    gets the same pseudonym in every table of the project's extracts (`namespace` names
    what is linked, "visit"), never the same as a patient's. Nulls stay null; one HMAC
    per distinct id."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    encoded = pc.dictionary_encode(values.cast(pa.string()))
    context = LINK_CONTEXT + namespace.encode("utf-8") + b"/"
    distinct = pa.array(
        [
            _hmac_digest(key, context, text).hex()[:PSEUDONYM_HEX_CHARS]
            for text in encoded.dictionary.to_pylist()
        ],
        type=pa.string(),
    )
    return distinct.take(encoded.indices)
