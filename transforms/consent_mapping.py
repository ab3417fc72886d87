"""Consent from the systems that hold it: a steward-declared mapping per consent source.

sovex's own Consent resources carry codes of `urn:sovex:purpose`. A consent-management
system (gICS exporting the German MII broad consent, for one) codes its resources with its
own policy code system, inside nested provisions. The data steward declares, per source,
one file `infra/consent/sources/<source>.yaml` saying:
- which resources come from the source: `match.policy_uris` (the `policy.uri` of the
  consent template) and/or `match.profiles` (`meta.profile`);
- which sovex purpose each combination of external codes grants: `purposes.<purpose>.all_of`
  lists codes (`system`, `code`) that must all be permitted on a date for the purpose to
  be permitted on that date;
- what an unpermitted purpose means: `unpermitted_purpose: opposition` (opt-out regimes:
  a purpose the consent does not permit counts as a deny for it) or `no_consent` (the
  consent says nothing about it: under opt_in the patient is not included, under opt_out
  nothing excludes them).

How nested provisions combine (the shape of the MII profile; any other is refused):
- the top-level provision is a `deny` without codes: everything is denied, over its
  period, except what its nested provisions permit;
- each nested provision is `permit` or `deny` with at least one code and no deeper
  nesting; a nested permit permits only its codes, only over its own period within the
  top-level period; a nested deny takes its codes' period back out (fail closed);
- a purpose is permitted over the dates where every code it needs is permitted. Under
  `opposition` the rest of the top-level period is a deny for that purpose.
- an `inactive` (withdrawn) consent withdraws every purpose it ruled on: each counts as
  a withdrawn permit, i.e. a deny; a `rejected` one (the patient refused) rules a deny on
  every declared purpose, which the registry reads as refused.

Codes no purpose uses are reported (counts per code), never guessed, and grant nothing.
The result (`MappedConsent`) carries the per-purpose rulings the registry applies and
every original code, which the registry keeps beside them.

One module, long on purpose: the mapping file's fields, the rules that read them and the
interval arithmetic of nested periods are one contract, read side by side.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

from sovex.model.errors import InvalidInput
from sovex.model.reviewed_yaml import load_reviewed_yaml

SOURCES_DIR = Path("consent") / "sources"  # relative to the infra folder
NATIVE_POLICY_PREFIX = "urn:sovex:"
SOURCE_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
# An unbounded period end, as a date the interval arithmetic can compare.
OPEN_START = date.min
OPEN_END = date.max

MAPPING_FIELDS = {"source", "description", "match", "unpermitted_purpose", "purposes"}

Interval = tuple[date, date]  # inclusive at both ends


class Unpermitted(StrEnum):
    OPPOSITION = "opposition"  # no permit for a declared purpose = a deny for it
    NO_CONSENT = "no_consent"  # no permit = the consent says nothing about it


@dataclass(frozen=True, order=True)
class Code:
    system: str
    code: str

    def label(self) -> str:
        return f"{self.system}#{self.code}"


@dataclass(frozen=True)
class ConsentSource:
    """One declared source: how its resources are recognised and what their codes mean."""

    name: str
    path: Path
    sha256: str  # of the mapping file: the registry records which mapping decided
    policy_uris: frozenset[str]
    profiles: frozenset[str]
    purposes: tuple[tuple[str, frozenset[Code]], ...]  # purpose → codes it needs (all)
    unpermitted: Unpermitted

    @property
    def mapped_codes(self) -> frozenset[Code]:
        return frozenset(code for _, codes in self.purposes for code in codes)


@dataclass(frozen=True)
class ConsentSources:
    folder: Path | None
    sources: tuple[ConsentSource, ...] = ()

    def match(self, policy_uris: Iterable[str], profiles: Iterable[str]) -> ConsentSource | None:
        uris, names = set(policy_uris), set(profiles)
        for source in self.sources:
            if source.policy_uris & uris or source.profiles & names:
                return source
        return None


NO_SOURCES = ConsentSources(folder=None)


@dataclass(frozen=True)
class Provision:
    """A provision of the resource, reduced to what the mapping reads."""

    type: str  # permit | deny
    start: date | None
    end: date | None
    codes: tuple[Code, ...]


@dataclass(frozen=True)
class Ruling:
    """What the consent says about one sovex purpose over one period (inclusive)."""

    purpose: str
    provision_type: str  # permit | deny
    start: date | None
    end: date | None


@dataclass(frozen=True)
class SourceCode:
    """One original code as the resource carried it, kept by the registry."""

    provision: int  # index of the nested provision (0-based)
    provision_type: str
    system: str
    code: str
    start: date | None
    end: date | None
    mapped: bool


@dataclass(frozen=True)
class MappedConsent:
    source: str
    mapping_sha256: str
    rulings: tuple[Ruling, ...]
    codes: tuple[SourceCode, ...]

    @property
    def purposes(self) -> tuple[str, ...]:
        return tuple(sorted({ruling.purpose for ruling in self.rulings}))

    @property
    def unmapped(self) -> tuple[Code, ...]:
        return tuple(sorted({Code(c.system, c.code) for c in self.codes if not c.mapped}))

    def fingerprint(self) -> str:
        """The rulings and codes as text, for the version's content hash."""
        parts = [self.source, self.mapping_sha256]
        parts += [
            f"{r.purpose}|{r.provision_type}|{_iso(r.start)}|{_iso(r.end)}" for r in self.rulings
        ]
        parts += [
            f"{c.provision}|{c.provision_type}|{c.system}|{c.code}|{_iso(c.start)}|{_iso(c.end)}"
            for c in self.codes
        ]
        return "\x1e".join(parts)


