package e2e

import (
	"database/sql"
	"testing"

	_ "modernc.org/sqlite" // the member store's driver
)

// member is a row of the store's members table.
type member struct {
	DisplayName string
	Active      bool
}

// store reads the workspace's SQLite member store, as hack/members does.
type store struct{ db *sql.DB }

func openStore(t *testing.T, path string) store {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return store{db: db}
}

// members maps the members table's userNames to their rows; an error (the
// file or table not there yet) reads as no members.
func (s store) members() map[string]member {
	rows, err := s.db.Query(`SELECT user_name, display_name, active FROM members`)
	if err != nil {
		return nil
	}
	defer func() { _ = rows.Close() }()
	out := map[string]member{}
	for rows.Next() {
		var name string
		var m member
		if err := rows.Scan(&name, &m.DisplayName, &m.Active); err != nil {
			return nil
		}
		out[name] = m
	}
	if rows.Err() != nil {
		return nil
	}
	return out
}

// memberships maps each group's display name to its members' userNames.
func (s store) memberships() map[string][]string {
	rows, err := s.db.Query(`SELECT g.display_name, m.user_name FROM groups g
JOIN memberships ms ON ms.group_key = g.group_key
JOIN members m ON m.member_key = ms.member_key
ORDER BY g.display_name, m.user_name`)
	if err != nil {
		return nil
	}
	defer func() { _ = rows.Close() }()
	out := map[string][]string{}
	for rows.Next() {
		var group, user string
		if err := rows.Scan(&group, &user); err != nil {
			return nil
		}
		out[group] = append(out[group], user)
	}
	if rows.Err() != nil {
		return nil
	}
	return out
}

// groups lists the groups table's display names.
func (s store) groups() []string {
	rows, err := s.db.Query(`SELECT display_name FROM groups ORDER BY display_name`)
	if err != nil {
		return nil
	}
	defer func() { _ = rows.Close() }()
	var out []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil
		}
		out = append(out, name)
	}
	if rows.Err() != nil {
		return nil
	}
	return out
}
