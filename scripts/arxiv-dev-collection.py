#!/usr/bin/env python3
"""Builds a development retrieval collection, in the BEIR layout, from the
shared arXiv data: the documents are abstracts (without their titles),
the queries are titles, and each title's only relevant document is its
own paper's abstract. Ranking settings (such as the hybrid weight) and the
built-in embedding's training settings are chosen on it, so that the
evaluation collections are only ever measured.

By default it reads the 2025-2026 listing and keeps the papers that
`dailypapers train-embeddings --holdout 10` leaves out of training (the
CRC-32 of the arXiv id a multiple of 10), every one a document and every
fourth title a query. With --sentences the queries are instead a later
sentence of every fourth abstract (not its first), taken out of the
document, the way a claim or a finding is searched for: split as
train-embeddings splits sentences. With --archive it writes the collection the first
hybrid weight was chosen on (every fifth paper of the 2015-2019 archive,
every 56th title a query); the archive is evaluation data since the
built-in embedding is trained here, so use that only to reproduce old
figures.

usage: scripts/arxiv-dev-collection.py [--archive] [--sentences] [--outside FIELDS] [SHARED_DATA_DIR] OUT_DIR
"""
import json, lzma, os, random, re, sys, zlib

# Sentence ends as train-embeddings (internal/embed/static) splits them.
SENTENCE_END = re.compile(r"(?<=[.?!])[ \n](?=[A-Z0-9])")

def main():
    args = sys.argv[1:]
    archive = "--archive" in args
    by_sentence = "--sentences" in args
    args = [a for a in args if a not in ("--archive", "--sentences")]
    outside = None
    if "--outside" in args:
        i = args.index("--outside")
        if i + 1 >= len(args):
            print(__doc__.strip()); sys.exit(2)
        outside = [f.strip() for f in args[i + 1].split(",") if f.strip()]
        del args[i:i + 2]
    rng = random.Random(1)
    if len(args) not in (1, 2) or args[0] in ("-h", "--help"):
        print(__doc__.strip()); sys.exit(2)
    data = args[0] if len(args) == 2 else "../shared/data"
    out = args[-1]
    os.makedirs(os.path.join(out, "qrels"), exist_ok=True)
    if archive:
        src = os.path.join(data, "arxiv-archive-2015-2019.jsonl.xz")
        keep = lambda i, r: i % 5 == 0
        every = 56
    elif outside:
        src = os.path.join(data, "arxiv-daily-2025-2026.jsonl.xz")
        # As static.OutsideFields: a category, or its archive, named.
        def keep(i, r):
            cat = r.get("primary_category") or ""
            return cat != "" and cat not in outside and cat.split(".")[0] not in outside
        every = 4
    else:
        src = os.path.join(data, "arxiv-daily-2025-2026.jsonl.xz")
        keep = lambda i, r: zlib.crc32(r["arxiv_id"].encode()) % 10 == 0
        every = 4
    docs = queries = 0
    with lzma.open(src, "rt") as f, \
         open(os.path.join(out, "corpus.jsonl"), "w") as corpus, \
         open(os.path.join(out, "queries.jsonl"), "w") as qs, \
         open(os.path.join(out, "qrels", "dev.tsv"), "w") as qrels:
        qrels.write("query-id\tcorpus-id\tscore\n")
        for i, line in enumerate(f):
            r = json.loads(line)
            if not keep(i, r) or not r["abstract"].strip():
                continue
            doc = "d" + r["arxiv_id"]
            text = r["abstract"].strip()
            query = " ".join(r["title"].split())
            if by_sentence:
                sents = [x.strip() for x in SENTENCE_END.split(text) if x.strip()]
                if (docs + 1) % every == 0 and len(sents) >= 3:
                    k = rng.randrange(1, len(sents))
                    query = " ".join(sents[k].split())
                    text = " ".join(sents[:k] + sents[k + 1:])
                else:
                    query = None
            corpus.write(json.dumps({"_id": doc, "title": "", "text": text}) + "\n")
            docs += 1
            if docs % every == 0 and query:
                q = "q" + r["arxiv_id"]
                qs.write(json.dumps({"_id": q, "text": query}) + "\n")
                qrels.write(f"{q}\t{doc}\t1\n")
                queries += 1
    print(f"{out}: {docs} documents, {queries} queries")

main()
