"""Research consents and oppositions as HL7 FHIR R4 `Consent` resources: parse and validate.

Input is NDJSON (FHIR Bulk Data export: one resource per line, optionally gzipped) or one
FHIR `Bundle` JSON file. Each resource is validated against the FHIR model
(`fhir.resources`, R4B's Consent is R4's) and then against the rules sovex relies on
below. A resource that breaks any of them becomes a `Rejection` naming its line (or bundle
entry), its id when readable, a stable code and a reason; nothing is guessed or repaired.
A reason names the field and the rule, never a value: no patient identifier and no
content of the line ever reaches the reject file.

Rules beyond the FHIR model:
- `id` is required (a resource without an id cannot be superseded by a later version);
- `status` is a Consent status (draft, proposed, active, rejected, inactive,
  entered-in-error), `scope` is research (consentscope#research);
- `patient.reference` is `Patient/<id>`; `dateTime` (when the choice was recorded) is
  present and a full date; date-times count as their UTC date;
- `provision.type` is permit or deny; `provision.purpose` holds at least one code of
  PURPOSE_SYSTEM (codes of other systems are ignored); `provision.period` bounds are full
  dates, end not before start;
- a resource without such a code is read only when its `policy.uri` (the consent
  template) or `meta.profile` is matched by a source the steward declared in
  `infra/consent/sources/` (see `transforms.consent_mapping`): its nested provisions are
  then mapped to sovex purposes (a top-level deny, nested permit/deny provisions with
  codes and full-date periods, no deeper nesting, no partial permits). One that names a
  template or profile no source declares is rejected as `undeclared_source`, and the
  registry refuses the whole file (the steward declares the source, then loads again);
- `modifierExtension` (on the resource or its provision) and `implicitRules` are
  rejected: FHIR forbids processing a resource whose modifiers are not understood;
- a permit restricted to part of the record (nested provisions, data, class, code,
  security labels, data period) is rejected: sovex cannot apply a partial permit, and
  reading it as a whole-record permit would include data the patient did not release. A
  restricted deny is kept as a whole-record deny (fail closed).

One module, long on purpose: every rule listed here is checked in this file, so the list
and the code can be read side by side.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import zlib
from collections import deque
from collections.abc import Generator, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from io import BufferedIOBase
from multiprocessing import get_context
from pathlib import Path
from typing import IO, Any, Protocol

from fhir.resources.R4B.consent import Consent
from pydantic import ValidationError

from sovex.model.errors import InvalidInput
from sovex.model.small_files import capped_lines
from transforms.consent_mapping import (
    NATIVE_POLICY_PREFIX,
    NO_SOURCES,
    Code,
    ConsentSource,
    ConsentSources,
    MappedConsent,
    MappingRefused,
    Provision,
    map_provisions,
)

PURPOSE_SYSTEM = "urn:sovex:purpose"
SCOPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/consentscope"
RESEARCH_SCOPE = "research"
CONSENT_STATUSES = ("draft", "proposed", "active", "rejected", "inactive", "entered-in-error")
PROVISION_TYPES = ("permit", "deny")
# Provision elements that narrow a consent to part of the record.
RESTRICTING_ELEMENTS = ("provision", "data", "class_fhir", "code", "securityLabel", "dataPeriod")
FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")
PATIENT_REFERENCE = re.compile(r"Patient/([A-Za-z0-9\-.]{1,64})")
# pydantic error locations are element names and indexes; anything else is shown as "?"
# because an unknown key comes from the input.
ELEMENT_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
MAX_ERRORS_SHOWN = 3
NDJSON_SUFFIXES = (".ndjson", ".ndjson.gz")
BUNDLE_SUFFIXES = (".json",)

# Validation costs ~100 µs per resource; past this file size a process pool pays for its
# start-up (~0.3 s per worker to import the FHIR models).
PARALLEL_MIN_BYTES = 8 * 1024 * 1024
CHUNK_LINES = 5_000
# Chunks in flight per worker: enough to keep workers busy, bounded so memory stays flat.
CHUNKS_IN_FLIGHT_PER_WORKER = 2

# pydantic error types → the rule they break, in words (the error's own message may quote
# the input, so it is never used).
ERROR_PHRASES = {
    "missing": "is required",
    "extra_forbidden": "is not a Consent element",
    "string_pattern_mismatch": "does not match the FHIR format",
    "string_type": "must be a string",
    "list_type": "must be a list",
    "model_type": "must be an object",
    "dict_type": "must be an object",
    "value_error": "is not a valid FHIR value",
}


class RejectCode(StrEnum):
    INVALID_JSON = "invalid_json"
    NOT_A_CONSENT = "not_a_consent"
    INVALID_FHIR = "invalid_fhir"
    MISSING_ID = "missing_id"
    INVALID_STATUS = "invalid_status"
    NOT_RESEARCH = "not_research"
    INVALID_PATIENT = "invalid_patient"
    MISSING_RECORDED_DATE = "missing_recorded_date"
    PARTIAL_DATE = "partial_date"
    INVALID_PROVISION_TYPE = "invalid_provision_type"
    MISSING_PURPOSE = "missing_purpose"
    INVALID_PERIOD = "invalid_period"
    PARTIAL_PERMIT = "partial_permit"
    UNKNOWN_MODIFIER = "unknown_modifier"
    UNDECLARED_SOURCE = "undeclared_source"
    UNMAPPABLE = "unmappable_provisions"


@dataclass(frozen=True)
class ConsentEvent:
    """One accepted version of a Consent resource, reduced to what the gate uses."""

    resource_id: str
    patient_id: str
    status: str
    provision_type: str  # permit | deny
    purposes: tuple[str, ...]  # PURPOSE_SYSTEM codes, sorted, distinct
    period_start: date | None
    period_end: date | None  # inclusive, as FHIR periods are
    recorded_on: date
    line: int  # 1-based line (NDJSON) or entry (Bundle)
    # A resource of a declared source: its per-purpose rulings and original codes.
    mapped: MappedConsent | None = None

    def version_sha256(self) -> str:
        """Names this version by content, so the same version read twice is one version."""
        fields: tuple[str, ...] = (
            self.resource_id,
            self.patient_id,
            self.status,
            self.provision_type,
            ",".join(self.purposes),
            _iso(self.period_start),
            _iso(self.period_end),
            self.recorded_on.isoformat(),
        )
        if self.mapped is not None:  # sovex-native versions keep the hash they always had
            fields += (self.mapped.fingerprint(),)
        return hashlib.sha256("\x1f".join(fields).encode()).hexdigest()


@dataclass(frozen=True)
class Rejection:
    line: int
    resource_id: str | None
    code: RejectCode
    reason: str  # field and rule only: never a value from the input


ParsedLine = ConsentEvent | Rejection


class Digest(Protocol):
    def update(self, data: bytes, /) -> None: ...


# --- One resource -----------------------------------------------------------------------


def parse_line(raw: bytes | str, line: int, sources: ConsentSources = NO_SOURCES) -> ParsedLine:
    """One NDJSON line (or any JSON text) → an event or a rejection."""
    try:
        resource = json.loads(raw)
    except ValueError:
        return Rejection(line, None, RejectCode.INVALID_JSON, "line is not valid JSON")
    except RecursionError:
        return Rejection(line, None, RejectCode.INVALID_JSON, "line is nested too deeply")
    return parse_resource(resource, line, sources)


def parse_resource(resource: Any, line: int, sources: ConsentSources = NO_SOURCES) -> ParsedLine:
    """A decoded JSON value → an event or a rejection."""
    if not isinstance(resource, dict):
        return Rejection(line, None, RejectCode.NOT_A_CONSENT, "resource is not a JSON object")
    raw_id = resource.get("id")
    resource_id = raw_id if isinstance(raw_id, str) and FHIR_ID.fullmatch(raw_id) else None
    if resource.get("resourceType") != "Consent":
        return Rejection(
            line, resource_id, RejectCode.NOT_A_CONSENT, "resourceType: must be 'Consent'"
        )
    try:
        consent = Consent.model_validate(resource)
    except ValidationError as error:
        return Rejection(line, resource_id, RejectCode.INVALID_FHIR, _summarise(error))
    except RecursionError:
        return Rejection(line, resource_id, RejectCode.INVALID_FHIR, "nested too deeply")
    return _check(consent, line, resource_id, sources)


def _check(
    consent: Consent, line: int, resource_id: str | None, sources: ConsentSources
) -> ParsedLine:
    def reject(code: RejectCode, reason: str) -> Rejection:
        return Rejection(line, resource_id, code, reason)

    if resource_id is None:
        return reject(RejectCode.MISSING_ID, "id: is required (a version needs its resource id)")
    if consent.implicitRules or consent.modifierExtension:
        name = "implicitRules" if consent.implicitRules else "modifierExtension"
        return reject(
            RejectCode.UNKNOWN_MODIFIER, f"{name}: changes the meaning in a way sovex cannot read"
        )
    if consent.status not in CONSENT_STATUSES:
        return reject(
            RejectCode.INVALID_STATUS, f"status: must be one of {', '.join(CONSENT_STATUSES)}"
        )
    if not _is_research(consent):
        return reject(
            RejectCode.NOT_RESEARCH,
            f"scope: must be {RESEARCH_SCOPE!r} of {SCOPE_SYSTEM} (only research consents "
            "are read)",
        )
    if consent.patient is None:
        return reject(RejectCode.INVALID_PATIENT, "patient: is required")
    match = PATIENT_REFERENCE.fullmatch(consent.patient.reference or "")
    if match is None:
        return reject(RejectCode.INVALID_PATIENT, "patient.reference: must be 'Patient/<id>'")
    if consent.dateTime is None:
        return reject(
            RejectCode.MISSING_RECORDED_DATE,
            "dateTime: is required (the date the choice was recorded)",
        )
    recorded_on = _full_date(consent.dateTime)
    if recorded_on is None:
        return reject(RejectCode.PARTIAL_DATE, "dateTime: must be a full date (YYYY-MM-DD)")
    provision = consent.provision
    if provision is None or provision.type is None:
        return reject(
            RejectCode.INVALID_PROVISION_TYPE, "provision.type: is required (permit or deny)"
        )
    if provision.type not in PROVISION_TYPES:
        return reject(RejectCode.INVALID_PROVISION_TYPE, "provision.type: must be permit or deny")
    if provision.modifierExtension:
        return reject(
            RejectCode.UNKNOWN_MODIFIER,
            "provision.modifierExtension: changes the meaning in a way sovex cannot read",
        )
    purposes = sorted(
        {p.code for p in provision.purpose or () if p.system == PURPOSE_SYSTEM and p.code}
    )
    source = None
    if not purposes:
        source, foreign = _source_of(consent, sources)
        if source is None and foreign:
            return reject(
                RejectCode.UNDECLARED_SOURCE,
                "policy.uri: names a consent template (or meta.profile a profile) that no "
                "source in infra/consent/sources declares: a consent of another system is "
                "read only through a mapping the data steward declared",
            )
        if source is None:
            return reject(
                RejectCode.MISSING_PURPOSE, f"provision.purpose: needs a code of {PURPOSE_SYSTEM}"
            )
    period = _period(provision.period, "provision")
    if isinstance(period, Rejection):
        return Rejection(line, resource_id, period.code, period.reason)
    start, end = period
    if source is not None:
        mapped = _map(source, str(consent.status), provision, start, end)
        if isinstance(mapped, Rejection):
            return Rejection(line, resource_id, mapped.code, mapped.reason)
        return ConsentEvent(
            resource_id=resource_id,
            patient_id=match.group(1),
            status=str(consent.status),
            provision_type=str(provision.type),
            purposes=mapped.purposes,
            period_start=start,
            period_end=end,
            recorded_on=recorded_on,
            line=line,
            mapped=mapped,
        )
    if provision.type == "permit":
        for element in RESTRICTING_ELEMENTS:
            if getattr(provision, element, None):
                name = "class" if element == "class_fhir" else element
                return reject(
                    RejectCode.PARTIAL_PERMIT,
                    f"provision.{name}: a permit restricted to part of the record is not supported",
                )
    return ConsentEvent(
        resource_id=resource_id,
        patient_id=match.group(1),
        status=str(consent.status),
        provision_type=str(provision.type),
        purposes=tuple(purposes),
        period_start=start,
        period_end=end,
        recorded_on=recorded_on,
        line=line,
    )


def _period(period: Any, where: str) -> tuple[date | None, date | None] | Rejection:
    """A provision's period as dates; a Rejection (line 0: the caller places it) if not."""
    if period is None:
        return None, None
    bounds = {}
    for name in ("start", "end"):
        value = getattr(period, name)
        bounds[name] = None if value is None else _full_date(value)
        if value is not None and bounds[name] is None:
            return Rejection(
                0,
                None,
                RejectCode.PARTIAL_DATE,
                f"{where}.period.{name}: must be a full date (YYYY-MM-DD)",
            )
    start, end = bounds["start"], bounds["end"]
    if start is not None and end is not None and end < start:
        return Rejection(0, None, RejectCode.INVALID_PERIOD, f"{where}.period: end is before start")
    return start, end


