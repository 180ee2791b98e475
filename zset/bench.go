package zset

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"slices"
	"time"

	"github.com/polysql/polysql"
	"github.com/polysql/polysql/dialect"
)

// BenchOptions size Bench's workload. Zero fields take the defaults.
type BenchOptions struct {
	Elements int    // distinct elements (default 10000), one initial row each
	Epochs   int    // timed epochs (default 5)
	Deltas   int    // deltas per epoch (default 2000)
	Lookups  int    // index lookups, each one key (default 2000)
	Batch    int    // keys per zset Lookup call in the batched run (default 64)
	Seed     uint64 // workload seed (default 1)
	// Progress, when set, is told what runs next.
	Progress func(stage string)
}

// BenchResult is what Bench measured, the naive way and zset's side by side.
type BenchResult struct {
	Engine   string `json:"engine"`
	Version  string `json:"server_version"`
	Elements int    `json:"elements"`
	Epochs   int    `json:"epochs"`
	Deltas   int    `json:"deltas_per_epoch"`
	Lookups  int    `json:"lookups"`
	Batch    int    `json:"lookup_batch"`
	// Deltas applied per second: the naive way (per delta, an additive
	// upsert then a delete of the row if its weight reached 0, one database
	// transaction per epoch) and zset's (Apply consolidates, Commit writes
	// multi-row upserts and one delete per 500 rows, and moves the watermark).
	NaiveDeltasPerSec float64 `json:"naive_deltas_per_sec"`
	ZsetDeltasPerSec  float64 `json:"zset_deltas_per_sec"`
	DeltaRatio        float64 `json:"delta_ratio"`
	// Index lookups (keys looked up) per second: one SELECT per key, zset's
	// Lookup with one key per call, and with Batch keys per call.
	NaiveLookupsPerSec   float64 `json:"naive_lookups_per_sec"`
	ZsetLookupsPerSec    float64 `json:"zset_lookups_per_sec"`
	ZsetBatchLookupsPerS float64 `json:"zset_batch_lookups_per_sec"`
	LookupRatio          float64 `json:"lookup_ratio"`
	BatchLookupRatio     float64 `json:"batch_lookup_ratio"`
}

