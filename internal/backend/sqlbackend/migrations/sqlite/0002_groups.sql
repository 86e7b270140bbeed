CREATE TABLE IF NOT EXISTS groups (
    group_key    TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    external_id  TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX IF NOT EXISTS groups_display_name ON groups (lower(display_name));
CREATE TABLE IF NOT EXISTS memberships (
    group_key  TEXT NOT NULL REFERENCES groups (group_key) ON DELETE CASCADE,
    member_key TEXT NOT NULL REFERENCES members (member_key) ON DELETE CASCADE,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (group_key, member_key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS memberships_member_key ON memberships (member_key);