def _source_of(consent: Consent, sources: ConsentSources) -> tuple[ConsentSource | None, bool]:
    """The declared source the resource belongs to, and whether it names any other
    system's template or profile (then it must have a declared source)."""
    policies: Iterable[Any] = consent.policy or ()
    uris = [str(p.uri) for p in policies if p.uri]
    if consent.policyRule is not None:
        uris += [f"{c.system}#{c.code}" for c in consent.policyRule.coding or ()]
    profiles: list[str] = [str(p) for p in consent.meta.profile or ()] if consent.meta else []
    foreign = any(not uri.startswith(NATIVE_POLICY_PREFIX) for uri in uris) or bool(profiles)
    return sources.match(uris, profiles), foreign


# Elements of a mapped provision that would narrow it to part of the record.
MAPPED_RESTRICTING = ("data", "class_fhir", "securityLabel", "dataPeriod")


def _map(
    source: ConsentSource, status: str, provision: Any, start: date | None, end: date | None
) -> MappedConsent | Rejection:
    """The nested provisions of a declared source's resource → per-purpose rulings."""

    def refuse(code: RejectCode, reason: str) -> Rejection:
        return Rejection(0, None, code, reason)

    for element in MAPPED_RESTRICTING:
        if getattr(provision, element, None):
            name = "class" if element == "class_fhir" else element
            return refuse(
                RejectCode.PARTIAL_PERMIT,
                f"provision.{name}: a consent restricted to part of the record is not supported",
            )
    nested = []
    for index, child in enumerate(provision.provision or ()):
        where = f"provision.provision[{index}]"
        if child.modifierExtension:
            return refuse(
                RejectCode.UNKNOWN_MODIFIER,
                f"{where}.modifierExtension: changes the meaning in a way sovex cannot read",
            )
        if child.type not in PROVISION_TYPES:
            return refuse(
                RejectCode.INVALID_PROVISION_TYPE, f"{where}.type: must be permit or deny"
            )
        if child.provision:
            return refuse(
                RejectCode.UNMAPPABLE, f"{where}.provision: nesting deeper than one level"
            )
        for element in MAPPED_RESTRICTING:
            if child.type == "permit" and getattr(child, element, None):
                name = "class" if element == "class_fhir" else element
                return refuse(
                    RejectCode.PARTIAL_PERMIT,
                    f"{where}.{name}: a permit restricted to part of the record is not supported",
                )
        period = _period(child.period, where)
        if isinstance(period, Rejection):
            return period
        codes = tuple(
            Code(str(coding.system), str(coding.code))
            for concept in child.code or ()
            for coding in concept.coding or ()
            if coding.system and coding.code
        )
        nested.append(Provision(str(child.type), *period, codes))
    top_codes = tuple(
        Code(str(coding.system), str(coding.code))
        for concept in provision.code or ()
        for coding in concept.coding or ()
        if coding.system and coding.code
    )
    try:
        return map_provisions(
            source, status, Provision(str(provision.type), start, end, top_codes), nested
        )
    except MappingRefused as error:
        return refuse(RejectCode.UNMAPPABLE, str(error))


