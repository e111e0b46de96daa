-- A reader's own layer: papers by author and by category, claims of
-- authorship, follows and read marks. The two indexes are filled for the
-- papers already stored by the Go step that runs after this file
-- (fillPaperTerms, through COPY): author keys are library.AuthorKey's, which SQL cannot
-- compute.

-- Papers by author key, newest first: published is coalesce(published_at,
-- 0) of the paper, copied so that one key's papers come from the primary
-- key in the order pages list them (LatestPapers' order) without a sort.
CREATE TABLE paper_authors (
    author_key TEXT    NOT NULL,
    published  BIGINT  NOT NULL,
    paper_seq  BIGINT  NOT NULL REFERENCES papers(seq),
    position   INTEGER NOT NULL, -- the key's first place in the paper's authors
    name       TEXT    NOT NULL, -- as written there, for co-author lists
    PRIMARY KEY (author_key, published, paper_seq)
);
-- A paper's rows, rewritten when its authors change; an author's
-- co-authors, from the first few places of each paper (the index holds the
-- key too, so counting them reads nothing else).
CREATE INDEX paper_authors_paper ON paper_authors(paper_seq, position, author_key);

-- Papers by category and by archive ("cs.CL" and "cs"), newest first, as above.
CREATE TABLE paper_categories (
    category  TEXT    NOT NULL,
    published BIGINT  NOT NULL,
    paper_seq BIGINT  NOT NULL REFERENCES papers(seq),
    PRIMARY KEY (category, published, paper_seq)
);
-- A paper's rows, rewritten when its categories change; an author's categories.
CREATE INDEX paper_categories_paper ON paper_categories(paper_seq);

-- An account's claim to be one author of a paper.
CREATE TABLE author_claims (
    id         BIGSERIAL PRIMARY KEY,
    user_id    BIGINT  NOT NULL REFERENCES users(id),
    paper_seq  BIGINT  NOT NULL REFERENCES papers(seq),
    position   INTEGER NOT NULL,
    name       TEXT    NOT NULL,
    author_key TEXT    NOT NULL,
    status     TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    hidden     BOOLEAN NOT NULL DEFAULT FALSE, -- hidden from the claimant's profile
    created_at BIGINT  NOT NULL,
    decided_at BIGINT
);
-- One live claim of an author position, and one of a paper per account: a
-- rejected claim holds neither.
CREATE UNIQUE INDEX author_claims_position ON author_claims(paper_seq, position) WHERE status <> 'rejected';
CREATE UNIQUE INDEX author_claims_user_paper ON author_claims(user_id, paper_seq) WHERE status <> 'rejected';
-- Author pages find the accounts that claimed a key.
CREATE INDEX author_claims_key ON author_claims(author_key) WHERE status = 'approved';
-- The admin's queue of claims, oldest first.
CREATE INDEX author_claims_pending ON author_claims(created_at) WHERE status = 'pending';

-- What an account follows: kind is author, category, user or collection;
-- target an author key, a category or archive, an account or collection id.
CREATE TABLE follows (
    user_id    BIGINT  NOT NULL REFERENCES users(id),
    kind       TEXT    NOT NULL,
    target     TEXT    NOT NULL,
    label      TEXT    NOT NULL DEFAULT '', -- what the follow is called, as followed: an author's name as written
    created_at BIGINT  NOT NULL,
    PRIMARY KEY (user_id, kind, target)
);

-- Papers an account marked read on its Following page.
CREATE TABLE paper_reads (
    user_id   BIGINT  NOT NULL REFERENCES users(id),
    paper_seq BIGINT  NOT NULL REFERENCES papers(seq),
    read_at   BIGINT  NOT NULL,
    PRIMARY KEY (user_id, paper_seq)
);
