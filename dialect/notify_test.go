package dialect_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/polysql/polysql"
	"github.com/polysql/polysql/dialect"
	"github.com/polysql/polysql/internal/dbtest"
)

// TestNotifier: where the dialect has a Notifier, a notification sent in
// a transaction reaches a listening connection after the commit; engines
// without one say so.
func TestNotifier(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *polysql.DB) {
		n, ok := dialect.NotifierOf(db.Dialect())
		if want := db.Engine() == dialect.Postgres; ok != want {
			t.Fatalf("NotifierOf(%s) = %v, want %v", db.Engine(), ok, want)
		}
		if !ok {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		listening := make(chan struct{})
		got := make(chan string, 1)
		go func() {
			err := db.PgxConn(ctx, func(c *pgx.Conn) error {
				if _, err := c.Exec(ctx, n.ListenStatement("polysql test")); err != nil {
					return err
				}
				defer c.Exec(context.Background(), n.UnlistenAllStatement())
				close(listening)
				msg, err := c.WaitForNotification(ctx)
				if err != nil {
					return err
				}
				got <- msg.Channel + ":" + msg.Payload
				return nil
			})
			if err != nil {
				got <- "error: " + err.Error()
			}
		}()
		<-listening
		err := db.WriteTx(ctx, func(tx *polysql.Tx) error {
			_, err := tx.Raw().ExecContext(ctx, n.NotifyQuery(), "polysql test", "hello")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if msg := <-got; msg != "polysql test:hello" {
			t.Fatalf("received %q", msg)
		}
	})
}
