-- 001: accounts, users and memberships
CREATE EXTENSION IF NOT EXISTS "pgcrypto";
CREATE EXTENSION IF NOT EXISTS citext WITH SCHEMA public;
CREATE SCHEMA IF NOT EXISTS billing AUTHORIZATION CURRENT_USER;

CREATE TYPE account_status AS ENUM ('trial', 'active', 'suspended', 'closed');
CREATE TYPE member_role AS ENUM ('owner', 'admin', 'member', 'viewer');
ALTER TYPE account_status ADD VALUE IF NOT EXISTS 'archived' AFTER 'closed';
CREATE TYPE money_amount AS (currency char(3), cents bigint);
CREATE DOMAIN email_address AS citext CHECK (VALUE ~ '^[^@\s]+@[^@\s]+$');

CREATE TABLE accounts (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9-]{3,63}$'),
    name text NOT NULL,
    status account_status NOT NULL DEFAULT 'trial',
    max_concurrent integer NOT NULL DEFAULT 2,
    settings jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email email_address NOT NULL,
    display_name text,
    password_hash text,
    last_seen_at timestamptz,
    deleted_at timestamptz,
    search tsvector GENERATED ALWAYS AS (to_tsvector('simple', coalesce(display_name, '') || ' ' || email::text)) STORED
);

CREATE UNIQUE INDEX users_email_key ON users (lower(email::text)) WHERE deleted_at IS NULL;
CREATE INDEX users_search_idx ON users USING gin (search);
CREATE INDEX CONCURRENTLY IF NOT EXISTS users_last_seen_idx ON users (last_seen_at DESC NULLS LAST);

CREATE TABLE memberships (
    account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role member_role NOT NULL DEFAULT 'member',
    invited_by bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, user_id)
);

ALTER TABLE memberships ADD CONSTRAINT memberships_not_self_invited CHECK (invited_by IS DISTINCT FROM user_id);
CREATE UNIQUE INDEX memberships_one_owner ON memberships (account_id) WHERE role = 'owner';
COMMENT ON TABLE memberships IS 'Who belongs to which account, and as what';
COMMENT ON COLUMN accounts.max_concurrent IS 'Jobs an account may run at once';
