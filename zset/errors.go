package zset

import "errors"

// Errors returned by the store, to test with errors.Is. They are wrapped
// with the collection, the epochs and the watermark involved.
var (
	// ErrStale: the collection's watermark is already past the transaction's
	// expected previous watermark, so its epoch was committed or abandoned.
	// A second commit of one epoch fails with it (or with ErrConflict),
	// never applies twice.
	ErrStale = errors.New("zset: epoch already committed or abandoned")
	// ErrConflict: at commit the watermark was not the expected one, or the
	// transaction's lease had been taken over; nothing was written.
	ErrConflict = errors.New("zset: watermark compare-and-swap failed")
	// ErrLeaseHeld: another live writer holds the epoch's lease (Abandon
	// only; Begin waits for it instead).
	ErrLeaseHeld = errors.New("zset: epoch leased by a live writer")
	// ErrNotReady: the watermark has not reached the expected previous one
	// (Abandon only; Begin waits for it instead).
	ErrNotReady = errors.New("zset: previous epoch not committed yet")
	// ErrSchemaMismatch: a collection's declared layout differs from the
	// one recorded in the database; Migrate it.
	ErrSchemaMismatch = errors.New("zset: collection layout differs from the recorded one")
	// ErrTxDone: the transaction was already committed or rolled back.
	ErrTxDone = errors.New("zset: transaction already committed or rolled back")
	// ErrReadOnly: Apply or Commit on a read-only view, or Apply to a
	// collection the transaction did not claim at Begin.
	ErrReadOnly = errors.New("zset: collection not writable in this transaction")
	// ErrUnknownCollection: the name was not declared at Open.
	ErrUnknownCollection = errors.New("zset: unknown collection")
	// ErrCollision: two different long elements share a SHA-256 (or the
	// stored bytes were changed behind the store's back).
	ErrCollision = errors.New("zset: identity collision")
)
