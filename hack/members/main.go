// Command members prints the members table of a SQL member store, or its
// groups with their members, for a look at what the operator provisioned:
//
//	go run ./hack/members                      # .local/members.db, the store of make run-local
//	go run ./hack/members -groups              # each group, its display name and its members' userNames
//	go run ./hack/members -dsn file:/path/to/members.db
//	go run ./hack/members -driver postgres -dsn postgres://user:pass@host/db
//
// SQLite files are opened read-only.
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	_ "modernc.org/sqlite"             // registers the pure-Go "sqlite" database/sql driver
)

func main() {
	driver := flag.String("driver", "sqlite", `database: "sqlite" or "postgres"`)
	dsn := flag.String("dsn", "file:.local/members.db", "data source name of the member store")
	profile := flag.Bool("profile", false, "also print each member's full profile (JSON)")
	groups := flag.Bool("groups", false, "print the groups and their members instead of the members")
	flag.Parse()
	if err := run(os.Stdout, config{driver: *driver, dsn: *dsn, profile: *profile, groups: *groups}); err != nil {
		fmt.Fprintln(os.Stderr, "members:", err)
		os.Exit(1)
	}
}

// config is what the flags ask for.
type config struct {
	driver, dsn string
	// profile prints the members' profiles too.
	profile bool
	// groups prints the groups instead of the members.
	groups bool
}

func run(out io.Writer, cfg config) error {
	db, err := openStore(cfg.driver, cfg.dsn)
	if err != nil {
		return err
	}
	defer func() { _ = db.Close() }()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if cfg.groups {
		return printGroups(ctx, out, db)
	}
	return printMembers(ctx, out, db, cfg.profile)
}

// openStore opens the store; a SQLite file read-only, and only if it exists.
func openStore(driver, dsn string) (*sql.DB, error) {
	sqlDriver := map[string]string{"sqlite": "sqlite", "postgres": "pgx"}[driver]
	if sqlDriver == "" {
		return nil, fmt.Errorf("unknown driver %q (want sqlite or postgres)", driver)
	}
	if driver == "sqlite" {
		path := strings.TrimPrefix(strings.SplitN(dsn, "?", 2)[0], "file:")
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("open member store %s: %w", path, err)
		}
		dsn = appendQuery(dsn, "mode=ro")
	}
	db, err := sql.Open(sqlDriver, dsn)
	if err != nil {
		return nil, fmt.Errorf("open member store: %w", err)
	}
	return db, nil
}

func printMembers(ctx context.Context, out io.Writer, db *sql.DB, withProfile bool) error {
	rows, err := db.QueryContext(ctx, `SELECT member_key, user_name, display_name, email, active, updated_at, profile
FROM members ORDER BY lower(user_name), member_key`)
	if err != nil {
		return fmt.Errorf("read members table: %w", err)
	}
	defer func() { _ = rows.Close() }()
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	_, _ = fmt.Fprintln(w, "MEMBER KEY\tUSERNAME\tDISPLAY NAME\tEMAIL\tACTIVE\tUPDATED")
	n := 0
	for rows.Next() {
		var key, userName, displayName, email, profile string
		var active bool
		var updated any
		if err := rows.Scan(&key, &userName, &displayName, &email, &active, &updated, &profile); err != nil {
			return fmt.Errorf("read member: %w", err)
		}
		_, _ = fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%t\t%v\n", key, userName, displayName, email, active, updated)
		if withProfile {
			_, _ = fmt.Fprintf(w, "\t%s\n", profile)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read members: %w", err)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	_, err = fmt.Fprintf(out, "%d member(s)\n", n)
	return err
}

func appendQuery(dsn, kv string) string {
	if strings.Contains(dsn, "?") {
		return dsn + "&" + kv
	}
	return dsn + "?" + kv
}

// printGroups prints one line per group: its key, display name, member
// count and members' userNames (sorted, case-insensitively).
func printGroups(ctx context.Context, out io.Writer, db *sql.DB) error {
	rows, err := db.QueryContext(ctx, `SELECT g.group_key, g.display_name, m.user_name
FROM groups g
LEFT JOIN memberships ms ON ms.group_key = g.group_key
LEFT JOIN members m ON m.member_key = ms.member_key
ORDER BY lower(g.display_name), g.group_key, lower(m.user_name), m.member_key`)
	if err != nil {
		return fmt.Errorf("read groups table (a store from before groups gets it when the operator next opens it): %w", err)
	}
	defer func() { _ = rows.Close() }()
	type group struct {
		key, displayName string
		userNames        []string
	}
	var groups []*group
	for rows.Next() {
		var key, displayName string
		var userName sql.NullString
		if err := rows.Scan(&key, &displayName, &userName); err != nil {
			return fmt.Errorf("read group: %w", err)
		}
		if len(groups) == 0 || groups[len(groups)-1].key != key {
			groups = append(groups, &group{key: key, displayName: displayName})
		}
		if userName.Valid {
			g := groups[len(groups)-1]
			g.userNames = append(g.userNames, userName.String)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read groups: %w", err)
	}
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	_, _ = fmt.Fprintln(w, "GROUP KEY\tDISPLAY NAME\tMEMBERS\tUSERNAMES")
	for _, g := range groups {
		_, _ = fmt.Fprintf(w, "%s\t%s\t%d\t%s\n", g.key, g.displayName, len(g.userNames), strings.Join(g.userNames, ", "))
	}
	if err := w.Flush(); err != nil {
		return err
	}
	_, err = fmt.Fprintf(out, "%d group(s)\n", len(groups))
	return err
}
