-- A comment's body rendered to HTML when it is written, so that a page view
-- never renders Markdown. NULL for comments stored before this column,
-- until the server renders them (at start, or on their first view); ''
-- for deleted comments.
ALTER TABLE comments ADD COLUMN html TEXT;

UPDATE comments SET html = '' WHERE deleted_at IS NOT NULL;

-- The comments still to render, found at every start without reading the
-- others: empty once they are rendered.
CREATE INDEX comments_unrendered ON comments(id) WHERE html IS NULL;
