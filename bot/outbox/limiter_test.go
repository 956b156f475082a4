package outbox

import (
	"fmt"
	"testing"
	"time"
)

func TestLimiter(t *testing.T) {
	t0 := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	ms := time.Millisecond
	type step struct {
		op      string // take, earliest, pause, pauseTenant
		conv    string
		tenant  string
		at      time.Duration
		want    time.Duration // earliest: expected time; take: ok when 0, refused when -1
		pauseTo time.Duration
	}
	cases := []struct {
		name   string
		limits Limits
		steps  []step
	}{
		{
			name:   "two windows per conversation",
			limits: Limits{Conversation: []Window{{2, time.Second}, {3, 10 * time.Second}}},
			steps: []step{
				{op: "take", conv: "a", at: 0},
				{op: "take", conv: "a", at: 0},
				{op: "earliest", conv: "a", at: 0, want: time.Second},
				{op: "take", conv: "a", at: 500 * ms, want: -1},
				{op: "earliest", conv: "b", at: 0, want: 0},
				{op: "take", conv: "a", at: time.Second},
				{op: "earliest", conv: "a", at: time.Second, want: 10 * time.Second},
				{op: "take", conv: "a", at: 10 * time.Second},
				{op: "earliest", conv: "a", at: 10 * time.Second, want: 10 * time.Second},
				{op: "take", conv: "a", at: 10 * time.Second},
				{op: "earliest", conv: "a", at: 10 * time.Second, want: 11 * time.Second},
			},
		},
		{
			name:   "tenant window spans conversations",
			limits: Limits{Conversation: []Window{{7, time.Second}}, Tenant: []Window{{3, time.Second}}},
			steps: []step{
				{op: "take", conv: "a", tenant: "t", at: 0},
				{op: "take", conv: "b", tenant: "t", at: 100 * ms},
				{op: "take", conv: "c", tenant: "t", at: 200 * ms},
				{op: "earliest", conv: "d", tenant: "t", at: 300 * ms, want: time.Second},
				{op: "earliest", conv: "d", tenant: "u", at: 300 * ms, want: 300 * ms},
				{op: "take", conv: "d", tenant: "t", at: time.Second},
				{op: "earliest", conv: "e", tenant: "t", at: time.Second, want: 1100 * ms},
			},
		},
		{
			name:   "pauses",
			limits: Limits{Conversation: []Window{{7, time.Second}}, Tenant: []Window{{30, time.Second}}},
			steps: []step{
				{op: "pause", conv: "a", tenant: "t", at: 0, pauseTo: 5 * time.Second},
				{op: "earliest", conv: "a", tenant: "t", at: time.Second, want: 5 * time.Second},
				{op: "earliest", conv: "b", tenant: "t", at: time.Second, want: time.Second},
				{op: "take", conv: "a", tenant: "t", at: 4 * time.Second, want: -1},
				{op: "pauseTenant", conv: "a", tenant: "t", at: 0, pauseTo: 7 * time.Second},
				{op: "earliest", conv: "b", tenant: "t", at: time.Second, want: 7 * time.Second},
				{op: "earliest", conv: "b", tenant: "u", at: time.Second, want: time.Second},
				// A shorter pause does not shorten a longer one.
				{op: "pause", conv: "a", tenant: "t", at: 0, pauseTo: 2 * time.Second},
				{op: "earliest", conv: "a", tenant: "t", at: time.Second, want: 7 * time.Second},
			},
		},
		{
			name:   "no limits",
			limits: NoLimits(),
			steps: []step{
				{op: "take", conv: "a", at: 0}, {op: "take", conv: "a", at: 0}, {op: "take", conv: "a", at: 0},
				{op: "earliest", conv: "a", at: 0, want: 0},
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l := newLimiter(tc.limits)
			for i, s := range tc.steps {
				switch s.op {
				case "take":
					ok := l.take(s.conv, s.tenant, at(s.at))
					if ok != (s.want != -1) {
						t.Fatalf("step %d: take at %s = %v", i, s.at, ok)
					}
				case "earliest":
					if got := l.earliest(s.conv, s.tenant, at(s.at)); !got.Equal(at(s.want)) {
						t.Fatalf("step %d: earliest(%s) = +%s, want +%s", i, s.at, got.Sub(t0), s.want)
					}
				case "pause", "pauseTenant":
					l.pause(s.conv, s.tenant, at(s.pauseTo), s.op == "pauseTenant")
				}
			}
		})
	}
}

// TestLimiterMemory: a conversation's log holds at most the largest
// limit, and idle logs are swept.
func TestLimiterMemory(t *testing.T) {
	l := newLimiter(TeamsLimits())
	t0 := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	now := t0
	for range 5000 {
		now = l.earliest("a", "t", now)
		if !l.take("a", "t", now) {
			t.Fatal("take at earliest refused")
		}
	}
	if n := len(l.convs["a"].times); n != 1800 {
		t.Errorf("log holds %d times, want 1800", n)
	}
	// 5000 sends at Teams' limits take at least two hours and a bit.
	if d := now.Sub(t0); d < 2*time.Hour {
		t.Errorf("5000 sends in %s", d)
	}
	later := now.Add(2 * time.Hour)
	for i := range 1024 {
		if k := fmt.Sprint("other", i); !l.take(k, k, later) {
			t.Fatal("take refused")
		}
	}
	if _, ok := l.convs["a"]; ok {
		t.Error("idle conversation log not swept")
	}
}

func TestBackoff(t *testing.T) {
	w := &Worker{cfg: Config{BaseBackoff: time.Second, MaxBackoff: 5 * time.Minute}}
	cases := []struct {
		attempt int
		rand    float64
		want    time.Duration
	}{
		{1, 0.5, 500 * time.Millisecond},
		{2, 0.5, time.Second},
		{3, 0.999, 3996 * time.Millisecond},
		{9, 1, 256 * time.Second},
		{10, 1, 5 * time.Minute},
		{60, 1, 5 * time.Minute},
		{4, 0, 0},
	}
	for _, tc := range cases {
		w.cfg.Rand = func() float64 { return tc.rand }
		if got := w.backoff(tc.attempt); got != tc.want {
			t.Errorf("backoff(%d) with rand %v = %s, want %s", tc.attempt, tc.rand, got, tc.want)
		}
	}
}
