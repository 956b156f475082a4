package outbox

import (
	"sync"
	"time"
)

// Window is one sliding-window limit: at most Limit operations in any
// interval of length Per.
type Window struct {
	Limit int
	Per   time.Duration
}

// Limits are the windows the worker keeps to, per conversation and per
// tenant (every call to the connector counts for its tenant).
type Limits struct {
	Conversation []Window
	Tenant       []Window
}

// TeamsLimits are Teams' published limits for a bot
// (learn.microsoft.com/microsoftteams/platform/bots/how-to/rate-limit):
// per bot per thread 7/1 s, 8/2 s, 60/30 s, 1800/3600 s, and per app per
// tenant 30/s.
func TeamsLimits() Limits {
	return Limits{
		Conversation: []Window{{7, time.Second}, {8, 2 * time.Second}, {60, 30 * time.Second}, {1800, time.Hour}},
		Tenant:       []Window{{30, time.Second}},
	}
}

// NoLimits disables rate limiting (benchmarks, dev mode); 429s are still
// honoured.
func NoLimits() Limits { return Limits{} }

// limiter keeps a log of send times per conversation and per tenant, so a
// caller learns exactly when the next slot frees (reserve-style) instead of
// polling. Sends are recorded at the moment they are made (take), never in
// the future, so the log is exactly what the connector sees.
type limiter struct {
	mu        sync.Mutex
	conv      []Window
	tenant    []Window
	convs     map[string]*slidingLog
	tenants   map[string]*slidingLog
	takes     int
	horizonCv time.Duration // longest conversation window, for sweeping
	horizonTn time.Duration
}

type slidingLog struct {
	times       []time.Time // ascending; at most the largest Limit entries
	pausedUntil time.Time
}

func newLimiter(l Limits) *limiter {
	return &limiter{
		conv:      validWindows(l.Conversation),
		tenant:    validWindows(l.Tenant),
		convs:     map[string]*slidingLog{},
		tenants:   map[string]*slidingLog{},
		horizonCv: horizon(l.Conversation),
		horizonTn: horizon(l.Tenant),
	}
}

func validWindows(ws []Window) []Window {
	var out []Window
	for _, w := range ws {
		if w.Limit > 0 && w.Per > 0 {
			out = append(out, w)
		}
	}
	return out
}

func horizon(ws []Window) time.Duration {
	var h time.Duration
	for _, w := range ws {
		h = max(h, w.Per)
	}
	return h
}

// earliest is the first time >= now at which one more operation in conv
// and tenant keeps every window and pause.
func (l *limiter) earliest(conv, tenant string, now time.Time) time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	t := now
	t = l.convs[conv].earliest(l.conv, t)
	t = l.tenants[tenant].earliest(l.tenant, t)
	return t
}

// take records an operation at now if both logs allow it.
func (l *limiter) take(conv, tenant string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	c, tn := l.convs[conv], l.tenants[tenant]
	if c.earliest(l.conv, now).After(now) || tn.earliest(l.tenant, now).After(now) {
		return false
	}
	if len(l.conv) > 0 {
		if c == nil {
			c = &slidingLog{}
			l.convs[conv] = c
		}
		c.add(l.conv, now)
	}
	if len(l.tenant) > 0 {
		if tn == nil {
			tn = &slidingLog{}
			l.tenants[tenant] = tn
		}
		tn.add(l.tenant, now)
	}
	l.takes++
	if l.takes%1024 == 0 {
		l.sweep(now)
	}
	return true
}

// pause blocks conv (and, if tenantToo, the whole tenant) until until,
// after a 429.
func (l *limiter) pause(conv, tenant string, until time.Time, tenantToo bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	logFor := func(m map[string]*slidingLog, k string) *slidingLog {
		s := m[k]
		if s == nil {
			s = &slidingLog{}
			m[k] = s
		}
		return s
	}
	if c := logFor(l.convs, conv); until.After(c.pausedUntil) {
		c.pausedUntil = until
	}
	if tenantToo {
		if t := logFor(l.tenants, tenant); until.After(t.pausedUntil) {
			t.pausedUntil = until
		}
	}
}

// sweep forgets logs that no longer constrain anything.
func (l *limiter) sweep(now time.Time) {
	for k, s := range l.convs {
		if s.idle(now, l.horizonCv) {
			delete(l.convs, k)
		}
	}
	for k, s := range l.tenants {
		if s.idle(now, l.horizonTn) {
			delete(l.tenants, k)
		}
	}
}

func (s *slidingLog) idle(now time.Time, horizon time.Duration) bool {
	if s.pausedUntil.After(now) {
		return false
	}
	return len(s.times) == 0 || !s.times[len(s.times)-1].Add(horizon).After(now)
}

func (s *slidingLog) earliest(ws []Window, t time.Time) time.Time {
	if s == nil {
		return t
	}
	if s.pausedUntil.After(t) {
		t = s.pausedUntil
	}
	n := len(s.times)
	for _, w := range ws {
		if n >= w.Limit {
			if free := s.times[n-w.Limit].Add(w.Per); free.After(t) {
				t = free
			}
		}
	}
	return t
}

func (s *slidingLog) add(ws []Window, now time.Time) {
	keep := 0
	for _, w := range ws {
		keep = max(keep, w.Limit)
	}
	s.times = append(s.times, now)
	if over := len(s.times) - keep; over > 0 {
		// Shift rather than reslice so the backing array does not grow
		// without bound.
		copy(s.times, s.times[over:])
		s.times = s.times[:keep]
	}
}

// handoverPause is how long a new leader waits before its first send: the
// longest tenant window, whose sends by the previous leader it cannot see.
func (l *limiter) handoverPause() time.Duration {
	var p time.Duration
	for _, w := range l.tenant {
		p = max(p, w.Per)
	}
	return p
}
