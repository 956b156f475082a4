package identity

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

type fakeCred struct {
	mu      sync.Mutex
	calls   int
	scopes  []string
	life    time.Duration
	refresh time.Duration // RefreshOn offset, 0 = none
	now     func() time.Time
	err     error
	empty   bool
	block   chan struct{} // when set, GetToken waits for it or ctx
}

func (f *fakeCred) GetToken(ctx context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	if f.block != nil {
		select {
		case <-f.block:
		case <-ctx.Done():
			return azcore.AccessToken{}, ctx.Err()
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	f.scopes = o.Scopes
	if f.err != nil {
		return azcore.AccessToken{}, f.err
	}
	at := azcore.AccessToken{Token: fmt.Sprintf("t%d", f.calls), ExpiresOn: f.now().Add(f.life)}
	if f.empty {
		at.Token = ""
	}
	if f.refresh != 0 {
		at.RefreshOn = f.now().Add(f.refresh)
	}
	return at, nil
}

func (f *fakeCred) count() int { f.mu.Lock(); defer f.mu.Unlock(); return f.calls }

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func TestTokenSourceCaching(t *testing.T) {
	tests := []struct {
		name    string
		life    time.Duration
		refresh time.Duration
		steps   []time.Duration // advance before each Token call
		want    []string
	}{
		{"cached until 5 min before expiry", time.Hour, 0,
			[]time.Duration{0, 30 * time.Minute, 24 * time.Minute, time.Minute}, []string{"t1", "t1", "t1", "t2"}},
		{"short-lived token refreshed at half life", 4 * time.Minute, 0,
			[]time.Duration{0, time.Minute, 59 * time.Second, time.Second}, []string{"t1", "t1", "t1", "t2"}},
		{"RefreshOn honoured", 24 * time.Hour, 12 * time.Hour,
			[]time.Duration{0, 11 * time.Hour, time.Hour}, []string{"t1", "t1", "t2"}},
		{"already expired is not cached", -time.Minute, 0,
			[]time.Duration{0, 0}, []string{"t1", "t2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &clock{t: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)}
			cred := &fakeCred{life: tt.life, refresh: tt.refresh, now: c.Now}
			ts := NewTokenSource(cred, BotConnectorScope, WithClock(c.Now))
			for i, d := range tt.steps {
				c.Advance(d)
				got, err := ts.Token(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				if got != tt.want[i] {
					t.Fatalf("step %d: token %q, want %q", i, got, tt.want[i])
				}
			}
			if len(cred.scopes) != 1 || cred.scopes[0] != BotConnectorScope {
				t.Fatalf("scopes %v", cred.scopes)
			}
		})
	}
}

func TestTokenSourceErrors(t *testing.T) {
	c := &clock{t: time.Now()}
	boom := errors.New("entra down")
	cred := &fakeCred{life: time.Hour, now: c.Now, err: boom}
	ts := NewTokenSource(cred, BotConnectorScope, WithClock(c.Now))
	if _, err := ts.Token(context.Background()); !errors.Is(err, boom) {
		t.Fatalf("got %v", err)
	}
	// Errors are not cached: the next call tries again and succeeds.
	cred.mu.Lock()
	cred.err = nil
	cred.mu.Unlock()
	if tok, err := ts.Token(context.Background()); err != nil || tok == "" {
		t.Fatalf("token %q, %v", tok, err)
	}

	empty := NewTokenSource(&fakeCred{life: time.Hour, now: c.Now, empty: true}, BotConnectorScope)
	if _, err := empty.Token(context.Background()); err == nil {
		t.Fatal("empty token accepted")
	}
	if _, err := NewTokenSource(nil, BotConnectorScope).Token(context.Background()); err == nil {
		t.Fatal("nil credential accepted")
	}
}

func TestTokenSourceWaiterHonoursContext(t *testing.T) {
	c := &clock{t: time.Now()}
	cred := &fakeCred{life: time.Hour, now: c.Now, block: make(chan struct{})}
	ts := NewTokenSource(cred, BotConnectorScope, WithClock(c.Now))
	first := make(chan error, 1)
	go func() { _, err := ts.Token(context.Background()); first <- err }()

	// Wait until the first caller holds the fetch slot.
	deadline := time.Now().Add(10 * time.Second)
	for len(ts.sem) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("first caller never started fetching")
		}
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ts.Token(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("waiter: %v", err)
	}
	close(cred.block)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if n := cred.count(); n != 1 {
		t.Fatalf("%d fetches", n)
	}
}

func BenchmarkTokenCached(b *testing.B) {
	ts := NewTokenSource(&fakeCred{life: time.Hour, now: time.Now}, BotConnectorScope)
	ctx := context.Background()
	if _, err := ts.Token(ctx); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := ts.Token(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
}