class MappingRefused(Exception):
    """The resource's provisions are not of the shape the mapping reads: `field: rule`."""


# --- The mapping ------------------------------------------------------------------------


def map_provisions(
    source: ConsentSource, status: str, top: Provision, nested: Sequence[Provision]
) -> MappedConsent:
    """Per-purpose rulings of one resource (rules in the module docstring)."""
    if top.type != "deny":
        raise MappingRefused(
            f"provision.type: a consent of source {source.name!r} must be a deny whose "
            "nested provisions permit (a top-level permit would permit every purpose)"
        )
    if top.codes:
        raise MappingRefused("provision.code: the top-level provision must not carry codes")
    outer = _interval(top.start, top.end)
    permitted: dict[Code, list[Interval]] = {}
    taken_back: dict[Code, list[Interval]] = {}
    mapped = source.mapped_codes
    codes = []
    for index, provision in enumerate(nested):
        if not provision.codes:
            raise MappingRefused(f"provision.provision[{index}].code: is required")
        span = _intersect([_interval(provision.start, provision.end)], [outer])
        target = permitted if provision.type == "permit" else taken_back
        for code in provision.codes:
            target.setdefault(code, []).extend(span)
            codes.append(
                SourceCode(
                    index,
                    provision.type,
                    code.system,
                    code.code,
                    provision.start,
                    provision.end,
                    code in mapped,
                )
            )
    rulings = []
    for purpose, needed in source.purposes:
        spans = [outer]
        for code in sorted(needed):
            own = _subtract(_merge(permitted.get(code, [])), _merge(taken_back.get(code, [])))
            spans = _intersect(spans, own)
        if status == "rejected":
            rulings.append(Ruling(purpose, "deny", *_bounds(outer)))
            continue
        if status == "inactive" and (spans or source.unpermitted is Unpermitted.OPPOSITION):
            # Withdrawn: every purpose it ruled on counts as a withdrawn permit (a deny).
            rulings.append(Ruling(purpose, "permit", *_bounds(outer)))
            continue
        rulings += [Ruling(purpose, "permit", *_bounds(span)) for span in spans]
        if source.unpermitted is Unpermitted.OPPOSITION:
            rulings += [
                Ruling(purpose, "deny", *_bounds(span)) for span in _subtract([outer], spans)
            ]
    return MappedConsent(source.name, source.sha256, tuple(rulings), tuple(codes))


def _interval(start: date | None, end: date | None) -> Interval:
    return (start or OPEN_START, end or OPEN_END)


def _bounds(span: Interval) -> tuple[date | None, date | None]:
    start, end = span
    return (None if start == OPEN_START else start, None if end == OPEN_END else end)


