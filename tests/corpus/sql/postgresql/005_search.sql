-- 005: tags, full-text search, a recursive view
CREATE TABLE tags (id serial PRIMARY KEY, name varchar(64) NOT NULL, parent_id integer REFERENCES tags (id));
CREATE UNIQUE INDEX tags_name_key ON tags (lower(name));
CREATE TABLE document_tags (document_id bigint NOT NULL, tag_id integer NOT NULL REFERENCES tags ON DELETE CASCADE, UNIQUE (document_id, tag_id));
CREATE RECURSIVE VIEW tag_tree (id, name, depth) AS
    SELECT id, name, 0 FROM tags WHERE parent_id IS NULL
    UNION ALL
    SELECT t.id, t.name, tt.depth + 1 FROM tags t JOIN tag_tree tt ON t.parent_id = tt.id;
CREATE TEXT SEARCH CONFIGURATION public.english_unaccent (COPY = pg_catalog.english);
CREATE INDEX tags_name_trgm_idx ON tags USING gin (name gin_trgm_ops);
ALTER TABLE document_tags ADD CONSTRAINT document_tags_pkey PRIMARY KEY USING INDEX document_tags_document_id_tag_id_key;
CREATE OR REPLACE VIEW active_accounts WITH (security_barrier = true) AS SELECT * FROM accounts WHERE status = 'active';
CREATE TABLE measurements (sensor_id int, taken_at timestamptz, value double precision, reading_date date GENERATED ALWAYS AS ((taken_at AT TIME ZONE 'UTC')::date) STORED);
CREATE UNLOGGED TABLE session_cache (key text PRIMARY KEY, value bytea, expires_at timestamptz);
TRUNCATE session_cache RESTART IDENTITY;
