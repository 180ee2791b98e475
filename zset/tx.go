package zset

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/polysql/polysql"
	"github.com/polysql/polysql/dialect"
)

// Delta is a change to one element's weight. Keys are the element's index
// field values, in the collection's field order (a nil any for NULL; a
// Bytes key given as []byte(nil) is the empty key, as nil Data is the
// empty element); they must
// be a function of Data: when the element is already stored, its stored
// keys are kept.
type Delta struct {
	Data   []byte
	Weight int64
	Keys   []any
}

// Row is an element and its weight (never 0) as a read sees it.
type Row struct {
	Data   []byte
	Weight int64
	// Keys are the index field values in canonical form: int64, float64,
	// string, []byte, bool, time.Time (UTC) or nil for NULL.
	Keys []any
	id   []byte
}

// pend is the consolidated pending change of one element.
type pend struct {
	id, data []byte
	w        int64
	keys     []any
}

// Tx is the work of one epoch on the collections it claimed. Apply
// consolidates deltas in memory; reads see the database plus the pending
// deltas; Commit writes them and advances every claimed collection's
// watermark from the expected previous epoch to this one, atomically. A
// Tx is safe for concurrent use, though its reads are not isolated from
// its own concurrent Applies.
type Tx struct {
	s           *Store
	epoch, prev int64
	claimed     []*coll // sorted by table; nil for a read-only view
	readOnly    bool
	// owner is this Tx's lease token: the Store's Owner plus a number
	// unique in the Store, so that two Txs of one Store (worker goroutines,
	// a replay begun after a stall) never mistake each other's lease for
	// their own.
	owner string

	mu      sync.Mutex
	pending map[*coll]map[string]*pend
	done    bool

	// lost is set by the renewal goroutine when the lease was taken over.
	// It has its own lock: Commit holds mu while it waits for that
	// goroutine to end, so the goroutine must never wait for mu.
	lostMu sync.Mutex
	lost   error

	stopRenew func()
	renewWG   sync.WaitGroup
	pause     chan struct{} // tests: closed to stop renewing without releasing
}

// Read returns a read-only view of the committed state: the Tx read
// methods without pending deltas. It holds no lease and needs no Commit.
func (s *Store) Read() *Tx {
	return &Tx{s: s, readOnly: true, done: true}
}

// Epoch returns the epoch the transaction writes.
func (tx *Tx) Epoch() int64 { return tx.epoch }

// Begin claims epoch on the named collections: it waits (honouring ctx)
// until each watermark equals prev and no live writer leases the epoch,
// then takes the lease, so this Tx is the epoch's only writer until it
// commits, rolls back or stops renewing for Options.Lease (a crash). An
// expired lease of a crashed writer is taken over: Begin then replays the
// epoch. It fails with ErrStale when a watermark is already past prev.
func (s *Store) Begin(ctx context.Context, epoch, prev int64, names ...string) (*Tx, error) {
	tx, err := s.newTx(epoch, prev, names)
	if err != nil {
		return nil, err
	}
	for {
		st, err := s.claim(ctx, tx)
		if err != nil {
			return nil, err
		}
		if st == nil {
			tx.startRenewal()
			return tx, nil
		}
		switch {
		case st.t > prev:
			return nil, st.stale(epoch, prev)
		case st.t < prev:
			if err := s.WaitFor(ctx, st.c.Name, prev); err != nil {
				return nil, fmt.Errorf("zset: begin epoch %d: %w", epoch, err)
			}
		default: // leased by a live writer: wait for it to end or expire
			wait := time.Until(time.UnixMicro(st.until)) + time.Millisecond
			wait = max(min(wait, s.opts.Lease), time.Millisecond)
			wake := s.hub.wait(st.c.table)
			timer := time.NewTimer(min(wait, s.opts.PollMax))
			select {
			case <-ctx.Done():
				timer.Stop()
				return nil, fmt.Errorf("zset: begin epoch %d: %s is leased by %s: %w", epoch, st.c.Name, st.owner, ctx.Err())
			case <-wake:
			case <-timer.C:
			}
			timer.Stop()
		}
	}
}

