"""Tuning aid: the identifiers a system misses and the traps it over-redacts, with context.

Run on the TRAIN split only (templates used for tuning): python -m benchmarks.deid.misses fr train
"""

import sys, collections, time
from benchmarks.deid.corpus import generate_notes
from anonymization.scrubber import Scrubber

lang = sys.argv[1]
split = sys.argv[2]
use_ner = len(sys.argv) < 4 or sys.argv[3] == "ner"
notes = generate_notes(lang, 600, split, 7)
s = Scrubber(lang, use_ner=use_ner)
t = time.time()
res = s.analyze([n.text for n in notes])
dt = time.time() - t
miss = collections.defaultdict(list)
tot = collections.Counter()
for n, ents in zip(notes, res):
    cov = set()
    for e in ents:
        cov.update(range(e.start, e.end))
    for g in n.entities:
        tot[g.type] += 1
        if not all(i in cov for i in range(g.start, g.end) if not n.text[i].isspace()):
            miss[g.type].append(
                (
                    n.template,
                    n.text[max(0, g.start - 30) : g.start]
                    + "[["
                    + n.text[g.start : g.end]
                    + "]]"
                    + n.text[g.end : g.end + 20],
                )
            )
    for t_ in n.traps:
        if any(e.start < t_.end and t_.start < e.end for e in ents):
            by = ",".join(sorted({e.type for e in ents if e.start < t_.end and t_.start < e.end}))
            miss["TRAP_" + t_.type].append(
                (
                    n.template,
                    by
                    + ": "
                    + n.text[max(0, t_.start - 30) : t_.start]
                    + "[["
                    + n.text[t_.start : t_.end]
                    + "]]"
                    + n.text[t_.end : t_.end + 20],
                )
            )
print("notes/s", len(notes) / dt)
for k, v in sorted(miss.items(), key=lambda kv: -len(kv[1])):
    print(k, len(v), "/", tot.get(k, "?"))
    c = collections.Counter(v)
    for (tpl, ctx), cnt in c.most_common(6):
        print("   ", cnt, tpl, repr(ctx))
