package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"sync"
	"time"
)

// session is an interactive transaction: a stream with a transaction open,
// bound to the token that made it, ended by commit, rollback, DELETE or
// its idle timeout (which rolls back).
type session struct {
	id      string
	app     *app
	db      *database
	st      *stream
	idle    time.Duration
	created time.Time

	busy sync.Mutex // held while a request uses the session; TryLock gives SESSION_BUSY

	// guarded by sessions.mu
	deadline time.Time
	timer    *time.Timer
}

// sessions is the table of open sessions, and of recently expired ones so
// that their ids answer SESSION_EXPIRED rather than SESSION_NOT_FOUND.
type sessions struct {
	s       *Server
	mu      sync.Mutex
	open    map[string]*session
	expired map[string]time.Time // id -> when it expired
}

// expiredMemory bounds how many expired ids are remembered, and for how long.
const (
	expiredMemoryCount = 10000
	expiredMemoryAge   = time.Hour
)

func newSessions(s *Server) *sessions {
	return &sessions{s: s, open: map[string]*session{}, expired: map[string]time.Time{}}
}

// create opens a session on db for app, beginning its transaction now.
func (ss *sessions) create(ctx context.Context, a *app, db *database, readOnlyGrant, readOnly bool, idle time.Duration) (*session, error) {
	lim := ss.s.cfg.Limits
	if idle <= 0 {
		idle = lim.SessionIdleTimeout.Duration
	}
	idle = min(idle, lim.MaxSessionIdleTimeout.Duration)
	ss.mu.Lock()
	n := len(ss.open)
	ss.mu.Unlock()
	if n >= lim.MaxSessions {
		return nil, newError(CodeTooManySessions, "%d sessions are open, the server's limit: commit or roll back one first", n)
	}
	st := ss.s.newStream(db, readOnlyGrant, false)
	if err := st.begin(ctx, readOnly); err != nil {
		return nil, err
	}
	var b [16]byte
	_, _ = rand.Read(b[:])
	now := ss.s.now()
	se := &session{id: hex.EncodeToString(b[:]), app: a, db: db, st: st, idle: idle, created: now}
	ss.mu.Lock()
	ss.open[se.id] = se
	ss.touchLocked(se, now)
	ss.mu.Unlock()
	ss.s.met.sessionsOpened.Add(1)
	return se, nil
}

// touchLocked pushes the session's idle deadline out, capped by its
// lifetime, and arms the timer that rolls it back.
func (ss *sessions) touchLocked(se *session, now time.Time) {
	se.deadline = now.Add(se.idle)
	if capAt := se.created.Add(ss.s.cfg.Limits.SessionMaxLifetime.Duration); se.deadline.After(capAt) {
		se.deadline = capAt
	}
	wait := se.deadline.Sub(now)
	if se.timer == nil {
		se.timer = time.AfterFunc(wait, func() { ss.reap(se) })
	} else {
		se.timer.Reset(wait)
	}
}

// reap rolls back a session whose deadline has passed, unless a request
// holds it (that request finds it expired when it ends, or refreshed it).
func (ss *sessions) reap(se *session) {
	if !se.busy.TryLock() {
		return // in use: the request's end re-arms or expires it
	}
	defer se.busy.Unlock()
	ss.mu.Lock()
	if ss.open[se.id] != se || ss.s.now().Before(se.deadline) {
		ss.mu.Unlock()
		return
	}
	ss.expireLocked(se)
	ss.mu.Unlock()
	se.st.release(context.Background())
}

// expireLocked moves an open session to the expired table.
func (ss *sessions) expireLocked(se *session) {
	delete(ss.open, se.id)
	if se.timer != nil {
		se.timer.Stop()
	}
	now := ss.s.now()
	if len(ss.expired) >= expiredMemoryCount {
		for id, at := range ss.expired {
			if now.Sub(at) > expiredMemoryAge || len(ss.expired) >= expiredMemoryCount {
				delete(ss.expired, id)
			}
		}
	}
	ss.expired[se.id] = now
	ss.s.met.sessionsExpired.Add(1)
}

// acquire finds the caller's session and locks it for one request. Unknown
// ids, and ids of another token's sessions, are SESSION_NOT_FOUND;
// sessions past their idle timeout are SESSION_EXPIRED (and rolled back);
// a session in use by another request is SESSION_BUSY. Call the returned
// func when the request ends: it refreshes the idle timeout.
func (ss *sessions) acquire(a *app, id string) (*session, func(), error) {
	ss.mu.Lock()
	se := ss.open[id]
	if se == nil || se.app != a {
		_, wasExpired := ss.expired[id]
		ss.mu.Unlock()
		if wasExpired && se == nil {
			return nil, nil, newError(CodeSessionExpired, "session %s expired after being idle and was rolled back", id)
		}
		return nil, nil, newError(CodeSessionNotFound, "no session %s", id)
	}
	ss.mu.Unlock()
	if !se.busy.TryLock() {
		return nil, nil, newError(CodeSessionBusy, "session %s is in use by another request; a session runs one request at a time", id)
	}
	ss.mu.Lock()
	if ss.open[id] != se {
		ss.mu.Unlock()
		se.busy.Unlock()
		return nil, nil, newError(CodeSessionExpired, "session %s expired after being idle and was rolled back", id)
	}
	if !ss.s.now().Before(se.deadline) {
		ss.expireLocked(se)
		ss.mu.Unlock()
		se.st.release(context.Background())
		se.busy.Unlock()
		return nil, nil, newError(CodeSessionExpired, "session %s expired after being idle and was rolled back", id)
	}
	se.timer.Stop() // no reaping during the request
	ss.mu.Unlock()
	return se, func() {
		ss.mu.Lock()
		if ss.open[id] == se {
			ss.touchLocked(se, ss.s.now())
		}
		ss.mu.Unlock()
		se.busy.Unlock()
	}, nil
}

// end removes a session (after commit, rollback or DELETE).
func (ss *sessions) end(se *session) {
	ss.mu.Lock()
	if ss.open[se.id] == se {
		delete(ss.open, se.id)
		if se.timer != nil {
			se.timer.Stop()
		}
	}
	ss.mu.Unlock()
}

// count returns the number of open sessions.
func (ss *sessions) count() int {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return len(ss.open)
}

// closeAll rolls back every open session (at shutdown), waiting for the
// request using one, if any, to end.
func (ss *sessions) closeAll() {
	ss.mu.Lock()
	all := make([]*session, 0, len(ss.open))
	for _, se := range ss.open {
		all = append(all, se)
	}
	ss.mu.Unlock()
	for _, se := range all {
		se.busy.Lock()
		ss.mu.Lock()
		if ss.open[se.id] == se {
			delete(ss.open, se.id)
			se.timer.Stop()
		}
		ss.mu.Unlock()
		se.st.release(context.Background())
		se.busy.Unlock()
	}
}