func (o *BenchOptions) fill() {
	if o.Elements <= 0 {
		o.Elements = 10000
	}
	if o.Epochs <= 0 {
		o.Epochs = 5
	}
	if o.Deltas <= 0 {
		o.Deltas = 2000
	}
	if o.Lookups <= 0 {
		o.Lookups = 2000
	}
	if o.Batch <= 0 {
		o.Batch = 64
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Progress == nil {
		o.Progress = func(string) {}
	}
}

// benchColl is the benchmark's collection: a group key to look up by.
func benchColl(name string) Collection {
	return Collection{Name: name, Fields: []Field{{Name: "g", Kind: Int64}}}
}

func benchElement(j, groups int) Delta {
	return Delta{Data: fmt.Appendf(nil, "element-%08d", j), Keys: []any{int64(j % groups)}}
}

// Bench measures, in one run on db, deltas applied per second and index
// lookups per second the naive way and zset's, on the same workload, and
// checks that both ways end with the same rows. It works in tables of its
// own (a random prefix) and drops them when done.
func Bench(ctx context.Context, db *polysql.DB, o BenchOptions) (*BenchResult, error) {
	o.fill()
	var b [3]byte
	_, _ = rand.Read(b[:])
	prefix := "zb" + hex.EncodeToString(b[:]) + "_"
	s, err := Open(ctx, db, Options{Prefix: prefix}, benchColl("z"), benchColl("n"))
	if err != nil {
		return nil, err
	}
	defer s.Close()
	defer func() {
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		for _, t := range []string{prefix + "z", prefix + "n", prefix + "_meta"} {
			_, _ = db.ExecContext(dctx, "DROP TABLE IF EXISTS "+db.Dialect().QuoteIdent(t))
		}
	}()
	version, _ := db.ServerVersion(ctx)
	res := &BenchResult{Engine: string(db.Engine()), Version: version, Elements: o.Elements, Epochs: o.Epochs,
		Deltas: o.Deltas, Lookups: o.Lookups, Batch: o.Batch}
	groups := max(o.Elements/10, 1)
	rng := mrand.New(mrand.NewPCG(o.Seed, 0x5eed))

	// Epoch 1, untimed: every element once, in both tables.
	o.Progress("load")
	initial := make([]Delta, o.Elements)
	for j := range initial {
		initial[j] = benchElement(j, groups)
		initial[j].Weight = 1
	}
	for _, name := range []string{"z", "n"} {
		if err := commitEpoch(ctx, s, name, 1, initial); err != nil {
			return nil, err
		}
	}
	// The timed epochs: the same deltas both ways; about a fifth cancel an
	// element's weight, so rows are deleted as well as updated.
	weights := make([]int64, o.Elements)
	for j := range weights {
		weights[j] = 1
	}
	epochs := make([][]Delta, o.Epochs)
	for e := range epochs {
		for range o.Deltas {
			j := rng.IntN(o.Elements)
			d := benchElement(j, groups)
			d.Weight = int64(rng.IntN(3) + 1)
			if rng.IntN(2) == 0 {
				d.Weight = -d.Weight
			}
			if rng.IntN(5) == 0 && weights[j] != 0 {
				d.Weight = -weights[j]
			}
			if d.Weight == 0 {
				d.Weight = 1
			}
			weights[j] += d.Weight
			epochs[e] = append(epochs[e], d)
		}
	}

	// The two ways alternate epoch by epoch (and below, lookup batch by
	// lookup batch), so a machine whose load changes during the run slows
	// both alike and the ratio stays meaningful.
	o.Progress("deltas")
	naive := s.colls["n"]
	var naiveTime, zsetTime time.Duration
	for e, ds := range epochs {
		start := time.Now()
		if err := naiveEpoch(ctx, s, naive, int64(e+2), ds); err != nil {
			return nil, err
		}
		naiveTime += time.Since(start)
		start = time.Now()
		if err := commitEpoch(ctx, s, "z", int64(e+2), ds); err != nil {
			return nil, err
		}
		zsetTime += time.Since(start)
	}
	res.NaiveDeltasPerSec = rate(o.Epochs*o.Deltas, naiveTime)
	res.ZsetDeltasPerSec = rate(o.Epochs*o.Deltas, zsetTime)
	res.DeltaRatio = res.ZsetDeltasPerSec / res.NaiveDeltasPerSec

	if err := sameContents(ctx, s, "z", "n"); err != nil {
		return nil, err
	}

	keys := make([]any, o.Lookups)
	for i := range keys {
		keys[i] = int64(rng.IntN(groups))
	}
	o.Progress("lookups")
	q := "SELECT id, data, c FROM " + db.Dialect().QuoteIdent(naive.phys) + " WHERE k_g = ? ORDER BY k_g, id"
	r := s.Read()
	naiveRows, zsetRows, batchRows := 0, 0, 0
	var naiveLk, zsetLk, batchLk time.Duration
	for chunk := range slices.Chunk(keys, o.Batch) {
		start := time.Now()
		for _, k := range chunk {
			n, err := countRows(ctx, db, q, k)
			if err != nil {
				return nil, err
			}
			naiveRows += n
		}
		naiveLk += time.Since(start)
		start = time.Now()
		for _, k := range chunk {
			rows, err := r.Lookup(ctx, "z", "g", k)
			if err != nil {
				return nil, err
			}
			zsetRows += len(rows)
		}
		zsetLk += time.Since(start)
		start = time.Now()
		rows, err := r.Lookup(ctx, "z", "g", chunk...)
		if err != nil {
			return nil, err
		}
		batchLk += time.Since(start)
		// Repeated keys in a chunk are one IN item; count them as looked up.
		per := map[int64]int{}
		for _, row := range rows {
			per[row.Keys[0].(int64)]++
		}
		for _, k := range chunk {
			batchRows += per[k.(int64)]
		}
	}
	res.NaiveLookupsPerSec = rate(o.Lookups, naiveLk)
	res.ZsetLookupsPerSec = rate(o.Lookups, zsetLk)
	res.ZsetBatchLookupsPerS = rate(o.Lookups, batchLk)
	if naiveRows != zsetRows || zsetRows != batchRows {
		return nil, fmt.Errorf("zset bench: lookups found %d rows the naive way, %d and %d through zset", naiveRows, zsetRows, batchRows)
	}
	res.LookupRatio = res.ZsetLookupsPerSec / res.NaiveLookupsPerSec
	res.BatchLookupRatio = res.ZsetBatchLookupsPerS / res.NaiveLookupsPerSec
	return res, nil
}

func rate(n int, d time.Duration) float64 {
	if d <= 0 {
		d = time.Nanosecond
	}
	return float64(n) / d.Seconds()
}

func commitEpoch(ctx context.Context, s *Store, name string, epoch int64, ds []Delta) error {
	tx, err := s.Begin(ctx, epoch, epoch-1, name)
	if err != nil {
		return err
	}
	if err := tx.Apply(name, ds...); err != nil {
		_ = tx.Rollback(ctx)
		return err
	}
	return tx.Commit(ctx)
}

// naiveEpoch is how an application without zset applies an epoch: per
// delta, an additive upsert of one row, then a delete of that row if its
// weight reached 0, in one transaction, plus the watermark update.
func naiveEpoch(ctx context.Context, s *Store, c *coll, epoch int64, ds []Delta) error {
	d := s.d
	up := dialect.UpsertAdd(d, c.phys, []string{"id", "data", "c", "k_g"}, []string{"id"}, []string{"c"}, 1)
	del := "DELETE FROM " + d.QuoteIdent(c.phys) + " WHERE id = ? AND c = 0"
	return s.db.WriteTx(ctx, func(tx *polysql.Tx) error {
		for _, dl := range ds {
			if _, err := tx.Raw().ExecContext(ctx, up, Identity(dl.Data), nil, dl.Weight, dl.Keys[0]); err != nil {
				return d.Classify(err)
			}
			if _, err := tx.ExecContext(ctx, del, Identity(dl.Data)); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, "UPDATE "+d.QuoteIdent(s.meta)+" SET t = ? WHERE name = ? AND t = ?", epoch, c.table, epoch-1)
		return err
	})
}

func countRows(ctx context.Context, db *polysql.DB, q string, args ...any) (int, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var id, data nullBytes
		var c int64
		if err := rows.Scan(&id, &data, &c); err != nil {
			return 0, err
		}
		n++
	}
	return n, rows.Err()
}

// sameContents checks that two collections hold the same elements and weights.
func sameContents(ctx context.Context, s *Store, a, b string) error {
	read := func(name string) (map[string]int64, error) {
		m := map[string]int64{}
		err := s.Read().Iter(ctx, name, func(r Row) error { m[string(r.Data)] = r.Weight; return nil })
		return m, err
	}
	ma, err := read(a)
	if err != nil {
		return err
	}
	mb, err := read(b)
	if err != nil {
		return err
	}
	if len(ma) != len(mb) {
		return fmt.Errorf("zset bench: %d rows through zset, %d the naive way", len(ma), len(mb))
	}
	for k, w := range ma {
		if mb[k] != w {
			return errors.New("zset bench: zset and the naive way disagree on " + k)
		}
	}
	return nil
}
