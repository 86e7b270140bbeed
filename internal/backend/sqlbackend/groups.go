package sqlbackend

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"github.com/rollcall-dev/rollcall/internal/backend"
)

// Groups live in the groups table and memberships in the memberships table
// (migration 0002). A membership references its group and its member with
// ON DELETE CASCADE, so deleting either removes the membership in the same
// statement; on SQLite that needs foreign keys on, which sqliteDSN forces
// and Open checks.

// ObserveGroup reads the group's row.
func (b *Backend) ObserveGroup(ctx context.Context, key string) (backend.Group, bool, error) {
	var g backend.Group
	err := b.db.QueryRowContext(ctx, b.dialect.rebind(`SELECT group_key, display_name, external_id FROM groups WHERE group_key = $1`), key).
		Scan(&g.Key, &g.DisplayName, &g.ExternalID)
	if errors.Is(err, sql.ErrNoRows) {
		return backend.Group{}, false, nil
	}
	if err != nil {
		return backend.Group{}, false, classify(fmt.Errorf("read group %q: %w", key, err))
	}
	return g, true, nil
}

const upsertGroup = `INSERT INTO groups (group_key, display_name, external_id, created_at, updated_at)
VALUES ($1, $2, $3, $4, $4)
ON CONFLICT (group_key) DO UPDATE SET
    display_name = excluded.display_name,
    external_id = excluded.external_id,
    updated_at = excluded.updated_at`

// UpsertGroup writes the group's row in one statement; its memberships,
// in another table, are untouched.
func (b *Backend) UpsertGroup(ctx context.Context, g backend.Group) error {
	_, err := b.db.ExecContext(ctx, b.dialect.rebind(upsertGroup), g.Key, g.DisplayName, g.ExternalID, b.dialect.now())
	if err != nil {
		return classify(fmt.Errorf("upsert group %q: %w", g.Key, err))
	}
	return nil
}

// DeleteGroup removes the group's row; the cascade removes its memberships.
func (b *Backend) DeleteGroup(ctx context.Context, key string) error {
	_, err := b.db.ExecContext(ctx, b.dialect.rebind(`DELETE FROM groups WHERE group_key = $1`), key)
	if err != nil {
		return classify(fmt.Errorf("delete group %q: %w", key, err))
	}
	return nil
}

// GroupMembers reads the group's member keys. They are sorted here, byte
// by byte as Go compares strings: a database's collation (en_US on many
// PostgreSQL installs) would order them differently.
func (b *Backend) GroupMembers(ctx context.Context, groupKey string) ([]string, error) {
	rows, err := b.db.QueryContext(ctx, b.dialect.rebind(`SELECT member_key FROM memberships WHERE group_key = $1`), groupKey)
	if err != nil {
		return nil, classify(fmt.Errorf("read members of group %q: %w", groupKey, err))
	}
	defer func() { _ = rows.Close() }()
	var keys []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, classify(fmt.Errorf("read members of group %q: %w", groupKey, err))
		}
		keys = append(keys, k)
	}
	if err := rows.Err(); err != nil {
		return nil, classify(fmt.Errorf("read members of group %q: %w", groupKey, err))
	}
	slices.Sort(keys)
	return keys, nil
}

// addMemberships inserts the memberships of the listed members that exist,
// in one statement. Rows are inserted in key order, so two concurrent
// additions to one group take their row locks in the same order and never
// deadlock each other. (WHERE is needed before ON CONFLICT after a SELECT
// for SQLite's parser; it is there anyway.)
func (d dialect) addMemberships() string {
	return d.rebind(`INSERT INTO memberships (group_key, member_key, created_at)
SELECT $1, member_key, $3 FROM members WHERE ` + d.inKeys("member_key", 2) + `
ORDER BY member_key
ON CONFLICT (group_key, member_key) DO NOTHING`)
}

// AddGroupMembers adds the memberships of the members the table holds in
// one statement; keys already members and keys of no member are skipped.
func (b *Backend) AddGroupMembers(ctx context.Context, groupKey string, memberKeys []string) error {
	if err := checkBatch(memberKeys); err != nil {
		return err
	}
	keys, err := b.dialect.keysArg(sortedCopy(memberKeys))
	if err != nil {
		return backend.Rejected(fmt.Errorf("encode member keys for group %q: %w", groupKey, err))
	}
	res, err := b.db.ExecContext(ctx, b.dialect.addMemberships(), groupKey, keys, b.dialect.now())
	switch {
	case err != nil && !isForeignKeyViolation(err):
		return classify(fmt.Errorf("add members to group %q: %w", groupKey, err))
	case err == nil:
		if n, nerr := res.RowsAffected(); nerr == nil && n > 0 {
			return nil // a membership was added, so the group exists
		}
	}
	// A foreign key violation, or nothing added (no key named a member, or
	// every one was a member already): whether the group exists decides.
	_, found, observeErr := b.ObserveGroup(ctx, groupKey)
	switch {
	case observeErr != nil:
		return observeErr
	case !found:
		return backend.Rejected(fmt.Errorf("add members to group %q: the group does not exist", groupKey))
	case err != nil:
		// The group exists, so the violated reference is a member deleted
		// while it was being added: another try skips it.
		return backend.Unavailable(fmt.Errorf("add members to group %q: a member was deleted meanwhile: %w", groupKey, err))
	default:
		return nil
	}
}

// RemoveGroupMembers deletes the memberships in one statement.
func (b *Backend) RemoveGroupMembers(ctx context.Context, groupKey string, memberKeys []string) error {
	if err := checkBatch(memberKeys); err != nil {
		return err
	}
	if len(memberKeys) == 0 {
		return nil
	}
	keys, err := b.dialect.keysArg(memberKeys)
	if err != nil {
		return backend.Rejected(fmt.Errorf("encode member keys for group %q: %w", groupKey, err))
	}
	_, err = b.db.ExecContext(ctx, b.dialect.rebind(`DELETE FROM memberships WHERE group_key = $1 AND `+b.dialect.inKeys("member_key", 2)),
		groupKey, keys)
	if err != nil {
		return classify(fmt.Errorf("remove members from group %q: %w", groupKey, err))
	}
	return nil
}

func checkBatch(memberKeys []string) error {
	if len(memberKeys) > backend.MaxGroupMembersPerCall {
		return backend.Rejected(fmt.Errorf("%d member keys in one call, over %d: split them into batches",
			len(memberKeys), backend.MaxGroupMembersPerCall))
	}
	return nil
}

func sortedCopy(keys []string) []string {
	out := slices.Clone(keys)
	slices.Sort(out)
	return slices.Compact(out)
}
