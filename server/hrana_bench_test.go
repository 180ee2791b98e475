package server

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/polysql/polysql/dialect"
	"github.com/polysql/polysql/internal/dbtest"
)

// BenchmarkHranaPointQuery measures a primary-key lookup over Hrana with
// hand-written requests (no client library's cost): a one-shot pipeline
// (execute + close, a new stream each time), a request on a kept stream
// (its baton passed along), and the native API's query for comparison.
//
//	go test ./server -run XXX -bench HranaPointQuery -benchtime 3s
func BenchmarkHranaPointQuery(b *testing.B) {
	h := startHrana(b, dbtest.FreshURL(b, dialect.SQLite))
	db := h.srv.dbs[DefaultDatabase].db
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < 1000) INSERT INTO vals (id, s) SELECT x, 'value ' || x FROM c"); err != nil {
		b.Fatal(err)
	}
	client := h.ts.Client()
	post := func(path, body string) []byte {
		req, _ := http.NewRequest(http.MethodPost, h.ts.URL+path, bytes.NewReader([]byte(body)))
		req.Header.Set("Authorization", "Bearer "+tokRW)
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		out, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("status %d: %s", resp.StatusCode, out)
		}
		return out
	}
	run := func(name string, query func(i int)) {
		b.Run(name, func(b *testing.B) {
			lat := make([]time.Duration, 0, 1024)
			for i := 0; b.Loop(); i++ {
				t0 := time.Now()
				query(i%1000 + 1)
				lat = append(lat, time.Since(t0))
			}
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
		})
	}
	run("native-query", func(i int) {
		post("/v1/databases/default/query", fmt.Sprintf(`{"sql":"SELECT s FROM vals WHERE id = ?","params":[%d]}`, i))
	})
	run("hrana-one-shot", func(i int) {
		post("/hrana/default/v2/pipeline", fmt.Sprintf(`{"baton":null,"requests":[{"type":"execute","stmt":{"sql":"SELECT s FROM vals WHERE id = ?","args":[{"type":"integer","value":"%d"}]}},{"type":"close"}]}`, i))
	})
	baton := "null"
	run("hrana-kept-stream", func(i int) {
		out := post("/hrana/default/v3/pipeline", fmt.Sprintf(`{"baton":%s,"requests":[{"type":"execute","stmt":{"sql":"SELECT s FROM vals WHERE id = ?","args":[{"type":"integer","value":"%d"}]}}]}`, baton, i))
		j := bytes.Index(out, []byte(`"baton":`))
		k := bytes.IndexByte(out[j+9:], '"')
		baton = string(out[j+8 : j+9+k+1])
	})
}
