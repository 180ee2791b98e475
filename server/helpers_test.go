package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// testServer starts a server on cfg, closed when the test ends.
func testServer(t testing.TB, cfg Config, opts ...Option) (*Server, *httptest.Server) {
	t.Helper()
	if cfg.StateDir == "" {
		cfg.StateDir = t.TempDir()
	}
	s, err := New(context.Background(), cfg, opts...)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(func() {
		ts.Close()
		if err := s.Close(context.Background()); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return s, ts
}

// hashOf is the config's token_sha256 for a token.
func hashOf(tok string) string {
	s := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(s[:])
}

// reply is a decoded response.
type reply struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

// code returns the error code of an error reply ("" when none).
func (r reply) code() string {
	e, _ := r.body["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

// call sends a request with a JSON body (or none when body is nil).
func call(t testing.TB, ts *httptest.Server, method, path, token string, body any, hdr ...string) reply {
	t.Helper()
	var rd io.Reader
	ctype := "application/json"
	switch b := body.(type) {
	case nil:
	case string:
		rd, ctype = bytes.NewReader([]byte(b)), "text/plain"
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, ts.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", ctype)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	r := reply{status: resp.StatusCode, header: resp.Header, raw: raw}
	_ = json.Unmarshal(raw, &r.body)
	return r
}

// q is a query request body.
func q(sql string, params ...any) map[string]any {
	if params == nil {
		params = []any{}
	}
	return map[string]any{"sql": sql, "params": params}
}

// mustOK fails unless the reply is 2xx.
func mustOK(t testing.TB, r reply) reply {
	t.Helper()
	if r.status/100 != 2 {
		t.Fatalf("status %d: %s", r.status, r.raw)
	}
	return r
}

// wantErr fails unless the reply is the error code with the status.
func wantErr(t testing.TB, r reply, code string, status int) {
	t.Helper()
	if r.status != status || r.code() != code {
		t.Fatalf("want %s %d, got %d: %s", code, status, r.status, r.raw)
	}
}
