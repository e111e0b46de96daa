#!/usr/bin/env python3
"""Builds a development retrieval collection, in the BEIR layout, from the
shared arXiv archive: the documents are abstracts (without their titles),
the queries are titles, and each title's only relevant document is its
own paper's abstract. Ranking settings (such as the hybrid weight) are
chosen on it, so that the evaluation collections are only ever measured.

usage: scripts/arxiv-dev-collection.py [SHARED_DATA_DIR] OUT_DIR
"""
import json, lzma, os, sys

def main():
    if len(sys.argv) not in (2, 3) or sys.argv[1] in ("-h", "--help"):
        print(__doc__.strip()); sys.exit(2)
    data = sys.argv[1] if len(sys.argv) == 3 else "../shared/data"
    out = sys.argv[-1]
    os.makedirs(os.path.join(out, "qrels"), exist_ok=True)
    src = os.path.join(data, "arxiv-archive-2015-2019.jsonl.xz")
    docs = queries = 0
    with lzma.open(src, "rt") as f, \
         open(os.path.join(out, "corpus.jsonl"), "w") as corpus, \
         open(os.path.join(out, "queries.jsonl"), "w") as qs, \
         open(os.path.join(out, "qrels", "dev.tsv"), "w") as qrels:
        qrels.write("query-id\tcorpus-id\tscore\n")
        for i, line in enumerate(f):
            if i % 5:
                continue
            r = json.loads(line)
            doc = "d" + r["arxiv_id"]
            corpus.write(json.dumps({"_id": doc, "title": "", "text": r["abstract"].strip()}) + "\n")
            docs += 1
            if docs % 56 == 0:
                q = "q" + r["arxiv_id"]
                qs.write(json.dumps({"_id": q, "text": " ".join(r["title"].split())}) + "\n")
                qrels.write(f"{q}\t{doc}\t1\n")
                queries += 1
    print(f"{out}: {docs} documents, {queries} queries")

main()
