-- A reader's own library: the Saved list and collections.

-- Saved papers: private to their reader, so writing them never changes
-- store_version (no page others see shows them).
CREATE TABLE saved_papers (
    user_id   BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    paper_seq BIGINT NOT NULL REFERENCES papers(seq) ON DELETE CASCADE,
    saved_at  BIGINT NOT NULL, -- unix ms
    n         BIGSERIAL,       -- the order of saves within a millisecond
    PRIMARY KEY (user_id, paper_seq)
);

-- The Saved page lists a reader's papers, most recently saved first.
CREATE INDEX saved_papers_user_saved ON saved_papers(user_id, saved_at);

-- Collections: a reader's named, ordered lists of papers. num_items counts
-- collection_items and changes in the same transaction as they do.
CREATE TABLE collections (
    id          BIGSERIAL PRIMARY KEY,
    owner_id    BIGINT  NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    title       TEXT    NOT NULL,
    description TEXT    NOT NULL DEFAULT '',
    private     BOOLEAN NOT NULL DEFAULT FALSE,
    theme       TEXT    NOT NULL DEFAULT 'orange',
    num_items   INTEGER NOT NULL DEFAULT 0,
    created_at  BIGINT  NOT NULL, -- unix ms
    updated_at  BIGINT  NOT NULL, -- unix ms, the last change to it or its items
    UNIQUE (owner_id, title)      -- one title per owner; also finds an owner's collections
);

-- The papers of a collection. position orders them from 0 with no gaps;
-- it is not UNIQUE, because moving an item shifts a range of positions in
-- one UPDATE, which a unique index would refuse halfway.
CREATE TABLE collection_items (
    id            BIGSERIAL PRIMARY KEY,
    collection_id BIGINT  NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
    paper_seq     BIGINT  NOT NULL REFERENCES papers(seq) ON DELETE CASCADE,
    position      INTEGER NOT NULL,
    note          TEXT    NOT NULL DEFAULT '', -- Markdown as written
    note_html     TEXT    NOT NULL DEFAULT '', -- note rendered when written
    added_at      BIGINT  NOT NULL,            -- unix ms
    UNIQUE (collection_id, paper_seq)          -- a paper once per collection
);

-- A collection page reads its items in order; its feed, newest added first.
CREATE INDEX collection_items_position ON collection_items(collection_id, position);
CREATE INDEX collection_items_added ON collection_items(collection_id, added_at);
-- A paper page lists the collections that hold the paper.
CREATE INDEX collection_items_paper ON collection_items(paper_seq);
