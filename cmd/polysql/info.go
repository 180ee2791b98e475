package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"strconv"

	"github.com/polysql/polysql/schema"
)

func init() { register(infoCmd) }

var infoCmd = &command{
	name:    "info",
	usage:   "info [--url URL] [--json]",
	summary: "show engine, server version, location and tables with row counts",
	help: `Connects to the database and shows what it is: the engine, the server's
version, where the data lives (a file path, or host:port/database), SQLite's
journal mode, any notices polysql raised while opening it (a journal-mode
fallback on a network filesystem, say), and every table with its row count.

The URL is shown with its password redacted. --json prints one JSON object
with the keys url, engine, flavor (omitted unless "mariadb"), server_version,
location, journal_mode (SQLite only), notices and tables ([{"name", "rows"}],
null when they could not be listed: the exit status is then 2).`,
	examples: []string{
		"polysql info",
		"polysql info --url sqlite:///app.db",
		"polysql info --url 'postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable' --json",
		"POLYSQL_URL=mysql://root@127.0.0.1:3306/test polysql info",
	},
	flags: func(fs *flag.FlagSet) {
		fs.String("url", "", urlFlagHelp)
		fs.Bool("json", false, "print one JSON object instead of text")
	},
	run: runInfo,
}

type infoTable struct {
	Name string `json:"name"`
	Rows int64  `json:"rows"`
}

type infoReport struct {
	URL           string      `json:"url"`
	Engine        string      `json:"engine"`
	Flavor        string      `json:"flavor,omitempty"`
	ServerVersion string      `json:"server_version"`
	Location      string      `json:"location"`
	JournalMode   string      `json:"journal_mode,omitempty"`
	Notices       []string    `json:"notices"`
	Tables        []infoTable `json:"tables"`
}

func runInfo(ctx context.Context, e *env, c *command, args []string) int {
	fs, code, ok := e.parseFlags(c, args)
	if !ok {
		return code
	}
	rawURL := flagString(fs, "url")
	asJSON := flagBool(fs, "json")

	db, err := e.open(ctx, rawURL)
	if err != nil {
		return e.fail(c, rawURL, err)
	}
	defer db.Close()

	version, err := db.ServerVersion(ctx)
	if err != nil {
		return e.fail(c, rawURL, fmt.Errorf("server version: %w", err))
	}
	r := infoReport{
		URL:           db.URL(),
		Engine:        string(db.Engine()),
		ServerVersion: version,
		Location:      db.Location(),
		JournalMode:   db.JournalMode(),
		Notices:       db.Notices(),
		Tables:        []infoTable{},
	}
	if r.Notices == nil {
		r.Notices = []string{}
	}
	if db.Dialect().Flavor().MariaDB {
		r.Flavor = "mariadb"
	}
	// The tables come from the schema package; rows are counted here, with
	// names quoted by the dialect.
	var tablesErr error
	if s, err := schema.Inspect(ctx, db); err != nil {
		tablesErr = err
	} else {
		for _, t := range s.Tables {
			var n int64
			q := "SELECT COUNT(*) FROM " + db.Dialect().QuoteIdent(t.Name)
			if err := db.QueryRowContext(ctx, q).Scan(&n); err != nil {
				tablesErr = errors.Join(tablesErr, fmt.Errorf("count rows of %s: %w", t.Name, err))
				continue
			}
			r.Tables = append(r.Tables, infoTable{Name: t.Name, Rows: n})
		}
	}

	if tablesErr != nil {
		r.Tables = nil // unknown, not empty
	}
	if asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(r); err != nil {
			return e.fail(c, rawURL, err)
		}
	} else {
		printInfo(e, r, tablesErr != nil)
	}
	if tablesErr != nil {
		return e.fail(c, rawURL, fmt.Errorf("tables: %w", tablesErr))
	}
	return exitOK
}

func printInfo(e *env, r infoReport, tablesUnknown bool) {
	w := e.stdout
	engine := r.Engine
	if r.Flavor != "" {
		engine += " (" + r.Flavor + ")"
	}
	fmt.Fprintf(w, "url:            %s\n", r.URL)
	fmt.Fprintf(w, "engine:         %s\n", engine)
	fmt.Fprintf(w, "server version: %s\n", r.ServerVersion)
	fmt.Fprintf(w, "location:       %s\n", r.Location)
	if r.JournalMode != "" {
		fmt.Fprintf(w, "journal mode:   %s\n", r.JournalMode)
	}
	if len(r.Notices) == 0 {
		fmt.Fprintf(w, "notices:        none\n")
	} else {
		fmt.Fprintf(w, "notices:\n")
		for _, n := range r.Notices {
			fmt.Fprintf(w, "  - %s\n", n)
		}
	}
	if tablesUnknown {
		fmt.Fprintf(w, "tables:         unknown (see the error below)\n")
		return
	}
	fmt.Fprintf(w, "tables:         %d\n", len(r.Tables))
	if len(r.Tables) == 0 {
		return
	}
	t := &textTable{rightAlign: []bool{false, true}}
	t.add("  NAME", "ROWS")
	for _, tb := range r.Tables {
		t.add("  "+tb.Name, strconv.FormatInt(tb.Rows, 10))
	}
	t.write(w)
}
