package outbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"digibot/bot/connector"
	"digibot/storage"
	"digibot/storage/embedded"
	sredis "digibot/storage/redis"
	"digibot/storage/redis/redistest"
)

// Environment of the child worker process.
const (
	envChild     = "DIGIBOT_OUTBOX_CHILD"
	envStore     = "DIGIBOT_OUTBOX_CHILD_STORE" // embedded:<dir> or redis:<prefix>
	envConnector = "DIGIBOT_OUTBOX_CHILD_CONNECTOR"
	envStatus    = "DIGIBOT_OUTBOX_CHILD_STATUS" // file the child writes its status address to
	envOwner     = "DIGIBOT_OUTBOX_CHILD_OWNER"
)

// childConfig keeps the restart fast: short lock and lease, no limits.
func childConfig(owner string, logger *slog.Logger) Config {
	return Config{
		Owner: owner, Batch: 16, Limits: &Limits{},
		LockTTL: time.Second, LeaseTTL: 3 * time.Second,
		RequestTimeout: time.Second, SettleTimeout: 500 * time.Millisecond,
		PollInterval: 100 * time.Millisecond, Logger: logger,
	}
}

// TestChildWorker is the worker process TestKillRestart starts (and kills).
func TestChildWorker(t *testing.T) {
	if os.Getenv(envChild) != "1" {
		t.Skip("runs only as the child process of TestKillRestart")
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	kind, where, _ := strings.Cut(os.Getenv(envStore), ":")
	var s Store
	switch kind {
	case "embedded":
		es, err := embedded.Open(ctx, where, embedded.WithLockTimeout(10*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		defer es.Close()
		s = es
	case "redis":
		rs, err := sredis.Open(ctx, redistest.URL(), sredis.WithPrefix(where))
		if err != nil {
			t.Fatal(err)
		}
		defer rs.Close()
		s = rs
	default:
		t.Fatalf("bad %s", envStore)
	}
	// The parent cannot read a bbolt file this process holds, so the
	// child reports its counts on a loopback endpoint.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	status := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := s.CountOutbox(r.Context())
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		_ = json.NewEncoder(w).Encode(c)
	})}
	go func() { _ = status.Serve(ln) }()
	defer status.Close()
	statusFile := os.Getenv(envStatus)
	if err := os.WriteFile(statusFile+".tmp", []byte(ln.Addr().String()), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(statusFile+".tmp", statusFile); err != nil {
		t.Fatal(err)
	}
	client := connector.New(nil, staticToken("tok-child"), connector.WithServiceURLCheck(connector.LoopbackOnly))
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	w, err := New(s, client, childConfig(os.Getenv(envOwner), logger))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Run(ctx); err != nil {
		t.Fatal(err)
	}
}

// child is a running TestChildWorker process.
type child struct {
	cmd    *exec.Cmd
	out    *bytes.Buffer
	status string // address of its count endpoint
}

func startChild(t *testing.T, storeSpec, connectorURL, owner string) *child {
	t.Helper()
	statusFile := filepath.Join(t.TempDir(), "status")
	cmd := exec.Command(os.Args[0], "-test.run=^TestChildWorker$", "-test.count=1")
	cmd.Env = append(os.Environ(), envChild+"=1", envStore+"="+storeSpec, envConnector+"="+connectorURL, envStatus+"="+statusFile, envOwner+"="+owner)
	out := &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd, out: out}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
		if t.Failed() {
			t.Logf("child %s output:\n%s", owner, out.String())
		}
	})
	waitFor(t, 60*time.Second, "child status address", func() bool {
		b, err := os.ReadFile(statusFile)
		c.status = string(b)
		return err == nil
	})
	return c
}

func (c *child) counts() (storage.OutboxCounts, error) {
	var out storage.OutboxCounts
	resp, err := http.Get("http://" + c.status + "/")
	if err != nil {
		return out, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return out, fmt.Errorf("status %d", resp.StatusCode)
	}
	return out, json.NewDecoder(resp.Body).Decode(&out)
}

