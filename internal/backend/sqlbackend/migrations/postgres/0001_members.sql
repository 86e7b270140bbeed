CREATE TABLE IF NOT EXISTS members (
    member_key   TEXT PRIMARY KEY,
    user_name    TEXT NOT NULL,
    external_id  TEXT NOT NULL DEFAULT '',
    display_name TEXT NOT NULL DEFAULT '',
    given_name   TEXT NOT NULL DEFAULT '',
    family_name  TEXT NOT NULL DEFAULT '',
    email        TEXT NOT NULL DEFAULT '',
    active       BOOLEAN NOT NULL,
    profile      JSONB NOT NULL DEFAULT '{}'::jsonb,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS members_user_name ON members (lower(user_name));
CREATE INDEX IF NOT EXISTS members_email ON members (lower(email));
