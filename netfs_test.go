package polysql

// Internal tests: they swap networkFilesystem, which the external tests cannot reach.

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestClassifyFS(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("filesystem magic numbers are read on Linux only")
	}
	tests := []struct {
		name    string
		magic   int64
		network bool
		fs      string
	}{
		{"nfs", 0x6969, true, "nfs"},
		{"smb", 0x517b, true, "smb"},
		{"cifs", 0xff534d42, true, "cifs"},
		{"cifs as a sign-extended int32", int64(int32(-0x00acb2be)), true, "cifs"}, // 0xff534d42
		{"smb2", 0xfe534d42, true, "smb2"},
		{"fuse", 0x65735546, true, "fuse"},
		{"9p", 0x01021997, true, "9p"},
		{"ceph", 0x00c36400, true, "ceph"},
		{"ext4", 0xEF53, false, ""},
		{"tmpfs", 0x01021994, false, ""},
		{"overlay", 0x794c7630, false, ""},
		{"btrfs", 0x9123683E, false, ""},
		{"xfs", 0x58465342, false, ""},
		{"zero", 0, false, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs, network := classifyFS(tc.magic)
			if network != tc.network || fs != tc.fs {
				t.Errorf("classifyFS(%#x) = %q, %v; want %q, %v", tc.magic, fs, network, tc.fs, tc.network)
			}
		})
	}
	if fs, network := detectNetworkFilesystem(filepath.Join(t.TempDir(), "no", "such", "dir")); network {
		t.Errorf("detectNetworkFilesystem(missing folder) = %q, true; want false", fs)
	}
}

// pretendNetworkFS makes every folder look like it is on fs for the rest of the test.
func pretendNetworkFS(t *testing.T, fs string) *[]string {
	t.Helper()
	var asked []string
	saved := networkFilesystem
	networkFilesystem = func(dir string) (string, bool) {
		asked = append(asked, dir)
		return fs, true
	}
	t.Cleanup(func() { networkFilesystem = saved })
	return &asked
}

func TestNetworkFilesystemFallback(t *testing.T) {
	asked := pretendNetworkFS(t, "nfs")
	dir := t.TempDir()
	var logged bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logged, nil))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	db, err := Open(ctx, "sqlite:///"+filepath.Join(dir, "shared.db"), WithLogger(logger))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if len(*asked) != 1 || (*asked)[0] != dir {
		t.Errorf("network check asked about %q, want [%q]", *asked, dir)
	}
	if db.JournalMode() != "delete" {
		t.Errorf("JournalMode() = %q on a network filesystem, want delete", db.JournalMode())
	}
	for pragma, want := range map[string]string{"journal_mode": "delete", "synchronous": "2"} {
		var got string
		if err := db.Writer().QueryRowContext(ctx, "PRAGMA "+pragma).Scan(&got); err != nil || got != want {
			t.Errorf("PRAGMA %s = %q, %v; want %q", pragma, got, err, want)
		}
	}
	notices := db.Notices()
	if len(notices) != 1 || !strings.Contains(notices[0], "network filesystem (nfs)") || !strings.Contains(notices[0], "journal_mode=delete") {
		t.Errorf("Notices() = %q, want one naming the network filesystem and the fallback", notices)
	}
	if len(notices) > 0 {
		notices[0] = "changed"
		if db.Notices()[0] == "changed" {
			t.Errorf("Notices() returns the DB's own slice")
		}
	}
	if !strings.Contains(logged.String(), "network filesystem") || !strings.Contains(logged.String(), "level=WARN") {
		t.Errorf("the fallback was not logged as a warning; log: %q", logged.String())
	}

	// The database works in its rollback-journal mode.
	if _, err := db.ExecContext(ctx, "CREATE TABLE t (x INTEGER)"); err != nil {
		t.Fatal(err)
	}
	if err := db.WriteTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO t VALUES (?)", 1)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM t").Scan(&n); err != nil || n != 1 {
		t.Errorf("COUNT(*) = %d, %v; want 1", n, err)
	}
}

func TestNoticeWithNilLogger(t *testing.T) {
	pretendNetworkFS(t, "nfs")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := Open(ctx, "sqlite:///"+filepath.Join(t.TempDir(), "x.db"), WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if len(db.Notices()) != 1 {
		t.Errorf("Notices() = %q, want the fallback notice", db.Notices())
	}
}

func TestNetworkFilesystemExplicitModeWins(t *testing.T) {
	for _, tc := range []struct {
		name string
		url  string
		opts []Option
	}{
		{"option", "sqlite:///%s", []Option{WithJournalMode("wal")}},
		{"URL", "sqlite:///%s?journal_mode=wal", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			asked := pretendNetworkFS(t, "smb2")
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			raw := strings.Replace(tc.url, "%s", filepath.Join(t.TempDir(), "x.db"), 1)
			db, err := Open(ctx, raw, tc.opts...)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if db.JournalMode() != "wal" || len(db.Notices()) != 0 {
				t.Errorf("JournalMode() = %q, Notices() = %q; an explicit wal must be kept without a notice", db.JournalMode(), db.Notices())
			}
			if len(*asked) != 0 {
				t.Errorf("the filesystem was checked although the mode was explicit")
			}
		})
	}
}

func TestLocalFilesystemNoNotice(t *testing.T) {
	saved := networkFilesystem
	networkFilesystem = func(string) (string, bool) { return "", false }
	t.Cleanup(func() { networkFilesystem = saved })
	var logged bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := Open(ctx, "sqlite:///"+filepath.Join(t.TempDir(), "x.db"), WithLogger(slog.New(slog.NewTextHandler(&logged, nil))))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if db.JournalMode() != "wal" || len(db.Notices()) != 0 || logged.Len() != 0 {
		t.Errorf("JournalMode() = %q, Notices() = %q, log %q; want wal, none, nothing", db.JournalMode(), db.Notices(), logged.String())
	}
}