def _is_research(consent: Consent) -> bool:
    if consent.scope is None:
        return False
    codings: Iterable[Any] = consent.scope.coding or ()
    return any(c.system == SCOPE_SYSTEM and c.code == RESEARCH_SCOPE for c in codings)


def _full_date(value: object) -> date | None:
    """A FHIR date/dateTime as a date (date-times as their UTC date); None when partial."""
    if isinstance(value, datetime):
        # The FHIR model refuses a time without a zone, so this is always aware.
        return value.astimezone(UTC).date()
    if isinstance(value, date):
        return value
    return None  # "2024" or "2024-05": the model keeps partial dates as strings


def _iso(value: date | None) -> str:
    return "" if value is None else value.isoformat()


def _summarise(error: ValidationError) -> str:
    """The failing element paths and rules, without the input values pydantic quotes."""
    details = error.errors(include_url=False, include_input=False, include_context=False)
    parts = []
    for detail in details[:MAX_ERRORS_SHOWN]:
        path = _element_path(detail["loc"]) or "resource"
        parts.append(f"{path}: {ERROR_PHRASES.get(detail['type'], 'breaks ' + detail['type'])}")
    more = len(details) - MAX_ERRORS_SHOWN
    suffix = f" (and {more} more)" if more > 0 else ""
    return "invalid FHIR Consent: " + "; ".join(parts) + suffix