func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", limit, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestKillRestart kills a worker process in the middle of a drain and
// starts another: every entry is delivered exactly once, none is lost.
func TestKillRestart(t *testing.T) {
	if os.Getenv(envChild) == "1" {
		t.Skip("inside the child")
	}
	const n, k = 120, 37
	cases := []struct {
		name string
		open func(t *testing.T) (spec string, open func() (Store, func()))
	}{
		{"embedded", func(t *testing.T) (string, func() (Store, func())) {
			dir := t.TempDir()
			return "embedded:" + dir, func() (Store, func()) {
				s, err := embedded.Open(context.Background(), dir)
				if err != nil {
					t.Fatal(err)
				}
				return s, func() { _ = s.Close() }
			}
		}},
		{"redis", func(t *testing.T) (string, func() (Store, func())) {
			redistest.Require(t) // skips or fails without Redis
			prefix := redistest.Prefix(t, "outbox")
			return "redis:" + prefix, func() (Store, func()) {
				s, err := sredis.Open(context.Background(), redistest.URL(), sredis.WithPrefix(prefix))
				if err != nil {
					t.Fatal(err)
				}
				return s, func() { _ = s.Close() }
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			spec, open := tc.open(t)
			ctx := context.Background()
			fake := newFakeConnector(time.Now)
			fake.holdAfter = k
			srv := httptest.NewServer(fake)
			defer srv.Close()

			s, closeStore := open()
			convs := seedRefs(t, ctx, s, 40, []string{tenantA}, srv.URL+"/amer/")
			for i := range n {
				enqueue(t, ctx, s, storage.OutboxEntry{ID: fmt.Sprintf("k%03d", i), RefKey: convs[i%40].key})
			}
			closeStore() // the child holds the bbolt file from now on

			c1 := startChild(t, spec, srv.URL, "child-1")
			waitFor(t, 60*time.Second, "K deliveries recorded by child 1", func() bool {
				c, err := c1.counts()
				return err == nil && c.Delivered == k
			})
			waitFor(t, 60*time.Second, "a held request", func() bool { return fake.heldCount() > 0 })
			if err := c1.cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			_ = c1.cmd.Wait()
			waitFor(t, 30*time.Second, "held requests to end", func() bool { return fake.heldCount() == 0 })
			if got := fake.okCount(); got != k {
				t.Fatalf("fake answered %d 2xx before the kill, want %d", got, k)
			}
			fake.releaseHeld()

			c2 := startChild(t, spec, srv.URL, "child-2")
			waitFor(t, 60*time.Second, "all deliveries recorded by child 2", func() bool {
				c, err := c2.counts()
				return err == nil && c.Delivered == n
			})
			if err := c2.cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			if err := c2.cmd.Wait(); err != nil {
				var ee *exec.ExitError
				if !errors.As(err, &ee) || !ee.Success() {
					t.Errorf("child 2 did not stop cleanly: %v", err)
				}
			}

			s, closeStore = open()
			defer closeStore()
			_, delivered, actIDs, bad := fake.snapshot()
			for _, b := range bad {
				t.Errorf("protocol: %s", b)
			}
			reattempted := 0
			for i := range n {
				id := fmt.Sprintf("k%03d", i)
				if delivered[id] != 1 {
					t.Errorf("%s delivered %d times", id, delivered[id])
				}
				e, err := s.GetOutbox(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				if e.State != storage.OutboxDelivered || e.ActivityID != actIDs[id] {
					t.Errorf("%s: %s, activity %q want %q", id, e.State, e.ActivityID, actIDs[id])
				}
				if e.Attempts > 1 {
					reattempted++
				}
			}
			if got := fake.okCount(); got != n {
				t.Errorf("%d 2xx answers in all, want %d", got, n)
			}
			t.Logf("%d entries, %d before the kill, %d leased again after it", n, k, reattempted)
		})
	}
}