// Abandon advances the named collections' watermarks from prev to epoch
// with nothing written, for an epoch whose writer crashed (its lease
// expired) or will never run. It fails with ErrLeaseHeld while a live
// writer holds the epoch, ErrNotReady before the watermark reaches prev,
// and ErrStale when it is already past prev.
func (s *Store) Abandon(ctx context.Context, epoch, prev int64, names ...string) error {
	tx, err := s.newTx(epoch, prev, names)
	if err != nil {
		return err
	}
	st, err := s.claim(ctx, tx)
	if err != nil {
		return err
	}
	if st != nil {
		switch {
		case st.t > prev:
			return st.stale(epoch, prev)
		case st.t < prev:
			return fmt.Errorf("%w: %s is at %d, abandoning %d needs %d", ErrNotReady, st.c.Name, st.t, epoch, prev)
		}
		return fmt.Errorf("%w: %s epoch %d is leased by %s until %s", ErrLeaseHeld, st.c.Name, st.epoch, st.owner,
			time.UnixMicro(st.until).UTC().Format(time.RFC3339Nano))
	}
	return tx.Commit(ctx)
}

func (s *Store) newTx(epoch, prev int64, names []string) (*Tx, error) {
	if epoch <= prev {
		return nil, fmt.Errorf("zset: epoch %d must be after the previous watermark %d", epoch, prev)
	}
	if len(names) == 0 {
		return nil, errors.New("zset: a transaction claims at least one collection")
	}
	tx := &Tx{s: s, epoch: epoch, prev: prev, owner: s.leaseToken(), pending: map[*coll]map[string]*pend{}, pause: make(chan struct{})}
	for _, n := range names {
		c, err := s.coll(n)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(tx.claimed, c) {
			tx.claimed = append(tx.claimed, c)
		}
	}
	// One order for every writer, so claims and commits never deadlock.
	sort.Slice(tx.claimed, func(i, j int) bool { return tx.claimed[i].table < tx.claimed[j].table })
	return tx, nil
}

// leaseState is a collection's watermark row when a claim failed.
type leaseState struct {
	c            *coll
	t            int64
	owner        string
	epoch, until int64
}

func (st *leaseState) stale(epoch, prev int64) error {
	return fmt.Errorf("%w: %s is at %d, past the expected previous %d (epoch %d)", ErrStale, st.c.Name, st.t, prev, epoch)
}

// claim tries once to lease every claimed collection at tx.prev. It returns
// nil when all are claimed, or the state of the first that is not (and
// then claims none).
func (s *Store) claim(ctx context.Context, tx *Tx) (*leaseState, error) {
	var st *leaseState
	errRefused := errors.New("refused")
	err := s.db.WriteTx(ctx, func(ptx *polysql.Tx) error {
		now := time.Now().UnixMicro()
		until := now + s.opts.Lease.Microseconds()
		for _, c := range tx.claimed {
			res, err := ptx.ExecContext(ctx, "UPDATE "+s.q(s.meta)+" SET lease_owner = ?, lease_epoch = ?, lease_until = ? "+
				"WHERE name = ? AND t = ? AND (lease_owner IS NULL OR lease_until < ?)",
				tx.owner, tx.epoch, until, c.table, tx.prev, now)
			if err != nil {
				return fmt.Errorf("zset: claim %s epoch %d: %w", c.Name, tx.epoch, err)
			}
			if n, err := res.RowsAffected(); err != nil || n != 1 {
				st, err = s.state(ctx, ptx, c)
				if err != nil {
					return err
				}
				return errRefused
			}
		}
		return nil
	})
	if errors.Is(err, errRefused) {
		return st, nil
	}
	return nil, err
}

func (s *Store) state(ctx context.Context, ptx *polysql.Tx, c *coll) (*leaseState, error) {
	st := &leaseState{c: c}
	var owner sql.NullString
	var epoch sql.NullInt64
	err := ptx.QueryRowContext(ctx, "SELECT t, lease_owner, lease_epoch, lease_until FROM "+s.q(s.meta)+" WHERE name = ?", c.table).
		Scan(&st.t, &owner, &epoch, &st.until)
	if err != nil {
		return nil, fmt.Errorf("zset: read watermark of %s: %w", c.Name, err)
	}
	st.owner, st.epoch = owner.String, epoch.Int64
	return st, nil
}