def _element_path(loc: Iterable[int | str]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            name = part if ELEMENT_NAME.fullmatch(part) else "?"
            path += f".{name}" if path else name
    return path


# --- Files --------------------------------------------------------------------------------


def read_consents(
    path: Path,
    workers: int | None = None,
    digest: Digest | None = None,
    sources: ConsentSources = NO_SOURCES,
) -> Generator[ParsedLine, None, None]:
    """Events and rejections of an NDJSON (`*.ndjson[.gz]`) or Bundle (`*.json`) file;
    `sources`: the declared consent sources (see `transforms.consent_mapping`)."""
    name = path.name.lower()
    if name.endswith(NDJSON_SUFFIXES):
        return read_ndjson(path, workers=workers, digest=digest, sources=sources)
    if name.endswith(BUNDLE_SUFFIXES):
        return read_bundle(path, digest=digest, sources=sources)
    raise InvalidInput(
        f"{path}: not a consent file: expected {', '.join(NDJSON_SUFFIXES + BUNDLE_SUFFIXES)}"
    )


def read_ndjson(
    path: Path,
    workers: int | None = None,
    digest: Digest | None = None,
    chunk_lines: int = CHUNK_LINES,
    sources: ConsentSources = NO_SOURCES,
) -> Generator[ParsedLine, None, None]:
    """One result per non-blank line, in line order (1-based numbers).

    `workers`: None chooses (all CPUs for files past PARALLEL_MIN_BYTES, else 1); 1 parses
    in this process. Workers are spawned, so a script calling this with more than one
    worker needs the `if __name__ == "__main__":` guard (console scripts, `python -m`
    packages, pytest and Airflow tasks have it). `digest` is updated with every byte read
    (after decompression), so a caller hashes exactly the content that was parsed.
    """
    if workers is None:
        workers = _available_cpus() if path.stat().st_size >= PARALLEL_MIN_BYTES else 1
    chunks = _line_chunks(path, digest, chunk_lines)
    if workers <= 1:
        for chunk in chunks:
            yield from _parse_chunk(chunk, sources)
        return
    # spawn, not fork: the caller may be an Airflow worker with threads running.
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
        pending: deque[Future[list[ParsedLine]]] = deque()
        try:
            for chunk in chunks:
                pending.append(pool.submit(_parse_chunk, chunk, sources))
                if len(pending) >= workers * CHUNKS_IN_FLIGHT_PER_WORKER:
                    yield from pending.popleft().result()
            while pending:
                yield from pending.popleft().result()
        finally:
            # The caller stopped early (an error): do not parse what nobody will read.
            for future in pending:
                future.cancel()


def read_bundle(
    path: Path, digest: Digest | None = None, sources: ConsentSources = NO_SOURCES
) -> Generator[ParsedLine, None, None]:
    """One result per Bundle entry (numbered from 1, reported as `entry`).

    The Bundle itself must be readable JSON with `resourceType` Bundle; otherwise nothing
    in it can be located and the whole file is refused (InvalidInput).
    """
    if path.stat().st_size > MAX_BUNDLE_BYTES:
        raise InvalidInput(
            f"{path}: a Bundle file of more than {MAX_BUNDLE_BYTES >> 20} MiB; export large "
            "consent sets as NDJSON (*.ndjson, *.ndjson.gz), which is read line by line"
        )
    content = path.read_bytes()
    if digest is not None:
        digest.update(content)
    try:
        bundle = json.loads(content)
    except ValueError as error:
        raise InvalidInput(f"{path}: Bundle file is not valid JSON") from error
    except RecursionError:
        raise InvalidInput(f"{path}: Bundle file is nested too deeply") from None
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise InvalidInput(f"{path}: resourceType: must be 'Bundle'")
    entries = bundle.get("entry") or []
    if not isinstance(entries, list):
        raise InvalidInput(f"{path}: entry: must be a list")
    for index, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict) or "resource" not in entry:
            yield Rejection(index, None, RejectCode.NOT_A_CONSENT, "entry.resource: is required")
            continue
        yield parse_resource(entry["resource"], index, sources)


