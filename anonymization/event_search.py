"""The search for the event transformation the release gate publishes at (the model is
`anonymization.event_risk`'s).

Searched, least information lost first: event dates truncated (day, week, month, quarter,
year), as the time since the patient's index date (days, weeks, months; where the catalog's
`date_families` offer it), or removed; a stay's end as a date or a length-of-stay band
(where the catalog declares the stay); each known attribute as recorded, with rare values
grouped, in the steward's groups (where the catalog has some), or removed;
then, at each of those levels, the events that keep a patient below k are suppressed
(patient by patient, the event whose removal helps most), up to a cap. The person
generalisation is searched jointly (`search_release`): the caller offers person options
from the one the person step chose up to the catalog's caps.

Five things keep the search fast on large extracts without changing what it may accept:
- each table's labels (and its distinct (patient, label) pairs) are computed once per
  combination of that table's levels and reused by every lattice point and person option
  sharing it: labels of different tables never meet;
- a point is first checked cheaply: the events that alone narrow their patient below k
  must all go, so when they alone exceed the cap the point fails without counting pairs.
  They are counted table by table, the tables most points share first (fewest known
  columns), and the count stops as soon as it passes the cap (each table's count is
  exact, so the order changes only when it stops); a table that alone passes the cap
  rules out every point coding it alike with person classes no coarser;
- a point finer than one that failed (every person and event level no coarser) is not
  tried: coarser levels only merge classes and labels, so supports only grow (ARX's
  predictive tagging). Weeks are not nested in months, so a week can be skipped when its
  month failed; that can only make the release coarser than needed, never riskier, since
  whatever is accepted was counted;
- a point coding every table as a refused one did (a coarser level merging nothing here,
  such as grouping rare units when none is rare), with the same person classes, is the
  same release: it is refused without being counted again;
- once a release is found, a point may only suppress as many events as still let it lose
  less (`budget_to_beat`): suppression refuses it as soon as it needs more, where it
  would otherwise go on to the cap for a release that could not be chosen. Such a
  refusal is not a failure finer points inherit.

Everything here works on ids and labels the run keeps to itself; the record it returns
holds counts, levels and shares only. The module is long on purpose: the search's
pruning, its caches and its two rounds share one state and are read together.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import pyarrow as pa

from anonymization.event_dates import (
    END_AS_DATE,
    INDEX_COLUMN,
    SINCE_INDEX_LEVELS,
    date_position,
    end_position,
)
from anonymization.event_levels import (
    ATTRIBUTE_LEVELS,
    STEWARD_GROUP_LEVEL,
    EventLevels,
    KnownEvents,
    lattice,
    prepare_events,
    table_label_codes,
    with_kept_categories,
    with_since_index,
)
from anonymization.event_risk import Supports, codes, risk_summary, supports_of
from anonymization.event_supports import (
    EventArrays,
    sorted_runs,
    tuple_keys,
    weight_of_small_class_groups,
)
from anonymization.event_suppression import suppress_until_k

DEFAULT_MAX_EVENT_SUPPRESSION: Final = 0.1
_TOP: Final = 1 << 30  # above every level index
# Every table's key at one point (`EventSearch._coding`).
_Coding = tuple[tuple[int, tuple[str, ...]], ...]


@dataclass(frozen=True)
class EventAssessment:
    levels: EventLevels
    # (patient id, recorded label) of the events to drop: ids stay in the run.
    suppressed: frozenset[tuple[Any, str]]
    record: dict[str, Any]


@dataclass(frozen=True)
class PersonOption:
    """One person generalisation offered to the search: its information loss, its level
    index per quasi-identifier (to compare options), and a function giving each published
    patient's class code, in the search's patient order (called once, when needed)."""

    loss: float
    position: tuple[int, ...]
    class_codes: Callable[[], np.ndarray] = field(compare=False)


@dataclass
class _Candidate:
    levels: EventLevels
    # (patient, recorded label) of the events suppressed.
    suppressed: set[tuple[Any, str]]
    supports: Supports
    events_total: int
    events_suppressed: int


@dataclass(frozen=True)
class _TableEvents:
    """One table's kept rows at one combination of its columns' levels."""

    # Events whose label fewer than k patients hold in the whole release.
    rare_events: int
    # Each distinct (patient, label) of the other labels, sorted by label, and how many
    # events it has.
    owner: np.ndarray
    label: np.ndarray
    times: np.ndarray


class EventSearch:
    """The event lattice over one set of published patients (`patients`, ids as text, in
    the order every class-code array follows), shared by every person option tried."""

    def __init__(
        self,
        tables: Sequence[KnownEvents],
        patients: pa.Array,
        person_id: str,
        events_known: int,
        k: int,
        max_event_suppression: float,
    ) -> None:
        self.tables = list(tables)
        self.events_known = events_known
        self.k = k
        self.patients = patients.to_pylist()
        self.prepared = prepare_events(self.tables, person_id, patients)
        # Each date's days since the patient's index date, where a table offers it: added
        # when a point first needs them (`_since_index_ready`).
        self._first_days: np.ndarray | None = None
        self.nodes = [with_kept_categories(n, self.tables) for n in lattice(self.tables)]
        self.budget = int(max_event_suppression * len(self.prepared.owner))
        self.tried = 0
        # Each known column's codes at each level, shared by the lattice points.
        self._columns = self.prepared.columns
        # Each table's events per combination of its columns' levels: labels of different
        # tables never meet, so points sharing a table's levels share its work.
        self._table_events: dict[tuple[int, tuple[str, ...]], _TableEvents] = {}
        # Per (table key, person option): the table's lone events (see _lone).
        self._lone_by_class: dict[tuple[tuple[int, tuple[str, ...]], Hashable], int] = {}
        # Table keys whose own lone events passed the cap: for every person option (rare
        # in the whole release), or for those no coarser than the positions listed.
        self._rare_failures: set[tuple[int, tuple[str, ...]]] = set()
        self._table_failures: dict[tuple[int, tuple[str, ...]], list[tuple[int, ...]]] = {}
        self._key_of: dict[tuple[int, int], tuple[int, tuple[str, ...]]] = {}
        # (person option, every table's key) of the points refused, and the largest
        # suppression budget each was refused at: a point coding every table alike with the
        # same classes is the same release (`_coding`).
        self._refused_codings: dict[tuple[Hashable, _Coding], int] = {}
        self._first_rows = np.cumsum([0, *[int(mask.sum()) for mask in self.prepared.known]])
        # The lone events are counted table by table, the most telling tables first.
        self._table_order = sorted(range(len(self.tables)), key=self._shared_first)

    def _shared_first(self, table: int) -> tuple[int, int]:
        """Tables with fewer known columns first (their labels are shared by the most
        points, so their counts are kept and their failures rule out the most points),
        then larger."""
        events = self.tables[table]
        known = len(events.date_columns) + len(events.attribute_columns)
        return (known + (events.stay is not None), -int(self.prepared.known[table].sum()))

    def position(self, node: int) -> tuple[int, ...]:
        """The point's level index per dimension: dates (`event_dates.date_position`),
        each attribute, each stay's end (`event_dates.end_position`)."""
        levels = self.nodes[node]
        return (
            date_position(levels.date_level),
            *[ATTRIBUTE_LEVELS.index(level) for level in levels.attribute_levels.values()],
            *[
                end_position(levels.stays[table], level)
                for table, level in sorted(levels.stay_levels.items())
            ],
        )

    def _since_index_ready(self) -> np.ndarray:
        """Adds the days since the index to the tables offering them (once); each
        patient's index as days since 1970 (-1: none)."""
        if self._first_days is None:
            self.tables, self._first_days = with_since_index(
                self.tables, self.prepared.known, self.prepared.owner, len(self.patients)
            )
        return self._first_days

    def index_dates(self, person_id: str) -> pa.Table:
        """Each patient's index date (the first of their dates in the tables offering the
        time since it), for the writer: `person_id` (text) and `index_date`."""
        first = self._since_index_ready()
        has = first >= 0
        return pa.table(
            {
                person_id: pa.array(self.patients, type=pa.string()).filter(pa.array(has)),
                INDEX_COLUMN: pa.array(first[has].astype(np.int32)).cast(pa.date32()),
            }
        )

    def is_derived(self, node: int) -> bool:
        """Whether the point publishes the time since the index or a length-of-stay band
        (searched in the second round, `search_release`)."""
        levels = self.nodes[node]
        return levels.date_level in SINCE_INDEX_LEVELS or any(
            level != END_AS_DATE for level in levels.stay_levels.values()
        )

    def top(self) -> tuple[int, ...]:
        """A position no point is coarser than in any dimension."""
        return tuple(_TOP for _ in self.position(0))

    def _table_key(self, table: int, node: int) -> tuple[int, tuple[str, ...]]:
        """The table and its levels at `node`, as coded (`ColumnCodes.alike_levels`):
        points with the same key have the same labels in that table. Its events are
        prepared on first use."""
        if (table, node) in self._key_of:
            return self._key_of[(table, node)]
        if self.nodes[node].date_level in SINCE_INDEX_LEVELS:
            self._since_index_ready()
        events, levels = self.tables[table], self.nodes[node]
        key = (table, self._columns.alike_levels(events, levels))
        self._key_of[(table, node)] = key
        if key not in self._table_events:
            # Labels as keys (their mixed-radix numbers while label * patients fits in 62
            # bits), not numbered by first appearance: only equality counts here.
            patients = max(len(self.patients), 1)
            columns = self._columns.table_columns(events, levels)
            labels = tuple_keys(*columns, span_limit=2**62 / patients)
            owner = self.prepared.owner[self._first_rows[table] : self._first_rows[table + 1]]
            # Distinct (label, patient) pairs, by label: each label's run is its holders.
            distinct, times = sorted_runs(labels * patients + owner)
            label, owner = distinct // patients, distinct % patients
            starts = np.flatnonzero(np.r_[True, label[1:] != label[:-1]][: len(label)])
            holders = np.diff(np.r_[starts, len(label)])
            rare = np.repeat(holders, holders) < self.k
            common = ~rare
            self._table_events[key] = _TableEvents(
                rare_events=int(times[rare].sum()),
                owner=owner[common],
                label=label[common],
                times=times[common],
            )
        return key

    def _labels(self, node: int) -> np.ndarray:
        """One code per kept row (tables concatenated) naming its event at `node`: per
        table dense, by first appearance, and offset so that tables never meet."""
        codes, offset = [], 0
        if self.nodes[node].date_level in SINCE_INDEX_LEVELS:
            self._since_index_ready()
        for events in self.tables:
            table_codes = table_label_codes(events, self.nodes[node], self._columns)
            codes.append(table_codes + offset)
            offset += int(table_codes.max(initial=-1)) + 1
        return np.concatenate(codes) if codes else np.zeros(0, dtype=np.int64)

    def too_many_lone_events(
        self,
        node: int,
        class_codes: np.ndarray,
        option: Hashable | None = None,
        position: tuple[int, ...] | None = None,
    ) -> bool:
        """Whether more events than the cap narrow their patient below k on their own at
        `node` (each of them has to go whatever else does). Counted table by table (labels
        of different tables never meet), stopping once the cap is passed: the tables with
        the fewest known columns first (most points share their labels), in each the
        labels fewer than k patients hold in the whole release, then those fewer than k
        patients of their class hold. `option` names the class codes (the same name, the
        same codes): a table's count is then kept for the next point coding it alike.

        A table whose own count passed the cap fails every point coding it alike with
        person classes no coarser (`position`: the person option's levels; classes only
        merge as they coarsen): such points fail before anything is counted, whatever the
        levels of the other tables."""
        keys = [self._table_key(table, node) for table in self._table_order]
        if any(self._table_fails(key, position) for key in keys):
            return True
        lone = 0
        for key in keys:
            events = self._table_events[key]
            lone += events.rare_events
            if events.rare_events > self.budget:
                self._rare_failures.add(key)
            if lone > self.budget:
                return True
            own = self._lone_in_class(key, class_codes, option)
            if position is not None and events.rare_events + own > self.budget:
                self._table_failures.setdefault(key, []).append(position)
            lone += own
            if lone > self.budget:
                return True
        return False

    def _table_fails(
        self, key: tuple[int, tuple[str, ...]], position: tuple[int, ...] | None
    ) -> bool:
        """Whether the table, coded as `key`, alone passed the cap with person classes at
        least as coarse as `position`'s."""
        if key in self._rare_failures:
            return True
        if position is None:
            return False
        return any(
            all(a <= b for a, b in zip(position, failed, strict=True))
            for failed in self._table_failures.get(key, ())
        )

    def _lone_in_class(
        self, key: tuple[int, tuple[str, ...]], class_codes: np.ndarray, option: Hashable | None
    ) -> int:
        """A table's events whose label fewer than k patients of their class hold (but
        more of the whole release)."""
        if option is not None and (key, option) in self._lone_by_class:
            return self._lone_by_class[(key, option)]
        events = self._table_events[key]
        count = _lone(class_codes[events.owner], events.label, events.times, self.k)
        if option is not None:
            self._lone_by_class[(key, option)] = count
        return count

    def assess(
        self,
        node: int,
        class_codes: np.ndarray,
        option: Hashable | None = None,
        position: tuple[int, ...] | None = None,
        budget: int | None = None,
    ) -> EventAssessment | None:
        """The release at lattice point `node` with event suppression, or None when it
        cannot keep every patient among k suppressing at most `budget` events (default
        and at most: the cap; `option`, `position`: as for `too_many_lone_events`)."""
        self.tried += 1
        budget = self.budget if budget is None else min(budget, self.budget)
        coding = (option, self._coding(node))
        if option is not None and self._refused_codings.get(coding, -1) >= budget:
            return None
        found = self._assess(node, class_codes, option, position, budget)
        if found is None and option is not None:
            self._refused_codings[coding] = max(budget, self._refused_codings.get(coding, -1))
        return found

    def budget_to_beat(self, node: int, person_loss: float, best_loss: float) -> int:
        """The most events the point may suppress and still lose less than `best_loss`
        (combined with `person_loss`, as `search_release` compares them), within the cap;
        -1 when even none would do. Suppressing more only loses more, so a point needing
        more cannot be chosen."""
        total = len(self.prepared.owner)
        level_loss = self.nodes[node].information_loss()

        def beats(suppressed: int) -> bool:
            loss = _events_loss(level_loss, suppressed, total)
            return (person_loss + loss) / 2 < best_loss

        if beats(self.budget):
            return self.budget
        low, high = -1, self.budget  # beats(high) fails; beats(low) holds, or low is -1
        while high - low > 1:
            middle = (low + high) // 2
            low, high = (middle, high) if beats(middle) else (low, middle)
        return low

    def _coding(self, node: int) -> _Coding:
        """Every table's key at `node`: points with the same coding publish the same labels
        (a coarser level that merges nothing here, such as grouping when no value is
        rare, codes alike)."""
        return tuple(self._table_key(table, node) for table in range(len(self.tables)))

    def _assess(
        self,
        node: int,
        class_codes: np.ndarray,
        option: Hashable | None,
        position: tuple[int, ...] | None,
        budget: int,
    ) -> EventAssessment | None:
        if budget < 0 or self.too_many_lone_events(node, class_codes, option, position):
            return None
        levels = self.nodes[node]
        prepared = self.prepared
        arrays = EventArrays.sorted(prepared.owner, self._labels(node), prepared.name, class_codes)
        total = len(arrays.patient)
        arrays, removed, smallest = suppress_until_k(arrays, self.events_known, self.k, budget)
        removed_events = total - len(arrays.patient)
        if smallest is None or removed_events > budget or bool((smallest < self.k).any()):
            return None
        pairs = list(removed)
        names = prepared.names.take(pa.array([n for _, n in pairs], type=pa.int64())).to_pylist()
        suppressed = {(self.patients[p], name) for (p, _), name in zip(pairs, names, strict=True)}
        candidate = _Candidate(
            levels, suppressed, supports_of(self.patients, arrays, smallest), total, removed_events
        )
        return EventAssessment(
            levels=levels,
            suppressed=frozenset(suppressed),
            record=_record(candidate, self.tables, self.events_known, self.k),
        )


