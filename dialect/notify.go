package dialect

// Notifier is an engine's way for one connection to wake others: a
// statement run inside a transaction whose message is delivered to every
// listening connection when, and only when, that transaction commits
// (PostgreSQL's NOTIFY). Engines without one have no Notifier; callers
// then fall back to in-process wake-ups and bounded polling.
type Notifier interface {
	// NotifyQuery is a statement taking two bind parameters, the channel and
	// the payload, in this engine's placeholder style.
	NotifyQuery() string
	// ListenStatement subscribes the connection that runs it to channel.
	ListenStatement(channel string) string
	// UnlistenAllStatement drops every subscription of the connection, so it
	// can go back to a pool clean.
	UnlistenAllStatement() string
}

// NotifierOf returns the engine's Notifier, or false when the engine has
// no cross-connection notification.
func NotifierOf(d Dialect) (Notifier, bool) {
	h, ok := d.(interface{ notifier() Notifier })
	if !ok {
		return nil, false
	}
	n := h.notifier()
	return n, n != nil
}

func (sqliteDialect) notifier() Notifier     { return nil } // no server to deliver messages
func (mysqlDialect) notifier() Notifier      { return nil } // MySQL and MariaDB have no LISTEN
func (d postgresDialect) notifier() Notifier { return postgresNotifier{d} }

// postgresNotifier is LISTEN/NOTIFY. pg_notify takes the channel as a value,
// so channels need no quoting in NotifyQuery; LISTEN takes an identifier.
type postgresNotifier struct{ d postgresDialect }

// NotifyQuery: see Notifier.
func (n postgresNotifier) NotifyQuery() string {
	return "SELECT pg_notify(" + n.d.Placeholder(1) + ", " + n.d.Placeholder(2) + ")"
}

// ListenStatement: see Notifier.
func (n postgresNotifier) ListenStatement(channel string) string {
	return "LISTEN " + n.d.QuoteIdent(channel)
}

// UnlistenAllStatement: see Notifier.
func (postgresNotifier) UnlistenAllStatement() string { return "UNLISTEN *" }