def _available_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


# A Consent resource is a few kilobytes; a line past this is not one (and is not read whole).
MAX_LINE_BYTES = 1 << 20
# A Bundle is parsed whole: larger exports come as NDJSON, which streams.
MAX_BUNDLE_BYTES = 64 << 20
# A consent export compresses about 25-30 times; one that inflates past this ratio (and
# past the floor, for small files) is a gzip bomb, not an export.
MAX_GZIP_RATIO = 100
MIN_GZIP_LIMIT_BYTES = 16 << 20


class _CheckedGzip(gzip.GzipFile):
    """A gzip stream that names its file when it is not gzip, is cut short, or inflates
    past `limit` bytes."""

    def __init__(self, path: Path, limit: int) -> None:
        super().__init__(path, "rb")
        self._path = path
        self._limit = limit
        self._inflated = 0

    def _checked(self, read: Any, size: int) -> bytes:
        try:
            data: bytes = read(size)
        except (gzip.BadGzipFile, EOFError, zlib.error) as error:
            raise InvalidInput(f"{self._path}: not a complete gzip file ({error})") from None
        self._inflated += len(data)
        if self._inflated > self._limit:
            raise InvalidInput(
                f"{self._path}: inflates past {self._limit:,} bytes, more than "
                f"{MAX_GZIP_RATIO} times its size: not a consent export (a gzip bomb?)"
            )
        return data

    def read(self, size: int | None = -1) -> bytes:
        return self._checked(super().read, -1 if size is None else size)

    def read1(self, size: int = -1) -> bytes:
        return self._checked(super().read1, size)

    def readline(self, size: int | None = -1) -> bytes:
        return self._checked(super().readline, -1 if size is None else size)


