package zset

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/polysql/polysql"
	"github.com/polysql/polysql/dialect"
)

// Options tune a Store. The zero value is usable.
type Options struct {
	// Prefix starts every table name: collection tables are Prefix+Name,
	// the metadata table Prefix+"_meta". Default "zset_". [a-z][a-z0-9_]*,
	// at most 20 bytes.
	Prefix string
	// Lease is how long a claimed epoch stays claimed without renewal. A
	// live Tx renews it every Lease/3; after a crash, others wait at most
	// this long before they may replay or abandon the epoch. Default 30 s;
	// at least 1 ms.
	// Writers' clocks must agree to well within it.
	Lease time.Duration
	// PollMax caps the polling interval of WaitFor where nothing notifies
	// across processes (SQLite, MySQL/MariaDB): it backs off from 1 ms to
	// this. Default 200 ms. Commits in this process wake waiters at once.
	PollMax time.Duration
	// Owner names this process in leases, for diagnostics; each Tx's lease
	// is Owner (cut to 100 bytes) plus "#" and a number unique in the
	// Store, so leases tell Txs apart, not only processes. Default
	// host/pid/random.
	Owner string
}

func (o *Options) fill() error {
	if o.Prefix == "" {
		o.Prefix = "zset_"
	}
	if !validName(o.Prefix) || len(o.Prefix) > 20 {
		return fmt.Errorf("zset: prefix %q: want [a-z][a-z0-9_]*, at most 20 bytes", o.Prefix)
	}
	if o.Lease <= 0 {
		o.Lease = 30 * time.Second
	}
	// Leases are stored in microseconds and renewed every Lease/3: a
	// shorter one would expire as it is taken (or stop the ticker).
	o.Lease = max(o.Lease, time.Millisecond)
	if o.PollMax <= 0 {
		o.PollMax = 200 * time.Millisecond
	}
	if o.Owner == "" {
		host, _ := os.Hostname()
		var b [4]byte
		_, _ = rand.Read(b[:])
		o.Owner = fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b[:]))
	}
	if len(o.Owner) > 128 {
		o.Owner = o.Owner[:128]
	}
	return nil
}

// listenPoll is WaitFor's polling cap while a PostgreSQL LISTEN connection
// is up: a safety net only, notifications do the work.
const listenPoll = 5 * time.Second

// notifyChannel is the LISTEN/NOTIFY channel; payloads name the table.
const notifyChannel = "polysql_zset"

// Store is a set of collections in one database. It is safe for
// concurrent use; Close it to stop its background listener.
type Store struct {
	db    *polysql.DB
	d     dialect.Dialect
	opts  Options
	meta  string // metadata table
	colls map[string]*coll

	hub       hub
	notifier  dialect.Notifier
	listening atomic.Bool
	notified  atomic.Int64  // notifications received (tests)
	leases    atomic.Uint64 // lease tokens handed out
	cancel    context.CancelFunc
	wg        sync.WaitGroup
}

// Open declares collections on db: it creates the metadata table and each
// collection's table and indexes when they are missing, records each
// collection's fingerprint and initial watermark 0, and fails with
// ErrSchemaMismatch when a collection already exists with another layout.
// Opening again, from any number of processes at once, is harmless.
func Open(ctx context.Context, db *polysql.DB, opts Options, colls ...Collection) (*Store, error) {
	if err := opts.fill(); err != nil {
		return nil, err
	}
	s := &Store{db: db, d: db.Dialect(), opts: opts, meta: opts.Prefix + "_meta", colls: map[string]*coll{}}
	for _, c := range colls {
		if err := c.validate(); err != nil {
			return nil, err
		}
		if s.colls[c.Name] != nil {
			return nil, fmt.Errorf("zset: collection %s declared twice", c.Name)
		}
		c.Fields = slices.Clone(c.Fields)
		s.colls[c.Name] = newColl(c, opts.Prefix, s.d)
	}
	if err := retryRace(ctx, func() error { return s.createMeta(ctx) }); err != nil {
		return nil, err
	}
	for _, name := range s.names() {
		c := s.colls[name]
		if err := retryRace(ctx, func() error { return s.declare(ctx, c) }); err != nil {
			return nil, err
		}
	}
	ctx2, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.cancel = cancel
	if n, ok := dialect.NotifierOf(s.d); ok {
		s.notifier = n
		s.wg.Add(1)
		go s.listen(ctx2)
	}
	return s, nil
}