def _merge(spans: Iterable[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for start, end in sorted(spans):
        if merged and start <= _next(merged[-1][1]):
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _intersect(left: Sequence[Interval], right: Sequence[Interval]) -> list[Interval]:
    out = []
    for a_start, a_end in left:
        for b_start, b_end in right:
            start, end = max(a_start, b_start), min(a_end, b_end)
            if start <= end:
                out.append((start, end))
    return _merge(out)


def _subtract(spans: Sequence[Interval], removed: Sequence[Interval]) -> list[Interval]:
    out = list(spans)
    for r_start, r_end in removed:
        rest = []
        for start, end in out:
            if r_end < start or r_start > end:
                rest.append((start, end))
                continue
            if start < r_start:
                rest.append((start, _previous(r_start)))
            if r_end < end:
                rest.append((_next(r_end), end))
        out = rest
    return _merge(out)


def _next(day: date) -> date:
    return day if day == OPEN_END else day + timedelta(days=1)


def _previous(day: date) -> date:
    return day if day == OPEN_START else day - timedelta(days=1)


def _iso(value: date | None) -> str:
    return "" if value is None else value.isoformat()


# --- The declared files -----------------------------------------------------------------


def sources_dir(infra_dir: Path) -> Path:
    return infra_dir / SOURCES_DIR


def load_sources(folder: Path, known_purposes: Iterable[str] | None = None) -> ConsentSources:
    """Every `*.yaml` of the folder (none: no source declared); all problems at once.
    `known_purposes` (the purposes of the regimes file): a mapping naming another purpose
    is refused, since a misspelt purpose would silently grant nothing."""
    if not folder.is_dir():
        return ConsentSources(folder=folder)
    problems: list[str] = []
    sources = []
    for path in sorted(folder.glob("*.yaml")):
        try:
            sources.append(load_source(path))
        except InvalidInput as error:
            problems += error.problems
    seen: dict[str, str] = {}
    for source in sources:
        for key in sorted(source.policy_uris | source.profiles):
            if key in seen:
                problems.append(
                    f"{source.path}: field 'match': {key} is also matched by source "
                    f"{seen[key]!r}: a resource must belong to one source"
                )
            seen[key] = source.name
        if known_purposes is not None:
            known = sorted(set(known_purposes))
            for purpose, _ in source.purposes:
                if purpose not in known:
                    problems.append(
                        f"{source.path}: field 'purposes.{purpose}': not a purpose of the "
                        f"consent regimes file (known: {', '.join(known)})"
                    )
    if problems:
        raise InvalidInput(problems)
    return ConsentSources(folder=folder, sources=tuple(sources))


def load_source(path: Path) -> ConsentSource:
    raw = load_reviewed_yaml(path, "consent source mapping")
    problems: list[str] = []

    def problem(field: str, rule: str) -> None:
        problems.append(f"{path}: field '{field}': {rule}")

    if not isinstance(raw, dict):
        raise InvalidInput(f"{path}: must be a mapping with 'source', 'match' and 'purposes'")
    name = raw.get("source")
    if not isinstance(name, str) or not SOURCE_NAME.fullmatch(name):
        problem("source", "must be a lower-case name (letters, digits, '-')")
        name = path.stem
    elif name != path.stem:
        problem("source", f"must be the file's name without .yaml ({path.stem!r})")
    match = raw.get("match")
    uris: list[str] = []
    profiles: list[str] = []
    if not isinstance(match, dict):
        problem("match", "must map 'policy_uris' and/or 'profiles' to lists of URIs")
    else:
        uris = _strings(match.get("policy_uris", []), "match.policy_uris", problem)
        profiles = _strings(match.get("profiles", []), "match.profiles", problem)
        if not uris and not profiles:
            problem("match", "needs at least one policy URI or profile")
        for uri in uris:
            if uri.startswith(NATIVE_POLICY_PREFIX):
                problem("match.policy_uris", f"{NATIVE_POLICY_PREFIX}… is sovex's own format")
    try:
        unpermitted = Unpermitted(str(raw.get("unpermitted_purpose")))
    except (ValueError, TypeError):
        allowed = ", ".join(u.value for u in Unpermitted)
        problem("unpermitted_purpose", f"is required: one of {allowed}")
        unpermitted = Unpermitted.OPPOSITION
    purposes = _purposes(raw.get("purposes"), problem)
    for key in sorted(set(map(str, raw)) - MAPPING_FIELDS):
        problem(str(key), "is not a field of a consent source mapping")
    if problems:
        raise InvalidInput(problems)
    return ConsentSource(
        name=name,
        path=path,
        sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
        policy_uris=frozenset(uris),
        profiles=frozenset(profiles),
        purposes=purposes,
        unpermitted=unpermitted,
    )


def _strings(value: Any, field: str, problem: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        problem(field, "must be a list of URIs")
        return []
    return list(value)


def _purposes(value: Any, problem: Any) -> tuple[tuple[str, frozenset[Code]], ...]:
    if not isinstance(value, dict) or not value:
        problem("purposes", "must map each sovex purpose to the codes it needs ('all_of')")
        return ()
    out = []
    for purpose, rule in value.items():
        field = f"purposes.{purpose}.all_of"
        needed = rule.get("all_of") if isinstance(rule, dict) else None
        if not isinstance(needed, list) or not needed:
            problem(field, "must list the codes ({system, code}) that must all be permitted")
            continue
        codes = set()
        for item in needed:
            if (
                not isinstance(item, dict)
                or set(item) != {"system", "code"}
                or not all(isinstance(item[k], str) and item[k] for k in ("system", "code"))
            ):
                problem(field, "each entry must be {system: URI, code: CODE}")
                continue
            codes.add(Code(item["system"], item["code"]))
        if codes:
            out.append((str(purpose), frozenset(codes)))
    return tuple(out)


def declared_purposes(sources: ConsentSources) -> Mapping[str, list[str]]:
    """Purpose → the sources that can rule on it (for checks against the regimes file)."""
    out: dict[str, list[str]] = {}
    for source in sources.sources:
        for purpose, _ in source.purposes:
            out.setdefault(purpose, []).append(source.name)
    return out
