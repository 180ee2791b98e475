package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/polysql/polysql"
	"github.com/polysql/polysql/dialect"
	"github.com/polysql/polysql/internal/dbtest"
)

// readOnlyUserSQL creates and drops a user that may only read one
// database, per engine (test fixtures, not feature code).
var readOnlyUserSQL = map[dialect.Engine]struct{ create, drop []string }{
	dialect.Postgres: {
		create: []string{"CREATE ROLE %[1]s LOGIN", "GRANT USAGE ON SCHEMA %[2]s TO %[1]s", "GRANT SELECT ON ALL TABLES IN SCHEMA %[2]s TO %[1]s"},
		drop:   []string{"DROP OWNED BY %[1]s", "DROP ROLE %[1]s"},
	},
	dialect.MySQL: {
		create: []string{"CREATE USER '%[1]s'@'%%'", "GRANT SELECT ON %[2]s.* TO '%[1]s'@'%%'"},
		drop:   []string{"DROP USER '%[1]s'@'%%'"},
	},
}

// TestReadOnlyURL: with read_only_url, read-only grants run as a user that
// may only read, so even statements that end the read-only transaction
// cannot write.
func TestReadOnlyURL(t *testing.T) {
	dbtest.RunURL(t, func(t *testing.T, e dialect.Engine, rawURL string) {
		fx, ok := readOnlyUserSQL[e]
		if !ok {
			cfg := grantsConfig(rawURL)
			cfg.StateDir = t.TempDir()
			cfg.Databases["main"] = DatabaseConfig{URL: rawURL, ReadOnlyURL: rawURL}
			if _, err := New(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), "read_only_url is for PostgreSQL and MySQL") {
				t.Fatalf("read_only_url on SQLite: %v", err)
			}
			return
		}
		ctx := context.Background()
		admin, err := polysql.Open(ctx, rawURL)
		if err != nil {
			t.Fatal(err)
		}
		defer admin.Close()
		if _, err := admin.ExecContext(ctx, "CREATE TABLE ro (id INTEGER PRIMARY KEY)"); err != nil {
			t.Fatal(err)
		}
		var b [4]byte
		_, _ = rand.Read(b[:])
		user := "polysql_ro_" + hex.EncodeToString(b[:])
		u, _ := url.Parse(rawURL)
		dbName := strings.TrimPrefix(u.Path, "/") // MySQL: the database
		if sp := u.Query().Get("search_path"); sp != "" {
			dbName = sp // PostgreSQL: the test's schema
		}
		for _, s := range fx.create {
			if _, err := admin.ExecContext(ctx, fmt.Sprintf(s, user, dbName)); err != nil {
				t.Fatal(err)
			}
		}
		t.Cleanup(func() {
			a, err := polysql.Open(context.Background(), rawURL)
			if err != nil {
				return
			}
			defer a.Close()
			for _, s := range fx.drop {
				_, _ = a.ExecContext(context.Background(), fmt.Sprintf(s, user, dbName))
			}
		})
		u.User = url.User(user)
		cfg := grantsConfig(rawURL)
		cfg.Databases["main"] = DatabaseConfig{URL: rawURL, ReadOnlyURL: u.String()}
		_, ts := testServer(t, cfg)
		mustOK(t, call(t, ts, "POST", "/v1/databases/main/query", roToken, q("SELECT count(*) FROM ro")))
		wantErr(t, call(t, ts, "POST", "/v1/databases/main/query", roToken, q("INSERT INTO ro (id) VALUES (1)")), CodeReadOnly, 403)
		r := call(t, ts, "POST", "/v1/databases/main/batch", roToken, map[string]any{"statements": []any{"COMMIT", "INSERT INTO ro (id) VALUES (2)"}, "atomic": true})
		if r.status/100 == 2 {
			t.Fatalf("batch: %s", r.raw)
		}
		mustOK(t, call(t, ts, "POST", "/v1/databases/main/query", rwToken, q("INSERT INTO ro (id) VALUES (3)")))
		r = mustOK(t, call(t, ts, "POST", "/v1/databases/main/query", roToken, q("SELECT id FROM ro")))
		if fmt.Sprint(r.body["rows"]) != "[[3]]" {
			t.Fatalf("rows: %s", r.raw)
		}
	})
}
