package embedded_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"digibot/storage"
	"digibot/storage/embedded"
	"digibot/storage/storagetest"
)

func open(tb testing.TB) storage.Store {
	tb.Helper()
	s, err := embedded.Open(tb.Context(), tb.TempDir(), embedded.WithClock(storagetest.ClockFor(tb).Now))
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	return s
}

func TestConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Store { return open(t) })
}

func BenchmarkStore(b *testing.B) {
	storagetest.Bench(b, func(b *testing.B) storage.Store { return open(b) })
}

func TestOpenCreatesPrivateDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data", "digibot")
	s, err := embedded.Open(t.Context(), dir)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o700 {
		t.Fatalf("data dir mode = %v, want 0700", perm)
	}
	if want := filepath.Join(dir, embedded.FileName); s.Path() != want {
		t.Fatalf("Path = %s, want %s", s.Path(), want)
	}
	fi, err = os.Stat(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Fatalf("db file mode = %v, want 0600", perm)
	}
}

func TestOpenRefusesLockedFile(t *testing.T) {
	dir := t.TempDir()
	first, err := embedded.Open(t.Context(), dir)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer first.Close()
	start := time.Now()
	second, err := embedded.Open(t.Context(), dir, embedded.WithLockTimeout(100*time.Millisecond))
	if err == nil {
		second.Close()
		t.Fatal("second Open of a locked file succeeded")
	}
	want := "another digibot is using " + filepath.Join(dir, embedded.FileName)
	if !strings.Contains(err.Error(), want) {
		t.Fatalf("error %q does not say %q", err, want)
	}
	if waited := time.Since(start); waited > 5*time.Second {
		t.Fatalf("Open waited %s for the lock", waited)
	}
}

func TestOpenBadDir(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{"", "  ", filepath.Join(file, "sub")} {
		if s, err := embedded.Open(t.Context(), dir); err == nil {
			s.Close()
			t.Fatalf("Open(%q) succeeded", dir)
		} else if !strings.HasPrefix(err.Error(), "storage/embedded: ") {
			t.Fatalf("Open(%q) error %q lacks the package prefix", dir, err)
		}
	}
}

func TestDataSurvivesReopen(t *testing.T) {
	dir := t.TempDir()
	ctx := t.Context()
	s, err := embedded.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutDoc(ctx, "c", "d", []byte("v"), storage.NoVersion); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Enqueue(ctx, storage.OutboxEntry{ID: "x", Activity: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = embedded.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	d, err := s.GetDoc(ctx, "c", "d")
	if err != nil || string(d.Value) != "v" || d.Version != 1 {
		t.Fatalf("GetDoc after reopen = %+v, %v", d, err)
	}
	c, err := s.CountOutbox(ctx)
	if err != nil || c.Pending != 1 {
		t.Fatalf("CountOutbox after reopen = %+v, %v", c, err)
	}
}
