-- 004: an audit log partitioned by month, row level security, grants
CREATE TABLE audit_events (
    id bigint GENERATED ALWAYS AS IDENTITY,
    account_id uuid NOT NULL,
    actor_id bigint,
    action text NOT NULL,
    target jsonb,
    ip inet,
    occurred_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (id, occurred_at)
) PARTITION BY RANGE (occurred_at);

CREATE TABLE audit_events_2026_01 PARTITION OF audit_events FOR VALUES FROM ('2026-01-01') TO ('2026-02-01');
CREATE TABLE audit_events_2026_02 PARTITION OF audit_events FOR VALUES FROM ('2026-02-01') TO ('2026-03-01');
CREATE TABLE audit_events_default PARTITION OF audit_events DEFAULT;
CREATE INDEX audit_events_account_idx ON audit_events (account_id, occurred_at DESC);

CREATE TABLE regions (code text PRIMARY KEY, name text NOT NULL) ;
CREATE TABLE shipments (
    id uuid DEFAULT gen_random_uuid(),
    region text NOT NULL,
    weight_grams integer,
    dimensions numeric(8, 2)[3],
    PRIMARY KEY (id, region)
) PARTITION BY LIST (region);
CREATE TABLE shipments_eu PARTITION OF shipments FOR VALUES IN ('eu-west', 'eu-central');

ALTER TABLE audit_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_events FORCE ROW LEVEL SECURITY;
CREATE POLICY audit_events_tenant ON audit_events
    USING (account_id = current_setting('app.account_id')::uuid)
    WITH CHECK (account_id = current_setting('app.account_id')::uuid);

CREATE ROLE app_reader NOLOGIN;
GRANT USAGE ON SCHEMA billing TO app_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA billing TO app_reader;
ALTER DEFAULT PRIVILEGES IN SCHEMA billing GRANT SELECT ON TABLES TO app_reader;
REVOKE ALL ON audit_events FROM PUBLIC;

CREATE TABLE feature_flags (
    key text PRIMARY KEY,
    enabled boolean NOT NULL DEFAULT false,
    rollout_percent numeric(5, 2) NOT NULL DEFAULT 0 CHECK (rollout_percent BETWEEN 0 AND 100),
    allowed_accounts uuid[] NOT NULL DEFAULT '{}',
    valid_during daterange,
    notes text COLLATE "C"
);

CREATE TABLE IF NOT EXISTS api_tokens (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash bytea NOT NULL,
    scopes text[] NOT NULL DEFAULT ARRAY['read'],
    expires_at timestamptz NOT NULL DEFAULT now() + interval '90 days',
    CONSTRAINT api_tokens_hash_len CHECK (octet_length(token_hash) = 32)
);
CREATE UNIQUE INDEX api_tokens_hash_key ON api_tokens (token_hash);
CREATE INDEX api_tokens_scopes_idx ON api_tokens USING gin (scopes);

ALTER TABLE users ADD COLUMN locale text NOT NULL DEFAULT 'en' CHECK (length(locale) BETWEEN 2 AND 10);
ALTER TABLE users ADD CONSTRAINT users_email_lower CHECK (email::text = lower(email::text));
ALTER TABLE users DROP CONSTRAINT IF EXISTS users_legacy_check;
ALTER TABLE users ALTER COLUMN display_name DROP NOT NULL;
ALTER TABLE users ADD COLUMN full_name text GENERATED ALWAYS AS (coalesce(display_name, split_part(email::text, '@', 1))) STORED;
ALTER TABLE memberships ADD CONSTRAINT memberships_invited_by_fk FOREIGN KEY (invited_by) REFERENCES users (id) NOT VALID;
ALTER INDEX users_search_idx RENAME TO users_fulltext_idx;
ALTER TABLE feature_flags OWNER TO CURRENT_USER;

INSERT INTO billing.plans (code, name, monthly_cents, features)
VALUES ('free', 'Free', 0, ARRAY['1 project']), ('team', 'Team', 4900, ARRAY['10 projects', 'sso'])
ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, monthly_cents = EXCLUDED.monthly_cents;

UPDATE accounts SET status = 'active' WHERE status = 'trial' AND created_at < now() - interval '14 days';
DELETE FROM api_tokens WHERE expires_at < now() RETURNING id;

WITH stale AS (
    SELECT id FROM jobs WHERE locked_at < now() - interval '1 hour' AND finished_at IS NULL
)
UPDATE jobs SET locked_at = NULL, locked_by = NULL FROM stale WHERE jobs.id = stale.id;

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'priority_level') THEN
        CREATE TYPE priority_level AS ENUM ('low', 'normal', 'high');
    END IF;
END
$$;

BEGIN;
SET LOCAL lock_timeout = '5s';
ALTER TABLE jobs ADD COLUMN level priority_level NOT NULL DEFAULT 'normal';
COMMIT;

CREATE STATISTICS jobs_kind_account_stats (dependencies) ON kind, account_id FROM jobs;
CLUSTER jobs USING jobs_pkey;
ANALYZE jobs;