// retryRace retries op a few times when it loses a race with another
// process creating the same objects (PostgreSQL reports a concurrent
// CREATE TABLE IF NOT EXISTS as a unique violation in its catalog).
func retryRace(ctx context.Context, op func() error) error {
	var err error
	for range 5 {
		if err = op(); err == nil || !errors.Is(err, polysql.ErrUniqueViolation) || ctx.Err() != nil {
			return err
		}
	}
	return err
}

// leaseToken returns a lease owner unique to one Tx (or Migrate) of this
// Store: Options.Owner, which names the process in diagnostics, plus a
// sequence number. A lease identified by the process alone would let a
// stalled Tx commit over the replay begun through the same Store.
func (s *Store) leaseToken() string {
	owner := s.opts.Owner
	if len(owner) > 100 { // the column holds 128
		owner = owner[:100]
	}
	return owner + "#" + strconv.FormatUint(s.leases.Add(1), 10)
}

// Close stops the background listener. It does not close the database.
func (s *Store) Close() error {
	s.cancel()
	s.wg.Wait()
	return nil
}

// DB returns the database the store lives in.
func (s *Store) DB() *polysql.DB { return s.db }

// Collections returns the declared collections, by name.
func (s *Store) Collections() []Collection {
	var out []Collection
	for _, n := range s.names() {
		out = append(out, s.colls[n].Collection)
	}
	return out
}

func (s *Store) names() []string {
	names := make([]string, 0, len(s.colls))
	for n := range s.colls {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

func (s *Store) coll(name string) (*coll, error) {
	c := s.colls[name]
	if c == nil {
		return nil, fmt.Errorf("%w %q", ErrUnknownCollection, name)
	}
	return c, nil
}

func (s *Store) q(name string) string { return s.d.QuoteIdent(name) }

func (s *Store) createMeta(ctx context.Context) error {
	tm := s.d.Types()
	nameT, err := tm.Native(dialect.Type{Kind: dialect.KindText, Length: 64}, dialect.ColumnUse{Keyed: true, KeyLength: 64})
	if err != nil {
		return err
	}
	textT, _ := tm.Native(dialect.Type{Kind: dialect.KindText}, dialect.ColumnUse{})
	ownerT, _ := tm.Native(dialect.Type{Kind: dialect.KindText, Length: 128}, dialect.ColumnUse{})
	intT, _ := tm.Native(dialect.Type{Kind: dialect.KindInteger}, dialect.ColumnUse{})
	q := fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s (name %s NOT NULL PRIMARY KEY, tbl %s NOT NULL, fingerprint %s NOT NULL, spec %s NOT NULL, "+
		"t %s NOT NULL, lease_owner %s, lease_epoch %s, lease_until %s NOT NULL)",
		s.q(s.meta), nameT, ownerT, textT, textT, intT, ownerT, intT, intT)
	if opts := s.d.TableOptions(false, false); opts != "" {
		q += " " + opts
	}
	if _, err := s.db.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("zset: create %s: %w", s.meta, err)
	}
	return nil
}

// record is a collection's row in the metadata table.
type record struct {
	fp, spec, tbl string // fp is "" when the collection is not recorded
}

// recorded returns a collection's recorded layout and table.
func (s *Store) recorded(ctx context.Context, c *coll) (record, error) {
	var r record
	err := s.db.QueryRowContext(ctx, "SELECT fingerprint, spec, tbl FROM "+s.q(s.meta)+" WHERE name = ?", c.table).Scan(&r.fp, &r.spec, &r.tbl)
	if errors.Is(err, sql.ErrNoRows) {
		return record{}, nil
	}
	if err != nil {
		return record{}, fmt.Errorf("zset: read metadata of %s: %w", c.Name, err)
	}
	return r, nil
}

func (s *Store) declare(ctx context.Context, c *coll) error {
	r, err := s.recorded(ctx, c)
	if err != nil {
		return err
	}
	if r.fp == "" {
		if err := s.createTable(ctx, c); err != nil {
			return err
		}
		// The table may predate this Open: made by a process that declared
		// another layout and crashed before recording it, or lost the race
		// for the record. Recording this layout over it would make reads in
		// a Tx disagree with the engine, so it is checked first.
		if err := s.checkTable(ctx, c); err != nil {
			return err
		}
		ins := s.d.Upsert(s.meta, []string{"name", "tbl", "fingerprint", "spec", "t", "lease_owner", "lease_epoch", "lease_until"}, []string{"name"}, nil)
		if _, err := s.db.Writer().ExecContext(ctx, ins, c.table, c.phys, c.Fingerprint(), c.spec(), int64(0), nil, nil, int64(0)); err != nil {
			return fmt.Errorf("zset: record %s: %w", c.Name, s.d.Classify(err))
		}
		// Another process may have recorded it first, with another layout.
		if r, err = s.recorded(ctx, c); err != nil {
			return err
		}
	}
	if r.fp != c.Fingerprint() {
		return fmt.Errorf("%w: collection %s is recorded as %q, declared as %q (see Migrate)", ErrSchemaMismatch, c.Name, r.spec, c.spec())
	}
	c.phys = r.tbl
	return nil
}

// checkTable compares the collection's table, as the catalog describes
// it, with a scratch table made from the declared layout by the same DDL
// (so both are described in the engine's own words): columns (name, type,
// NOT NULL, collation), primary key, CHECKs, table options and the field
// indexes (columns and directions; names aside). A difference is
// ErrSchemaMismatch. The scratch table is dropped at once.
func (s *Store) checkTable(ctx context.Context, c *coll) error {
	var rb [4]byte
	_, _ = rand.Read(rb[:])
	scratch := *c
	scratch.phys = markedName(c.table, "-check-", hex.EncodeToString(rb[:]))
	table, indexes, err := scratch.ddl(false)
	if err != nil {
		return err
	}
	defer func() {
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		_, _ = s.db.ExecContext(dctx, "DROP TABLE IF EXISTS "+s.q(scratch.phys))
	}()
	for _, q := range append([]string{table}, indexes...) {
		if _, err := s.db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("zset: check the table of %s: %w", c.Name, err)
		}
	}
	cat, err := s.d.Inspect(ctx, s.db.Reader())
	if err != nil {
		return fmt.Errorf("zset: check the table of %s: read catalog: %w", c.Name, err)
	}
	var found, want *dialect.CatalogTable
	for i := range cat.Tables {
		switch {
		case strings.EqualFold(cat.Tables[i].Name, c.phys):
			found = &cat.Tables[i]
		case strings.EqualFold(cat.Tables[i].Name, scratch.phys):
			want = &cat.Tables[i]
		}
	}
	if found == nil || want == nil {
		return fmt.Errorf("zset: check the table of %s: %s or %s missing from the catalog", c.Name, c.phys, scratch.phys)
	}
	if why := tableDiff(found, want); why != "" {
		return fmt.Errorf("%w: collection %s: table %s exists with another layout than the declared %q (%s); drop it or declare its layout",
			ErrSchemaMismatch, c.Name, c.phys, c.spec(), why)
	}
	return nil
}

