package zset

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/polysql/polysql"
	"github.com/polysql/polysql/dialect"
)

// Migrate changes a recorded collection to the layout of to (same Name,
// other fields), computing each stored element's new keys with keys(data),
// and records the new fingerprint, so that Open accepts to from then on.
// Weights and the watermark are kept. It is a no-op when the layout is
// already to's, and declares the collection when it is not recorded.
//
// It holds the collection's lease while it works (writers wait, as for an
// epoch) and fails with ErrLeaseHeld while a writer holds it. The rows are
// copied into a new table, invisible until one transaction switches the
// metadata to it; the old table is then dropped. A crash part-way leaves
// the old layout in force (and a stray table, named table-fingerprint,
// that the next Migrate to that layout replaces). The lease is taken only
// on the layout Migrate read, so of concurrent Migrates to one layout one
// copies and the others find the work done (or ErrLeaseHeld meanwhile).
// Stores opened before Migrate keep the old layout: close them and Open
// again.
func Migrate(ctx context.Context, db *polysql.DB, opts Options, to Collection, keys func(data []byte) ([]any, error)) error {
	if err := opts.fill(); err != nil {
		return err
	}
	if err := to.validate(); err != nil {
		return err
	}
	to.Fields = slices.Clone(to.Fields)
	s := &Store{db: db, d: db.Dialect(), opts: opts, meta: opts.Prefix + "_meta", colls: map[string]*coll{}}
	c := newColl(to, opts.Prefix, s.d)
	if err := retryRace(ctx, func() error { return s.createMeta(ctx) }); err != nil {
		return err
	}
	// The lease is taken only on the layout just read (fingerprint and
	// table): a Migrate that read the record before another one switched
	// it must not take the lease afterwards and "replace" the live table.
	owner := s.leaseToken()
	var rec record
	for {
		var err error
		if rec, err = s.recorded(ctx, c); err != nil {
			return err
		}
		switch rec.fp {
		case "":
			return retryRace(ctx, func() error { return s.declare(ctx, c) })
		case c.Fingerprint():
			return nil
		}
		// Lease the collection, as a writer leases an epoch (epoch -1 marks
		// a migration), and keep the lease alive while copying.
		now := time.Now().UnixMicro()
		res, err := db.ExecContext(ctx, "UPDATE "+s.q(s.meta)+" SET lease_owner = ?, lease_epoch = -1, lease_until = ? "+
			"WHERE name = ? AND fingerprint = ? AND tbl = ? AND (lease_owner IS NULL OR lease_until < ?)",
			owner, now+opts.Lease.Microseconds(), c.table, rec.fp, rec.tbl, now)
		if err != nil {
			return fmt.Errorf("zset: migrate %s: lease: %w", to.Name, err)
		}
		if n, err := res.RowsAffected(); err == nil && n == 1 {
			break
		}
		again, err := s.recorded(ctx, c)
		if err != nil {
			return err
		}
		if again == rec { // the same layout, leased by someone else
			return fmt.Errorf("%w: cannot migrate %s while it is being written", ErrLeaseHeld, to.Name)
		}
		// The record changed under us (another Migrate finished): look again.
	}
	done := false
	defer func() {
		if !done {
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			_, _ = db.ExecContext(rctx, "UPDATE "+s.q(s.meta)+" SET lease_owner = NULL, lease_epoch = NULL, lease_until = 0 "+
				"WHERE name = ? AND lease_owner = ? AND lease_epoch = -1", c.table, owner)
		}
	}()
	rctx, stop := context.WithCancel(ctx)
	renewed := make(chan struct{})
	go func() {
		defer close(renewed)
		t := time.NewTicker(opts.Lease / 3)
		defer t.Stop()
		for {
			select {
			case <-rctx.Done():
				return
			case <-t.C:
				_, _ = db.ExecContext(rctx, "UPDATE "+s.q(s.meta)+" SET lease_until = ? WHERE name = ? AND lease_owner = ? AND lease_epoch = -1",
					time.Now().Add(opts.Lease).UnixMicro(), c.table, owner)
			}
		}
	}()
	defer func() { stop(); <-renewed }()

	// The new table is named for the new layout, with a "-" no collection's
	// table has, so a stray one from a crashed attempt at the same
	// migration is replaced, not reused, and no other collection's table is
	// ever taken for one.
	c.phys = migratedName(c.table, c.Fingerprint())
	if c.phys == rec.tbl {
		return fmt.Errorf("zset: migrate %s: the new table %s is the live one (fingerprint prefix collision)", to.Name, c.phys)
	}
	if _, err := db.ExecContext(ctx, "DROP TABLE IF EXISTS "+s.q(c.phys)); err != nil {
		return fmt.Errorf("zset: migrate %s: %w", to.Name, err)
	}
	if err := s.createTable(ctx, c); err != nil {
		return err
	}
	if err := s.copyRows(ctx, c, rec.tbl, owner, keys); err != nil {
		return err
	}
	err := db.WriteTx(ctx, func(tx *polysql.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE "+s.q(s.meta)+" SET tbl = ?, fingerprint = ?, spec = ?, lease_owner = NULL, lease_epoch = NULL, lease_until = 0 "+
			"WHERE name = ? AND lease_owner = ? AND lease_epoch = -1", c.phys, c.Fingerprint(), c.spec(), c.table, owner)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return fmt.Errorf("%w: migration lease on %s was lost (a lease shorter than the copy?)", ErrConflict, to.Name)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("zset: migrate %s: %w", to.Name, err)
	}
	done = true
	s.hub.wakeAll()
	if _, err := db.ExecContext(ctx, "DROP TABLE IF EXISTS "+s.q(rec.tbl)); err != nil {
		return fmt.Errorf("zset: migrated %s; dropping the old table %s failed: %w", to.Name, rec.tbl, err)
	}
	return nil
}