def _lone(classes: np.ndarray, labels: np.ndarray, times: np.ndarray, k: int) -> int:
    """Events of distinct (patient, label) rows (sorted by label) whose label fewer than k
    patients of their class hold."""
    return weight_of_small_class_groups(classes, labels, times, k)


class _Failures:
    """The failed points (person and event positions, one row each): a point no coarser
    than one of them in every dimension fails too."""

    def __init__(self) -> None:
        self._rows: list[tuple[int, ...]] = []
        self._array = np.zeros((0, 0), dtype=np.int64)

    def add(self, point: tuple[tuple[int, ...], tuple[int, ...]]) -> None:
        self._rows.append((*point[0], *point[1]))

    def dominate(self, point: tuple[tuple[int, ...], tuple[int, ...]]) -> bool:
        if not self._rows:
            return False
        if len(self._array) != len(self._rows):
            self._array = np.asarray(self._rows, dtype=np.int64)
        vector = np.asarray((*point[0], *point[1]), dtype=np.int64)
        return bool((vector <= self._array).all(axis=1).any())


def _classes_hold(class_codes: np.ndarray, k: int) -> bool:
    """Whether every class has k patients or more."""
    return not len(class_codes) or int(np.bincount(class_codes)[class_codes].min()) >= k


def search_release(
    search: EventSearch, options: Sequence[PersonOption]
) -> tuple[int, EventAssessment] | None:
    """The (person option, event release) of least combined information loss (the mean of
    the two) that keeps every published patient among k; None when none does. Points are
    tried by the loss their levels imply, which suppression can only raise: the search
    stops once that alone reaches the best found.

    In two rounds: the calendar levels with every stay's end as a date, at every person
    option; then, when that found a release, the time since the index and the
    length-of-stay bands (`EventSearch.is_derived`) at the person option it chose, where
    they lose less. The second round is restricted to one person option so that the
    search stays as fast as before them (each person option tried costs suppression
    rounds); a release they would reach only with other person levels is not found. When
    the first round finds nothing, neither could the second: the calendar round's
    coarsest point (dates and ends removed) is coarser than every point of the second."""
    failures = _Failures()
    classes: dict[int, np.ndarray] = {}

    def class_codes(index: int) -> np.ndarray:
        if index not in classes:
            classes[index] = options[index].class_codes()
        return classes[index]

    def search_round(
        option_indices: Sequence[int],
        nodes: Sequence[int],
        best: tuple[float, int, EventAssessment] | None,
    ) -> tuple[float, int, EventAssessment] | None:
        candidates = sorted(
            ((options[o].loss + search.nodes[n].information_loss()) / 2, options[o].loss, n, o)
            for o in option_indices
            for n in nodes
        )
        for bound, _, node, option_index in candidates:
            if best is not None and bound >= best[0]:
                break
            option = options[option_index]
            point = (option.position, search.position(node))
            if failures.dominate(point):
                continue
            codes_of_option = class_codes(option_index)
            if not _classes_hold(codes_of_option, search.k):
                # A class below k fails whatever the events: the person step must fix it.
                failures.add((option.position, search.top()))
                continue
            # Once a release is found, a point may only suppress what still lets it lose
            # less; a refusal under that tighter budget says nothing of finer points.
            budget = None if best is None else search.budget_to_beat(node, option.loss, best[0])
            assessment = search.assess(node, codes_of_option, option_index, option.position, budget)
            if assessment is None:
                if budget is None or budget >= search.budget:
                    failures.add(point)
                continue
            loss = (option.loss + assessment.record["information_loss"]) / 2
            if best is None or loss < best[0]:
                best = (loss, option_index, assessment)
        return best

    calendar = [n for n in range(len(search.nodes)) if not search.is_derived(n)]
    derived = [n for n in range(len(search.nodes)) if search.is_derived(n)]
    best = search_round(range(len(options)), calendar, None)
    if best is not None and derived:
        best = search_round([best[1]], derived, best)
    if best is None:
        return None
    _, option_index, assessment = best
    assessment.record["lattice_points_tried"] = search.tried
    return option_index, assessment


