-- Embeddings of papers for semantic search, one per (model, paper). The
-- vector describes the paper as of revision rev; a paper changed since
-- (papers.rev > rev) is embedded again. seq orders the table's changes
-- for the search index, which follows it like the papers' change feed.
CREATE TABLE paper_vectors (
    model     TEXT    NOT NULL,
    paper_seq INTEGER NOT NULL REFERENCES papers(seq) ON DELETE CASCADE,
    rev       INTEGER NOT NULL,
    seq       INTEGER NOT NULL,
    vec       BLOB    NOT NULL, -- store.PackVector: float32 scale, then int8 components
    PRIMARY KEY (model, paper_seq)
) WITHOUT ROWID;

CREATE UNIQUE INDEX paper_vectors_seq ON paper_vectors(model, seq);
