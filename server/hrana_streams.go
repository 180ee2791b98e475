package server

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"strings"
	"sync"
	"time"
)

// Hrana streams over HTTP are tied together by batons. A stream is one
// *stream (one connection while a transaction is open, none between
// autocommit statements), bound to the app and the database that opened
// it. Every response carries a fresh baton and the previous one stops
// working, so a client cannot run two requests on one stream at once, and
// a leaked old baton is worthless. A stream idle for the server's session
// idle timeout, or older than the session lifetime cap, is closed (its
// transaction rolled back); its baton then answers STREAM_EXPIRED, which
// libSQL clients treat as a dead connection, rather than BATON_INVALID.

// Hrana error codes, beyond the native API's.
const (
	hranaCodeBatonInvalid  = "BATON_INVALID"
	hranaCodeStreamExpired = "STREAM_EXPIRED"
	hranaCodeStreamBusy    = "STREAM_BUSY"
	hranaCodeStreamClosed  = "STREAM_CLOSED"
	hranaCodeProtocol      = "PROTOCOL_ERROR"
	hranaCodeTooMany       = "TOO_MANY_STREAMS"
)

// Limits on what one stream may store, so a client cannot grow server memory.
const (
	hranaMaxStoredSQL      = 1000
	hranaMaxStoredSQLBytes = 8 << 20
)

// hranaStream is one Hrana stream.
type hranaStream struct {
	id      string
	app     *app
	db      *database
	st      *stream
	created time.Time

	busy sync.Mutex // held by the request using the stream

	// guarded by busy
	sqls     map[int32]string
	sqlBytes int
	closed   bool

	// guarded by hranaStreams.mu
	nonce    string
	deadline time.Time
	timer    *time.Timer
}

// hranaStreams is the table of open streams of one Server.
type hranaStreams struct {
	s       *Server
	mu      sync.Mutex
	open    map[string]*hranaStream
	expired map[string]time.Time
}

