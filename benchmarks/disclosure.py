"""Disclosure-risk benchmark: `anonymise` on a synthetic person-level view.

    python -m benchmarks.disclosure [--rows 1000000] [--k 5] [--seed N]

Generates seeded synthetic persons (birth dates 1920-2020, sex, about 2,000 postcodes
spread over every département with uneven populations, an ICD-10 chapter as the
sensitive column), then times `anonymise` over birth_date / sex / postcode. The floor is
one Arrow group_by over the three base-level columns, i.e. what evaluating a single
lattice node costs at least. Prints the figures, then a final JSON line.
Peak RSS is the whole process's (resource.getrusage ru_maxrss), data generation included.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from collections.abc import Sequence
from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from anonymization.disclosure import (
    DEFAULT_K,
    DEFAULT_MAX_SUPPRESSION,
    anonymise,
    k_anonymity,
    l_diversity,
    prosecutor_risk,
)
from anonymization.hierarchies import DEPARTEMENT_REGIONS, OVERSEAS_COLLECTIVITIES, hierarchy_for

DEFAULT_ROWS = 1_000_000
DEFAULT_SEED = 20260512
# A second run with a k this large walks most of the lattice (k=5 stops at the first node
# on a million people), to show what each further node costs.
DEFAULT_WALK_K = 20_000
POSTCODES_PER_DEPARTEMENT = 20  # about 2,000 codes over the 101 départements
FIRST_BIRTH = date(1920, 1, 1)
LAST_BIRTH = date(2020, 12, 31)
FEMALE_SHARE = 0.515
# ICD-10 chapters I … XXII, by number.
ICD_CHAPTERS = (
    "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI",
    "XII", "XIII", "XIV", "XV", "XVI", "XVII", "XVIII", "XIX", "XX", "XXI", "XXII",
)  # fmt: skip
QUASI_IDENTIFIERS = {"birth_date": "birth_date", "sex": "sex", "postcode": "postcode"}
EPOCH = date(1970, 1, 1)
KIB = 1024


def _postcodes(rng: np.random.Generator) -> list[str]:
    """About 2,000 distinct, well-formed postcodes spread over every département."""
    codes: list[str] = []
    for departement in DEPARTEMENT_REGIONS:
        if departement in OVERSEAS_COLLECTIVITIES:
            continue
        if departement in ("2A", "2B"):
            low, high = (0, 199) if departement == "2A" else (200, 699)
            suffixes = rng.choice(np.arange(low, high + 1), POSTCODES_PER_DEPARTEMENT, False)
            codes += [f"20{int(s):03d}" for s in sorted(suffixes)]
        elif len(departement) == 3:
            suffixes = rng.choice(100, POSTCODES_PER_DEPARTEMENT, replace=False)
            codes += [f"{departement}{int(s):02d}" for s in sorted(suffixes)]
        else:
            suffixes = rng.choice(1000, POSTCODES_PER_DEPARTEMENT, replace=False)
            codes += [f"{departement}{int(s):03d}" for s in sorted(suffixes)]
    return codes


def synthetic_people(rows: int, seed: int) -> pa.Table:
    rng = np.random.default_rng(seed)
    codes = _postcodes(rng)
    # Uneven populations: a few busy postcodes, many quiet ones.
    weights = rng.lognormal(mean=0.0, sigma=1.2, size=len(codes))
    first = (FIRST_BIRTH - EPOCH).days
    last = (LAST_BIRTH - EPOCH).days
    days = rng.integers(first, last + 1, rows, dtype=np.int32)
    chapter_weights = rng.dirichlet(np.ones(len(ICD_CHAPTERS)))
    return pa.table(
        {
            "person_id": pa.array(np.arange(rows, dtype=np.int64)),
            "birth_date": pa.array(days).cast(pa.date32()),
            "sex": pc.take(
                pa.array(["F", "M"]), pa.array(rng.random(rows) >= FEMALE_SHARE).cast(pa.int8())
            ),
            "postcode": pc.take(
                pa.array(codes), pa.array(rng.choice(len(codes), rows, p=weights / weights.sum()))
            ),
            "icd_chapter": pc.take(
                pa.array(ICD_CHAPTERS),
                pa.array(rng.choice(len(ICD_CHAPTERS), rows, p=chapter_weights)),
            ),
        }
    )


def _floor_seconds(table: pa.Table) -> float:
    """One group_by over the base-level labels: the cost of evaluating one node, at least."""
    view = pa.table(
        {c: hierarchy_for(kind).levels[0].apply(table[c]) for c, kind in QUASI_IDENTIFIERS.items()}
    )
    start = time.perf_counter()
    view.group_by(list(QUASI_IDENTIFIERS)).aggregate([([], "count_all")])
    return time.perf_counter() - start


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS)
    parser.add_argument("--k", type=int, default=DEFAULT_K)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--walk-k", type=int, default=DEFAULT_WALK_K)
    args = parser.parse_args(argv)

    start = time.perf_counter()
    people = synthetic_people(args.rows, args.seed)
    generate_seconds = time.perf_counter() - start
    qis = list(QUASI_IDENTIFIERS)
    raw_k = k_anonymity(
        pa.table(
            {c: hierarchy_for(q).levels[0].apply(people[c]) for c, q in QUASI_IDENTIFIERS.items()}
        ),
        qis,
    )

    start = time.perf_counter()
    result = anonymise(people, "person_id", QUASI_IDENTIFIERS, k=args.k)
    anonymise_seconds = time.perf_counter() - start

    released = pc.invert(pc.is_in(people["person_id"], value_set=result.suppressed_ids))
    with_sensitive = result.generalised.append_column(
        "icd_chapter", people["icd_chapter"].filter(released)
    )
    start = time.perf_counter()
    l_value = l_diversity(with_sensitive, qis, "icd_chapter") if result.success else 0
    max_risk, avg_risk = prosecutor_risk(result.generalised, qis)
    measures_seconds = time.perf_counter() - start
    floor_seconds = _floor_seconds(people)
    start = time.perf_counter()
    walk = anonymise(people, "person_id", QUASI_IDENTIFIERS, k=args.walk_k)
    walk_seconds = time.perf_counter() - start
    peak_rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / KIB

    print(f"rows                      {people.num_rows}")
    print(f"distinct postcodes        {pc.count_distinct(people['postcode']).as_py()}")
    print(f"generation                {generate_seconds:.2f} s")
    print(f"k at base levels          {raw_k}")
    print(
        f"anonymise (k={args.k})         {anonymise_seconds:.2f} s, "
        f"{result.nodes_evaluated} nodes evaluated"
    )
    print(f"floor (1 group_by)        {floor_seconds:.3f} s")
    print(f"success                   {result.success}")
    print(f"levels                    {result.levels}")
    print(
        f"suppressed                {len(result.suppressed_ids)} "
        f"({result.suppression_rate:.3%}; allowed {DEFAULT_MAX_SUPPRESSION:.0%})"
    )
    print(f"k achieved                {result.k_achieved}")
    print(f"prosecutor risk           max {max_risk:.4f}, avg {avg_risk:.5f}")
    print(f"l (distinct, icd_chapter) {l_value}  ({measures_seconds:.2f} s for l and risk)")
    print(
        f"lattice walk (k={args.walk_k})  {walk_seconds:.2f} s, {walk.nodes_evaluated} nodes, "
        f"levels {walk.levels}, suppressed {walk.suppression_rate:.3%}"
    )
    print(f"peak RSS                  {peak_rss_mib:.0f} MiB")
    print(
        json.dumps(
            {
                "benchmark": "disclosure",
                "rows": people.num_rows,
                "k": args.k,
                "seed": args.seed,
                "generate_seconds": round(generate_seconds, 3),
                "anonymise_seconds": round(anonymise_seconds, 3),
                "floor_group_by_seconds": round(floor_seconds, 3),
                "nodes_evaluated": result.nodes_evaluated,
                "success": result.success,
                "levels": result.levels,
                "suppressed": len(result.suppressed_ids),
                "suppression_rate": round(result.suppression_rate, 6),
                "k_base": raw_k,
                "k_achieved": result.k_achieved,
                "max_risk": max_risk,
                "avg_risk": round(avg_risk, 6),
                "l_diversity": l_value,
                "walk": {
                    "k": args.walk_k,
                    "seconds": round(walk_seconds, 3),
                    "nodes_evaluated": walk.nodes_evaluated,
                    "success": walk.success,
                    "levels": walk.levels,
                    "suppression_rate": round(walk.suppression_rate, 6),
                },
                "peak_rss_mib": round(peak_rss_mib, 1),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