// startRenewal renews the lease every Lease/3 until the Tx ends.
func (tx *Tx) startRenewal() {
	ctx, cancel := context.WithCancel(context.Background())
	tx.stopRenew = cancel
	tx.renewWG.Add(1)
	go func() {
		defer tx.renewWG.Done()
		t := time.NewTicker(tx.s.opts.Lease / 3)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tx.pause:
				return
			case <-t.C:
			}
			if err := tx.renew(ctx); err != nil && ctx.Err() == nil && errors.Is(err, ErrConflict) {
				tx.setLost(err)
				return
			}
		}
	}()
}

func (tx *Tx) setLost(err error) {
	tx.lostMu.Lock()
	defer tx.lostMu.Unlock()
	if tx.lost == nil {
		tx.lost = err
	}
}

func (tx *Tx) lostErr() error {
	tx.lostMu.Lock()
	defer tx.lostMu.Unlock()
	return tx.lost
}

func (tx *Tx) renew(ctx context.Context) error {
	s := tx.s
	until := time.Now().Add(s.opts.Lease).UnixMicro()
	return s.db.WriteTx(ctx, func(ptx *polysql.Tx) error {
		for _, c := range tx.claimed {
			res, err := ptx.ExecContext(ctx, "UPDATE "+s.q(s.meta)+" SET lease_until = ? WHERE name = ? AND lease_owner = ? AND lease_epoch = ? AND t = ?",
				until, c.table, tx.owner, tx.epoch, tx.prev)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil || n != 1 {
				return fmt.Errorf("%w: lease on %s epoch %d was taken over", ErrConflict, c.Name, tx.epoch)
			}
		}
		return nil
	})
}

func (tx *Tx) endRenewal() {
	if tx.stopRenew != nil {
		tx.stopRenew()
		tx.renewWG.Wait()
	}
}

// Apply adds deltas to the collection's pending changes, consolidated by
// identity: weights add up (an int64 overflow is an error), and an element
// whose pending weight returns to 0 is dropped. Nothing is written before
// Commit. On error no delta of the call is applied.
func (tx *Tx) Apply(name string, deltas ...Delta) error {
	c, err := tx.s.coll(name)
	if err != nil {
		return err
	}
	tx.mu.Lock()
	defer tx.mu.Unlock()
	if tx.readOnly || !slices.Contains(tx.claimed, c) {
		return fmt.Errorf("%w: %s (claim it at Begin)", ErrReadOnly, name)
	}
	if tx.done {
		return ErrTxDone
	}
	// Check everything first, so an error leaves the pending set as it was.
	norm := make([][]any, len(deltas))
	for i, dl := range deltas {
		if len(dl.Keys) != len(c.Fields) {
			return fmt.Errorf("zset: %s: delta %d has %d keys, the collection has %d fields", name, i, len(dl.Keys), len(c.Fields))
		}
		norm[i] = make([]any, len(dl.Keys))
		for j, k := range dl.Keys {
			if norm[i][j], err = c.normKey(j, k); err != nil {
				return err
			}
		}
	}
	m := tx.pending[c]
	if m == nil {
		m = map[string]*pend{}
		tx.pending[c] = m
	}
	sums := map[string]int64{}
	for _, dl := range deltas {
		id := string(Identity(dl.Data))
		cur, ok := sums[id]
		if !ok && m[id] != nil {
			cur = m[id].w
		}
		sum, err := addWeights(cur, dl.Weight)
		if err != nil {
			return fmt.Errorf("zset: %s: %w", name, err)
		}
		sums[id] = sum
	}
	for i, dl := range deltas {
		if dl.Weight == 0 {
			continue
		}
		id := Identity(dl.Data)
		p := m[string(id)]
		if p == nil {
			p = &pend{id: bytes.Clone(id), data: bytes.Clone(dl.Data), keys: norm[i]}
			m[string(id)] = p
		}
		p.w = sums[string(id)]
		if p.w == 0 {
			delete(m, string(id))
		}
	}
	return nil
}

func addWeights(a, b int64) (int64, error) {
	s := a + b
	if (a >= 0) == (b >= 0) && (s >= 0) != (a >= 0) {
		return 0, fmt.Errorf("weight overflow: %d + %d", a, b)
	}
	return s, nil
}

