-- SQLite: a local notes app
PRAGMA foreign_keys = ON;
CREATE TABLE IF NOT EXISTS notebooks (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP) STRICT;
CREATE TABLE notes (
    id INTEGER PRIMARY KEY,
    notebook_id INTEGER NOT NULL REFERENCES notebooks (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    body TEXT,
    words INTEGER GENERATED ALWAYS AS (length(body) - length(replace(body, ' ', '')) + 1) VIRTUAL,
    updated_at TEXT,
    CHECK (length(title) > 0)
);
CREATE INDEX IF NOT EXISTS notes_notebook_idx ON notes (notebook_id, updated_at) WHERE body IS NOT NULL;
CREATE TABLE kv (k TEXT PRIMARY KEY, v BLOB) WITHOUT ROWID;
CREATE TRIGGER notes_touch AFTER UPDATE ON notes BEGIN UPDATE notes SET updated_at = CURRENT_TIMESTAMP WHERE id = NEW.id; END;
CREATE VIRTUAL TABLE notes_fts USING fts5(title, body);
ALTER TABLE notes RENAME COLUMN body TO content;
ALTER TABLE notes ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0;
INSERT OR REPLACE INTO kv (k, v) VALUES ('schema', x'01');