// copyRows copies every row of table from into c's table, with keys
// computed from each element, page by page in identity order (no read is
// open while writing: an in-memory SQLite database has one connection).
//
// Each page is written in a transaction that first renews the migration
// lease owner: once another process has taken the lease over (this one
// stalled past it), the write fails instead of adding rows to the table
// the other one is filling.
func (s *Store) copyRows(ctx context.Context, c *coll, from, owner string, keys func([]byte) ([]any, error)) error {
	const page = 500
	cols := []string{"id", "data", "c"}
	for _, f := range c.Fields {
		cols = append(cols, column(f))
	}
	var after []byte
	for {
		q := "SELECT id, data, c FROM " + s.q(from)
		var args []any
		if after != nil {
			q += " WHERE id > ?"
			args = append(args, after)
		}
		q += fmt.Sprintf(" ORDER BY id LIMIT %d", page)
		rows, err := s.db.QueryContext(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("zset: migrate %s: read %s: %w", c.Name, from, err)
		}
		var batch []any
		n := 0
		for rows.Next() {
			var id, data nullBytes
			var w int64
			if err := rows.Scan(&id, &data, &w); err != nil {
				rows.Close()
				return fmt.Errorf("zset: migrate %s: %w", c.Name, err)
			}
			if id.b == nil {
				id.b = []byte{}
			}
			elem := id.b
			if data.valid {
				elem = data.b
			}
			ks, err := keys(elem)
			if err == nil && len(ks) != len(c.Fields) {
				err = fmt.Errorf("%d keys for %d fields", len(ks), len(c.Fields))
			}
			for i := 0; err == nil && i < len(ks); i++ {
				ks[i], err = c.normKey(i, ks[i])
			}
			if err != nil {
				rows.Close()
				return fmt.Errorf("zset: migrate %s: keys of a %d-byte element: %w", c.Name, len(elem), err)
			}
			var dataArg any
			if data.valid {
				dataArg = data.b
			}
			batch = append(batch, id.b, dataArg, w)
			for i, f := range c.Fields {
				batch = append(batch, bindKey(f.Kind, ks[i]))
			}
			after = id.b
			n++
		}
		err = errors.Join(rows.Err(), rows.Close())
		if err != nil {
			return fmt.Errorf("zset: migrate %s: read %s: %w", c.Name, from, s.d.Classify(err))
		}
		if n == 0 {
			return nil
		}
		err = s.db.WriteTx(ctx, func(tx *polysql.Tx) error {
			res, err := tx.ExecContext(ctx, "UPDATE "+s.q(s.meta)+" SET lease_until = ? WHERE name = ? AND lease_owner = ? AND lease_epoch = -1",
				time.Now().Add(s.opts.Lease).UnixMicro(), c.table, owner)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil || n != 1 {
				return fmt.Errorf("%w: migration lease on %s was taken over", ErrConflict, c.Name)
			}
			_, err = tx.Raw().ExecContext(ctx, dialect.UpsertAdd(s.d, c.phys, cols, []string{"id"}, []string{"c"}, n), batch...)
			return s.d.Classify(err)
		})
		if err != nil {
			return fmt.Errorf("zset: migrate %s: write: %w", c.Name, err)
		}
		if n < page {
			return nil
		}
	}
}
