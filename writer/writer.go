package writer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/polysql/polysql"
	"github.com/polysql/polysql/dialect"
	"github.com/polysql/polysql/internal/bulk"
	"github.com/polysql/polysql/schema"
)

// Errors a writer returns, to test with errors.Is. Failures of a record's
// value match coerce.ErrBadValue as well; failures the engine reports match
// polysql's kinds (polysql.ErrNotNullViolation, ErrUniqueViolation...).
var (
	ErrUnknownTable  = errors.New("unknown table")
	ErrUnknownColumn = errors.New("unknown column")
	ErrNotNull       = errors.New("NULL in a NOT NULL column")
	ErrVisitFailed   = errors.New("visit failed")
	ErrVisitFinal    = errors.New("visit already finalized")
	ErrBufferFull    = errors.New("buffer full of unfinalized visits")
	ErrClosed        = errors.New("writer closed")
	// ErrOutcomeUnknown: the connection was lost during COMMIT on an engine
	// that cannot be asked afterwards whether it committed (MySQL): the
	// visit's records may be in the database. It is not retried, so
	// nothing is written twice; the application decides.
	ErrOutcomeUnknown = errors.New("commit outcome unknown")
	// ErrNotTransactional: the table cannot roll back (a MySQL MyISAM
	// table), so a visit could land partly; the writer refuses it.
	ErrNotTransactional = errors.New("table cannot roll back")
)

// Default settings; each has an Option.
const (
	DefaultFlushInterval     = time.Second
	DefaultBatchRows         = 5000
	DefaultBatchBytes        = 16 << 20
	DefaultMaxBufferedBytes  = 256 << 20
	DefaultIncompleteTable   = "incomplete_visits"
	DefaultIncompleteColumn  = "visit_id"
	DefaultCommitTimeout     = 5 * time.Minute
	transientRetries         = 5
	transientRetryFirstDelay = 50 * time.Millisecond
)

type config struct {
	interval                     time.Duration
	batchRows, batchBytes        int
	maxBuffered                  int
	incompleteTable, incompleteC string
	logger                       *slog.Logger
	commitTimeout                time.Duration
}

// Option configures a Writer.
type Option func(*config)

// WithFlushInterval sets how long a finalized visit may wait before it is
// committed (default 1 s). A batch also commits as soon as it is full.
func WithFlushInterval(d time.Duration) Option { return func(c *config) { c.interval = d } }

// WithBatchSize sets the rows and bytes of finalized visits that make a
// batch commit at once (defaults 5000 rows, 16 MiB). A visit is never split
// between batches, so a batch may exceed them by one visit.
func WithBatchSize(rows, bytes int) Option {
	return func(c *config) { c.batchRows, c.batchBytes = rows, bytes }
}

// WithMaxBufferedBytes caps the bytes of records held in memory (default
// 256 MiB). At the cap, Store waits until a batch commits; when only
// unfinalized visits fill the buffer, waiting cannot help and Store fails
// with ErrBufferFull.
func WithMaxBufferedBytes(n int) Option { return func(c *config) { c.maxBuffered = n } }

// WithIncompleteVisits names the table, and its visit id column, where
// interrupted visits are recorded (default incomplete_visits(visit_id), as
// in OpenWPM's schema).
func WithIncompleteVisits(table, column string) Option {
	return func(c *config) { c.incompleteTable, c.incompleteC = table, column }
}

// WithCommitTimeout bounds how long one batch may take to commit, retries
// included (default 5 min), so a hung connection fails its visits instead
// of stopping the writer.
func WithCommitTimeout(d time.Duration) Option { return func(c *config) { c.commitTimeout = d } }