// tableDiff says how table got differs from table want, or "" when it
// does not in anything the store relies on.
func tableDiff(got, want *dialect.CatalogTable) string {
	if len(got.Columns) != len(want.Columns) {
		return fmt.Sprintf("%d columns, want %d", len(got.Columns), len(want.Columns))
	}
	for i, g := range got.Columns {
		w := want.Columns[i]
		if !strings.EqualFold(g.Name, w.Name) || !strings.EqualFold(g.Type, w.Type) || g.NotNull != w.NotNull || !strings.EqualFold(g.Collation, w.Collation) {
			return fmt.Sprintf("column %d is %s %s (not null %v, collation %q), want %s %s (not null %v, collation %q)",
				i+1, g.Name, g.Type, g.NotNull, g.Collation, w.Name, w.Type, w.NotNull, w.Collation)
		}
	}
	if !slices.EqualFunc(got.PrimaryKey, want.PrimaryKey, strings.EqualFold) {
		return fmt.Sprintf("primary key %v, want %v", got.PrimaryKey, want.PrimaryKey)
	}
	if got.Strict != want.Strict || got.WithoutRowID != want.WithoutRowID {
		return "other table options"
	}
	checks := func(t *dialect.CatalogTable) []string {
		var out []string
		for _, ch := range t.Checks {
			out = append(out, strings.ToLower(ch.Expr))
		}
		slices.Sort(out)
		return out
	}
	if g, w := checks(got), checks(want); !slices.Equal(g, w) {
		return fmt.Sprintf("checks %q, want %q", g, w)
	}
	sig := func(ix dialect.CatalogIndex) string {
		var b strings.Builder
		fmt.Fprintf(&b, "unique=%v where=%q", ix.Unique, ix.Where)
		for _, col := range ix.Columns {
			fmt.Fprintf(&b, " %s/%s/%v", strings.ToLower(col.Name), col.Expr, col.Desc)
		}
		return b.String()
	}
	have := map[string]bool{}
	for _, ix := range got.Indexes {
		have[sig(ix)] = true
	}
	for _, ix := range want.Indexes {
		if !have[sig(ix)] {
			return "an index on " + sig(ix) + " is missing"
		}
	}
	return ""
}