def assess_events(
    tables: Sequence[KnownEvents],
    classes: Mapping[Any, str],
    person_id: str,
    events_known: int,
    k: int,
    max_event_suppression: float = DEFAULT_MAX_EVENT_SUPPRESSION,
) -> EventAssessment | None:
    """The least-loss event release for fixed person classes (`classes`: each published
    patient's class), suppressing at most `max_event_suppression` of the events; None
    when no point of the lattice keeps every patient among k."""
    patients = pa.array([str(p) for p in classes], type=pa.string())
    search = EventSearch(tables, patients, person_id, events_known, k, max_event_suppression)
    class_codes = codes([classes[p] for p in classes])
    found = search_release(search, [PersonOption(0.0, (), lambda: class_codes)])
    return None if found is None else found[1]


def _record(
    candidate: _Candidate, tables: Sequence[KnownEvents], events_known: int, k: int
) -> dict[str, Any]:
    levels = candidate.levels
    kept_share = (
        1 - candidate.events_suppressed / candidate.events_total if candidate.events_total else 1.0
    )
    return {
        "model": "LKC-privacy; the adversary is assumed to undo the date shift",
        "events_known": events_known,
        "k_threshold": k,
        "tables": {events.table: list(_known_columns(events)) for events in tables},
        "date_granularity": levels.date_level,
        "attribute_levels": dict(levels.attribute_levels),
        # Per stay table: its end as a date ("dates") or a length-of-stay band level, and
        # the band levels the catalog declares (cut points in days).
        "stay_levels": dict(levels.stay_levels),
        "stay_bands": {
            table: {"start": stay.start, "end": stay.end, "bands": [list(b) for b in stay.bands]}
            for table, stay in levels.stays.items()
        },
        "kept_categories": {key: list(value) for key, value in levels.kept_categories.items()},
        # The steward's groups used (group -> values), so the extract documents them.
        "steward_groups": _steward_groups(levels, tables),
        "events": candidate.events_total,
        "suppressed_events": candidate.events_suppressed,
        "events_kept_share": kept_share,
        # Precision loss of the kept events, every suppressed event counting as lost.
        "information_loss": _events_loss(
            levels.information_loss(), candidate.events_suppressed, candidate.events_total
        ),
        **risk_summary(candidate.supports, k),
    }


def _events_loss(level_loss: float, suppressed: int, total: int) -> float:
    """The precision loss of the kept events at a point losing `level_loss`, every
    suppressed event counting as lost."""
    kept_share = 1 - suppressed / total if total else 1.0
    return kept_share * level_loss + (1 - kept_share)


def _steward_groups(
    levels: EventLevels, tables: Sequence[KnownEvents]
) -> dict[str, dict[str, list[str]]]:
    used: dict[str, dict[str, list[str]]] = {}
    for events in tables:
        for name, groups in events.groups.items():
            key = f"{events.table}.{name}"
            if levels.attribute_levels.get(key) == STEWARD_GROUP_LEVEL:
                by_group: dict[str, list[str]] = {}
                for value, group in sorted(groups.items()):
                    by_group.setdefault(group, []).append(value)
                used[key] = by_group
    return used


def _known_columns(events: KnownEvents) -> Iterable[str]:
    yield from events.date_columns
    yield from events.attribute_columns
