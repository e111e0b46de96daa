#!/usr/bin/env python3
"""Builds a development recommendation collection from the shared arXiv
daily listings (2025-2026) by the "authors as readers" protocol: a reader
is an author with at least 6 papers listed before the cutoff and 2 from
it on; liked = their papers before, test = their papers after. The
corpus is every paper of the listings, without authors, so that only
content can match; the window (the candidates) is every paper listed
from the cutoff to the last day. The For-you model's settings are chosen
on it; the 2015-2019 archive stays evaluation data and is not read here.

The cutoff is 2026-04-01: it leaves a little over twelve months of
listings to learn from and three months (about a fifth of the papers) to
rank, as a reader's feed would over a season.

Readers are capped at MAX_READERS (sampled with a fixed seed, so the
collection is the same on every machine): the baseline trains an SVM on
the whole corpus for each, and 300 readers already give a figure stable
to about ±0.015 (the standard error of a mean nDCG@10 over them).

usage: scripts/arxiv-recs-collection.py [SHARED_DATA_DIR] OUT_DIR
  then: dailypapers eval --recs OUT_DIR [--recs-model svm-tfidf]
"""
import collections, json, lzma, os, random, sys

CUTOFF = "2026-04-01"
MIN_BEFORE, MIN_AFTER = 6, 2
MAX_READERS = 300

def main():
    if len(sys.argv) not in (2, 3) or sys.argv[1] in ("-h", "--help"):
        print(__doc__.strip()); sys.exit(2)
    data = sys.argv[1] if len(sys.argv) == 3 else "../shared/data"
    out = sys.argv[-1]
    os.makedirs(out, exist_ok=True)
    src = os.path.join(data, "arxiv-daily-2025-2026.jsonl.xz")
    before, after = collections.defaultdict(list), collections.defaultdict(list)
    last = ""
    docs = 0
    with lzma.open(src, "rt") as f, open(os.path.join(out, "corpus.jsonl"), "w") as corpus:
        for line in f:
            r = json.loads(line)
            day = r["listing_date"]
            last = max(last, day)
            corpus.write(json.dumps({
                "_id": r["arxiv_id"],
                "title": " ".join(r["title"].split()),
                "text": r["abstract"].strip(),
                "categories": r["categories"],
                "created": day,
            }) + "\n")
            docs += 1
            # A name listed twice on one paper counts once.
            for name in set(" ".join(a.split()) for a in r["authors"]):
                (before if day < CUTOFF else after)[name].append(r["arxiv_id"])
    readers = sorted(a for a in before
                     if len(before[a]) >= MIN_BEFORE and len(after.get(a, ())) >= MIN_AFTER)
    eligible = len(readers)
    if len(readers) > MAX_READERS:
        readers = sorted(random.Random(19).sample(readers, MAX_READERS))
    with open(os.path.join(out, "users.jsonl"), "w") as users:
        for i, a in enumerate(readers):
            # Readers are numbered, not named: the names stay out of the collection.
            users.write(json.dumps({"user": f"r{i:04d}", "liked": before[a], "test": after[a]}) + "\n")
    with open(os.path.join(out, "window.json"), "w") as w:
        json.dump({"from": CUTOFF, "to": last}, w)
        w.write("\n")
    print(f"{out}: {docs} papers, window {CUTOFF}..{last}, {len(readers)} readers of {eligible} eligible")

main()
