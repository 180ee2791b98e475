package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestTokenNew(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"token", "new"}, nil, &out, &errb); code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	m := regexp.MustCompile(`token:\s+(\S+)\ntoken_sha256: ([0-9a-f]{64})\n`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("output: %q", out.String())
	}
	sum := sha256.Sum256([]byte(m[1]))
	if hex.EncodeToString(sum[:]) != m[2] {
		t.Fatalf("hash %s is not the token's SHA-256", m[2])
	}
	var out2 bytes.Buffer
	run(context.Background(), []string{"token", "new"}, nil, &out2, &errb)
	if out2.String() == out.String() {
		t.Fatal("two tokens are the same")
	}
}

// lockedBuffer is a bytes.Buffer safe for the server goroutine's writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *lockedBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

func TestServeSetupAndShutdown(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	schema := filepath.Join(dir, "schema.sql")
	if err := os.WriteFile(schema, []byte("CREATE TABLE IF NOT EXISTS b (x INTEGER);\nINSERT INTO b VALUES (7);\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stderr lockedBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--listen", "127.0.0.1:0",
			"--sql", "CREATE TABLE IF NOT EXISTS a (x INTEGER)", "--sql", "@" + schema + ":default"}, nil, io.Discard, &stderr)
	}()
	re := regexp.MustCompile(`listening on (http://\S+)`)
	var base string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := re.FindStringSubmatch(stderr.String()); m != nil {
			base = m[1]
			break
		}
		select {
		case code := <-done:
			t.Fatalf("serve exited %d: %s", code, stderr.String())
		default:
		}
	}
	if base == "" {
		t.Fatalf("serve did not start: %s", stderr.String())
	}
	resp, err := http.Post(base+"/v1/databases/default/query", "text/plain", strings.NewReader("SELECT x FROM b"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"rows":[[7]]`) {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	if _, err := os.Stat(filepath.Join(dir, ".polysql", "default.db")); err != nil {
		t.Fatalf("default database: %v", err)
	}
	cancel() // as SIGTERM does
	if code := <-done; code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), "polysql serve: stopped") {
		t.Fatalf("no clean stop: %s", stderr.String())
	}
}

func TestServeRefusesPublicWithoutTokens(t *testing.T) {
	t.Chdir(t.TempDir())
	var errb bytes.Buffer
	code := run(context.Background(), []string{"serve", "--listen", "0.0.0.0:0"}, nil, io.Discard, &errb)
	if code != exitError || !strings.Contains(errb.String(), "without any app token") {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
}

func TestBenchServe(t *testing.T) {
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"bench", "serve", "--rows", "100", "--queries", "300", "--concurrency", "2", "--json"}, nil, &out, &errb)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var rep struct {
		Engine    string
		InProcess struct{ Queries int } `json:"in_process"`
		HTTP      struct {
			Queries int
			QPS     float64
		}
		ThroughputRatio float64 `json:"throughput_ratio"`
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	if rep.Engine != "sqlite" || rep.HTTP.Queries != 300 || rep.InProcess.Queries != 300 || rep.HTTP.QPS <= 0 || rep.ThroughputRatio <= 0 {
		t.Fatalf("report: %s", out.String())
	}
}
