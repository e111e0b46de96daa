#!/usr/bin/env python3
"""Compares two runs of `dailypapers eval --per-query FILE` on the same
collection query by query: prints the second run's mean nDCG@10, the mean
of its differences from the first with their standard error, a bootstrap
95% interval of that mean (2,000 resamples of the queries, seeded, so the
same files give the same interval) and how many queries the second run
ranks better and worse. BENCHMARKS.md's paired differences are its output.

usage: scripts/paired-diff.py BASE.tsv RUN.tsv
"""
import math, random, sys

def load(path):
    with open(path) as f:
        return {q: float(s) for q, s in (line.rstrip("\n").split("\t") for line in f if line.strip())}

def main():
    if len(sys.argv) != 3:
        print(__doc__.strip()); sys.exit(2)
    base, run = load(sys.argv[1]), load(sys.argv[2])
    if base.keys() != run.keys():
        sys.exit(f"{sys.argv[1]} and {sys.argv[2]} score different queries")
    d = [run[q] - base[q] for q in base]
    n = len(d)
    mean = sum(d) / n
    se = math.sqrt(sum((x - mean) ** 2 for x in d) / (n - 1) / n) if n > 1 else 0.0
    rng = random.Random(1)
    boot = sorted(sum(rng.choice(d) for _ in range(n)) / n for _ in range(2000))
    print(f"nDCG@10 {sum(run.values()) / n:.4f}  difference {mean:+.4f} ± {se:.4f}  "
          f"95% [{boot[50]:+.4f}, {boot[1949]:+.4f}]  better/worse {sum(x > 0 for x in d)}/{sum(x < 0 for x in d)}")

main()