// Commit writes every pending delta and advances the claimed collections'
// watermarks from prev to the epoch, in one database transaction: all of
// it or none. The watermark moves by compare-and-swap on (watermark, lease
// owner, epoch), so a Tx whose lease was taken over, or a second commit of
// the same epoch, fails with ErrConflict and writes nothing. Rows whose
// weight reaches 0 are deleted. On another error (the database is down)
// nothing was written and the Tx stays open: Commit again or Roll back.
func (tx *Tx) Commit(ctx context.Context) error {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	if tx.readOnly {
		return ErrReadOnly
	}
	if tx.done {
		return ErrTxDone
	}
	if lost := tx.lostErr(); lost != nil {
		tx.finish()
		return lost
	}
	s := tx.s
	err := s.db.WriteTx(ctx, func(ptx *polysql.Tx) error {
		for _, c := range tx.claimed {
			res, err := ptx.ExecContext(ctx, "UPDATE "+s.q(s.meta)+" SET t = ?, lease_owner = NULL, lease_epoch = NULL, lease_until = 0 "+
				"WHERE name = ? AND t = ? AND lease_owner = ? AND lease_epoch = ?",
				tx.epoch, c.table, tx.prev, tx.owner, tx.epoch)
			if err != nil {
				return fmt.Errorf("zset: advance %s to %d: %w", c.Name, tx.epoch, err)
			}
			if n, err := res.RowsAffected(); err != nil || n != 1 {
				st, err := s.state(ctx, ptx, c)
				if err != nil {
					return err
				}
				if st.t == tx.epoch {
					return fmt.Errorf("%w: %s epoch %d is already committed (by a replay, or by an earlier attempt of this Commit whose outcome was lost); nothing written now",
						ErrConflict, c.Name, tx.epoch)
				}
				return fmt.Errorf("%w: %s epoch %d: watermark %d (expected %d), lease %q epoch %d; nothing written",
					ErrConflict, c.Name, tx.epoch, st.t, tx.prev, st.owner, st.epoch)
			}
		}
		for _, c := range tx.claimed {
			if err := tx.write(ctx, ptx, c); err != nil {
				return err
			}
		}
		if s.notifier != nil {
			for _, c := range tx.claimed {
				if _, err := ptx.Raw().ExecContext(ctx, s.notifier.NotifyQuery(), notifyChannel, c.table+" "+strconv.FormatInt(tx.epoch, 10)); err != nil {
					return fmt.Errorf("zset: notify: %w", s.d.Classify(err))
				}
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, ErrConflict) {
		return err
	}
	tx.finish()
	for _, c := range tx.claimed {
		s.hub.wake(c.table)
	}
	return err
}

// finish ends the Tx: no more renewals, no more pending state.
func (tx *Tx) finish() {
	tx.done = true
	tx.pending = nil
	tx.endRenewal()
}

// Rollback drops the pending deltas and releases the lease, so the next
// writer of the epoch need not wait for it to expire. It is a no-op after
// Commit.
func (tx *Tx) Rollback(ctx context.Context) error {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	if tx.done {
		return nil
	}
	tx.finish()
	s := tx.s
	err := s.db.WriteTx(ctx, func(ptx *polysql.Tx) error {
		for _, c := range tx.claimed {
			if _, err := ptx.ExecContext(ctx, "UPDATE "+s.q(s.meta)+" SET lease_owner = NULL, lease_epoch = NULL, lease_until = 0 "+
				"WHERE name = ? AND lease_owner = ? AND lease_epoch = ?", c.table, tx.owner, tx.epoch); err != nil {
				return err
			}
			if s.notifier != nil { // wake other processes' Begin at once
				if _, err := ptx.Raw().ExecContext(ctx, s.notifier.NotifyQuery(), notifyChannel, c.table+" released"); err != nil {
					return s.d.Classify(err)
				}
			}
		}
		return nil
	})
	for _, c := range tx.claimed {
		s.hub.wake(c.table)
	}
	if err != nil {
		return fmt.Errorf("zset: release lease of epoch %d: %w", tx.epoch, err)
	}
	return nil
}

// write adds the collection's pending weights in multi-row additive
// upserts, then deletes the rows that reached 0.
func (tx *Tx) write(ctx context.Context, ptx *polysql.Tx, c *coll) error {
	m := tx.pending[c]
	if len(m) == 0 {
		return nil
	}
	ps := make([]*pend, 0, len(m))
	for _, p := range m {
		ps = append(ps, p)
	}
	// Identity order: concurrent writers of other collections never matter,
	// and one order keeps lock acquisition predictable.
	sort.Slice(ps, func(i, j int) bool { return bytes.Compare(ps[i].id, ps[j].id) < 0 })
	cols := []string{"id", "data", "c"}
	for _, f := range c.Fields {
		cols = append(cols, column(f))
	}
	per := min(500, tx.s.d.Capabilities().MaxBindParams/len(cols))
	d := tx.s.d
	var stmt string
	stmtRows := 0
	args := make([]any, 0, per*len(cols))
	for start := 0; start < len(ps); start += per {
		batch := ps[start:min(start+per, len(ps))]
		if len(batch) != stmtRows {
			stmt, stmtRows = dialect.UpsertAdd(d, c.phys, cols, []string{"id"}, []string{"c"}, len(batch)), len(batch)
		}
		args = args[:0]
		for _, p := range batch {
			var data any
			if len(p.data) > maxShortID {
				data = p.data
			}
			args = append(args, p.id, data, p.w)
			for i, f := range c.Fields {
				args = append(args, bindKey(f.Kind, p.keys[i]))
			}
		}
		if _, err := ptx.Raw().ExecContext(ctx, stmt, args...); err != nil {
			return fmt.Errorf("zset: write %s: %w", c.Name, d.Classify(err))
		}
	}
	if err := tx.checkLong(ctx, ptx, c, ps); err != nil {
		return err
	}
	for start := 0; start < len(ps); start += 500 {
		batch := ps[start:min(start+500, len(ps))]
		args = args[:0]
		for _, p := range batch {
			args = append(args, p.id)
		}
		q := "DELETE FROM " + d.QuoteIdent(c.phys) + " WHERE c = 0 AND id IN (" + marks(len(batch)) + ")"
		if _, err := ptx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("zset: delete zero weights of %s: %w", c.Name, err)
		}
	}
	return nil
}

// checkLong reads back, inside the commit, the rows of the long elements
// just written and fails with ErrCollision when one holds other bytes than
// the element whose hash is its identity: the additive upsert matches on
// identity alone, so without this a collision (or a row changed behind the
// store's back) would silently add the weight to another element. Short
// elements are their own identity and need no check.
func (tx *Tx) checkLong(ctx context.Context, ptx *polysql.Tx, c *coll, ps []*pend) error {
	var long []*pend
	for _, p := range ps {
		if len(p.data) > maxShortID {
			long = append(long, p)
		}
	}
	for start := 0; start < len(long); start += 500 {
		batch := long[start:min(start+500, len(long))]
		args := make([]any, len(batch))
		want := make(map[string][]byte, len(batch))
		for i, p := range batch {
			args[i] = p.id
			want[string(p.id)] = p.data
		}
		rows, err := ptx.QueryContext(ctx, "SELECT id, data FROM "+tx.s.d.QuoteIdent(c.phys)+" WHERE id IN ("+marks(len(batch))+")", args...)
		if err != nil {
			return fmt.Errorf("zset: check %s: %w", c.Name, err)
		}
		var bad []byte
		for rows.Next() {
			var id, data nullBytes
			if err := rows.Scan(&id, &data); err != nil {
				rows.Close()
				return fmt.Errorf("zset: check %s: %w", c.Name, err)
			}
			if w, ok := want[string(id.b)]; ok && bad == nil && !bytes.Equal(w, data.b) {
				bad = w
			}
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return fmt.Errorf("zset: check %s: %w", c.Name, tx.s.d.Classify(err))
		}
		if bad != nil {
			return collision(c, bad)
		}
	}
	return nil
}

// marks is n comma-separated '?' (rebound by polysql).
func marks(n int) string {
	b := make([]byte, 0, 2*n)
	for i := range n {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '?')
	}
	return string(b)
}
