-- The API lists every paper newest first (GET /api/papers), paging by the
-- first version's date and then seq; papers of unknown date come last.
CREATE INDEX papers_published ON papers(coalesce(published_at, 0) DESC, seq DESC);
