-- The hosted feed's machine-written summary and key phrases of a paper,
-- and the model that wrote them: '' and [] when unknown.
ALTER TABLE papers ADD COLUMN ai_summary  TEXT NOT NULL DEFAULT '';
ALTER TABLE papers ADD COLUMN ai_keywords TEXT NOT NULL DEFAULT '[]'; -- JSON: ["phrase", ...]
ALTER TABLE papers ADD COLUMN ai_model    TEXT NOT NULL DEFAULT '';