def open_content(path: Path) -> BufferedIOBase:
    """The file's bytes as parsed: gunzipped for `*.gz` (checked: see `_CheckedGzip`)."""
    if path.name.lower().endswith(".gz"):
        limit = max(MAX_GZIP_RATIO * path.stat().st_size, MIN_GZIP_LIMIT_BYTES)
        return _CheckedGzip(path, limit)
    return path.open("rb")


def _line_chunks(
    path: Path, digest: Digest | None, chunk_lines: int
) -> Iterator[list[tuple[int, bytes | None]]]:
    """Numbered non-blank lines in chunks; None for a line past MAX_LINE_BYTES (read and
    hashed piecewise, never held whole)."""
    chunk: list[tuple[int, bytes | None]] = []
    with open_content(path) as stream:
        lines = capped_lines(stream, MAX_LINE_BYTES, digest.update if digest is not None else None)
        for number, raw in enumerate(lines, start=1):
            if raw is None or raw.strip():
                chunk.append((number, raw))
            if len(chunk) >= chunk_lines:
                yield chunk
                chunk = []
    if chunk:
        yield chunk


def _parse_chunk(
    chunk: list[tuple[int, bytes | None]], sources: ConsentSources = NO_SOURCES
) -> list[ParsedLine]:
    return [
        parse_line(raw, number, sources)
        if raw is not None
        else Rejection(number, None, RejectCode.INVALID_JSON, "line is longer than a consent")
        for number, raw in chunk
    ]


# --- Reject file ------------------------------------------------------------------------


def reject_row(file: str, rejection: Rejection, unit: str = "line") -> dict[str, Any]:
    """A reject-file row; `unit` is "line" (NDJSON) or "entry" (Bundle)."""
    return {
        "file": file,
        unit: rejection.line,
        "resource_id": rejection.resource_id,
        "code": rejection.code.value,
        "reason": rejection.reason,
    }


def position_unit(path: Path) -> str:
    """What a rejection's number counts in this file: lines, or Bundle entries."""
    return "entry" if path.name.lower().endswith(BUNDLE_SUFFIXES) else "line"


def write_rejects(stream: IO[str], file: str, rejections: Iterable[Rejection], unit: str) -> int:
    """JSONL rows {"file", "line"|"entry", "resource_id", "code", "reason"}; rows written."""
    count = 0
    for rejection in rejections:
        stream.write(json.dumps(reject_row(file, rejection, unit)) + "\n")
        count += 1
    return count