// createTable creates the collection's table and indexes when missing. On
// engines without CREATE INDEX IF NOT EXISTS it asks the catalog first.
func (s *Store) createTable(ctx context.Context, c *coll) error {
	table, indexes, err := c.ddl(true)
	if err != nil {
		return err
	}
	if _, err := s.db.ExecContext(ctx, table); err != nil {
		return fmt.Errorf("zset: create table for %s: %w", c.Name, err)
	}
	have := map[string]bool{}
	if !s.d.Capabilities().IndexIfNotExists {
		cat, err := s.d.Inspect(ctx, s.db.Reader())
		if err != nil {
			return fmt.Errorf("zset: read catalog: %w", err)
		}
		for _, t := range cat.Tables {
			if strings.EqualFold(t.Name, c.phys) {
				for _, ix := range t.Indexes {
					have[strings.ToLower(ix.Name)] = true
				}
			}
		}
	}
	for i, q := range indexes {
		if have[strings.ToLower(c.indexName(c.Fields[i]))] {
			continue
		}
		if _, err := s.db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("zset: create index for %s.%s: %w", c.Name, c.Fields[i].Name, err)
		}
	}
	return nil
}

// Watermark returns the collection's watermark: the last epoch committed
// (or abandoned). It starts at 0.
func (s *Store) Watermark(ctx context.Context, name string) (int64, error) {
	c, err := s.coll(name)
	if err != nil {
		return 0, err
	}
	var t int64
	if err := s.db.QueryRowContext(ctx, "SELECT t FROM "+s.q(s.meta)+" WHERE name = ?", c.table).Scan(&t); err != nil {
		return 0, fmt.Errorf("zset: watermark of %s: %w", name, err)
	}
	return t, nil
}

// WaitFor returns when the collection's watermark is at least t, or with
// ctx's error when ctx ends first. Commits through this Store wake it at
// once; on PostgreSQL so do other processes' commits (LISTEN/NOTIFY);
// elsewhere it polls with exponential backoff capped at Options.PollMax.
func (s *Store) WaitFor(ctx context.Context, name string, t int64) error {
	c, err := s.coll(name)
	if err != nil {
		return err
	}
	backoff := time.Millisecond
	for {
		wake := s.hub.wait(c.table)
		wm, err := s.Watermark(ctx, name)
		if err != nil {
			return err
		}
		if wm >= t {
			return nil
		}
		limit := s.opts.PollMax
		if s.listening.Load() {
			limit = listenPoll
		}
		backoff = min(backoff, limit)
		timer := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			timer.Stop()
			return fmt.Errorf("zset: wait for %s to reach %d (at %d): %w", name, t, wm, ctx.Err())
		case <-wake:
		case <-timer.C:
		}
		timer.Stop()
		backoff *= 2
	}
}

// listen holds one PostgreSQL connection LISTENing for commits of other
// processes and wakes this process's waiters; it reconnects on failure.
func (s *Store) listen(ctx context.Context) {
	defer s.wg.Done()
	retry := 100 * time.Millisecond
	for ctx.Err() == nil {
		_ = s.db.PgxConn(ctx, func(c *pgx.Conn) error {
			if _, err := c.Exec(ctx, s.notifier.ListenStatement(notifyChannel)); err != nil {
				return err
			}
			s.listening.Store(true)
			defer func() {
				s.listening.Store(false)
				uctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
				defer cancel()
				_, _ = c.Exec(uctx, s.notifier.UnlistenAllStatement())
			}()
			s.hub.wakeAll() // commits may have been missed while not listening
			retry = 100 * time.Millisecond
			for {
				n, err := c.WaitForNotification(ctx)
				if err != nil {
					return err
				}
				table, _, _ := strings.Cut(n.Payload, " ")
				s.notified.Add(1)
				s.hub.wake(table)
			}
		})
		s.hub.wakeAll()
		select {
		case <-ctx.Done():
		case <-time.After(retry):
		}
		retry = min(retry*2, 5*time.Second)
	}
}

// hub wakes goroutines waiting on a table's watermark: wait returns a
// channel that wake closes.
type hub struct {
	mu sync.Mutex
	ch map[string]chan struct{}
}

func (h *hub) wait(table string) <-chan struct{} {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.ch == nil {
		h.ch = map[string]chan struct{}{}
	}
	c := h.ch[table]
	if c == nil {
		c = make(chan struct{})
		h.ch[table] = c
	}
	return c
}

func (h *hub) wake(table string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if c := h.ch[table]; c != nil {
		close(c)
		delete(h.ch, table)
	}
}

func (h *hub) wakeAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for t, c := range h.ch {
		close(c)
		delete(h.ch, t)
	}
}