// WithLogger sets where the writer logs retries and failed visits.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// Writer buffers records and commits them, a whole visit at a time, in
// batches. It is safe for concurrent use.
type Writer struct {
	db  *polysql.DB
	d   dialect.Dialect
	cfg config

	stmts    *bulk.Cache             // INSERTs prepared once, reused by every batch
	schemaMu sync.Mutex              // serializes re-reading the schema
	cat      atomic.Pointer[catalog] // what the last reading found

	mu          sync.Mutex
	open        map[int64]*visit     // visits storing records
	finalized   map[int64]struct{}   // ids already finalized
	ready       []*visit             // finalized, waiting for a batch
	readyRows   int                  // rows in ready
	readyBytes  int                  // bytes in ready
	buffered    int                  // bytes of every record held
	committing  map[*visit]struct{}  // visits the flusher has taken
	waiting     int                  // Stores waiting for space
	closedRes   map[int64]*Result    // visits Close finalized, for a late Finalize
	refused     map[string]time.Time // unknown table names, when last looked up
	space       chan struct{}        // closed when buffered bytes shrink
	closed      bool
	kick        chan struct{}
	stop        chan struct{}
	flusherDone chan struct{}
}

// New returns a writer for db. It reads db's schema once, so tables must
// exist before the writer is made (a table created later is found on first
// use, by reading the schema again).
func New(ctx context.Context, db *polysql.DB, opts ...Option) (*Writer, error) {
	cfg := config{
		interval: DefaultFlushInterval, batchRows: DefaultBatchRows, batchBytes: DefaultBatchBytes,
		maxBuffered: DefaultMaxBufferedBytes, incompleteTable: DefaultIncompleteTable,
		incompleteC: DefaultIncompleteColumn, logger: slog.New(slog.DiscardHandler),
		commitTimeout: DefaultCommitTimeout,
	}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.interval <= 0 || cfg.batchRows <= 0 || cfg.batchBytes <= 0 || cfg.maxBuffered <= 0 || cfg.commitTimeout <= 0 {
		return nil, errors.New("writer: flush interval, batch size, buffer cap and commit timeout must be positive")
	}
	w := &Writer{
		db: db, d: db.Dialect(), cfg: cfg, stmts: bulk.NewCache(),
		open: map[int64]*visit{}, finalized: map[int64]struct{}{}, committing: map[*visit]struct{}{},
		refused: map[string]time.Time{},
		space:   make(chan struct{}), kick: make(chan struct{}, 1),
		stop: make(chan struct{}), flusherDone: make(chan struct{}),
	}
	if err := w.inspect(ctx); err != nil {
		return nil, err
	}
	go w.flusher()
	return w, nil
}

// catalog is the live schema as the writer uses it.
type catalog struct {
	tables map[string]*table // by exact name
	rank   map[string]int    // by table name: parents before children
	read   time.Time
}

