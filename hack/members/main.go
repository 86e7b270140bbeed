// Command members prints the members table of a SQL member store, for a
// look at what the operator provisioned:
//
//	go run ./hack/members                      # .local/members.db, the store of make run-local
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
	flag.Parse()
	if err := run(os.Stdout, *driver, *dsn, *profile); err != nil {
		fmt.Fprintln(os.Stderr, "members:", err)
		os.Exit(1)
	}
}

func run(out io.Writer, driver, dsn string, withProfile bool) error {
	sqlDriver := map[string]string{"sqlite": "sqlite", "postgres": "pgx"}[driver]
	if sqlDriver == "" {
		return fmt.Errorf("unknown driver %q (want sqlite or postgres)", driver)
	}
	if driver == "sqlite" {
		path := strings.TrimPrefix(strings.SplitN(dsn, "?", 2)[0], "file:")
		if _, err := os.Stat(path); err != nil {
			return fmt.Errorf("open member store %s: %w", path, err)
		}
		dsn = appendQuery(dsn, "mode=ro")
	}
	db, err := sql.Open(sqlDriver, dsn)
	if err != nil {
		return fmt.Errorf("open member store: %w", err)
	}
	defer func() { _ = db.Close() }()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
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
