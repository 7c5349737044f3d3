-- 003: background jobs, with triggers and functions
CREATE TABLE jobs (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id uuid NOT NULL REFERENCES accounts ON DELETE CASCADE,
    kind text NOT NULL,
    payload jsonb NOT NULL,
    priority smallint NOT NULL DEFAULT 100,
    attempts integer NOT NULL DEFAULT 0,
    max_attempts integer NOT NULL DEFAULT 5 CONSTRAINT jobs_max_attempts_range CHECK (max_attempts BETWEEN 1 AND 50),
    run_at timestamptz NOT NULL DEFAULT now(),
    locked_at timestamptz,
    locked_by text,
    finished_at timestamptz,
    error text,
    updated_at timestamptz NOT NULL DEFAULT now()
) WITH (fillfactor = 80);

CREATE INDEX jobs_ready_idx ON jobs (priority, run_at) INCLUDE (kind) WHERE finished_at IS NULL AND locked_at IS NULL;
CREATE INDEX jobs_account_kind_idx ON jobs (account_id, kind) WHERE finished_at IS NULL;

CREATE OR REPLACE FUNCTION set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END;
$$;

CREATE TRIGGER jobs_set_updated_at
    BEFORE UPDATE ON jobs
    FOR EACH ROW
    WHEN (OLD.* IS DISTINCT FROM NEW.*)
    EXECUTE FUNCTION set_updated_at();

CREATE TRIGGER accounts_set_updated_at BEFORE UPDATE ON accounts FOR EACH ROW EXECUTE PROCEDURE set_updated_at();

CREATE OR REPLACE FUNCTION claim_job(worker text, kinds text[] DEFAULT NULL)
RETURNS SETOF jobs
LANGUAGE plpgsql
VOLATILE
AS $body$
DECLARE
    claimed jobs%ROWTYPE;
BEGIN
    SELECT * INTO claimed
    FROM jobs
    WHERE finished_at IS NULL
      AND locked_at IS NULL
      AND run_at <= now()
      AND (kinds IS NULL OR kind = ANY (kinds))
    ORDER BY priority, run_at
    LIMIT 1
    FOR UPDATE SKIP LOCKED;

    IF NOT FOUND THEN
        RETURN;
    END IF;

    UPDATE jobs SET locked_at = now(), locked_by = worker, attempts = attempts + 1
    WHERE id = claimed.id
    RETURNING * INTO claimed;
    RETURN NEXT claimed;
END
$body$;

CREATE FUNCTION jobs_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('jobs', json_build_object('id', NEW.id, 'kind', NEW.kind)::text);
    RETURN NULL;
END $$;

CREATE TRIGGER jobs_notify_insert AFTER INSERT ON jobs FOR EACH ROW EXECUTE FUNCTION jobs_notify();
CREATE CONSTRAINT TRIGGER jobs_check_account AFTER INSERT OR UPDATE OF account_id ON jobs
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE FUNCTION job_age(j jobs) RETURNS interval LANGUAGE sql STABLE AS 'SELECT now() - j.run_at';
CREATE OR REPLACE FUNCTION account_job_count(acc uuid) RETURNS bigint
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN (SELECT count(*) FROM jobs WHERE account_id = acc);

CREATE OR REPLACE PROCEDURE purge_finished_jobs(older_than interval DEFAULT '30 days')
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM jobs WHERE finished_at < now() - older_than;
    COMMIT;
END;
$$;

DROP TRIGGER IF EXISTS jobs_legacy_trigger ON jobs;
DROP FUNCTION IF EXISTS legacy_job_hook(bigint) CASCADE;
ALTER TABLE jobs ALTER COLUMN priority SET STATISTICS 500;
ALTER TABLE jobs SET (autovacuum_vacuum_scale_factor = 0.01);