func newHranaStreams(s *Server) *hranaStreams {
	return &hranaStreams{s: s, open: map[string]*hranaStream{}, expired: map[string]time.Time{}}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// create opens a stream for app on db and locks it for the request.
func (hs *hranaStreams) create(a *app, db *database, readOnly bool) (*hranaStream, error) {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	if n := len(hs.open); n >= hs.s.cfg.Limits.MaxSessions {
		return nil, hranaHTTPError(newError(CodeTooManySessions,
			"%d Hrana streams are open, the server's limit (limits.max_sessions): close streams (libSQL clients do on Close)", n), hranaCodeTooMany)
	}
	hst := &hranaStream{id: randomHex(16), app: a, db: db, st: hs.s.newStream(db, readOnly, true),
		created: hs.s.now(), sqls: map[int32]string{}}
	hst.busy.Lock()
	hs.open[hst.id] = hst
	hs.touchLocked(hst)
	hst.timer.Stop() // no reaping during the request
	return hst, nil
}

// touchLocked pushes the deadline out and re-arms the reaper.
func (hs *hranaStreams) touchLocked(hst *hranaStream) {
	lim := hs.s.cfg.Limits
	now := hs.s.now()
	hst.deadline = now.Add(lim.SessionIdleTimeout.Duration)
	if capAt := hst.created.Add(lim.SessionMaxLifetime.Duration); hst.deadline.After(capAt) {
		hst.deadline = capAt
	}
	wait := hst.deadline.Sub(now)
	if hst.timer == nil {
		hst.timer = time.AfterFunc(wait, func() { hs.reap(hst) })
	} else {
		hst.timer.Reset(wait)
	}
}

// reap closes a stream whose deadline has passed, unless a request holds it.
func (hs *hranaStreams) reap(hst *hranaStream) {
	if !hst.busy.TryLock() {
		return
	}
	defer hst.busy.Unlock()
	hs.mu.Lock()
	if hs.open[hst.id] != hst || hs.s.now().Before(hst.deadline) {
		hs.mu.Unlock()
		return
	}
	hs.expireLocked(hst)
	hs.mu.Unlock()
	hst.release()
}

// expireLocked moves a stream to the expired table, bounded like sessions'.
func (hs *hranaStreams) expireLocked(hst *hranaStream) {
	delete(hs.open, hst.id)
	if hst.timer != nil {
		hst.timer.Stop()
	}
	now := hs.s.now()
	if len(hs.expired) >= expiredMemoryCount {
		for id, at := range hs.expired {
			if now.Sub(at) > expiredMemoryAge || len(hs.expired) >= expiredMemoryCount {
				delete(hs.expired, id)
			}
		}
	}
	hs.expired[hst.id] = now
}

// release rolls back what the stream left open and gives its connection back.
func (hst *hranaStream) release() {
	hst.closed = true
	hst.st.release(context.Background())
}

// baton returns the stream's next baton, invalidating the previous one.
func (hs *hranaStreams) baton(hst *hranaStream) string {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	hst.nonce = randomHex(16)
	return hst.id + "." + hst.nonce
}

// acquire finds the stream of a baton and locks it for one request. The
// baton must be the latest the stream handed out, and the caller the app
// and database that opened it. Call done when the request ends: it
// refreshes the idle deadline, or forgets the stream if it was closed.
func (hs *hranaStreams) acquire(a *app, db *database, baton string) (*hranaStream, error) {
	id, nonce, ok := strings.Cut(baton, ".")
	invalid := func() error {
		return hranaHTTPError(newError(CodeBadRequest,
			"the baton is not valid: it is unknown, was already used, or belongs to another token or database (a baton works once; use the one from the latest response)"),
			hranaCodeBatonInvalid)
	}
	if !ok {
		return nil, invalid()
	}
	hs.mu.Lock()
	hst := hs.open[id]
	if hst == nil {
		_, wasExpired := hs.expired[id]
		hs.mu.Unlock()
		if wasExpired {
			return nil, errStreamExpired()
		}
		return nil, invalid()
	}
	if hst.app != a || hst.db != db || subtle.ConstantTimeCompare([]byte(nonce), []byte(hst.nonce)) != 1 {
		hs.mu.Unlock()
		return nil, invalid()
	}
	hs.mu.Unlock()
	if !hst.busy.TryLock() {
		return nil, hranaHTTPError(newError(CodeSessionBusy,
			"the stream is running another request; a stream runs one request at a time"), hranaCodeStreamBusy)
	}
	hs.mu.Lock()
	if hs.open[id] != hst {
		hs.mu.Unlock()
		hst.busy.Unlock()
		return nil, errStreamExpired()
	}
	if !hs.s.now().Before(hst.deadline) {
		hs.expireLocked(hst)
		hs.mu.Unlock()
		hst.release()
		hst.busy.Unlock()
		return nil, errStreamExpired()
	}
	hst.timer.Stop()
	hs.mu.Unlock()
	return hst, nil
}

// done ends a request on a stream: a closed stream is forgotten, an open
// one gets a fresh idle deadline. It unlocks the stream.
func (hs *hranaStreams) done(hst *hranaStream) {
	hs.mu.Lock()
	if hst.closed {
		if hs.open[hst.id] == hst {
			delete(hs.open, hst.id)
			hst.timer.Stop()
		}
	} else if hs.open[hst.id] == hst {
		hs.touchLocked(hst)
	}
	hs.mu.Unlock()
	hst.busy.Unlock()
}

// closeAll closes every stream (at shutdown), rolling back open
// transactions, after the request using each, if any, ends.
func (hs *hranaStreams) closeAll() {
	hs.mu.Lock()
	all := make([]*hranaStream, 0, len(hs.open))
	for _, hst := range hs.open {
		all = append(all, hst)
	}
	hs.mu.Unlock()
	for _, hst := range all {
		hst.busy.Lock()
		hs.mu.Lock()
		if hs.open[hst.id] == hst {
			delete(hs.open, hst.id)
			hst.timer.Stop()
		}
		hs.mu.Unlock()
		hst.release()
		hst.busy.Unlock()
	}
}

// count returns the number of open streams.
func (hs *hranaStreams) count() int {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	return len(hs.open)
}

func errStreamExpired() error {
	return hranaHTTPError(newError(CodeSessionExpired,
		"the stream expired after being idle and was closed; its transaction, if any, was rolled back"), hranaCodeStreamExpired)
}