// inspect reads the live schema; the caller holds schemaMu or is New.
func (w *Writer) inspect(ctx context.Context) error {
	s, err := schema.Inspect(ctx, w.db)
	if err != nil {
		return fmt.Errorf("writer: reading the schema: %w", err)
	}
	tables := make(map[string]*table, len(s.Tables))
	for _, t := range s.Tables {
		tables[t.Name] = newTable(w.d, t)
	}
	if q := dialect.NonTransactionalTablesQuery(w.d); q != "" {
		rows, err := w.db.QueryContext(ctx, q)
		if err != nil {
			return fmt.Errorf("writer: reading table engines: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var name, engine string
			if err := rows.Scan(&name, &engine); err != nil {
				return fmt.Errorf("writer: reading table engines: %w", err)
			}
			if t := tables[name]; t != nil {
				t.storage = engine
			}
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("writer: reading table engines: %w", err)
		}
	}
	rank := map[string]int{}
	for i, t := range s.DependencyOrder() {
		rank[t.Name] = i
	}
	w.cat.Store(&catalog{tables: tables, rank: rank, read: time.Now()})
	return nil
}

// lookup finds a table by name: exactly, else by case-insensitive match
// when only one table matches. An unknown name reads the schema again, at
// most once a second, for tables created after New.
func (w *Writer) lookup(ctx context.Context, name string) (*table, error) {
	t, err := w.find(ctx, name)
	if err == nil && t.storage != "" {
		return nil, fmt.Errorf("writer: table %s uses the %s storage engine: %w, so a visit could land partly (convert it: ALTER TABLE %s ENGINE=InnoDB)", t.name, t.storage, ErrNotTransactional, t.name)
	}
	return t, err
}

func (w *Writer) find(ctx context.Context, name string) (*table, error) {
	if t := w.cat.Load().tables[name]; t != nil {
		return t, nil
	}
	w.schemaMu.Lock()
	defer w.schemaMu.Unlock()
	for attempt := 0; ; attempt++ {
		cat := w.cat.Load()
		if t := cat.tables[name]; t != nil {
			return t, nil
		}
		var found *table
		if w.d.Capabilities().CaseSensitiveNames {
			cat = &catalog{} // "Events" is not "events" here: no fallback
		}
		for n, t := range cat.tables {
			if dialect.SameName(n, name) {
				if found != nil {
					found = nil
					break
				}
				found = t
			}
		}
		if found != nil {
			return found, nil
		}
		if attempt > 0 || time.Since(w.refused[name]) < time.Second {
			w.refused[name] = time.Now()
			return nil, fmt.Errorf("writer: %w %q (not in %s)", ErrUnknownTable, name, w.db.Location())
		}
		if err := w.inspect(ctx); err != nil {
			return nil, err
		}
		w.refused[name] = time.Now()
	}
}

// visit is one unit of work's records, held until it is finalized and committed.
type visit struct {
	id          int64
	waiters     int // Stores of this visit waiting for space
	records     []*record
	bytes       int
	interrupted bool
	err         error // set when a record failed: nothing of the visit lands
	result      *Result
}

// Result resolves when a finalized visit's records are committed, or have
// failed (none of them landed).
type Result struct {
	VisitID int64
	done    chan struct{}
	err     error
}

func newResult(id int64) *Result { return &Result{VisitID: id, done: make(chan struct{})} }

func (r *Result) resolve(err error) {
	r.err = err
	close(r.done)
}

// Done is closed when the visit is committed or has failed.
func (r *Result) Done() <-chan struct{} { return r.done }

// Err is nil when the visit committed, the reason when it failed; call it
// after Done is closed.
func (r *Result) Err() error {
	select {
	case <-r.done:
		return r.err
	default:
		return errors.New("writer: visit not resolved yet")
	}
}

// Wait waits until the visit is resolved, or ctx ends, and returns Err.
func (r *Result) Wait(ctx context.Context) error {
	select {
	case <-r.done:
		return r.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Store buffers record as a row of table, part of visit visitID. Keys are
// column names; values are converted losslessly for the column (see
// docs/writer.md) or refused. A refused record fails its whole visit: Store
// returns the reason, and the visit's Result reports it when finalized.
// Store waits while the buffer is at its cap.
func (w *Writer) Store(ctx context.Context, tableName string, visitID int64, rec map[string]any) error {
	t, err := w.lookup(ctx, tableName)
	if err == nil {
		var r *record
		if r, err = t.record(rec); err == nil {
			if err = w.add(ctx, visitID, r); err == nil {
				return nil
			}
		}
	}
	if errors.Is(err, ErrClosed) || errors.Is(err, ErrVisitFinal) || errors.Is(err, ErrVisitFailed) {
		return err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return ErrClosed
	}
	if _, done := w.finalized[visitID]; done {
		return fmt.Errorf("writer: visit %d: %w", visitID, ErrVisitFinal)
	}
	v := w.visit(visitID)
	if v.err == nil {
		v.err = fmt.Errorf("writer: visit %d: record %d: %w", visitID, len(v.records)+1, err)
		w.release(v.bytes)
		v.records, v.bytes = nil, 0
	}
	return err
}

// visit returns the open visit id, creating it; w.mu is held.
func (w *Writer) visit(id int64) *visit {
	v := w.open[id]
	if v == nil {
		v = &visit{id: id, result: newResult(id)}
		w.open[id] = v
	}
	return v
}

func (w *Writer) add(ctx context.Context, visitID int64, r *record) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	for {
		if w.closed {
			return ErrClosed
		}
		if _, done := w.finalized[visitID]; done {
			return fmt.Errorf("writer: visit %d: %w", visitID, ErrVisitFinal)
		}
		if w.buffered == 0 || w.buffered+r.size <= w.cfg.maxBuffered {
			break
		}
		v := w.visit(visitID)
		if w.stuck(v) {
			return fmt.Errorf("writer: %w: %d bytes held by %d open visits reach the cap of %d, and every visit holding them is waiting to store more; finalize visits sooner or raise WithMaxBufferedBytes",
				ErrBufferFull, w.buffered, len(w.open), w.cfg.maxBuffered)
		}
		w.nudge()
		space := w.space
		v.waiters++
		w.waiting++
		w.mu.Unlock()
		select {
		case <-space:
		case <-ctx.Done():
			w.mu.Lock()
			v.waiters--
			w.waiting--
			return ctx.Err()
		}
		w.mu.Lock()
		v.waiters--
		w.waiting--
	}
	v := w.visit(visitID)
	if v.err != nil {
		return fmt.Errorf("writer: %w: %w", ErrVisitFailed, v.err)
	}
	r.seq = len(v.records) + 1
	v.records = append(v.records, r)
	v.bytes += r.size
	w.buffered += r.size
	return nil
}

// stuck reports whether waiting for space cannot help a Store into visit
// v: no batch is queued or committing, and every open visit holding
// records (v included) has a Store waiting, so none of them will be
// finalized. Another goroutine's visit that is still storing may be
// finalized, so then Store waits. w.mu is held.
func (w *Writer) stuck(v *visit) bool {
	if len(w.ready) > 0 || len(w.committing) > 0 {
		return false
	}
	for _, o := range w.open {
		if o != v && o.bytes > 0 && o.waiters == 0 {
			return false
		}
	}
	return true
}

// release frees n buffered bytes and wakes Stores waiting for space; w.mu is held.
func (w *Writer) release(n int) {
	if n == 0 {
		return
	}
	w.buffered -= n
	w.wake()
}

// wake wakes every Store waiting for space; w.mu is held.
func (w *Writer) wake() {
	close(w.space)
	w.space = make(chan struct{})
}

// nudge wakes the flusher; w.mu is held or not.
func (w *Writer) nudge() {
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// Finalize ends visit visitID: its records are committed together in the
// next batch, with a row in the incomplete-visits table when interrupted.
// The Result resolves once they are committed, or failed. A visit with no
// records may be finalized (to record an interruption).
func (w *Writer) Finalize(ctx context.Context, visitID int64, interrupted bool) *Result {
	w.mu.Lock()
	defer w.mu.Unlock()
	if r := w.closedRes[visitID]; r != nil {
		return r // Close finalized it (as interrupted): its own Result
	}
	if w.closed {
		r := newResult(visitID)
		r.resolve(ErrClosed)
		return r
	}
	if _, done := w.finalized[visitID]; done {
		r := newResult(visitID)
		r.resolve(fmt.Errorf("writer: visit %d: %w", visitID, ErrVisitFinal))
		return r
	}
	return w.finalize(w.visit(visitID), interrupted)
}

// finalize moves v to the ready queue; w.mu is held.
func (w *Writer) finalize(v *visit, interrupted bool) *Result {
	delete(w.open, v.id)
	w.finalized[v.id] = struct{}{}
	v.interrupted = interrupted
	if v.err != nil {
		v.result.resolve(fmt.Errorf("%w: %w", ErrVisitFailed, v.err))
		return v.result
	}
	w.ready = append(w.ready, v)
	w.readyRows += len(v.records)
	w.readyBytes += v.bytes
	if w.readyRows >= w.cfg.batchRows || w.readyBytes >= w.cfg.batchBytes || w.waiting > 0 {
		w.nudge() // a full batch, or Stores waiting for the space it frees
	}
	return v.result
}

// Flush commits every visit finalized before the call and waits for them.
// It returns the failures among them, joined (each also on its Result).
// Records of visits not finalized stay buffered: a visit lands only whole.
func (w *Writer) Flush(ctx context.Context) error {
	w.mu.Lock()
	waiting := w.pending()
	w.mu.Unlock()
	return w.await(ctx, waiting)
}

// pending lists the finalized visits not yet resolved: queued, and taken
// by the flusher; w.mu is held.
func (w *Writer) pending() []*visit {
	out := slices.Clone(w.ready)
	for v := range w.committing {
		out = append(out, v)
	}
	return out
}

func (w *Writer) await(ctx context.Context, vs []*visit) error {
	w.nudge()
	var errs []error
	for _, v := range vs {
		if err := v.result.Wait(ctx); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Close finalizes every open visit as interrupted (its records land, and
// the interruption is recorded), commits everything, and stops the writer.
// It returns the failures of the visits it committed. After Close, Store
// and Finalize fail with ErrClosed.
func (w *Writer) Close(ctx context.Context) error {
	w.mu.Lock()
	if w.closed { // a second Close waits for the first to finish
		w.mu.Unlock()
		select {
		case <-w.flusherDone:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	var waiting []*visit
	w.closedRes = map[int64]*Result{}
	for _, v := range w.open {
		if len(v.records) > 0 || v.err != nil {
			w.closedRes[v.id] = w.finalize(v, true)
		}
	}
	waiting = w.pending()
	w.closed = true
	w.mu.Unlock()
	err := w.await(ctx, waiting)
	close(w.stop)
	select {
	case <-w.flusherDone:
	case <-ctx.Done():
		return errors.Join(err, ctx.Err())
	}
	return err
}

// flusher commits batches of ready visits: when a batch is full, on the
// interval, and when Flush or Close asks.
func (w *Writer) flusher() {
	defer close(w.flusherDone)
	defer w.stmts.Close() // after the last batch, however Close ended
	ticker := time.NewTicker(w.cfg.interval)
	defer ticker.Stop()
	for {
		select {
		case <-w.kick:
		case <-ticker.C:
		case <-w.stop:
			w.drain()
			return
		}
		w.drain()
	}
}

// drain commits ready visits, a batch at a time, until none is left.
func (w *Writer) drain() {
	for {
		batch := w.take()
		if len(batch) == 0 {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), w.cfg.commitTimeout)
		w.commit(ctx, batch)
		cancel()
		bytes := 0
		for _, v := range batch {
			bytes += v.bytes
			v.records = nil
		}
		w.mu.Lock()
		for _, v := range batch {
			delete(w.committing, v)
		}
		w.release(bytes)
		w.wake() // even with no bytes freed: a waiting Store may now see ErrBufferFull
		w.mu.Unlock()
	}
}

// take removes up to one batch of ready visits from the queue.
func (w *Writer) take() []*visit {
	w.mu.Lock()
	defer w.mu.Unlock()
	rows, bytes, n := 0, 0, 0
	for n < len(w.ready) && (n == 0 || (rows < w.cfg.batchRows && bytes < w.cfg.batchBytes)) {
		rows += len(w.ready[n].records)
		bytes += w.ready[n].bytes
		n++
	}
	batch := slices.Clone(w.ready[:n])
	w.ready = slices.Delete(w.ready, 0, n)
	w.readyRows -= rows
	w.readyBytes -= bytes
	for _, v := range batch {
		w.committing[v] = struct{}{}
	}
	return batch
}

// commit writes visits in one transaction and resolves their Results.
// When the transaction fails for one visit's record, the batch is split
// and retried, so the other visits land and the bad one is named.
func (w *Writer) commit(ctx context.Context, vs []*visit) {
	err := w.writeWithRetry(ctx, vs)
	if err == nil {
		for _, v := range vs {
			v.result.resolve(nil)
		}
		return
	}
	if len(vs) > 1 && !transient(err) && !errors.Is(err, ErrOutcomeUnknown) {
		half := len(vs) / 2
		w.commit(ctx, vs[:half])
		w.commit(ctx, vs[half:])
		return
	}
	if len(vs) == 1 && !transient(err) && !errors.Is(err, ErrOutcomeUnknown) {
		err = w.blame(ctx, vs[0], err)
	}
	for _, v := range vs {
		w.cfg.logger.Error("writer: visit failed", "visit", v.id, "err", err)
		v.result.resolve(fmt.Errorf("writer: %w: visit %d: %w", ErrVisitFailed, v.id, err))
	}
}

// writeWithRetry retries a batch that failed for a passing reason (busy,
// connection lost) before or during a COMMIT known to have rolled back, so
// writing it again neither loses nor doubles a record. A COMMIT whose
// outcome is unknown is not retried.
func (w *Writer) writeWithRetry(ctx context.Context, vs []*visit) error {
	delay := transientRetryFirstDelay
	for attempt := 0; ; attempt++ {
		err := w.write(ctx, vs)
		if errors.Is(err, bulk.ErrOutcomeUnknown) {
			return fmt.Errorf("%w: %w", ErrOutcomeUnknown, err)
		}
		if err == nil || !transient(err) || attempt == transientRetries {
			return err
		}
		w.cfg.logger.Warn("writer: batch failed, retrying", "visits", len(vs), "attempt", attempt+1, "err", err)
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return err
		}
		delay *= 2
	}
}

func transient(err error) bool {
	return errors.Is(err, polysql.ErrBusy) || errors.Is(err, polysql.ErrConnection)
}

// ordered lists vs's records in the order they are written: tables in
// foreign-key order (parents first), and within a table in the order they
// were stored.
func (w *Writer) ordered(vs []*visit) []*record {
	var recs []*record
	for _, v := range vs {
		recs = append(recs, v.records...)
	}
	rank := w.cat.Load().rank
	slices.SortStableFunc(recs, func(a, b *record) int { return rank[a.shape.table.name] - rank[b.shape.table.name] })
	return recs
}

// write inserts vs's records in one transaction. Consecutive records of a
// table with the same columns form one group: one COPY, or a few multi-row
// INSERTs, so records keep their order within a table.
func (w *Writer) write(ctx context.Context, vs []*visit) error {
	var groups []*group
	for _, r := range w.ordered(vs) {
		if n := len(groups); n == 0 || groups[n-1].shape != r.shape {
			groups = append(groups, &group{shape: r.shape})
		}
		g := groups[len(groups)-1]
		g.rows = append(g.rows, r.values)
	}
	var incomplete [][]any
	for _, v := range vs {
		if v.interrupted {
			incomplete = append(incomplete, []any{v.id})
		}
	}
	for _, g := range groups {
		if err := w.stmts.Warm(ctx, w.db, g.shape.table.name, g.shape.names, g.rows); err != nil {
			return err
		}
	}
	return bulk.RunCached(ctx, w.db, w.stmts, func(tx *bulk.Tx) error {
		for _, g := range groups {
			if err := tx.Insert(ctx, g.shape.table.name, g.shape.names, g.rows); err != nil {
				return err
			}
		}
		if len(incomplete) > 0 {
			if err := tx.Insert(ctx, w.cfg.incompleteTable, []string{w.cfg.incompleteC}, incomplete); err != nil {
				return fmt.Errorf("recording interrupted visits in %s(%s): %w", w.cfg.incompleteTable, w.cfg.incompleteC, err)
			}
		}
		return nil
	})
}

type group struct {
	shape *shape
	rows  [][]any
}

// errBlamed stops blame's transaction once the culprit is known.
var errBlamed = errors.New("found")

// blame finds which record of v the engine refuses, inserting them one by
// one, in the order write uses, in a transaction that is always rolled
// back, so the error names it.
func (w *Writer) blame(ctx context.Context, v *visit, batchErr error) error {
	var culprit error
	_ = bulk.Run(ctx, w.db, func(tx *bulk.Tx) error {
		for _, r := range w.ordered([]*visit{v}) {
			if err := tx.Insert(ctx, r.shape.table.name, r.shape.names, [][]any{r.values}); err != nil {
				culprit = fmt.Errorf("record %d (table %s): %w", r.seq, r.shape.table.name, err)
				return errBlamed
			}
		}
		return errBlamed
	})
	if culprit != nil {
		return culprit
	}
	return batchErr
}
